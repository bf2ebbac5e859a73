package clinic

import (
	"fmt"
	"sort"
	"time"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

// LastCalledKept is how many recently called tokens a day remembers for the board.
const LastCalledKept = 5

// Day is one doctor's queue on one business day: the token counter, the appointments and who
// is being served. Every operation changes it as a whole and bumps the version of each
// appointment it touches; the store commits the touched appointments and the day itself
// (version + 1) in one conditional transaction, so every committed state — and every snapshot
// read from it — satisfies the queue's invariants.
type Day struct {
	DoctorID     string
	Date         clock.Date
	Version      int64 // 0: never stored
	LastToken    int
	ServingID    string // appointment IN_CONSULTATION, if any
	LastCalled   []int  // tokens, most recent first
	Appointments []Appointment
	// Guards maps a patient to their active booking (one per patient per doctor per day).
	Guards map[string]string
	// Cancelled counts the day's cancelled bookings: LastToken - Cancelled bookings are active.
	Cancelled int
	// Cancellations counts each patient's cancelled bookings of the day (RebookLimit).
	Cancellations map[string]int
}

// RebookLimit is how many times one patient may cancel and rebook one doctor's day: the
// booking that follows the RebookLimit-th cancellation is refused (409 rebook_limit).
const RebookLimit = 2

// MaxTokenNumber is the highest token number a day ever hands out (appointment IDs and sort
// keys carry at most three digits). Tokens are never reused, so a day whose counter reaches it
// takes no more bookings even when cancellations left places free.
const MaxTokenNumber = 999

// CheckRebook is the rebooking rule: a patient who has cancelled cancelled bookings of a
// doctor's day may book it again only while cancelled < RebookLimit.
func CheckRebook(cancelled int) error {
	if cancelled >= RebookLimit {
		return errs.Conflict(CodeRebookLimit,
			fmt.Sprintf("You have cancelled %d bookings of this doctor's day; it cannot be booked again.", cancelled))
	}
	return nil
}

// Active is how many of the day's bookings are not cancelled: what counts against maxTokens.
func (d *Day) Active() int { return d.LastToken - d.Cancelled }

// Find returns the index of appointment id.
func (d *Day) Find(id string) (int, bool) {
	for i := range d.Appointments {
		if d.Appointments[i].ID == id {
			return i, true
		}
	}
	return 0, false
}

func (d *Day) get(id string) (*Appointment, error) {
	i, ok := d.Find(id)
	if !ok {
		return nil, errs.NotFound("The appointment does not exist.")
	}
	return &d.Appointments[i], nil
}

// BookInput is one booking request, validated.
type BookInput struct {
	PatientID   string
	PatientName string
	Slot        ClockTime
}

// Book gives the patient the next token of the day, in one of the doctor's slots: at most
// maxTokens active (not cancelled) bookings, one per patient, and at most RebookLimit
// cancellations per patient before their next booking. Token numbers only increase.
func (d *Day) Book(doc Doctor, in BookInput, now time.Time) (Appointment, error) {
	if !doc.HasSlot(in.Slot) {
		return Appointment{}, errs.Validation(errs.Field(FieldSlot, "is not one of the doctor's slots"))
	}
	if id, ok := d.Guards[in.PatientID]; ok {
		return Appointment{}, errs.Conflict(CodeAlreadyBooked,
			fmt.Sprintf("You already hold appointment %s with this doctor on %s.", id, d.Date))
	}
	if err := CheckRebook(d.Cancellations[in.PatientID]); err != nil {
		return Appointment{}, err
	}
	if d.TokensRemaining(doc) == 0 {
		return Appointment{}, errs.Conflict(CodeDayFull,
			fmt.Sprintf("All %d tokens of %s are taken.", doc.MaxTokens, d.Date))
	}
	d.LastToken++
	a := Appointment{
		ID: AppointmentID(d.DoctorID, d.Date, d.LastToken), DoctorID: d.DoctorID, Date: d.Date,
		Slot: in.Slot, PatientID: in.PatientID, PatientName: in.PatientName,
		Token: d.LastToken, OriginalToken: d.LastToken, State: Booked, BookedAt: now.UTC(), Version: 1,
	}
	d.Appointments = append(d.Appointments, a)
	if d.Guards == nil {
		d.Guards = map[string]string{}
	}
	d.Guards[in.PatientID] = a.ID
	return a, nil
}

// TokensRemaining is how many more bookings the day takes: maxTokens less the active
// bookings (a cancelled booking frees its place, though its token is never reused), and never
// past MaxTokenNumber.
func (d *Day) TokensRemaining(doc Doctor) int {
	return max(0, min(doc.MaxTokens-d.Active(), MaxTokenNumber-d.LastToken))
}

// BookingsPerSlot counts the day's bookings in each slot, every appointment but a cancelled one.
func (d *Day) BookingsPerSlot() map[ClockTime]int {
	out := map[ClockTime]int{}
	for _, a := range d.Appointments {
		if a.State != Cancelled {
			out[a.Slot]++
		}
	}
	return out
}

// CheckIn marks the patient present and reshuffles; emergency puts them ahead of every
// waiting patient (a receptionist's call; it may upgrade a patient already checked in).
func (d *Day) CheckIn(id string, emergency bool, now time.Time) (Appointment, error) {
	a, err := d.get(id)
	if err != nil {
		return Appointment{}, err
	}
	switch {
	case a.State == Booked:
	case a.State == CheckedIn && emergency && !a.Emergency:
	default:
		what := "checked in"
		if emergency {
			what = "checked in as an emergency"
		}
		return Appointment{}, illegal(*a, what)
	}
	if a.State == Booked {
		a.CheckedInAt = now.UTC()
	}
	a.State = CheckedIn
	a.Emergency = a.Emergency || emergency
	a.Version++
	d.reshuffle()
	return d.Appointments[mustFind(d, id)], nil
}

// Cancel withdraws a booking that has not been checked in: its place is free again, its token
// is not reused, and it counts towards the patient's RebookLimit.
func (d *Day) Cancel(id string, now time.Time) (Appointment, error) {
	a, err := d.get(id)
	if err != nil {
		return Appointment{}, err
	}
	if a.State != Booked {
		return Appointment{}, illegal(*a, "cancelled")
	}
	a.State = Cancelled
	a.CancelledAt = now.UTC()
	a.Version++
	delete(d.Guards, a.PatientID)
	d.Cancelled++
	if d.Cancellations == nil {
		d.Cancellations = map[string]int{}
	}
	d.Cancellations[a.PatientID]++
	return *a, nil
}

// Next calls the first present patient in queue order into consultation.
func (d *Day) Next(now time.Time) (Appointment, error) {
	if d.ServingID != "" {
		return Appointment{}, errs.Conflict(CodeConsultationInProcess,
			fmt.Sprintf("Appointment %s is still in consultation; complete or skip it first.", d.ServingID))
	}
	var head *Appointment
	for i := range d.Appointments {
		a := &d.Appointments[i]
		if a.State == CheckedIn && (head == nil || a.Token < head.Token) {
			head = a
		}
	}
	if head == nil {
		return Appointment{}, errs.Conflict(CodeQueueEmpty, "No checked-in patient is waiting.")
	}
	head.State = InConsultation
	head.CalledAt = now.UTC()
	head.Version++
	d.ServingID = head.ID
	d.LastCalled = append([]int{head.Token}, d.LastCalled...)
	if len(d.LastCalled) > LastCalledKept {
		d.LastCalled = d.LastCalled[:LastCalledKept]
	}
	return *head, nil
}

// Complete ends the consultation in progress and returns its duration.
func (d *Day) Complete(id string, now time.Time) (Appointment, time.Duration, error) {
	a, err := d.get(id)
	if err != nil {
		return Appointment{}, 0, err
	}
	if a.State != InConsultation {
		return Appointment{}, 0, illegal(*a, "completed")
	}
	dur := now.Sub(a.CalledAt)
	if dur < 0 {
		dur = 0
	}
	a.State = Completed
	a.CompletedAt = now.UTC()
	a.DurationMs = dur.Milliseconds()
	a.Version++
	d.ServingID = ""
	return *a, dur, nil
}

// Skip sends a called patient who is not there back to BOOKED, behind the present ones.
func (d *Day) Skip(id string, now time.Time) (Appointment, error) {
	a, err := d.get(id)
	if err != nil {
		return Appointment{}, err
	}
	if a.State != InConsultation {
		return Appointment{}, illegal(*a, "skipped")
	}
	a.State = Booked
	a.Emergency = false
	a.CalledAt = time.Time{}
	a.CheckedInAt = time.Time{}
	a.Version++
	d.ServingID = ""
	d.reshuffle()
	return d.Appointments[mustFind(d, id)], nil
}

// MarkNoShows turns every booking nobody checked in into NO_SHOW (end of the day); it returns
// how many it marked. Running it again marks nothing.
func (d *Day) MarkNoShows() int {
	n := 0
	for i := range d.Appointments {
		if a := &d.Appointments[i]; a.State == Booked {
			a.State = NoShow
			a.Version++
			n++
		}
	}
	return n
}

func mustFind(d *Day, id string) int {
	i, _ := d.Find(id)
	return i
}

// reshuffle applies Reshuffle to the waiting appointments.
func (d *Day) reshuffle() {
	var places []Place
	for _, a := range d.Appointments {
		if a.State.Waiting() {
			places = append(places, Place{ID: a.ID, Token: a.Token, Present: a.State == CheckedIn, Emergency: a.Emergency})
		}
	}
	for _, m := range Reshuffle(places) {
		a := &d.Appointments[mustFind(d, m.ID)]
		a.Token = m.To
		a.Version++
	}
}

// Waiting returns the waiting appointments in queue order (token order).
func (d *Day) Waiting() []Appointment {
	var out []Appointment
	for _, a := range d.Appointments {
		if a.State.Waiting() {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Token < out[j].Token })
	return out
}

// UpNext is the present patient who will be called next, if any.
func (d *Day) UpNext() (Appointment, bool) {
	for _, a := range d.Waiting() {
		if a.State == CheckedIn {
			return a, true
		}
	}
	return Appointment{}, false
}

// Check verifies the queue's invariants; stores and tests call it on every state they read.
func (d *Day) Check() error {
	seen := map[int]string{}
	serving := 0
	waiting := d.Waiting()
	sawAbsent := false
	for _, a := range d.Appointments {
		if a.State == InConsultation {
			serving++
		}
		if !a.State.Waiting() && a.State != InConsultation {
			continue
		}
		if other, dup := seen[a.Token]; dup {
			return fmt.Errorf("token %d held by %s and %s", a.Token, other, a.ID)
		}
		seen[a.Token] = a.ID
	}
	if serving > 1 {
		return fmt.Errorf("%d appointments in consultation", serving)
	}
	for _, a := range waiting {
		if a.State == Booked {
			sawAbsent = true
		} else if sawAbsent {
			return fmt.Errorf("present %s (token %d) behind an absent patient", a.ID, a.Token)
		}
	}
	return nil
}
