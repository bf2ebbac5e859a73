package clinic

import (
	"fmt"
	"testing"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

// A cancelled booking frees its place: capacity counts active bookings only, while token
// numbers keep increasing and are never reused.
func TestCancelledTokensFreeCapacityButAreNotReused(t *testing.T) {
	doc := doctor(10)
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	last := 0
	book := func(patient string) (Appointment, error) {
		a, err := d.Book(doc, BookInput{PatientID: patient, PatientName: "Pat", Slot: 9 * 60}, t0)
		if err == nil {
			if a.OriginalToken <= last || a.Token != a.OriginalToken {
				t.Fatalf("token %d after %d: tokens must strictly increase", a.OriginalToken, last)
			}
			last = a.OriginalToken
		}
		return a, err
	}
	// Ten book/cancel cycles, two by each of five patients (the most each may do).
	for i := range 10 {
		a, err := book(fmt.Sprintf("c%d", i/2))
		if err != nil {
			t.Fatalf("cycle %d: booking: %v", i, err)
		}
		if _, err := d.Cancel(a.ID, t0); err != nil {
			t.Fatalf("cycle %d: cancel: %v", i, err)
		}
	}
	if got := d.TokensRemaining(doc); got != 10 {
		t.Fatalf("tokens remaining after 10 cancelled bookings = %d, want 10", got)
	}
	for i := range 10 {
		if _, err := book(fmt.Sprintf("p%d", i)); err != nil {
			t.Fatalf("booking %d of 10 by other patients: %v", i+1, err)
		}
	}
	if _, err := book("p10"); errs.CodeOf(err) != CodeDayFull {
		t.Fatalf("11th active booking: %v, want %s", err, CodeDayFull)
	}
	if d.LastToken != 20 {
		t.Fatalf("last token %d, want 20 (no token reused)", d.LastToken)
	}
}

// One patient may cancel and rebook one doctor's day at most twice: the booking that follows
// a second cancellation is 409 rebook_limit, and so is every later one.
func TestThirdBookingAfterTwoCancellationsIsRebookLimit(t *testing.T) {
	doc := doctor(10)
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15)}
	for cycle := range 10 {
		a, err := d.Book(doc, BookInput{PatientID: "p1", PatientName: "Pat", Slot: 9 * 60}, t0)
		if cycle >= 2 {
			if errs.CodeOf(err) != CodeRebookLimit || errs.KindOf(err) != errs.KindConflict {
				t.Fatalf("booking %d after %d cancellations: %v, want conflict rebook_limit", cycle+1, cycle, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("booking %d: %v", cycle+1, err)
		}
		if _, err := d.Cancel(a.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if d.LastToken != 2 {
		t.Fatalf("refused bookings consumed tokens: last token %d, want 2", d.LastToken)
	}
	// Another patient is not affected, and the day still has all its places.
	if _, err := d.Book(doc, BookInput{PatientID: "p2", Slot: 9 * 60}, t0); err != nil {
		t.Fatal(err)
	}
}

// The token counter never passes MaxTokenNumber, however many places cancellations free.
func TestTokenNumbersStopAtMaxTokenNumber(t *testing.T) {
	doc := doctor(10)
	d := &Day{DoctorID: "D1", Date: clock.NewDate(2025, 1, 15), LastToken: MaxTokenNumber - 1, Cancelled: MaxTokenNumber - 1}
	a, err := d.Book(doc, BookInput{PatientID: "p1", Slot: 9 * 60}, t0)
	if err != nil || a.OriginalToken != MaxTokenNumber {
		t.Fatalf("last token: %+v %v", a, err)
	}
	if _, _, tok, ok := ParseAppointmentID(a.ID); !ok || tok != MaxTokenNumber {
		t.Fatalf("%s does not parse", a.ID)
	}
	if n := d.TokensRemaining(doc); n != 0 {
		t.Fatalf("%d remaining past the last token number", n)
	}
	if _, err := d.Book(doc, BookInput{PatientID: "p2", Slot: 9 * 60}, t0); errs.CodeOf(err) != CodeDayFull {
		t.Fatalf("booking past the last token number: %v", err)
	}
}

func TestCheckRebook(t *testing.T) {
	for _, tc := range []struct {
		cancelled int
		code      string
	}{{0, ""}, {1, ""}, {2, CodeRebookLimit}, {3, CodeRebookLimit}} {
		if got := errs.CodeOf(CheckRebook(tc.cancelled)); got != tc.code {
			t.Errorf("CheckRebook(%d) = %q, want %q", tc.cancelled, got, tc.code)
		}
	}
}
