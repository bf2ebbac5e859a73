package clinicapi_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"holdfast/shared/clinic"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

var (
	anon    = platformtest.Call{}
	admin   = platformtest.Call{Sub: "root", Roles: []string{identity.RoleAdmin}}
	recep   = platformtest.Call{Sub: "rita", Roles: []string{identity.RoleReceptionist}}
	doctor  = platformtest.Call{Sub: "drx", Roles: []string{identity.RoleDoctor}}
	alice   = platformtest.Call{Sub: "alice", Roles: []string{identity.RolePatient}}
	mallory = platformtest.Call{Sub: "mallory", Roles: []string{identity.RolePatient}}
	cust    = platformtest.Call{Sub: "carol", Roles: []string{identity.RoleCustomer}}
	noRoles = platformtest.Call{Sub: "nobody"}
)

const (
	scriptTag = "<script>alert(1)</script>"
	traversal = "../../etc/passwd"
	sqlish    = "1' OR '1'='1'; DROP TABLE clinic;--"
	doctorOK  = `{"name":"Dr Who","specialty":"GP","startTime":"09:00","endTime":"17:00","slotMinutes":10,"maxTokens":20}`
)

var (
	overlongID = strings.Repeat("a", 65)      // one past the 64-character id limit
	hugeID     = strings.Repeat("a", 65*1024) // a 65 KiB path parameter
	hugeBody   = `{"x":"` + strings.Repeat("x", 65*1024) + `"}`
)

// routeCase is one request that must be refused: status and problem code, and for a 400 the
// fields the problem names, in order.
type routeCase struct {
	name, rk, id string
	c            platformtest.Call
	status       int
	code         string
	fields       []string
}

// hostileIDs are path parameters no route may accept: traversal, markup, SQL-ish, too long.
func hostileIDs(rk, param string, c platformtest.Call, appointment bool) []routeCase {
	ids := map[string]string{
		"traversal":  traversal,
		"script":     scriptTag,
		"sql-ish":    sqlish,
		"overlong":   overlongID,
		"65KiB id":   hugeID,
		"empty id":   "",
		"null byte":  "doc\x00",
		"unicode id": "dóctor",
	}
	if appointment {
		ids["overlong doctor part"] = overlongID + ".20250115.1"
		ids["token out of range"] = "D1.20250115.1000"
		ids["token zero"] = "D1.20250115.0"
		ids["impossible date"] = "D1.20251332.1"
		ids["traversal suffix"] = "D1.20250115.1/../../x"
	}
	var out []routeCase
	for name, id := range ids {
		out = append(out, routeCase{rk + " hostile id " + name, rk, id, c, 400, errs.CodeValidation, []string{param}})
	}
	return out
}

// bodyCases are the body faults of a route whose body must be empty or {}: malformed, wrong
// type, unknown field, oversize.
func bodyCases(rk, id string, c platformtest.Call) []routeCase {
	return []routeCase{
		{rk + " malformed", rk, id, withBody(c, `{"reason":`), 400, errs.CodeMalformedJSON, nil},
		{rk + " trailing data", rk, id, withBody(c, `{} {}`), 400, errs.CodeMalformedJSON, nil},
		{rk + " wrong type", rk, id, withBody(c, `["x"]`), 400, errs.CodeInvalidType, []string{"$"}},
		{rk + " null body", rk, id, withBody(c, `null`), 400, errs.CodeInvalidType, []string{"$"}},
		{rk + " unknown field", rk, id, withBody(c, `{"state":"COMPLETED"}`), 400, errs.CodeUnknownField, []string{"state"}},
		{rk + " hostile unknown field", rk, id, withBody(c, `{"`+strings.ReplaceAll(scriptTag, `"`, ``)+`":1}`), 400, errs.CodeUnknownField, []string{scriptTag}},
		{rk + " oversize", rk, id, withBody(c, hugeBody), 400, errs.CodeBodyTooLarge, nil},
	}
}

func authCases(rk, id string, wrong ...platformtest.Call) []routeCase {
	out := []routeCase{{rk + " unauthenticated", rk, id, withBody(anon, `{}`), 401, errs.CodeUnauthenticated, nil}}
	for _, w := range append(wrong, noRoles) {
		out = append(out, routeCase{rk + " as " + strings.Join(w.Roles, ",") + " " + w.Sub, rk, id, w, 403, errs.CodeForbidden, nil})
	}
	return out
}

func notFound(rk, id string, c platformtest.Call) routeCase {
	return routeCase{rk + " not found", rk, id, c, 404, errs.CodeNotFound, nil}
}

// clinicCases is the table: every clinic route × every way its input can be bad. doc is an
// existing doctor; appt an existing BOOKED appointment of alice's with doc.
func clinicCases(doc, appt string) []routeCase {
	var cs []routeCase
	add := func(c ...routeCase) { cs = append(cs, c...) }
	missingDoc := "nosuchdoctor"
	missingAppt := doc + ".20250115.7"

	// POST /api/v1/doctors (admin)
	rk := "POST /api/v1/doctors"
	add(authCases(rk, "", recep, doctor, alice, cust)...)
	add(
		routeCase{rk + " malformed", rk, "", withBody(admin, `{"name":`), 400, errs.CodeMalformedJSON, nil},
		routeCase{rk + " empty body", rk, "", admin, 400, errs.CodeEmptyBody, nil},
		routeCase{rk + " missing all", rk, "", withBody(admin, `{}`), 400, errs.CodeValidation,
			[]string{"name", "specialty", "startTime", "endTime", "slotMinutes", "maxTokens"}},
		routeCase{rk + " missing maxTokens", rk, "", withBody(admin, strings.Replace(doctorOK, `,"maxTokens":20`, ``, 1)), 400, errs.CodeValidation, []string{"maxTokens"}},
		routeCase{rk + " wrong type slotMinutes", rk, "", withBody(admin, strings.Replace(doctorOK, `"slotMinutes":10`, `"slotMinutes":"10"`, 1)), 400, errs.CodeInvalidType, []string{"slotMinutes"}},
		routeCase{rk + " wrong type name", rk, "", withBody(admin, strings.Replace(doctorOK, `"name":"Dr Who"`, `"name":["Dr Who"]`, 1)), 400, errs.CodeInvalidType, []string{"name"}},
		routeCase{rk + " wrong type body", rk, "", withBody(admin, `[]`), 400, errs.CodeInvalidType, []string{"$"}},
		routeCase{rk + " unknown field id", rk, "", withBody(admin, strings.Replace(doctorOK, `{`, `{"id":"root",`, 1)), 400, errs.CodeUnknownField, []string{"id"}},
		routeCase{rk + " oversize", rk, "", withBody(admin, `{"name":"`+strings.Repeat("n", 65*1024)+`"}`), 400, errs.CodeBodyTooLarge, nil},
		routeCase{rk + " script name", rk, "", withBody(admin, strings.Replace(doctorOK, `Dr Who`, `<script>alert(1)<\/script>`, 1)), 400, errs.CodeValidation, []string{"name"}},
		routeCase{rk + " script specialty", rk, "", withBody(admin, strings.Replace(doctorOK, `"GP"`, `"<img src=x onerror=alert(1)>"`, 1)), 400, errs.CodeValidation, []string{"specialty"}},
		routeCase{rk + " control char name", rk, "", withBody(admin, strings.Replace(doctorOK, `Dr Who`, `Dr\u0000Who`, 1)), 400, errs.CodeValidation, []string{"name"}},
		routeCase{rk + " bidi control name", rk, "", withBody(admin, strings.Replace(doctorOK, `Dr Who`, `Dr \u202eohW`, 1)), 400, errs.CodeValidation, []string{"name"}},
		routeCase{rk + " zero-width name", rk, "", withBody(admin, strings.Replace(doctorOK, `Dr Who`, `Dr\u200bWho`, 1)), 400, errs.CodeValidation, []string{"name"}},
		routeCase{rk + " overlong name", rk, "", withBody(admin, strings.Replace(doctorOK, `Dr Who`, strings.Repeat("W", 101), 1)), 400, errs.CodeValidation, []string{"name"}},
		routeCase{rk + " blank name", rk, "", withBody(admin, strings.Replace(doctorOK, `Dr Who`, `   `, 1)), 400, errs.CodeValidation, []string{"name"}},
		routeCase{rk + " sql-ish startTime", rk, "", withBody(admin, strings.Replace(doctorOK, `"09:00"`, `"09:00' OR '1'='1"`, 1)), 400, errs.CodeValidation, []string{"startTime"}},
		routeCase{rk + " end before start", rk, "", withBody(admin, strings.Replace(doctorOK, `"17:00"`, `"08:00"`, 1)), 400, errs.CodeValidation, []string{"endTime"}},
		routeCase{rk + " maxTokens too many", rk, "", withBody(admin, strings.Replace(doctorOK, `"maxTokens":20`, `"maxTokens":99`, 1)), 400, errs.CodeValidation, []string{"maxTokens"}},
		routeCase{rk + " slotMinutes negative", rk, "", withBody(admin, strings.Replace(doctorOK, `"slotMinutes":10`, `"slotMinutes":-5`, 1)), 400, errs.CodeValidation, []string{"slotMinutes"}},
		routeCase{rk + " slotMinutes float", rk, "", withBody(admin, strings.Replace(doctorOK, `"slotMinutes":10`, `"slotMinutes":10.5`, 1)), 400, errs.CodeInvalidType, []string{"slotMinutes"}},
	)

	rk = "POST /api/v1/doctors"
	add(
		routeCase{rk + " user wrong type", rk, "", withBody(admin, strings.Replace(doctorOK, `{`, `{"user":7,`, 1)), 400, errs.CodeInvalidType, []string{"user"}},
		routeCase{rk + " script user", rk, "", withBody(admin, strings.Replace(doctorOK, `{`, `{"user":"<script>",`, 1)), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " empty user", rk, "", withBody(admin, strings.Replace(doctorOK, `{`, `{"user":"",`, 1)), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " overlong user", rk, "", withBody(admin, strings.Replace(doctorOK, `{`, `{"user":"`+strings.Repeat("u", 256)+`",`, 1)), 400, errs.CodeValidation, []string{"user"}},
	)

	// PUT /api/v1/doctors/{id}/user (admin): names the doctor's own user
	rk = "PUT /api/v1/doctors/{id}/user"
	userOK := `{"user":"user-dr-new"}`
	add(authCases(rk, doc, withBody(recep, userOK), withBody(doctor, userOK), withBody(alice, userOK), withBody(cust, userOK))...)
	add(hostileIDs(rk, "id", withBody(admin, userOK), false)...)
	add(
		routeCase{rk + " malformed", rk, doc, withBody(admin, `{"user":`), 400, errs.CodeMalformedJSON, nil},
		routeCase{rk + " empty body", rk, doc, admin, 400, errs.CodeEmptyBody, nil},
		routeCase{rk + " missing user", rk, doc, withBody(admin, `{}`), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " null user", rk, doc, withBody(admin, `{"user":null}`), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " wrong type user", rk, doc, withBody(admin, `{"user":["x"]}`), 400, errs.CodeInvalidType, []string{"user"}},
		routeCase{rk + " wrong type body", rk, doc, withBody(admin, `[]`), 400, errs.CodeInvalidType, []string{"$"}},
		routeCase{rk + " unknown field", rk, doc, withBody(admin, `{"user":"x","name":"Dr Evil"}`), 400, errs.CodeUnknownField, []string{"name"}},
		routeCase{rk + " oversize", rk, doc, withBody(admin, `{"user":"`+strings.Repeat("u", 65*1024)+`"}`), 400, errs.CodeBodyTooLarge, nil},
		routeCase{rk + " empty user", rk, doc, withBody(admin, `{"user":""}`), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " overlong user", rk, doc, withBody(admin, `{"user":"`+strings.Repeat("u", 256)+`"}`), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " script user", rk, doc, withBody(admin, `{"user":"`+strings.ReplaceAll(scriptTag, `"`, ``)+`"}`), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " sql-ish user", rk, doc, withBody(admin, `{"user":"`+sqlish+`"}`), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " traversal user", rk, doc, withBody(admin, `{"user":"`+traversal+`"}`), 400, errs.CodeValidation, []string{"user"}},
		routeCase{rk + " space in user", rk, doc, withBody(admin, `{"user":"dr x"}`), 400, errs.CodeValidation, []string{"user"}},
		notFound(rk, missingDoc, withBody(admin, userOK)),
	)

	// GET /api/v1/doctors (clinic roles)
	rk = "GET /api/v1/doctors"
	add(authCases(rk, "", cust)...)
	add(
		routeCase{rk + " unknown param", rk, "", withQuery(recep, "evil=1"), 400, errs.CodeValidation, []string{"evil"}},
		routeCase{rk + " limit wrong type", rk, "", withQuery(recep, "limit=abc"), 400, errs.CodeValidation, []string{"limit"}},
		routeCase{rk + " limit zero", rk, "", withQuery(recep, "limit=0"), 400, errs.CodeValidation, []string{"limit"}},
		routeCase{rk + " limit too big", rk, "", withQuery(recep, "limit=101"), 400, errs.CodeValidation, []string{"limit"}},
		routeCase{rk + " limit twice", rk, "", withQuery(recep, "limit=1&limit=2"), 400, errs.CodeValidation, []string{"limit"}},
		routeCase{rk + " sql-ish limit", rk, "", withQuery(recep, "limit="+url.QueryEscape(sqlish)), 400, errs.CodeValidation, []string{"limit"}},
		routeCase{rk + " traversal cursor", rk, "", withQuery(recep, "cursor="+url.QueryEscape(traversal)), 400, "invalid_cursor", []string{"cursor"}},
		routeCase{rk + " script cursor", rk, "", withQuery(recep, "cursor="+url.QueryEscape(scriptTag)), 400, "invalid_cursor", []string{"cursor"}},
		routeCase{rk + " oversize cursor", rk, "", withQuery(recep, "cursor="+strings.Repeat("A", 65*1024)), 400, "invalid_cursor", []string{"cursor"}},
		routeCase{rk + " forged cursor", rk, "", withQuery(recep, "cursor=eyJQSyI6IngiLCJTSyI6IngiLCJHMVBLIjoieCIsIkcxU0siOiJ4In0"), 400, "invalid_cursor", []string{"cursor"}},
	)

	// GET /api/v1/doctors/{id}/slots
	rk = "GET /api/v1/doctors/{id}/slots"
	add(authCases(rk, doc, cust)...)
	add(hostileIDs(rk, "id", alice, false)...)
	add(
		routeCase{rk + " bad date", rk, doc, withQuery(alice, "date=2025-13-01"), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " date in year 9999", rk, doc, withQuery(alice, "date=9999-12-31"), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " sql-ish date", rk, doc, withQuery(alice, "date="+url.QueryEscape(sqlish)), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " unknown param", rk, doc, withQuery(alice, "doctorId=x"), 400, errs.CodeValidation, []string{"doctorId"}},
		notFound(rk, missingDoc, alice),
	)

	// POST /api/v1/appointments (patient)
	rk = "POST /api/v1/appointments"
	book := func(doctorID, date, slot, extra string) string {
		return `{"doctorId":` + doctorID + `,"date":` + date + `,"slot":` + slot + extra + `}`
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	add(authCases(rk, "", recep, doctor, admin, cust)...)
	add(
		routeCase{rk + " malformed", rk, "", withBody(alice, `{"doctorId":`), 400, errs.CodeMalformedJSON, nil},
		routeCase{rk + " empty body", rk, "", alice, 400, errs.CodeEmptyBody, nil},
		routeCase{rk + " missing all", rk, "", withBody(alice, `{}`), 400, errs.CodeValidation, []string{"doctorId", "date", "slot"}},
		routeCase{rk + " missing slot", rk, "", withBody(alice, `{"doctorId":`+q(doc)+`,"date":"2025-01-15"}`), 400, errs.CodeValidation, []string{"slot"}},
		routeCase{rk + " date in year 9999", rk, "", withBody(alice, book(q(doc), `"9999-12-31"`, `"16:00"`, ``)), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " wrong type doctorId", rk, "", withBody(alice, book(`123`, `"2025-01-15"`, `"16:00"`, ``)), 400, errs.CodeInvalidType, []string{"doctorId"}},
		routeCase{rk + " wrong type date", rk, "", withBody(alice, book(q(doc), `20250115`, `"16:00"`, ``)), 400, errs.CodeInvalidType, []string{"date"}},
		routeCase{rk + " unknown field patientId", rk, "", withBody(alice, book(q(doc), `"2025-01-15"`, `"16:00"`, `,"patientId":"mallory"`)), 400, errs.CodeUnknownField, []string{"patientId"}},
		routeCase{rk + " unknown field token", rk, "", withBody(alice, book(q(doc), `"2025-01-15"`, `"16:00"`, `,"token":1`)), 400, errs.CodeUnknownField, []string{"token"}},
		routeCase{rk + " oversize", rk, "", withBody(alice, book(q(doc), `"2025-01-15"`, `"16:00"`, `,"patientName":"`+strings.Repeat("p", 65*1024)+`"`)), 400, errs.CodeBodyTooLarge, nil},
		routeCase{rk + " script patientName", rk, "", withBody(alice, book(q(doc), `"2025-01-15"`, `"16:00"`, `,"patientName":`+q(scriptTag))), 400, errs.CodeValidation, []string{"patientName"}},
		routeCase{rk + " overlong patientName", rk, "", withBody(alice, book(q(doc), `"2025-01-15"`, `"16:00"`, `,"patientName":"`+strings.Repeat("p", 101)+`"`)), 400, errs.CodeValidation, []string{"patientName"}},
		routeCase{rk + " traversal doctorId", rk, "", withBody(alice, book(q(traversal), `"2025-01-15"`, `"16:00"`, ``)), 400, errs.CodeValidation, []string{"doctorId"}},
		routeCase{rk + " sql-ish doctorId", rk, "", withBody(alice, book(q(sqlish), `"2025-01-15"`, `"16:00"`, ``)), 400, errs.CodeValidation, []string{"doctorId"}},
		routeCase{rk + " overlong doctorId", rk, "", withBody(alice, book(q(overlongID), `"2025-01-15"`, `"16:00"`, ``)), 400, errs.CodeValidation, []string{"doctorId"}},
		routeCase{rk + " script doctorId", rk, "", withBody(alice, book(q(scriptTag), `"2025-01-15"`, `"16:00"`, ``)), 400, errs.CodeValidation, []string{"doctorId"}},
		routeCase{rk + " sql-ish date", rk, "", withBody(alice, book(q(doc), q(sqlish), `"16:00"`, ``)), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " bad slot", rk, "", withBody(alice, book(q(doc), `"2025-01-15"`, `"25:00"`, ``)), 400, errs.CodeValidation, []string{"slot"}},
		routeCase{rk + " slot not offered", rk, "", withBody(alice, book(q(doc), `"2025-01-15"`, `"09:05"`, ``)), 400, errs.CodeValidation, []string{"slot"}},
		routeCase{rk + " every field bad", rk, "", withBody(alice, book(q(traversal), q(scriptTag), q(sqlish), `,"patientName":""`)), 400, errs.CodeValidation,
			[]string{"doctorId", "date", "slot", "patientName"}},
		routeCase{rk + " unknown doctor", rk, "", withBody(alice, book(q("nosuchdoctor"), `"2025-01-15"`, `"16:00"`, ``)), 404, errs.CodeNotFound, nil},
		routeCase{rk + " date in the past", rk, "", withBody(alice, book(q(doc), `"2025-01-14"`, `"16:00"`, ``)), 422, clinic.CodeDateInPast, nil},
		routeCase{rk + " date 91 days ahead", rk, "", withBody(alice, book(q(doc), `"2025-04-16"`, `"16:00"`, ``)), 422, clinic.CodeDateTooFar, nil},
		routeCase{rk + " date in the past, unknown doctor", rk, "", withBody(alice, book(q("nosuchdoctor"), `"2025-01-14"`, `"16:00"`, ``)), 422, clinic.CodeDateInPast, nil},
	)

	// GET /api/v1/appointments/{id}
	rk = "GET /api/v1/appointments/{id}"
	add(authCases(rk, appt, cust)...)
	add(hostileIDs(rk, "id", alice, true)...)
	add(
		routeCase{rk + " another patient's", rk, appt, mallory, 403, errs.CodeForbidden, nil},
		notFound(rk, missingAppt, alice),
	)

	// The appointment transitions: who may act, who may not.
	type tr struct {
		rk        string
		who       platformtest.Call
		wrong     []platformtest.Call
		ownerOnly bool
		conflict  bool // refused on a BOOKED appointment
	}
	for _, x := range []tr{
		{"POST /api/v1/appointments/{id}/cancel", alice, []platformtest.Call{doctor, cust}, true, false},
		{"POST /api/v1/appointments/{id}/check-in", alice, []platformtest.Call{doctor, admin, cust}, true, false},
		{"POST /api/v1/appointments/{id}/emergency-check-in", recep, []platformtest.Call{alice, doctor, admin}, false, false},
		{"POST /api/v1/appointments/{id}/skip", doctor, []platformtest.Call{alice, admin}, false, true},
		{"POST /api/v1/appointments/{id}/complete", doctor, []platformtest.Call{alice, recep, admin}, false, true},
	} {
		add(authCases(x.rk, appt, x.wrong...)...)
		add(hostileIDs(x.rk, "id", x.who, true)...)
		add(bodyCases(x.rk, appt, x.who)...)
		add(notFound(x.rk, missingAppt, x.who), notFound(x.rk, "nosuchdoctor.20250115.1", x.who))
		if x.ownerOnly {
			add(routeCase{x.rk + " another patient's", x.rk, appt, withBody(mallory, `{}`), 403, errs.CodeForbidden, nil})
		}
		if x.conflict {
			add(routeCase{x.rk + " while BOOKED", x.rk, appt, x.who, 409, clinic.CodeIllegalTransition, nil})
		}
	}

	// POST /api/v1/doctors/{id}/queue/next (doctor)
	rk = "POST /api/v1/doctors/{id}/queue/next"
	add(authCases(rk, doc, alice, mallory, recep, admin)...)
	add(hostileIDs(rk, "id", doctor, false)...)
	add(bodyCases(rk, doc, doctor)...)
	add(
		routeCase{rk + " bad date", rk, doc, withQuery(doctor, "date=15-01-2025"), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " script date", rk, doc, withQuery(doctor, "date="+url.QueryEscape(scriptTag)), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " unknown param", rk, doc, withQuery(doctor, "token=1"), 400, errs.CodeValidation, []string{"token"}},
		notFound(rk, missingDoc, doctor),
		routeCase{rk + " nobody checked in", rk, doc, doctor, 409, clinic.CodeQueueEmpty, nil},
	)

	// GET /api/v1/doctors/{id}/queue and /stats (staff)
	for _, rk := range []string{"GET /api/v1/doctors/{id}/queue", "GET /api/v1/doctors/{id}/stats"} {
		add(authCases(rk, doc, alice, cust)...)
		add(hostileIDs(rk, "id", recep, false)...)
		add(
			routeCase{rk + " unknown param", rk, doc, withQuery(recep, "evil="+url.QueryEscape(scriptTag)), 400, errs.CodeValidation, []string{"evil"}},
			notFound(rk, missingDoc, recep),
		)
	}
	add(routeCase{"GET /api/v1/doctors/{id}/queue bad date", "GET /api/v1/doctors/{id}/queue", doc, withQuery(recep, "date=2025-02-30"), 400, errs.CodeValidation, []string{"date"}})

	// GET /api/v1/doctors/{id}/board (public)
	rk = "GET /api/v1/doctors/{id}/board"
	add(hostileIDs(rk, "id", anon, false)...)
	add(
		routeCase{rk + " bad date", rk, doc, withQuery(anon, "date="+url.QueryEscape(sqlish)), 400, errs.CodeValidation, []string{"date"}},
		routeCase{rk + " unknown param", rk, doc, withQuery(anon, "names=1"), 400, errs.CodeValidation, []string{"names"}},
		routeCase{rk + " oversize param", rk, doc, withQuery(anon, "date="+strings.Repeat("9", 65*1024)), 400, errs.CodeValidation, []string{"date"}},
		notFound(rk, missingDoc, anon),
		routeCase{rk + " public", rk, doc, anon, 200, "", nil},
	)

	// POST /api/v1/doctors/{id}/display-tokens (receptionist, admin)
	rk = "POST /api/v1/doctors/{id}/display-tokens"
	add(authCases(rk, doc, alice, doctor, cust)...)
	add(hostileIDs(rk, "id", recep, false)...)
	add(bodyCases(rk, doc, recep)...)
	add(notFound(rk, missingDoc, recep))

	// GET /board/{doctorId} (public)
	rk = "GET /board/{doctorId}"
	add(hostileIDs(rk, "doctorId", anon, false)...)
	add(
		routeCase{rk + " unknown param", rk, doc, withQuery(anon, "display="+url.QueryEscape(scriptTag)), 400, errs.CodeValidation, []string{"display"}},
		routeCase{rk + " public", rk, doc, anon, 200, "", nil},
	)
	return cs
}

// isClinicRoute: a route key of the clinic product (its policy action, or its path).
func isClinicRoute(rk string) bool {
	p, _ := authz.Lookup(rk)
	_, path, _ := strings.Cut(rk, " ")
	return strings.HasPrefix(p.Action, "clinic.") || strings.HasPrefix(path, "/api/v1/doctors") ||
		strings.HasPrefix(path, "/api/v1/appointments") || strings.HasPrefix(path, "/board/")
}

// TestClinicRouteTableCoversEveryClinicRoute fails when a clinic route in the policy table has
// no handler here, no hostile-input 400 naming a field, or (unless public) no 401 and 403 case.
func TestClinicRouteTableCoversEveryClinicRoute(t *testing.T) {
	cases := clinicCases("D1", "D1.20250115.1")
	var clinicRoutes []string
	for _, rk := range authz.Routes() {
		if !isClinicRoute(rk) {
			continue
		}
		clinicRoutes = append(clinicRoutes, rk)
		p, _ := authz.Lookup(rk)
		if _, ok := builds[rk]; !ok {
			t.Errorf("%s: no handler in builds", rk)
		}
		seen := map[int]bool{}
		for _, c := range cases {
			if c.rk == rk {
				seen[c.status] = true
				if c.status == 400 && len(c.fields) > 0 {
					seen[-400] = true
				}
			}
		}
		if !seen[-400] {
			t.Errorf("%s: no 400 case naming a field", rk)
		}
		if p.Public {
			if !seen[200] {
				t.Errorf("%s: public, but no anonymous 200 case", rk)
			}
		} else if !seen[401] || !seen[403] {
			t.Errorf("%s: missing a 401 or 403 case (%v)", rk, seen)
		}
		if p.Mutating && !slices.ContainsFunc(cases, func(c routeCase) bool { return c.rk == rk && c.code == errs.CodeBodyTooLarge }) {
			t.Errorf("%s: a write route without an oversize-body case", rk)
		}
	}
	for rk := range builds {
		if !slices.Contains(clinicRoutes, rk) {
			t.Errorf("%s is built here but is not a clinic route in authz.Routes()", rk)
		}
	}
	for _, c := range cases {
		if !slices.Contains(clinicRoutes, c.rk) {
			t.Errorf("case %q names unknown route %s", c.name, c.rk)
		}
	}
	if len(clinicRoutes) != 17 {
		t.Errorf("%d clinic routes, want 17 (update the table): %v", len(clinicRoutes), clinicRoutes)
	}
}

// seed registers a doctor (as admin) whose record names doctor's user, and books alice into
// it through the routes.
func seed(t *testing.T, e *clinicEnv) (doc, appt string) {
	t.Helper()
	r := e.call(t, "POST /api/v1/doctors", "", withBody(admin, strings.Replace(doctorOK, `{`, `{"user":"`+doctor.Sub+`",`, 1)))
	if r.StatusCode != 201 {
		t.Fatalf("create doctor %d %s", r.StatusCode, r.Body)
	}
	var d struct{ ID string }
	platformtest.JSON(t, r, &d)
	r = e.call(t, "POST /api/v1/appointments", "", withBody(alice, `{"doctorId":"`+d.ID+`","date":"2025-01-15","slot":"16:00","patientName":"Alice Example"}`))
	if r.StatusCode != 201 {
		t.Fatalf("book %d %s", r.StatusCode, r.Body)
	}
	var a struct{ ID string }
	platformtest.JSON(t, r, &a)
	return d.ID, a.ID
}

// TestClinicRoutesRejectBadInputAndWriteNothing runs the table: each request is refused with
// the expected status and problem+json (naming the bad field), leaks nothing, echoes no
// markup, and neither the clinic table nor the connections table changes.
func TestClinicRoutesRejectBadInputAndWriteNothing(t *testing.T) {
	e := clinicSetup(t)
	doc, appt := seed(t, e)
	clinicBefore, connBefore := e.items(t, clinicTable), e.items(t, connectionsTable)
	if len(clinicBefore) == 0 {
		t.Fatal("seeding wrote nothing")
	}
	cases := clinicCases(doc, appt)
	for _, c := range cases {
		resp := e.call(t, c.rk, c.id, c.c)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %.300s", c.name, resp.StatusCode, resp.Body)
			continue
		}
		if strings.Contains(resp.Body, "<script>alert") || strings.Contains(resp.Body, "<img src=x") || strings.Contains(resp.Body, "goroutine") ||
			strings.Contains(resp.Body, "Exception") || strings.Contains(resp.Body, "Alice Example") {
			t.Errorf("%s: body leaks or echoes: %.300s", c.name, resp.Body)
		}
		if c.status == 200 {
			continue
		}
		if ct := resp.Headers["Content-Type"]; ct != problem.ContentType {
			t.Errorf("%s: Content-Type %q", c.name, ct)
		}
		var doc problem.Document
		if err := json.Unmarshal([]byte(resp.Body), &doc); err != nil {
			t.Errorf("%s: not a problem document: %v %.300s", c.name, err, resp.Body)
			continue
		}
		if doc.Status != c.status || doc.Code != c.code {
			t.Errorf("%s: status %d code %q, want %d %q", c.name, doc.Status, doc.Code, c.status, c.code)
		}
		var fields []string
		for _, f := range doc.Errors {
			fields = append(fields, f.Field)
		}
		if !slices.Equal(fields, c.fields) {
			t.Errorf("%s: fields %q, want %q", c.name, fields, c.fields)
		}
	}
	if after := e.items(t, clinicTable); !slices.Equal(after, clinicBefore) {
		t.Errorf("bad input changed the clinic table:\nbefore %d items %v\nafter  %d items %v", len(clinicBefore), clinicBefore, len(after), after)
	}
	if after := e.items(t, connectionsTable); !slices.Equal(after, connBefore) {
		t.Errorf("bad input changed the connections table: %v", after)
	}
	perRoute := map[string]int{}
	for _, c := range cases {
		perRoute[c.rk]++
	}
	t.Logf("%d cases over %d routes: %v", len(cases), len(perRoute), perRoute)
}

// TestPatientCannotCallNextOrSeeAnotherPatientsAppointment: a patient is refused the doctor's
// next call (403) and another patient's appointment (403, for reading or acting), while the
// owner and staff still see it, and the queue is untouched.
func TestPatientCannotCallNextOrSeeAnotherPatientsAppointment(t *testing.T) {
	e := clinicSetup(t)
	doc, appt := seed(t, e)
	before := e.items(t, clinicTable)
	for _, who := range []platformtest.Call{alice, mallory} {
		if r := e.call(t, "POST /api/v1/doctors/{id}/queue/next", doc, who); r.StatusCode != 403 || !strings.Contains(r.Body, `"code":"forbidden"`) {
			t.Errorf("%s next: %d %s", who.Sub, r.StatusCode, r.Body)
		}
		if r := e.call(t, "GET /api/v1/doctors/{id}/queue", doc, who); r.StatusCode != 403 {
			t.Errorf("%s queue: %d %s", who.Sub, r.StatusCode, r.Body)
		}
	}
	r := e.call(t, "GET /api/v1/appointments/{id}", appt, mallory)
	if r.StatusCode != 403 || strings.Contains(r.Body, "Alice") || strings.Contains(r.Body, `"patientId"`) {
		t.Errorf("mallory reads alice's appointment: %d %s", r.StatusCode, r.Body)
	}
	for _, rk := range []string{"POST /api/v1/appointments/{id}/cancel", "POST /api/v1/appointments/{id}/check-in"} {
		if r := e.call(t, rk, appt, mallory); r.StatusCode != 403 {
			t.Errorf("mallory %s: %d %s", rk, r.StatusCode, r.Body)
		}
	}
	if after := e.items(t, clinicTable); !slices.Equal(after, before) {
		t.Fatalf("refused calls changed the clinic table:\n%v\n%v", before, after)
	}
	for _, who := range []platformtest.Call{alice, recep, doctor, admin} {
		r := e.call(t, "GET /api/v1/appointments/{id}", appt, who)
		if r.StatusCode != 200 || !strings.Contains(r.Body, `"patientId":"alice"`) || !strings.Contains(r.Body, `"state":"BOOKED"`) {
			t.Errorf("%s reads the appointment: %d %s", who.Sub, r.StatusCode, r.Body)
		}
	}
}

// TestBookingWindowThroughTheRoute: the route books the last day of the window (today + 90 in
// the business time zone) and refuses the day after it and the day before today, with the
// details clients have always been given.
func TestBookingWindowThroughTheRoute(t *testing.T) {
	e := clinicSetup(t)
	doc, _ := seed(t, e)
	body := func(date string) string {
		return `{"doctorId":"` + doc + `","date":"` + date + `","slot":"16:00"}`
	}
	if r := e.call(t, "POST /api/v1/appointments", "", withBody(mallory, body("2025-04-15"))); r.StatusCode != 201 ||
		!strings.Contains(r.Body, `"date":"2025-04-15"`) {
		t.Fatalf("today+90: %d %s", r.StatusCode, r.Body)
	}
	for date, want := range map[string]problem.Document{
		"2025-04-16": {Status: 422, Code: clinic.CodeDateTooFar, Detail: "Appointments can be booked at most 90 days ahead."},
		"2025-01-14": {Status: 422, Code: clinic.CodeDateInPast, Detail: "Appointments can be booked from today on."},
	} {
		r := e.call(t, "POST /api/v1/appointments", "", withBody(mallory, body(date)))
		var got problem.Document
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatalf("%s: %v %s", date, err, r.Body)
		}
		if r.StatusCode != want.Status || got.Code != want.Code || got.Detail != want.Detail {
			t.Errorf("%s: %d %+v, want %+v", date, r.StatusCode, got, want)
		}
	}
}

// TestSlotsShowWhatBookingWillDo: the slots view counts tokens and bookings with the day's
// own rules — a cancelled booking frees its slot and its place, though not its token number.
func TestSlotsShowWhatBookingWillDo(t *testing.T) {
	e := clinicSetup(t)
	doc, appt := seed(t, e)
	if r := e.call(t, "POST /api/v1/appointments", "", withBody(mallory, `{"doctorId":"`+doc+`","date":"2025-01-15","slot":"16:00"}`)); r.StatusCode != 201 {
		t.Fatalf("book: %d %s", r.StatusCode, r.Body)
	}
	if r := e.call(t, "POST /api/v1/appointments/{id}/cancel", appt, alice); r.StatusCode != 200 {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.Body)
	}
	r := e.call(t, "GET /api/v1/doctors/{id}/slots", doc, withQuery(alice, "date=2025-01-15"))
	var v struct {
		MaxTokens, TokensIssued, TokensRemaining int
		Slots                                    []struct {
			Time   string
			Booked int
		}
	}
	platformtest.JSON(t, r, &v)
	booked := map[string]int{}
	for _, s := range v.Slots {
		booked[s.Time] += s.Booked
	}
	if r.StatusCode != 200 || v.MaxTokens != 20 || v.TokensIssued != 2 || v.TokensRemaining != 19 || len(v.Slots) != 48 ||
		booked["16:00"] != 1 || booked["09:00"] != 0 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
}
