package lendingapi_test

import (
	"encoding/json"
	"testing"

	"holdfast/shared/platform/platformtest"
	"holdfast/shared/platform/problem"
)

// TestLoanTextThatCanSpoofIsRefusedNamingTheField: a purpose, note or reason holding a bidi
// control, a zero-width character or U+2028 is 400 naming the field, and nothing is written.
func TestLoanTextThatCanSpoofIsRefusedNamingTheField(t *testing.T) {
	e := loanSetup(t)
	cust := platformtest.Call{Sub: "alice", Roles: []string{"customer"}}
	appr := platformtest.Call{Sub: "bob", Roles: []string{"approver"}}
	apply := e.call(t, "POST /api/v1/loans", "", withBody(cust, `{"principal":"5000.00","tenureMonths":6,"purpose":"bike"}`))
	if apply.StatusCode != 202 {
		t.Fatalf("apply %d %s", apply.StatusCode, apply.Body)
	}
	var loan struct{ ID string }
	if err := json.Unmarshal([]byte(apply.Body), &loan); err != nil {
		t.Fatal(err)
	}
	base := e.lendingItems(t)
	for _, c := range []struct {
		name, rk, id string
		c            platformtest.Call
		field        string
	}{
		{"purpose with U+202E", "POST /api/v1/loans", "", withBody(cust, `{"principal":"5000","tenureMonths":6,"purpose":"bike \u202eexe"}`), "purpose"},
		{"purpose with U+200B", "POST /api/v1/loans", "", withBody(cust, `{"principal":"5000","tenureMonths":6,"purpose":"bi\u200bke"}`), "purpose"},
		{"purpose with U+2028", "POST /api/v1/loans", "", withBody(cust, `{"principal":"5000","tenureMonths":6,"purpose":"bike\u2028x"}`), "purpose"},
		{"reject note with U+2066", "POST /api/v1/loans/{id}/reject", loan.ID, withBody(appr, `{"note":"no \u2066income"}`), "note"},
		{"approve note with U+FEFF", "POST /api/v1/loans/{id}/approve", loan.ID, withBody(appr, `{"note":"\ufeffok"}`), "note"},
		{"cancel reason with U+202D", "POST /api/v1/loans/{id}/cancel", loan.ID, withBody(cust, `{"reason":"changed \u202dmind"}`), "reason"},
	} {
		resp := e.call(t, c.rk, c.id, c.c)
		var doc problem.Document
		_ = json.Unmarshal([]byte(resp.Body), &doc)
		if resp.StatusCode != 400 || len(doc.Errors) != 1 || doc.Errors[0].Field != c.field {
			t.Errorf("%s: %d %s, want 400 naming %s", c.name, resp.StatusCode, resp.Body, c.field)
		}
	}
	if n := e.lendingItems(t); n != base {
		t.Errorf("refused text wrote %d items", n-base)
	}
}
