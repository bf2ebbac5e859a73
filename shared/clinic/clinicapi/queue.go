package clinicapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
	"holdfast/shared/platform/wsconn"
)

type waitingView struct {
	appointmentView
	PatientsAhead        int   `json:"patientsAhead"`
	EstimatedWaitSeconds int64 `json:"estimatedWaitSeconds"`
}

type queueView struct {
	DoctorID                   string           `json:"doctorId"`
	Date                       string           `json:"date"`
	Version                    int64            `json:"version"`
	TokensIssued               int              `json:"tokensIssued"`
	NowServing                 *appointmentView `json:"nowServing"`
	LastCalled                 []int            `json:"lastCalled"`
	Waiting                    []waitingView    `json:"waiting"`
	AverageConsultationSeconds float64          `json:"averageConsultationSeconds"`
}

// Queue builds GET /api/v1/doctors/{id}/queue?date= (staff): the full queue with names; a
// doctor reads only their own (the record's user).
func Queue(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
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
		doc, stats, err := st.DoctorWithStats(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := requireOwner(ctx, doc.UserID, ""); err != nil {
			return nil, err
		}
		day, err := st.Day(ctx, id, date)
		if err != nil {
			return nil, err
		}
		basis := stats.WaitBasis(doc.SlotMinutes)
		out := queueView{DoctorID: id, Date: date.String(), Version: day.Version, TokensIssued: day.LastToken,
			LastCalled: append([]int{}, day.LastCalled...), Waiting: []waitingView{}, AverageConsultationSeconds: basis.Seconds()}
		if i, ok := day.Find(day.ServingID); ok && day.ServingID != "" {
			v := viewAppointment(day.Appointments[i])
			out.NowServing = &v
		}
		for _, w := range day.Waits(basis) {
			out.Waiting = append(out.Waiting, waitingView{viewAppointment(w.Appointment), w.Ahead, int64(w.Wait.Seconds())})
		}
		return httpapi.JSON(http.StatusOK, out)
	}, nil
}

// Stats builds GET /api/v1/doctors/{id}/stats.
func Stats(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
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
		if _, err := httpapi.Query(r); err != nil {
			return nil, err
		}
		doc, s, err := st.DoctorWithStats(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := requireOwner(ctx, doc.UserID, ""); err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, struct {
			DoctorID       string  `json:"doctorId"`
			Consultations  int64   `json:"consultations"`
			AverageSeconds float64 `json:"averageConsultationSeconds"`
			RollingSeconds float64 `json:"rollingAverageSeconds"`
			RollingSamples int     `json:"rollingSamples"`
			WaitBasis      float64 `json:"waitBasisSeconds"`
			Ignored        int64   `json:"ignoredConsultations"`
			MinSeconds     float64 `json:"minConsultationSeconds"`
		}{id, s.Consultations, s.AllTimeAverage().Seconds(), s.RollingAverage().Seconds(), len(s.Recent),
			s.WaitBasis(doc.SlotMinutes).Seconds(), s.Ignored, d.Config.Clinic.MinConsultation.Seconds()})
	}, nil
}

// loadDay reads a doctor's day with what its views need: the doctor and their statistics (one
// Query), then the day (one Query). An unknown doctor is a 404.
func loadDay(ctx context.Context, st *clinicstore.Store, doctorID string, date clock.Date) (clinic.Doctor, clinic.Stats, *clinic.Day, error) {
	doc, stats, err := st.DoctorWithStats(ctx, doctorID)
	if err != nil {
		return clinic.Doctor{}, clinic.Stats{}, nil, err
	}
	day, err := st.Day(ctx, doctorID, date)
	return doc, stats, day, err
}

// LoadSnapshot reads what a board shows for a doctor's day.
func LoadSnapshot(ctx context.Context, st *clinicstore.Store, doctorID string, date clock.Date, now time.Time) (clinic.Snapshot, error) {
	doc, stats, day, err := loadDay(ctx, st, doctorID, date)
	if err != nil {
		return clinic.Snapshot{}, err
	}
	return day.Snapshot(doc, stats, now), nil
}

// BoardSnapshot builds GET /api/v1/doctors/{id}/board?date= (public): the masked snapshot a
// board shows, for its first paint and every re-sync.
func BoardSnapshot(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
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
		snap, err := LoadSnapshot(ctx, st, id, date, d.Clock.Now(ctx))
		if err != nil {
			return nil, err
		}
		resp, err := httpapi.JSON(http.StatusOK, snap)
		if err == nil {
			resp.Header.Set("Cache-Control", "no-store")
		}
		return resp, err
	}, nil
}

// DisplayTokenTTL is how long a board's display token admits it to the WebSocket API: one
// clinic day; a receptionist issues a new one each morning.
const DisplayTokenTTL = 16 * time.Hour

// IssueDisplayToken builds POST /api/v1/doctors/{id}/display-tokens (receptionist, admin): a
// read-only, short-lived token that lets a board watch this doctor's queue live.
func IssueDisplayToken(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	st, err := store(d)
	if err != nil {
		return nil, err
	}
	if d.Config.ConnectionsTable == "" {
		return nil, errors.New("CONNECTIONS_TABLE is not set")
	}
	grants := &wsconn.Store{DB: d.DynamoDB, Table: d.Config.ConnectionsTable}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		id, err := doctorParam(r)
		if err != nil {
			return nil, err
		}
		if err := noBody(r); err != nil {
			return nil, err
		}
		if _, err := st.Doctor(ctx, id); err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "doctor", id)
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		tok := wsconn.GrantPrefix + base64.RawURLEncoding.EncodeToString(b)
		exp := d.Clock.Now(ctx).Add(DisplayTokenTTL).UTC().Truncate(time.Second)
		if err := grants.PutGrant(ctx, tok, "doctor#"+id, identity.FromContext(ctx).Subject, exp); err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusCreated, struct {
			Token     string    `json:"token"`
			DoctorID  string    `json:"doctorId"`
			ExpiresAt time.Time `json:"expiresAt"`
			BoardURL  string    `json:"boardUrl"`
		}{tok, id, exp, "/board/" + id + "#display=" + tok})
	}, nil
}
