package lending

import (
	"fmt"

	"holdfast/shared/platform/errs"
)

// CodeNotPayable is the code of a repayment of an installment that is not owed: paid already,
// cancelled, or nothing left to pay.
const CodeNotPayable = "installment_not_payable"

// ParseInstallmentNo checks the installment number a repayment names, when it names one:
// 1 … MaxLoanTenure (else 400 naming installmentNo). None asks for the oldest unpaid.
func ParseInstallmentNo(no *int) error {
	if no != nil && (*no < 1 || *no > MaxLoanTenure) {
		return errs.Validation(errs.Field("installmentNo", fmt.Sprintf("must be between 1 and %d", MaxLoanTenure)))
	}
	return nil
}

// The repayment rules take a loan's installments and their statuses position by position:
// status[i] is the status of insts[i].

// FirstUnpaid is the position in insts of the oldest installment still owed (SCHEDULED, DUE or
// OVERDUE): the lowest-numbered one, whatever order insts are in. It is false when every
// installment is paid or cancelled, or there are none.
func FirstUnpaid(insts []Installment, status []InstallmentStatus) (int, bool) {
	first := -1
	for i, in := range insts {
		if status[i].Unpaid() && (first < 0 || in.No < insts[first].No) {
			first = i
		}
	}
	return first, first >= 0
}

// checkTakesRepayments refuses a repayment on a loan that is not ACTIVE (409
// illegal_transition).
func checkTakesRepayments(state State) error {
	if state != StateActive {
		return errs.Conflict(CodeIllegalTransition, fmt.Sprintf("A loan in state %s takes no repayments.", state))
	}
	return nil
}

// NextRepayment is the number of the installment a repayment that names none pays: the oldest
// unpaid (FirstUnpaid). A loan that is not ACTIVE takes no repayments (409 illegal_transition);
// an ACTIVE loan with nothing unpaid is 409 installment_not_payable.
func NextRepayment(state State, insts []Installment, status []InstallmentStatus) (int, error) {
	if err := checkTakesRepayments(state); err != nil {
		return 0, err
	}
	i, ok := FirstUnpaid(insts, status)
	if !ok {
		return 0, errs.Conflict(CodeNotPayable, "Nothing is left to pay.")
	}
	return insts[i].No, nil
}

// Repayable is the position in insts of installment no when a repayment may pay it now: the
// loan is ACTIVE (else 409 illegal_transition), the installment exists (else 400 naming
// installmentNo) and is still owed (else 409 installment_not_payable). Any unpaid installment
// may be paid, including one not yet due.
func Repayable(state State, insts []Installment, status []InstallmentStatus, no int) (int, error) {
	if err := checkTakesRepayments(state); err != nil {
		return 0, err
	}
	at := -1
	for i, in := range insts {
		if in.No == no {
			at = i
		}
	}
	if at < 0 {
		return 0, errs.Validation(errs.Field("installmentNo", "no such installment"))
	}
	if !status[at].Unpaid() {
		return 0, errs.Conflict(CodeNotPayable, fmt.Sprintf("Installment %d is %s.", no, status[at]))
	}
	return at, nil
}
