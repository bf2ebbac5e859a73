package usernotices_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicrelay"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingrelay"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/notify"
	"holdfast/shared/notify/notifyqueue"
	"holdfast/shared/platform/events"
	"holdfast/shared/platform/platformtest"
	"holdfast/shared/usernotices"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

var now = time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	h        *usernotices.Handler
	db       *dynamodb.Client
	logs     *bytes.Buffer
	sqs      *sqs.Client
	queueURL string
	profiles *lendingstore.ProfileStore
	doctor   clinic.Doctor
	n        int
}

var fixtures int

// setup runs the handler against real tables and a real intake queue in the emulator.
func setup(t *testing.T) *fixture {
	t.Helper()
	fixtures++
	cfg := emulatortest.Config(t)
	db := dynamodb.NewFromConfig(cfg)
	lendingTable, clinicTable := fmt.Sprintf("lending-%d", fixtures), fmt.Sprintf("clinic-%d", fixtures)
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "LendingTable", Name: lendingTable},
		platformtest.Table{LogicalID: "ClinicTable", Name: clinicTable})
	q := sqs.NewFromConfig(cfg)
	out, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("intake-%d", fixtures))})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, logs: &bytes.Buffer{}, sqs: q, queueURL: *out.QueueUrl, profiles: lendingstore.NewProfileStore(db, lendingTable)}
	st := clinicstore.New(db, clinicTable)
	f.doctor = clinic.Doctor{ID: "doc-1", Name: "Dr Meera Iyer", Specialty: "GP", StartTime: 9 * 60, EndTime: 17 * 60, SlotMinutes: 10, MaxTokens: 40, CreatedAt: now}
	if err := st.PutDoctor(context.Background(), f.doctor); err != nil {
		t.Fatal(err)
	}
	f.h = &usernotices.Handler{Contacts: f.profiles, Doctors: st, Notify: notifyqueue.NewClient(q, f.queueURL),
		Log: slog.New(slog.NewJSONHandler(f.logs, nil))}
	return f
}

// user creates a profile with the given contact.
func (f *fixture) user(t *testing.T, id string, c lending.ContactChange) {
	t.Helper()
	if _, err := f.profiles.Update(context.Background(), id, now, func(p lending.Profile) (lending.Profile, error) {
		return p.ChangeContact(c, now), nil
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) delivery(t *testing.T, env events.Envelope) lambdaevents.SQSMessage {
	t.Helper()
	f.n++
	body, err := events.Delivered(env, fmt.Sprintf("bus-%d", f.n), "123456789012", "ap-south-1")
	if err != nil {
		t.Fatal(err)
	}
	return lambdaevents.SQSMessage{MessageId: fmt.Sprintf("m%d", f.n), Body: string(body)}
}

func (f *fixture) handle(t *testing.T, msgs ...lambdaevents.SQSMessage) []string {
	t.Helper()
	resp, err := f.h.Handle(context.Background(), lambdaevents.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, x := range resp.BatchItemFailures {
		failed = append(failed, x.ItemIdentifier)
	}
	return failed
}

// intake drains the intake queue.
func (f *fixture) intake(t *testing.T) []notify.IntakeMessage {
	t.Helper()
	var got []notify.IntakeMessage
	for {
		out, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &f.queueURL, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			var im notify.IntakeMessage
			if err := json.Unmarshal([]byte(*m.Body), &im); err != nil {
				t.Fatal(err)
			}
			got = append(got, im)
			if _, err := f.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &f.queueURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	slices.SortFunc(got, func(a, b notify.IntakeMessage) int { return strings.Compare(a.IdempotencyKey, b.IdempotencyKey) })
	return got
}

func envelope(t *testing.T, id, domain, typ string, data any) events.Envelope {
	t.Helper()
	env, err := events.New(events.Meta{EventID: id, CorrelationID: "c-" + id, OccurredAt: now, Domain: domain, Type: typ, Version: 1}, data)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func str(s string) *string { return &s }

// A booking confirmation reaches every channel the patient set, names the doctor and token, and
// is keyed by the event: delivered twice, it is the same two notifications.
func TestBookingConfirmationOnEveryChannelOnce(t *testing.T) {
	f := setup(t)
	f.user(t, "pat-1", lending.ContactChange{Email: str("asha@example.com"), Phone: str("+919876543210")})
	env := envelope(t, "DAY#doc-1#2025-03-02#APPT#007#v1", clinicrelay.Domain, clinicrelay.TypeBooked,
		clinicrelay.AppointmentChanged{AppointmentID: "A7", PatientID: "pat-1", DoctorID: "doc-1", Date: "2025-03-02", Slot: "10:30",
			Token: 7, OriginalToken: 7, State: "BOOKED", Version: 1})
	if failed := f.handle(t, f.delivery(t, env), f.delivery(t, env)); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	got := f.intake(t)
	if len(got) != 4 {
		t.Fatalf("%d intake messages, want 2 channels × 2 deliveries", len(got))
	}
	keys := map[string]bool{}
	for _, m := range got {
		keys[m.IdempotencyKey] = true
	}
	wantKeys := []string{usernotices.Key(env.Meta.EventID, notify.TypeEmail), usernotices.Key(env.Meta.EventID, notify.TypeSMS)}
	if len(keys) != 2 || !keys[wantKeys[0]] || !keys[wantKeys[1]] {
		t.Fatalf("keys %v, want %v: a redelivery must name the same notifications", keys, wantKeys)
	}
	email, sms := got[0].Request, got[2].Request
	if email.NotificationType != notify.TypeEmail || email.Email != "asha@example.com" || email.Subject != "Appointment booked" ||
		!strings.Contains(email.Body, "Token 7 with Dr Meera Iyer on 2 Mar 2025, slot 10:30") {
		t.Fatalf("email %+v", email)
	}
	if sms.NotificationType != notify.TypeSMS || sms.Phone != "+919876543210" || !strings.HasPrefix(sms.Body, "Appointment booked: Token 7") {
		t.Fatalf("sms %+v", sms)
	}
	if email.Data["appointmentId"] != "A7" || email.Data["kind"] != "appointment-booked" {
		t.Fatalf("data %v", email.Data)
	}
	// The intake accepts exactly what it is given: each request validates as a tenant's would.
	for _, m := range got {
		if _, err := m.Request.Validate(); err != nil {
			t.Fatalf("%s: %v", m.IdempotencyKey, err)
		}
	}
	for _, secret := range []string{"asha@example.com", "9876543210"} {
		if strings.Contains(f.logs.String(), secret) {
			t.Fatalf("a contact detail reached the log: %s", f.logs.String())
		}
	}
}

// "You are next" and every lending notice are worded for their user; a push token gets a push.
func TestEveryNoticeKind(t *testing.T) {
	f := setup(t)
	f.user(t, "u1", lending.ContactChange{FCMToken: str("fcm-token_1:abc")})
	notice := lendingrelay.Notice{LoanID: "L9", UserID: "u1", InstallmentNo: 3, DueDate: "2025-03-05", Amount: "8884.88", Day: "2025-03-02"}
	msgs := []lambdaevents.SQSMessage{
		f.delivery(t, envelope(t, "up-1", clinicrelay.Domain, clinicrelay.TypeUpNext,
			clinicrelay.UpNext{AppointmentID: "A2", PatientID: "u1", DoctorID: "doc-1", Date: "2025-03-02", Token: 2})),
		f.delivery(t, envelope(t, "rem-1", lendingrelay.Domain, lendingrelay.TypeInstallmentReminder, notice)),
		f.delivery(t, envelope(t, "due-1", lendingrelay.Domain, lendingrelay.TypeInstallmentDue, notice)),
		f.delivery(t, envelope(t, "ovd-1", lendingrelay.Domain, lendingrelay.TypeInstallmentOverdue, notice)),
		f.delivery(t, envelope(t, "dis-1", lendingrelay.Domain, lendingrelay.TypeLoanDisbursed,
			lendingrelay.LoanChanged{LoanID: "L9", UserID: "u1", State: "ACTIVE", Principal: "100000.00", TenureMonths: 12, EMI: "8884.88"})),
	}
	if failed := f.handle(t, msgs...); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	got := map[string]notify.Request{}
	for _, m := range f.intake(t) {
		got[m.IdempotencyKey] = m.Request
	}
	want := map[string][2]string{
		"up-1":  {"You are next", "Token 2: you are next to see Dr Meera Iyer."},
		"rem-1": {"EMI reminder", "EMI 3 of loan L9, INR 8884.88, is due on 5 Mar 2025."},
		"due-1": {"EMI due today", "EMI 3 of loan L9, INR 8884.88, is due today and your wallet balance does not cover it."},
		"ovd-1": {"EMI overdue", "EMI 3 of loan L9, INR 8884.88, was due on 5 Mar 2025 and is unpaid."},
		"dis-1": {"Loan disbursed", "INR 100000.00 for loan L9 has been credited to your Holdfast wallet. Your EMI is INR 8884.88 a month for 12 months."},
	}
	if len(got) != len(want) {
		t.Fatalf("%d notifications: %v", len(got), got)
	}
	for id, w := range want {
		r, ok := got[usernotices.Key(id, notify.TypePush)]
		if !ok || r.NotificationType != notify.TypePush || r.FCMToken != "fcm-token_1:abc" || r.Title != w[0] || !strings.HasPrefix(r.Body, w[1]) {
			t.Errorf("%s: %+v", id, r)
		}
		if strings.ContainsRune(r.Body, '₹') || utf8.RuneCountInString(r.Body) > 320 {
			t.Errorf("%s: body must stay short plain text: %q", id, r.Body)
		}
	}
}

// A user without a profile or without any contact gets nothing and nothing is retried; events
// the handler does not word are ignored; an unreadable message fails alone.
func TestNothingToSend(t *testing.T) {
	f := setup(t)
	f.user(t, "quiet", lending.ContactChange{Email: str("")})
	notice := func(user string) events.Envelope {
		return envelope(t, "rem-"+user, lendingrelay.Domain, lendingrelay.TypeInstallmentReminder,
			lendingrelay.Notice{LoanID: "L1", UserID: user, InstallmentNo: 1, DueDate: "2025-03-05", Amount: "10.00"})
	}
	other := envelope(t, "appr-1", lendingrelay.Domain, lendingrelay.TypeLoanApproved, lendingrelay.LoanChanged{LoanID: "L1", UserID: "quiet"})
	junk := lambdaevents.SQSMessage{MessageId: "junk", Body: `{"detail-type":"x"}`}
	if failed := f.handle(t, f.delivery(t, notice("nobody")), f.delivery(t, notice("quiet")), f.delivery(t, other), junk); !slices.Equal(failed, []string{"junk"}) {
		t.Fatalf("failed %v", failed)
	}
	if got := f.intake(t); len(got) != 0 {
		t.Fatalf("sent %v", got)
	}
	if n := strings.Count(f.logs.String(), "no contact on file"); n != 2 {
		t.Fatalf("%d 'no contact' lines:\n%s", n, f.logs.String())
	}
}

// A contact that cannot be read (the store fails) fails the message so SQS delivers it again.
func TestUnreadableContactIsRetried(t *testing.T) {
	f := setup(t)
	f.h.Contacts = lendingstore.NewProfileStore(f.db, "no-such-table")
	m := f.delivery(t, envelope(t, "rem-x", lendingrelay.Domain, lendingrelay.TypeInstallmentReminder,
		lendingrelay.Notice{LoanID: "L1", UserID: "u", InstallmentNo: 1, DueDate: "2025-03-05", Amount: "10.00"}))
	if failed := f.handle(t, m); !slices.Equal(failed, []string{m.MessageId}) {
		t.Fatalf("failed %v", failed)
	}
}

// Keys stay within the notification platform's limit for any event ID.
func TestKeyLength(t *testing.T) {
	short := usernotices.Key("USER#u#NOTICE#L1#003#REMINDER", notify.TypeSMS)
	if short != "notice:USER#u#NOTICE#L1#003#REMINDER:SMS" {
		t.Fatal(short)
	}
	long := usernotices.Key(strings.Repeat("x", 300), notify.TypeEmail)
	if len(long) > notify.MaxIdempotency || long == usernotices.Key(strings.Repeat("x", 301), notify.TypeEmail) {
		t.Fatal(long)
	}
}
