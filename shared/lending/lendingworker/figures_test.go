package lendingworker

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestFiguresAWSCallsPerRepayment prints the AWS calls one repayment makes (the handler's read
// of the loan with its installments, the profile read only when late, the ledger writer's read
// of the heads, and the one TransactWriteItems).
func TestFiguresAWSCallsPerRepayment(t *testing.T) {
	e := newEnv(t)
	e.profile("fig", 700, "100000")
	id := e.activeLoan("fig", "12000", 6)
	e.at("2025-02-28")
	e.calls.Take()
	if _, err := e.repay(id, 1); err != nil {
		t.Fatal(err)
	}
	onTime := e.calls.Take()
	e.at("2025-04-03")
	if _, err := e.repay(id, 2); err != nil {
		t.Fatal(err)
	}
	late := e.calls.Take()
	t.Logf("FIGURE AWS calls per repayment, on time: %v (total %d)", onTime, total(onTime))
	t.Logf("FIGURE AWS calls per repayment, late (profile read for the penalty tier): %v (total %d)", late, total(late))
	if onTime["TransactWriteItems"] != 1 || late["TransactWriteItems"] != 1 {
		t.Fatalf("a repayment must be one TransactWriteItems: %v %v", onTime, late)
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestFiguresEMIJobThroughput prints installments per second the EMI job handles against the
// emulator (every installment past due: each one a conditional transaction with its notice).
func TestFiguresEMIJobThroughput(t *testing.T) {
	e := newEnv(t)
	const loans, tenure = 20, 12
	for i := 0; i < loans; i++ {
		user := fmt.Sprintf("thr%02d", i)
		e.profile(user, 700, "100000")
		e.activeLoan(user, "12000", tenure)
	}
	e.at("2026-02-01")
	day := e.cal.Today(context.Background(), e.clk)
	started := time.Now()
	res, err := e.w.RunEMI(context.Background(), day)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(started)
	if res.Seen != loans*tenure || res.Overdue != loans*tenure {
		t.Fatalf("%+v", res)
	}
	t.Logf("FIGURE EMI job: %d installments in %s = %.0f installments/s (concurrency %d, atomic moto)",
		res.Seen, took.Round(time.Millisecond), float64(res.Seen)/took.Seconds(), e.w.EMIConcurrency)
	again, err := e.w.RunEMI(context.Background(), day)
	if err != nil || again.Overdue != 0 {
		t.Fatalf("second run changed something: %+v %v", again, err)
	}
}
