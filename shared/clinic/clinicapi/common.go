package clinicapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
)

func store(d *httpapi.Deps) (*clinicstore.Store, error) {
	if d.Config.ClinicTable == "" {
		return nil, errors.New("CLINIC_TABLE is not set")
	}
	return clinicstore.New(d.DynamoDB, d.Config.ClinicTable), nil
}

// doctorParam is the {id} path parameter of a doctor route, validated.
func doctorParam(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !clinic.ValidID(id) {
		return "", errs.Validation(errs.Field(clinic.FieldID, "must be a doctor id (1-64 of A-Z a-z 0-9 _ -)"))
	}
	return id, nil
}

// apptParam is the {id} path parameter of an appointment route, validated.
func apptParam(r *http.Request) (string, clock.Date, string, error) {
	id := r.PathValue("id")
	doctorID, date, _, ok := clinic.ParseAppointmentID(id)
	if !ok {
		return "", clock.Date{}, "", errs.Validation(errs.Field(clinic.FieldID, "is not an appointment id"))
	}
	return doctorID, date, id, nil
}

// dateQuery reads ?date= (default: today in the business time zone), rejecting any other
// parameter except those in also.
func dateQuery(r *http.Request, d *httpapi.Deps, also ...string) (clock.Date, map[string]string, error) {
	q, err := httpapi.Query(r, append([]string{"date"}, also...)...)
	if err != nil {
		return clock.Date{}, nil, err
	}
	raw, ok := q["date"]
	if !ok {
		return d.Calendar.Today(r.Context(), d.Clock), q, nil
	}
	date, err := clock.ParseDate(raw)
	if err != nil {
		return clock.Date{}, nil, errs.Validation(errs.Field(clinic.FieldDate, clock.DateRule))
	}
	return date, q, nil
}

// doctorDay reads what every doctor-day route takes: the doctor in the path and ?date=.
func doctorDay(r *http.Request, d *httpapi.Deps) (string, clock.Date, error) {
	id, err := doctorParam(r)
	if err != nil {
		return "", clock.Date{}, err
	}
	date, _, err := dateQuery(r, d)
	return id, date, err
}

// noBody accepts an absent body or an empty JSON object, and nothing else.
func noBody(r *http.Request) error {
	var empty struct{}
	_, err := httpapi.DecodeOptional(r, &empty)
	return err
}

type appointmentView struct {
	ID              string       `json:"id"`
	DoctorID        string       `json:"doctorId"`
	Date            string       `json:"date"`
	Slot            string       `json:"slot"`
	PatientID       string       `json:"patientId"`
	PatientName     string       `json:"patientName"`
	Token           int          `json:"token"`
	OriginalToken   int          `json:"originalToken"`
	State           clinic.State `json:"state"`
	Emergency       bool         `json:"emergency"`
	BookedAt        time.Time    `json:"bookedAt"`
	CheckedInAt     *time.Time   `json:"checkedInAt,omitempty"`
	CalledAt        *time.Time   `json:"calledAt,omitempty"`
	CompletedAt     *time.Time   `json:"completedAt,omitempty"`
	CancelledAt     *time.Time   `json:"cancelledAt,omitempty"`
	DurationSeconds *float64     `json:"durationSeconds,omitempty"`
	Version         int64        `json:"version"`
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func viewAppointment(a clinic.Appointment) appointmentView {
	v := appointmentView{ID: a.ID, DoctorID: a.DoctorID, Date: a.Date.String(), Slot: a.Slot.String(),
		PatientID: a.PatientID, PatientName: a.PatientName, Token: a.Token, OriginalToken: a.OriginalToken,
		State: a.State, Emergency: a.Emergency, BookedAt: a.BookedAt, CheckedInAt: opt(a.CheckedInAt),
		CalledAt: opt(a.CalledAt), CompletedAt: opt(a.CompletedAt), CancelledAt: opt(a.CancelledAt), Version: a.Version}
	if a.State == clinic.Completed {
		secs := float64(a.DurationMs) / 1000
		v.DurationSeconds = &secs
	}
	return v
}

func itoa(i int) string { return strconv.Itoa(i) }

// requireOwner asks authz.RequireOwner, on an OwnerSelf route, with the owners the route's
// policy names (Policy.OwnedBy): the doctor record's user (doctorUser, "" when the record
// names none) and the appointment's patient. Other routes have no owner to check.
func requireOwner(ctx context.Context, doctorUser, patient string) error {
	p, ok := authz.PolicyFrom(ctx)
	if ok && p.Ownership != authz.OwnerSelf {
		return nil
	}
	var owners []string
	if authz.OwnedBy(ctx, authz.OwnedByDoctorUser) {
		owners = append(owners, doctorUser)
	}
	if authz.OwnedBy(ctx, authz.OwnedByPatient) {
		owners = append(owners, patient)
	}
	return authz.RequireOwner(ctx, owners...)
}

// doctorUser is the user of the doctor record the route's owner rule needs (OwnedByDoctorUser),
// "" when the route needs none; an unknown doctor is a not-found error.
func doctorUser(ctx context.Context, st *clinicstore.Store, doctorID string) (string, error) {
	if !authz.OwnedBy(ctx, authz.OwnedByDoctorUser) {
		return "", nil
	}
	doc, err := st.Doctor(ctx, doctorID)
	if err != nil {
		return "", err
	}
	return doc.UserID, nil
}
