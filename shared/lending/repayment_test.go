package lending

import (
	"testing"

	"holdfast/shared/platform/errs"
)

// installments builds installments numbered nos with the given statuses.
func installments(nos []int, status []InstallmentStatus) ([]Installment, []InstallmentStatus) {
	insts := make([]Installment, len(nos))
	for i, no := range nos {
		insts[i] = Installment{No: no, Amount: dec("100"), Principal: dec("90"), Interest: dec("10")}
	}
	return insts, status
}

const (
	sch = InstScheduled
	due = InstDue
	ovd = InstOverdue
	pd  = InstPaid
	cnc = InstCancelled
)

func TestFirstUnpaid(t *testing.T) {
	cases := []struct {
		name   string
		nos    []int
		status []InstallmentStatus
		want   int // the installment's number; 0 for none
	}{
		{"none", nil, nil, 0},
		{"all scheduled", []int{1, 2, 3}, []InstallmentStatus{sch, sch, sch}, 1},
		{"first paid", []int{1, 2, 3}, []InstallmentStatus{pd, sch, sch}, 2},
		{"overdue before due", []int{1, 2, 3}, []InstallmentStatus{pd, ovd, due}, 2},
		{"due", []int{1, 2, 3}, []InstallmentStatus{pd, pd, due}, 3},
		{"a later one paid early", []int{1, 2, 3}, []InstallmentStatus{sch, pd, sch}, 1},
		{"gap after an early payment", []int{1, 2, 3}, []InstallmentStatus{pd, sch, pd}, 2},
		{"all paid", []int{1, 2}, []InstallmentStatus{pd, pd}, 0},
		{"all cancelled (foreclosed)", []int{1, 2}, []InstallmentStatus{pd, cnc}, 0},
		{"unknown status is not owed", []int{1, 2}, []InstallmentStatus{"WAIVED", sch}, 2},
		{"out of order: the lowest number wins", []int{3, 1, 2}, []InstallmentStatus{sch, pd, ovd}, 2},
		{"out of order, only the last unpaid", []int{2, 3, 1}, []InstallmentStatus{pd, sch, pd}, 3},
	}
	for _, c := range cases {
		insts, status := installments(c.nos, c.status)
		i, ok := FirstUnpaid(insts, status)
		got := 0
		if ok {
			got = insts[i].No
		}
		if got != c.want || ok != (c.want != 0) {
			t.Errorf("%s: position %d (%v), installment %d, want %d", c.name, i, ok, got, c.want)
		}
	}
}

func TestNextRepayment(t *testing.T) {
	cases := []struct {
		name   string
		state  State
		nos    []int
		status []InstallmentStatus
		want   int
		code   string
	}{
		{"active: the oldest unpaid", StateActive, []int{1, 2, 3}, []InstallmentStatus{pd, ovd, sch}, 2, ""},
		{"active, a later one paid early", StateActive, []int{1, 2, 3}, []InstallmentStatus{sch, pd, sch}, 1, ""},
		{"active, nothing unpaid", StateActive, []int{1, 2}, []InstallmentStatus{pd, pd}, 0, CodeNotPayable},
		{"active, no installments", StateActive, nil, nil, 0, CodeNotPayable},
		{"approved: no schedule yet", StateApproved, nil, nil, 0, CodeIllegalTransition},
		{"closed", StateClosed, []int{1, 2}, []InstallmentStatus{pd, pd}, 0, CodeIllegalTransition},
		{"foreclosed", StateForeclosed, []int{1, 2}, []InstallmentStatus{pd, cnc}, 0, CodeIllegalTransition},
		// Not ACTIVE is refused even when an installment still looks unpaid.
		{"cancelled with an unpaid installment", StateCancelled, []int{1}, []InstallmentStatus{sch}, 0, CodeIllegalTransition},
	}
	for _, c := range cases {
		insts, status := installments(c.nos, c.status)
		no, err := NextRepayment(c.state, insts, status)
		if c.code == "" {
			if err != nil || no != c.want {
				t.Errorf("%s: %d %v, want %d", c.name, no, err, c.want)
			}
			continue
		}
		if errs.KindOf(err) != errs.KindConflict || errs.CodeOf(err) != c.code || no != 0 {
			t.Errorf("%s: %d %v, want 409 %s", c.name, no, err, c.code)
		}
	}
}

func TestRepayable(t *testing.T) {
	nos := []int{1, 2, 3, 4}
	status := []InstallmentStatus{pd, ovd, due, sch}
	cases := []struct {
		name  string
		state State
		no    int
		at    int // position, when payable
		kind  errs.Kind
		code  string
	}{
		{"overdue", StateActive, 2, 1, 0, ""},
		{"due", StateActive, 3, 2, 0, ""},
		{"not yet due", StateActive, 4, 3, 0, ""},
		{"paid", StateActive, 1, 0, errs.KindConflict, CodeNotPayable},
		{"no such installment", StateActive, 5, 0, errs.KindInvalid, errs.CodeValidation},
		{"zero", StateActive, 0, 0, errs.KindInvalid, errs.CodeValidation},
		{"negative", StateActive, -1, 0, errs.KindInvalid, errs.CodeValidation},
		{"not active comes first", StateClosed, 5, 0, errs.KindConflict, CodeIllegalTransition},
		{"foreclosed", StateForeclosed, 2, 0, errs.KindConflict, CodeIllegalTransition},
		{"approved", StateApproved, 2, 0, errs.KindConflict, CodeIllegalTransition},
	}
	for _, c := range cases {
		insts, st := installments(nos, status)
		at, err := Repayable(c.state, insts, st, c.no)
		if c.code == "" {
			if err != nil || at != c.at {
				t.Errorf("%s: %d %v, want position %d", c.name, at, err, c.at)
			}
			continue
		}
		if errs.KindOf(err) != c.kind || errs.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %s %s", c.name, err, c.kind, c.code)
		}
		if c.kind == errs.KindInvalid {
			e, _ := errs.As(err)
			if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "installmentNo" {
				t.Errorf("%s: does not name installmentNo: %v", c.name, err)
			}
		}
	}
	// A cancelled installment (foreclosure) is not payable either.
	insts, st := installments([]int{1}, []InstallmentStatus{cnc})
	if _, err := Repayable(StateActive, insts, st, 1); errs.CodeOf(err) != CodeNotPayable {
		t.Errorf("cancelled installment: %v", err)
	}
}

func TestParseInstallmentNo(t *testing.T) {
	num := func(n int) *int { return &n }
	cases := []struct {
		no *int
		ok bool
	}{
		{nil, true}, {num(1), true}, {num(MaxLoanTenure), true}, {num(30), true},
		{num(0), false}, {num(-1), false}, {num(MaxLoanTenure + 1), false}, {num(1 << 40), false},
	}
	for _, c := range cases {
		err := ParseInstallmentNo(c.no)
		if c.ok {
			if err != nil {
				t.Errorf("%v: %v", c.no, err)
			}
			continue
		}
		e, _ := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "installmentNo" ||
			e.Fields[0].Message != "must be between 1 and 60" {
			t.Errorf("%d: %v", *c.no, err)
		}
	}
}
