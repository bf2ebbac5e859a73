package clinicapi

import (
	"context"
	"net/http"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"holdfast/shared/clinic"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
)

type bookRequest struct {
	DoctorID    *string `json:"doctorId"`
	Date        *string `json:"date"`
	Slot        *string `json:"slot"`
	PatientName *string `json:"patientName"`
}

// claimName is the caller's display name from the token's `name` claim, if any.
func claimName(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.Authorizer != nil && rc.Authorizer.JWT != nil {
		if s, msg := clinic.ValidText(rc.Authorizer.JWT.Claims["name"], 100); msg == "" {
			return s
		}
	}
	return ""
}

// Book builds POST /api/v1/appointments {doctorId, date, slot, patientName?} (patient): the
// next token of that doctor's day, BOOKED.
func Book(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	st, err := store(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		sub := identity.FromContext(ctx).Subject
		if err := authz.RequireOwner(ctx, sub); err != nil {
			return nil, err
		}
		var req bookRequest
		if err := httpapi.Decode(r, &req); err != nil {
			return nil, err
		}
		var v errs.Validator
		var date clock.Date
		var slot clinic.ClockTime
		name := claimName(r)
		switch {
		case req.DoctorID == nil:
			v.Add(clinic.FieldDoctorID, "is required")
		case !clinic.ValidID(*req.DoctorID):
			v.Add(clinic.FieldDoctorID, "must be a doctor id (1-64 of A-Z a-z 0-9 _ -)")
		}
		if req.Date == nil {
			v.Add(clinic.FieldDate, "is required")
		} else if date, err = clock.ParseDate(*req.Date); err != nil {
			v.Add(clinic.FieldDate, clock.DateRule)
		}
		if req.Slot == nil {
			v.Add(clinic.FieldSlot, "is required")
		} else if t, ok := clinic.ParseClockTime(*req.Slot); !ok {
			v.Add(clinic.FieldSlot, "must be a time of day HH:MM (24 h)")
		} else {
			slot = t
		}
		if req.PatientName != nil {
			s, msg := clinic.ValidText(*req.PatientName, 100)
			if msg != "" {
				v.Add(clinic.FieldPatientName, msg)
			}
			name = s
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		now := d.Clock.Now(ctx)
		if err := clinic.CheckBookingDate(date, d.Calendar.DateOf(now)); err != nil {
			return nil, err
		}
		doc, err := st.Doctor(ctx, *req.DoctorID)
		if err != nil {
			return nil, err
		}
		booked, err := st.Book(ctx, doc, date, now, clinic.BookInput{PatientID: sub, PatientName: name, Slot: slot})
		if err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "appointment", booked.ID)
		return httpapi.JSONAt(http.StatusCreated, "/api/v1/appointments/"+booked.ID, viewAppointment(booked))
	}, nil
}

// GetAppointment builds GET /api/v1/appointments/{id}: the patient's own, or any for staff.
func GetAppointment(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	st, err := store(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		_, _, id, err := apptParam(r)
		if err != nil {
			return nil, err
		}
		a, err := st.Appointment(ctx, id)
		if err != nil {
			return nil, err
		}
		user, err := doctorUser(ctx, st, a.DoctorID)
		if err != nil {
			return nil, err
		}
		if err := requireOwner(ctx, user, a.PatientID); err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, viewAppointment(a))
	}, nil
}

// transition builds a POST /api/v1/appointments/{id}/<verb> route: change decides on the
// day; routes whose policy is OwnerSelf let only the owners it names act (the appointment's
// patient, the doctor record's user: requireOwner), and override roles;
// onTheDay routes act only on the appointment's business day (clinic.CheckOnTheDay); stats
// routes record the consultation's duration.
func transition(change func(day *clinic.Day, id string, now time.Time) (clinic.Appointment, time.Duration, error), onTheDay, stats bool) func(context.Context, *httpapi.Deps) (httpapi.Handler, error) {
	return func(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
		st, err := store(d)
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) (*httpapi.Response, error) {
			ctx := r.Context()
			doctorID, date, id, err := apptParam(r)
			if err != nil {
				return nil, err
			}
			if err := noBody(r); err != nil {
				return nil, err
			}
			audit.SetEntity(ctx, "appointment", id)
			user, err := doctorUser(ctx, st, doctorID)
			if err != nil {
				return nil, err
			}
			now := d.Clock.Now(ctx)
			var out clinic.Appointment
			var dur time.Duration
			op := func(day *clinic.Day) error {
				i, ok := day.Find(id)
				if !ok {
					return errs.NotFound("The appointment does not exist.")
				}
				if err := requireOwner(ctx, user, day.Appointments[i].PatientID); err != nil {
					return err
				}
				if onTheDay {
					if err := clinic.CheckOnTheDay(day.Date, d.Calendar.DateOf(now)); err != nil {
						return err
					}
				}
				a, dd, err := change(day, id, now)
				out, dur = a, dd
				return err
			}
			var ex = st.StatsWrite(doctorID, d.Config.Clinic.MinConsultation, func() time.Duration { return dur })
			if !stats {
				ex = nil
			}
			if _, err := st.Mutate(ctx, doctorID, date, now, op, ex); err != nil {
				return nil, err
			}
			return httpapi.JSON(http.StatusOK, viewAppointment(out))
		}, nil
	}
}

func noDuration(f func(*clinic.Day, string, time.Time) (clinic.Appointment, error)) func(*clinic.Day, string, time.Time) (clinic.Appointment, time.Duration, error) {
	return func(d *clinic.Day, id string, now time.Time) (clinic.Appointment, time.Duration, error) {
		a, err := f(d, id, now)
		return a, 0, err
	}
}

// Cancel builds POST /api/v1/appointments/{id}/cancel (before check-in).
var Cancel = transition(noDuration(func(d *clinic.Day, id string, now time.Time) (clinic.Appointment, error) {
	return d.Cancel(id, now)
}), false, false)

// CheckIn builds POST /api/v1/appointments/{id}/check-in: present, then the reshuffle.
var CheckIn = transition(noDuration(func(d *clinic.Day, id string, now time.Time) (clinic.Appointment, error) {
	return d.CheckIn(id, false, now)
}), true, false)

// EmergencyCheckIn builds POST /api/v1/appointments/{id}/emergency-check-in (receptionist):
// present and ahead of every waiting patient.
var EmergencyCheckIn = transition(noDuration(func(d *clinic.Day, id string, now time.Time) (clinic.Appointment, error) {
	return d.CheckIn(id, true, now)
}), true, false)

// Skip builds POST /api/v1/appointments/{id}/skip: a called patient who is not there goes
// back to BOOKED, behind the present ones.
var Skip = transition(noDuration(func(d *clinic.Day, id string, now time.Time) (clinic.Appointment, error) {
	return d.Skip(id, now)
}), true, false)

// Complete builds POST /api/v1/appointments/{id}/complete: COMPLETED, and the duration joins
// the doctor's statistics in the same transaction.
var Complete = transition(func(d *clinic.Day, id string, now time.Time) (clinic.Appointment, time.Duration, error) {
	return d.Complete(id, now)
}, true, true)

// QueueNext builds POST /api/v1/doctors/{id}/queue/next?date= (doctor): the first checked-in
// patient becomes IN_CONSULTATION, on the business day itself only (409 not_today).
func QueueNext(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	st, err := store(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		id, date, err := doctorDay(r, d)
		if err != nil {
			return nil, err
		}
		if err := noBody(r); err != nil {
			return nil, err
		}
		doc, err := st.Doctor(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := requireOwner(ctx, doc.UserID, ""); err != nil {
			return nil, err
		}
		now := d.Clock.Now(ctx)
		if err := clinic.CheckOnTheDay(date, d.Calendar.DateOf(now)); err != nil {
			return nil, err
		}
		var called clinic.Appointment
		if _, err := st.Mutate(ctx, id, date, now, func(day *clinic.Day) error {
			a, err := day.Next(now)
			called = a
			return err
		}, nil); err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "appointment", called.ID)
		return httpapi.JSON(http.StatusOK, viewAppointment(called))
	}, nil
}
