package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// noticeSent waits for the notices function to enqueue kind for user on channel, then for the
// notification platform to deliver it (sandbox), and returns the notification as an admin
// reads it. Exactly one notification per (kind, user, channel) must exist.
func noticeSent(t *testing.T, kind, user, channel string) notificationView {
	t.Helper()
	match := map[string]string{"msg": "notice enqueued", "kind": kind, "userId": user, "channel": channel}
	eventually(t, 90*time.Second, kind+" notice enqueued for "+user, func() bool { return len(logLines(match)) > 0 })
	id := fmt.Sprint(logLines(match)[0]["notificationId"])
	admin := token(t, uniq("ops"), "admin")
	var v notificationView
	eventually(t, 60*time.Second, kind+" notice "+id+" SENT", func() bool {
		status, got := getNotification(t, admin, id)
		v = got
		return status == 200 && allIn(got, "SENT", channel)
	})
	if len(v.Deliveries) != 1 || v.Deliveries[0].Channel != channel {
		t.Fatalf("%s: deliveries %+v, want one on %s", kind, v.Deliveries, channel)
	}
	for _, l := range logLines(match) {
		if fmt.Sprint(l["notificationId"]) != id {
			t.Fatalf("%s for %s: two notifications (%s, %v)", kind, user, id, l["notificationId"])
		}
	}
	return v
}

func setContact(t *testing.T, tok string, contact map[string]string) {
	t.Helper()
	if r := call(t, "PATCH", "/api/v1/me", tok, contact); r.Status != 200 {
		t.Fatalf("contact: %d %s", r.Status, r.Body)
	}
}

// TestClinicNoticesThroughTheNotificationPlatform: a patient who gave a phone number gets the
// booking confirmation and "you are next" by SMS through the notification platform; a patient
// without a contact gets nothing; nobody's number reaches a log line.
func TestClinicNoticesThroughTheNotificationPlatform(t *testing.T) {
	e := newClinic(t, 10)
	sub := uniq("pat")
	tok := token(t, sub, "patient")
	setContact(t, tok, map[string]string{"phone": "+919812345678"})
	r := call(t, "POST", "/api/v1/appointments", tok, map[string]any{"doctorId": e.doctor, "date": e.date, "slot": "09:30"})
	if r.Status != 201 {
		t.Fatalf("book: %d %s", r.Status, r.Body)
	}
	appt := r.JSON(t)["id"].(string)
	silent := e.book(t, "Bala Krishnan") // no contact on file
	noticeSent(t, "appointment-booked", sub, "SMS")

	e.post(t, "/api/v1/appointments/"+appt+"/check-in", e.reception, 200)
	noticeSent(t, "patient-up-next", sub, "SMS")

	eventually(t, 60*time.Second, "the silent patient's booking is seen", func() bool {
		return len(logLines(map[string]string{"msg": "notice not sent: no contact on file", "userId": silent.sub})) > 0
	})
	if n := len(logLines(map[string]string{"msg": "notice enqueued", "userId": silent.sub})); n != 0 {
		t.Fatalf("%d notices for a patient without a contact", n)
	}
	if strings.Contains(fnLogs.String(), "9812345678") {
		t.Fatal("a patient's phone number reached a log line")
	}
}

// TestLendingNoticesThroughTheNotificationPlatform: a borrower who gave an email gets the
// disbursal notice, one EMI reminder 3 days ahead (however often the job runs), and the
// overdue notice, each delivered once through the notification platform.
func TestLendingNoticesThroughTheNotificationPlatform(t *testing.T) {
	explainFailure(t)
	defer resetClock(t)
	setClock(t, day("2025-09-10"))
	user, tok := newBorrower(t, "90000.00")
	setContact(t, tok, map[string]string{"email": "borrower-" + strings.ToLower(user) + "@example.com"})
	activeLoanE2E(t, tok, "3000.00", 3) // due 10 Oct, 10 Nov, 10 Dec
	noticeSent(t, "loan-disbursed", user, "EMAIL")

	runEMI := func(asOf string) {
		if r := localCall(t, "POST", "/__local/schedules/EmiJobFunction.Daily/run", map[string]string{"asOf": day(asOf).UTC().Format(time.RFC3339)}); r.Status != 200 {
			t.Fatalf("emi run: %d %s", r.Status, r.Body)
		}
	}
	runEMI("2025-10-07")
	runEMI("2025-10-07")
	noticeSent(t, "emi-reminder", user, "EMAIL")
	runEMI("2025-10-11") // the job missed the due date: installment 1 is past due and unpaid
	noticeSent(t, "emi-overdue", user, "EMAIL")
	if strings.Contains(fnLogs.String(), "borrower-"+strings.ToLower(user)+"@example.com") {
		t.Fatal("a borrower's email reached a log line")
	}
}
