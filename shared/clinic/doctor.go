package clinic

import (
	"fmt"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/text"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// MaxTokensLimit bounds a doctor's tokens per day. A reshuffle moves at most every waiting
// appointment of the day, and it must commit as ONE TransactWriteItems (100 items): the day's
// queue item plus at most 98 appointments fit, so no reshuffle is ever split (a split would
// let a reader see a half-moved queue with duplicate tokens).
const MaxTokensLimit = 98

// Doctor is a doctor who takes appointments.
type Doctor struct {
	ID          string
	Name        string
	Specialty   string
	StartTime   ClockTime
	EndTime     ClockTime
	SlotMinutes int
	MaxTokens   int
	// UserID is the doctor's own user (the token's sub): the one doctor-role caller who acts
	// on and reads this doctor's queue, appointments and statistics. Empty: no doctor-role
	// caller may (receptionists and admins still can); an admin sets it with
	// PUT /api/v1/doctors/{id}/user.
	UserID    string
	CreatedAt time.Time
}

// ClockTime is a time of day in minutes after midnight (business time zone).
type ClockTime int

var clockPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

// ParseClockTime reads "HH:MM" (24 h).
func ParseClockTime(s string) (ClockTime, bool) {
	m := clockPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	var h, min int
	fmt.Sscanf(m[1], "%d", &h)
	fmt.Sscanf(m[2], "%d", &min)
	return ClockTime(h*60 + min), true
}

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidID reports whether s is a well-formed doctor id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// NewDoctorInput is what an admin sends to register a doctor.
type NewDoctorInput struct {
	Name        *string `json:"name"`
	Specialty   *string `json:"specialty"`
	StartTime   *string `json:"startTime"`
	EndTime     *string `json:"endTime"`
	SlotMinutes *int    `json:"slotMinutes"`
	MaxTokens   *int    `json:"maxTokens"`
	User        *string `json:"user"` // optional: the doctor's user (sub); see Doctor.UserID
}

var subjectPattern = regexp.MustCompile(`^[A-Za-z0-9._:@|+=-]{1,255}$`)

// SubjectRule is what CheckUser asks of a user.
const SubjectRule = "must be a user id (the token's sub: 1-255 of A-Z a-z 0-9 . _ : @ | + = -)"

// ValidSubject reports whether s is a well-formed user id (a token's sub) for a doctor record.
func ValidSubject(s string) bool { return subjectPattern.MatchString(s) }

// ValidText checks a human-readable name: 1..max characters after trimming, the platform's
// free-text rule (package text: no control, format or bidirectional characters), and — since
// it ends up on a public board — only printable characters and no markup characters.
func ValidText(s string, max int) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "must not be empty"
	}
	if msg := (text.Rule{Max: max}).Check(s); msg != "" {
		return "", msg
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || strings.ContainsRune("<>\"`\\{}", r) {
			return "", "must be plain printable text without < > \" ` \\ { }"
		}
	}
	return s, ""
}

// NewDoctor validates the input, naming every bad field.
func NewDoctor(id string, in NewDoctorInput, now time.Time) (Doctor, error) {
	var v errs.Validator
	d := Doctor{ID: id, CreatedAt: now.UTC()}
	text := func(field string, p *string, dst *string) {
		if p == nil {
			v.Add(field, "is required")
			return
		}
		s, msg := ValidText(*p, 100)
		if msg != "" {
			v.Add(field, msg)
		}
		*dst = s
	}
	text(FieldName, in.Name, &d.Name)
	text(FieldSpecialty, in.Specialty, &d.Specialty)
	okTimes := true
	tm := func(field string, p *string, dst *ClockTime) {
		if p == nil {
			v.Add(field, "is required")
			okTimes = false
			return
		}
		t, ok := ParseClockTime(*p)
		if !ok {
			v.Add(field, "must be a time of day HH:MM (24 h)")
			okTimes = false
		}
		*dst = t
	}
	tm(FieldStartTime, in.StartTime, &d.StartTime)
	tm(FieldEndTime, in.EndTime, &d.EndTime)
	if okTimes && d.EndTime <= d.StartTime {
		v.Add(FieldEndTime, "must be after startTime")
		okTimes = false
	}
	switch {
	case in.SlotMinutes == nil:
		v.Add(FieldSlotMinutes, "is required")
	case *in.SlotMinutes < 5 || *in.SlotMinutes > 240:
		v.Add(FieldSlotMinutes, "must be between 5 and 240")
	case okTimes && int(d.EndTime-d.StartTime) < *in.SlotMinutes:
		v.Add(FieldSlotMinutes, "must fit at least once between startTime and endTime")
	default:
		d.SlotMinutes = *in.SlotMinutes
	}
	switch {
	case in.MaxTokens == nil:
		v.Add(FieldMaxTokens, "is required")
	case *in.MaxTokens < 1 || *in.MaxTokens > MaxTokensLimit:
		v.Add(FieldMaxTokens, fmt.Sprintf("must be between 1 and %d", MaxTokensLimit))
	default:
		d.MaxTokens = *in.MaxTokens
	}
	if in.User != nil {
		if !ValidSubject(*in.User) {
			v.Add(FieldUser, SubjectRule)
		} else {
			d.UserID = *in.User
		}
	}
	if err := v.Err(); err != nil {
		return Doctor{}, err
	}
	return d, nil
}

// Slots are the doctor's slot start times in a day.
func (d Doctor) Slots() []ClockTime {
	var out []ClockTime
	for t := d.StartTime; t+ClockTime(d.SlotMinutes) <= d.EndTime; t += ClockTime(d.SlotMinutes) {
		out = append(out, t)
	}
	return out
}

// HasSlot reports whether s starts one of the doctor's slots.
func (d Doctor) HasSlot(s ClockTime) bool {
	for _, t := range d.Slots() {
		if t == s {
			return true
		}
	}
	return false
}
