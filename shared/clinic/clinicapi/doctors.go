package clinicapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/page"
)

type doctorView struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Specialty   string    `json:"specialty"`
	StartTime   string    `json:"startTime"`
	EndTime     string    `json:"endTime"`
	SlotMinutes int       `json:"slotMinutes"`
	MaxTokens   int       `json:"maxTokens"`
	User        string    `json:"user,omitempty"` // only in the admin's answers (create, set user)
	CreatedAt   time.Time `json:"createdAt"`
}

func viewDoctor(d clinic.Doctor) doctorView {
	return doctorView{ID: d.ID, Name: d.Name, Specialty: d.Specialty, StartTime: d.StartTime.String(),
		EndTime: d.EndTime.String(), SlotMinutes: d.SlotMinutes, MaxTokens: d.MaxTokens, CreatedAt: d.CreatedAt}
}

// adminViewDoctor is viewDoctor with the doctor's user, for the admin's own answers.
func adminViewDoctor(d clinic.Doctor) doctorView {
	v := viewDoctor(d)
	v.User = d.UserID
	return v
}

func newDoctorID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "d" + hex.EncodeToString(b)
}

// CreateDoctor builds POST /api/v1/doctors (admin).
func CreateDoctor(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	st, err := store(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		var in clinic.NewDoctorInput
		if err := httpapi.Decode(r, &in); err != nil {
			return nil, err
		}
		doc, err := clinic.NewDoctor(newDoctorID(), in, d.Clock.Now(ctx))
		if err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "doctor", doc.ID)
		if err := st.PutDoctor(ctx, doc); err != nil {
			return nil, err
		}
		return httpapi.JSONAt(http.StatusCreated, "/api/v1/doctors/"+doc.ID, adminViewDoctor(doc))
	}, nil
}

type setUserRequest struct {
	User *string `json:"user"`
}

// SetDoctorUser builds PUT /api/v1/doctors/{id}/user {user} (admin): names the doctor's own
// user, the one doctor-role caller who may act on that doctor's queue (the backfill of doctor
// records made without one). Setting the same user again answers the same.
func SetDoctorUser(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	st, err := store(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		id, err := doctorParam(r)
		if err != nil {
			return nil, err
		}
		var req setUserRequest
		if err := httpapi.Decode(r, &req); err != nil {
			return nil, err
		}
		var v errs.Validator
		switch {
		case req.User == nil:
			v.Add(clinic.FieldUser, "is required")
		case !clinic.ValidSubject(*req.User):
			v.Add(clinic.FieldUser, clinic.SubjectRule)
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "doctor", id)
		doc, err := st.SetDoctorUser(ctx, id, *req.User)
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, adminViewDoctor(doc))
	}, nil
}

// doctorsPage is the paging of GET /api/v1/doctors: limit 1..100, default 50, one Query of
// gsi1 DOCTORS per page.
var doctorsPage = page.Spec{Default: 50, Max: 100, Bound: map[string]string{"gsi1pk": clinicstore.DoctorsIndexPK},
	Keys: clinicstore.DoctorKeys, List: "doctors"}

// ListDoctors builds GET /api/v1/doctors?limit=&cursor=: the doctors in registration order.
func ListDoctors(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	st, err := store(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		limit, start, err := doctorsPage.Read(r)
		if err != nil {
			return nil, err
		}
		result, err := st.Doctors(r.Context(), limit, start)
		if err != nil {
			return nil, err
		}
		out := struct {
			Items      []doctorView `json:"items"`
			NextCursor *string      `json:"nextCursor"`
		}{Items: []doctorView{}}
		for _, doc := range result.Items {
			out.Items = append(out.Items, viewDoctor(doc))
		}
		if out.NextCursor, err = doctorsPage.Next(result.Last); err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, out)
	}, nil
}

// Slots builds GET /api/v1/doctors/{id}/slots?date=: the day's slots, how many bookings each
// holds, and how many tokens remain.
func Slots(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
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
		doc, err := st.Doctor(ctx, id)
		if err != nil {
			return nil, err
		}
		day, err := st.Day(ctx, id, date)
		if err != nil {
			return nil, err
		}
		perSlot := day.BookingsPerSlot()
		type slotView struct {
			Time   string `json:"time"`
			Booked int    `json:"booked"`
		}
		out := struct {
			DoctorID  string     `json:"doctorId"`
			Date      string     `json:"date"`
			MaxTokens int        `json:"maxTokens"`
			Issued    int        `json:"tokensIssued"`
			Remaining int        `json:"tokensRemaining"`
			Slots     []slotView `json:"slots"`
		}{DoctorID: id, Date: date.String(), MaxTokens: doc.MaxTokens, Issued: day.LastToken,
			Remaining: day.TokensRemaining(doc), Slots: []slotView{}}
		for _, t := range doc.Slots() {
			out.Slots = append(out.Slots, slotView{Time: t.String(), Booked: perSlot[t]})
		}
		return httpapi.JSON(http.StatusOK, out)
	}, nil
}
