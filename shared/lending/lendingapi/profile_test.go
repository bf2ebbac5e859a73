package lendingapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"holdfast/shared/lending/lendingapi"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/lambdahttp"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

type profile struct {
	UserID        string  `json:"userId"`
	CreditScore   int     `json:"creditScore"`
	MonthlyIncome *string `json:"monthlyIncome"`
	Email         string  `json:"email"`
	Phone         string  `json:"phone"`
	FCMToken      string  `json:"fcmToken"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
	Version       int64   `json:"version"`
}

type env struct {
	d     *httpapi.Deps
	clk   *clock.Fixed
	get   *lambdahttp.Function
	patch *lambdahttp.Function
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{clk: clock.NewFixed(time.Date(2025, 5, 5, 5, 5, 5, 0, time.UTC))}
	e.d = platformtest.Deps(t, platformtest.Options{Clock: e.clk})
	var err error
	if e.get, err = lambdahttp.New(context.Background(), "GET /api/v1/me", e.d, lendingapi.GetMe); err != nil {
		t.Fatal(err)
	}
	if e.patch, err = lambdahttp.New(context.Background(), "PATCH /api/v1/me", e.d, lendingapi.PatchMe); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) do(t *testing.T, fn *lambdahttp.Function, c platformtest.Call) events.APIGatewayV2HTTPResponse {
	t.Helper()
	c.Path = "/api/v1/me"
	if fn == e.patch {
		c.Method = "PATCH"
	}
	resp, err := fn.Invoke(context.Background(), c.Event())
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (e *env) lendingItems(t *testing.T) int {
	t.Helper()
	out, err := e.d.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(e.d.Config.LendingTable)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Items)
}

var alice = platformtest.Call{Sub: "alice", Roles: []string{"customer"}}

func TestGetMeCreatesOnceAndReturnsTheSameProfile(t *testing.T) {
	e := setup(t)
	r1 := e.do(t, e.get, alice)
	e.clk.Advance(time.Hour)
	r2 := e.do(t, e.get, alice)
	var p1, p2 profile
	platformtest.JSON(t, r1, &p1)
	platformtest.JSON(t, r2, &p2)
	if r1.StatusCode != 200 || r2.StatusCode != 200 || p1.CreatedAt != p2.CreatedAt || p1.CreatedAt != "2025-05-05T05:05:05Z" ||
		p1.CreditScore != 650 || p1.MonthlyIncome != nil || p1.UserID != "alice" || p2.Version != 1 {
		t.Fatalf("%+v\n%+v", p1, p2)
	}
	if strings.Contains(r1.Body, "monthlyIncome") {
		t.Fatalf("an undeclared income must be absent: %s", r1.Body)
	}
	if n := e.lendingItems(t); n != 1 {
		t.Fatalf("%d items", n)
	}
}

func TestPatchMeDeclaresIncomeAndIsAudited(t *testing.T) {
	e := setup(t)
	c := alice
	c.Body = `{"monthlyIncome":"85000.5"}`
	c.Headers = map[string]string{"X-Correlation-Id": "patch-1"}
	resp := e.do(t, e.patch, c)
	var p profile
	platformtest.JSON(t, resp, &p)
	if resp.StatusCode != 200 || p.MonthlyIncome == nil || *p.MonthlyIncome != "85000.50" || p.Version != 2 {
		t.Fatalf("%d %+v", resp.StatusCode, p)
	}
	var got profile
	platformtest.JSON(t, e.do(t, e.get, alice), &got)
	if got.MonthlyIncome == nil || *got.MonthlyIncome != "85000.50" {
		t.Fatalf("%+v", got)
	}
	page, err := audit.NewStore(e.d.DynamoDB, e.d.Config.AuditTable, e.clk).Query(context.Background(), audit.Query{Action: "profile.update"})
	if err != nil || len(page.Items) != 1 {
		t.Fatal(page, err)
	}
	r := page.Items[0]
	if r.Actor.ID != "alice" || r.Outcome != audit.Success || r.Status != 200 || r.Entity == nil ||
		*r.Entity != (audit.Entity{Type: "profile", ID: "alice"}) || r.CorrelationID != "patch-1" ||
		!strings.Contains(string(r.Arguments), `"85000.5"`) {
		t.Fatalf("%+v", r)
	}
	// The GET is not audited.
	if all, _ := audit.NewStore(e.d.DynamoDB, e.d.Config.AuditTable, e.clk).Query(context.Background(), audit.Query{}); len(all.Items) != 1 {
		t.Fatalf("%d audit records", len(all.Items))
	}
}

func TestPatchMeBadInputWritesNothing(t *testing.T) {
	e := setup(t)
	cases := []struct {
		body  string
		code  string
		field string
	}{
		{`{"monthlyIncome":"-1"}`, errs.CodeValidation, "monthlyIncome"},
		{`{"monthlyIncome":"1.999"}`, errs.CodeValidation, "monthlyIncome"},
		{`{"monthlyIncome":"1000000000.01"}`, errs.CodeValidation, "monthlyIncome"},
		{`{"monthlyIncome":"lots"}`, errs.CodeValidation, "monthlyIncome"},
		{`{"monthlyIncome":5000}`, errs.CodeInvalidType, "monthlyIncome"},
		{`{"monthlyIncome":null}`, errs.CodeValidation, "monthlyIncome"},
		{`{}`, errs.CodeValidation, "monthlyIncome"},
		{`{"monthlyIncome":"1.00","creditScore":900}`, errs.CodeUnknownField, "creditScore"},
		{`{"email":"not-an-address"}`, errs.CodeValidation, "email"},
		{`{"email":"Asha <asha@example.com>"}`, errs.CodeValidation, "email"},
		{`{"phone":"9876543210"}`, errs.CodeValidation, "phone"},
		{`{"phone":"+91 98765 43210"}`, errs.CodeValidation, "phone"},
		{`{"fcmToken":"<script>alert(1)</script>"}`, errs.CodeValidation, "fcmToken"},
		{`{"email":5}`, errs.CodeInvalidType, "email"},
		{`{"email":null,"phone":null}`, errs.CodeValidation, "monthlyIncome"},
		{`{"monthlyIncome":"1.00"} {}`, errs.CodeMalformedJSON, ""},
		{`{"monthlyIncome":`, errs.CodeMalformedJSON, ""},
		{``, errs.CodeEmptyBody, ""},
		{`{"monthlyIncome":"` + strings.Repeat("9", 70000) + `"}`, errs.CodeBodyTooLarge, ""},
	}
	for _, c := range cases {
		call := alice
		call.Body = c.body
		resp := e.do(t, e.patch, call)
		var doc problem.Document
		platformtest.JSON(t, resp, &doc)
		if resp.StatusCode != 400 || doc.Code != c.code {
			t.Errorf("%.60s: %d %+v", c.body, resp.StatusCode, doc)
			continue
		}
		if c.field != "" && (len(doc.Errors) != 1 || doc.Errors[0].Field != c.field) {
			t.Errorf("%.60s: fields %+v", c.body, doc.Errors)
		}
	}
	if n := e.lendingItems(t); n != 0 {
		t.Fatalf("bad input wrote %d lending items", n)
	}
}

func TestProfileRoutesAuthorization(t *testing.T) {
	e := setup(t)
	cases := []struct {
		fn     *lambdahttp.Function
		call   platformtest.Call
		status int
	}{
		{e.get, platformtest.Call{}, 401},
		{e.get, platformtest.Call{Sub: "x", Roles: []string{"auditor"}}, 403},
		{e.get, platformtest.Call{Sub: "x"}, 403},
		{e.get, platformtest.Call{Sub: "root", Roles: []string{"admin"}}, 200},
		{e.get, platformtest.Call{Sub: "d", Roles: []string{"doctor"}}, 403},
		{e.patch, platformtest.Call{Body: `{"monthlyIncome":"1.00"}`}, 401},
		{e.patch, platformtest.Call{Sub: "root", Roles: []string{"admin"}, Body: `{"monthlyIncome":"1.00"}`}, 403},
		{e.patch, platformtest.Call{Sub: "d", Roles: []string{"doctor"}, Body: `{"monthlyIncome":"1.00"}`}, 403},
	}
	for i, c := range cases {
		if resp := e.do(t, c.fn, c.call); resp.StatusCode != c.status {
			t.Errorf("case %d: %d %s", i, resp.StatusCode, resp.Body)
		}
	}
	if n := e.lendingItems(t); n != 1 { // only the admin's own GET created a profile
		t.Fatalf("%d lending items", n)
	}
}

// A user sets where notices reach them, changes one channel, removes another; the audit record
// keeps neither address, and a bad field among good ones writes nothing.
func TestPatchMeContact(t *testing.T) {
	e := setup(t)
	patient := platformtest.Call{Sub: "pat-1", Roles: []string{"patient"}}
	c := patient
	c.Body = `{"email":"asha@example.com","phone":"+919876543210","fcmToken":"fcm:abc_123"}`
	resp := e.do(t, e.patch, c)
	var p profile
	platformtest.JSON(t, resp, &p)
	if resp.StatusCode != 200 || p.Email != "asha@example.com" || p.Phone != "+919876543210" || p.FCMToken != "fcm:abc_123" || p.Version != 2 {
		t.Fatalf("%d %+v", resp.StatusCode, p)
	}
	c.Body = `{"phone":"+14155550100","fcmToken":""}`
	p = profile{}
	platformtest.JSON(t, e.do(t, e.patch, c), &p)
	if p.Email != "asha@example.com" || p.Phone != "+14155550100" || p.FCMToken != "" || p.Version != 3 {
		t.Fatalf("%+v", p)
	}
	// The same values again change nothing.
	p = profile{}
	platformtest.JSON(t, e.do(t, e.patch, c), &p)
	if p.Version != 3 {
		t.Fatalf("a no-op change moved the version: %+v", p)
	}
	c.Body = `{"email":"new@example.com","phone":"12345"}`
	resp = e.do(t, e.patch, c)
	var doc problem.Document
	platformtest.JSON(t, resp, &doc)
	if resp.StatusCode != 400 || len(doc.Errors) != 1 || doc.Errors[0].Field != "phone" {
		t.Fatalf("%d %+v", resp.StatusCode, doc)
	}
	c.Body = `{"monthlyIncome":"-5","email":"bad"}`
	platformtest.JSON(t, e.do(t, e.patch, c), &doc)
	if len(doc.Errors) != 2 || doc.Errors[0].Field != "monthlyIncome" || doc.Errors[1].Field != "email" {
		t.Fatalf("both bad fields are named: %+v", doc.Errors)
	}
	var got profile
	platformtest.JSON(t, e.do(t, e.get, patient), &got)
	if got.Email != "asha@example.com" || got.Phone != "+14155550100" || got.FCMToken != "" || got.Version != 3 {
		t.Fatalf("a rejected change wrote: %+v", got)
	}
	// Income and contact in one request are one change: the version moves by one.
	c.Body = `{"monthlyIncome":"42000.00","email":"asha.rao@example.com"}`
	p = profile{}
	platformtest.JSON(t, e.do(t, e.patch, c), &p)
	if p.Version != 4 || p.Email != "asha.rao@example.com" || p.MonthlyIncome == nil || *p.MonthlyIncome != "42000.00" {
		t.Fatalf("combined change: %+v", p)
	}
	page, err := audit.NewStore(e.d.DynamoDB, e.d.Config.AuditTable, e.clk).Query(context.Background(), audit.Query{Action: "profile.update"})
	if err != nil || len(page.Items) != 6 {
		t.Fatal(len(page.Items), err)
	}
	for _, r := range page.Items {
		for _, secret := range []string{"asha@example.com", "9876543210", "4155550100", "new@example.com", "asha.rao@example.com"} {
			if strings.Contains(string(r.Arguments), secret) {
				t.Fatalf("audit record keeps %s: %s", secret, r.Arguments)
			}
		}
	}
}
