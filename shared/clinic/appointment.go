package clinic

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"holdfast/shared/platform/clock"
)

// State is where an appointment stands.
type State string

const (
	Booked         State = "BOOKED"
	CheckedIn      State = "CHECKED_IN"
	InConsultation State = "IN_CONSULTATION"
	Completed      State = "COMPLETED"
	Cancelled      State = "CANCELLED"
	NoShow         State = "NO_SHOW"
)

// Waiting reports whether the appointment holds a place in the queue.
func (s State) Waiting() bool { return s == Booked || s == CheckedIn }

// Appointment is one booking of a patient with a doctor on a day.
type Appointment struct {
	ID            string
	DoctorID      string
	Date          clock.Date
	Slot          ClockTime
	PatientID     string
	PatientName   string
	Token         int // the place in the queue; the reshuffle may change it
	OriginalToken int // the token given at booking; never changes
	State         State
	Emergency     bool
	BookedAt      time.Time
	CheckedInAt   time.Time
	CalledAt      time.Time
	CompletedAt   time.Time
	CancelledAt   time.Time
	DurationMs    int64
	Version       int64
}

// AppointmentID is deterministic: the doctor, the day and the original token locate the
// appointment, so the same booking can never be written under two ids, and a lookup by id is
// a GetItem in the day's partition.
func AppointmentID(doctorID string, date clock.Date, originalToken int) string {
	return fmt.Sprintf("%s.%04d%02d%02d.%d", doctorID, date.Year, int(date.Month), date.Day, originalToken)
}

var apptIDPattern = regexp.MustCompile(`^([A-Za-z0-9_-]{1,64})\.([0-9]{8})\.([1-9][0-9]{0,2})$`)

// ParseAppointmentID splits an appointment id; ok is false for anything malformed.
func ParseAppointmentID(id string) (doctorID string, date clock.Date, token int, ok bool) {
	m := apptIDPattern.FindStringSubmatch(id)
	if m == nil {
		return "", clock.Date{}, 0, false
	}
	d, err := clock.ParseDate(m[2][:4] + "-" + m[2][4:6] + "-" + m[2][6:])
	if err != nil {
		return "", clock.Date{}, 0, false
	}
	token, _ = strconv.Atoi(m[3])
	if token > MaxTokenNumber {
		return "", clock.Date{}, 0, false
	}
	return m[1], d, token, true
}

// Initials masks a name for public display: "Asha Rao" → "A. R.", at most three initials.
func Initials(name string) string {
	var out []string
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if unicode.IsLetter(r) {
				out = append(out, string(unicode.ToUpper(r))+".")
				break
			}
		}
		if len(out) == 3 {
			break
		}
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, " ")
}
