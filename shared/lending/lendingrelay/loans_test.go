package lendingrelay

import (
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

func sv(s string) lambdaevents.DynamoDBAttributeValue { return lambdaevents.NewStringAttribute(s) }
func nv(s string) lambdaevents.DynamoDBAttributeValue { return lambdaevents.NewNumberAttribute(s) }

func loanImage(state, version string) map[string]lambdaevents.DynamoDBAttributeValue {
	return map[string]lambdaevents.DynamoDBAttributeValue{
		"pk": sv("LOAN#L1"), "sk": sv("LOAN"), "entity": sv("loan"), "loanId": sv("L1"), "userId": sv("u1"),
		"principal": nv("1000.00"), "tenureMonths": nv("3"), "purpose": sv("p"), "state": sv(state), "version": nv(version),
		"createdAt": sv("2025-01-01T00:00:00Z"), "updatedAt": sv("2025-01-01T00:00:00Z"), "correlationId": sv("c-1"), "actor": sv("u1"),
		"rev": nv("0"), "paidCount": nv("0"),
	}
}

func rec(name string, old, new map[string]lambdaevents.DynamoDBAttributeValue) lambdaevents.DynamoDBEventRecord {
	return lambdaevents.DynamoDBEventRecord{EventID: "e", EventName: name, Change: lambdaevents.DynamoDBStreamRecord{
		ApproximateCreationDateTime: lambdaevents.SecondsEpochTime{Time: time.Unix(1700000000, 0)}, OldImage: old, NewImage: new, SequenceNumber: "1"}}
}

func TestLoanEvents(t *testing.T) {
	cases := []struct {
		name     string
		rec      lambdaevents.DynamoDBEventRecord
		typ      string
		eventID  string
		noEvents bool
	}{
		{"submitted", rec("INSERT", nil, loanImage("SUBMITTED", "1")), "LoanSubmitted.v1", "LOAN#L1#LOAN#v1", false},
		{"moto's keys-only INSERT", rec("INSERT", nil, map[string]lambdaevents.DynamoDBAttributeValue{"pk": sv("LOAN#L1"), "sk": sv("LOAN"), "entity": sv("loan")}), "", "", true},
		{"approved", rec("MODIFY", loanImage("ASSESSED", "2"), loanImage("APPROVED", "3")), "LoanApproved.v1", "LOAN#L1#LOAN#v3", false},
		{"first of two approvals", rec("MODIFY", loanImage("ASSESSED", "2"), loanImage("ASSESSED", "3")), "LoanApprovalRecorded.v1", "LOAN#L1#LOAN#v3", false},
		{"disbursed", rec("MODIFY", loanImage("APPROVED", "3"), loanImage("ACTIVE", "4")), "LoanDisbursed.v1", "LOAN#L1#LOAN#v4", false},
		{"bookkeeping only", rec("MODIFY", loanImage("ACTIVE", "4"), func() map[string]lambdaevents.DynamoDBAttributeValue {
			m := loanImage("ACTIVE", "4")
			m["paidCount"] = nv("1")
			return m
		}()), "", "", true},
		{"no-op rewrite", rec("MODIFY", loanImage("ACTIVE", "4"), loanImage("ACTIVE", "4")), "", "", true},
		{"remove", rec("REMOVE", loanImage("ACTIVE", "4"), nil), "", "", true},
	}
	for _, c := range cases {
		envs, err := Map(c.rec)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.noEvents {
			if len(envs) != 0 {
				t.Fatalf("%s: %d events", c.name, len(envs))
			}
			continue
		}
		if len(envs) != 1 || envs[0].DetailType() != c.typ || envs[0].Meta.EventID != c.eventID || envs[0].Source() != "holdfast.lending" ||
			envs[0].Meta.CorrelationID != "c-1" {
			t.Fatalf("%s: %+v", c.name, envs)
		}
	}
}

func TestNoticeAndInstallmentEvents(t *testing.T) {
	notice := map[string]lambdaevents.DynamoDBAttributeValue{"pk": sv("LOAN#L1"), "sk": sv("NOTICE#REMINDER#001#2025-02-25"), "entity": sv("notice"),
		"kind": sv("REMINDER"), "loanId": sv("L1"), "userId": sv("u1"), "no": nv("1"), "dueDate": sv("2025-02-28"), "amount": nv("100.00"),
		"day": sv("2025-02-25"), "correlationId": sv("emi")}
	envs, err := Map(rec("INSERT", nil, notice))
	if err != nil || len(envs) != 1 || envs[0].DetailType() != "InstallmentReminder.v1" || envs[0].Meta.EventID != "LOAN#L1#NOTICE#REMINDER#001#2025-02-25" {
		t.Fatalf("%+v %v", envs, err)
	}
	inst := func(status, version string) map[string]lambdaevents.DynamoDBAttributeValue {
		return map[string]lambdaevents.DynamoDBAttributeValue{"pk": sv("LOAN#L1"), "sk": sv("INST#001"), "entity": sv("installment"),
			"loanId": sv("L1"), "userId": sv("u1"), "no": nv("1"), "dueDate": sv("2025-02-28"), "amount": nv("100.00"), "principal": nv("90.00"),
			"interest": nv("10.00"), "opening": nv("1000.00"), "closing": nv("910.00"), "status": sv(status), "version": nv(version), "correlationId": sv("c")}
	}
	if envs, _ := Map(rec("MODIFY", inst("SCHEDULED", "1"), inst("DUE", "2"))); len(envs) != 0 {
		t.Fatal("DUE is announced by its notice, not the installment")
	}
	envs, err = Map(rec("MODIFY", inst("DUE", "2"), inst("PAID", "3")))
	if err != nil || len(envs) != 1 || envs[0].DetailType() != "InstallmentPaid.v1" {
		t.Fatalf("%+v %v", envs, err)
	}
}

// A profile event says what changed in the score and income; the contact a user set never
// reaches the bus, not even when it is the only change.
func TestProfileEventsCarryNoContact(t *testing.T) {
	profile := func(version, email string) map[string]lambdaevents.DynamoDBAttributeValue {
		m := map[string]lambdaevents.DynamoDBAttributeValue{"pk": sv("USER#u1"), "sk": sv("PROFILE"), "entity": sv("PROFILE"),
			"userId": sv("u1"), "creditScore": nv("650"), "version": nv(version), "correlationId": sv("c-1"),
			"createdAt": sv("2025-01-01T00:00:00Z"), "updatedAt": sv("2025-01-01T00:00:00Z")}
		if email != "" {
			m["email"], m["phone"], m["fcmToken"] = sv(email), sv("+919876543210"), sv("tok:abc")
		}
		return m
	}
	envs, err := Map(rec("MODIFY", profile("1", ""), profile("2", "asha@example.com")))
	if err != nil || len(envs) != 1 || envs[0].DetailType() != "ProfileUpdated.v1" {
		t.Fatalf("%+v %v", envs, err)
	}
	detail, err := envs[0].Detail()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"asha@example.com", "9876543210", "tok:abc", "email", "phone"} {
		if strings.Contains(string(detail), secret) {
			t.Fatalf("the event carries %q: %s", secret, detail)
		}
	}
}
