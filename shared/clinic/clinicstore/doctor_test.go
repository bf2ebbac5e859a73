package clinicstore_test

import (
	"context"
	"testing"
	"time"

	"holdfast/shared/clinic"
	"holdfast/shared/platform/problem"
)

// DoctorWithStats reads the doctor and their statistics in one Query: zero statistics before any
// consultation, the written ones after, and a 404 for an unknown doctor.
func TestDoctorWithStats(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	doc := addDoctor(t, st, "dws", 10)
	got, stats, err := st.DoctorWithStats(ctx, doc.ID)
	if err != nil || got.Name != doc.Name || got.MaxTokens != 10 || stats.DoctorID != doc.ID || stats.Consultations != 0 {
		t.Fatalf("%+v %+v %v", got, stats, err)
	}
	if _, err := st.Mutate(ctx, doc.ID, date, now, func(*clinic.Day) error { return nil },
		st.StatsWrite(doc.ID, time.Minute, func() time.Duration { return 7 * time.Minute })); err != nil {
		t.Fatal(err)
	}
	if _, stats, err = st.DoctorWithStats(ctx, doc.ID); err != nil || stats.Consultations != 1 || stats.TotalMs != (7*time.Minute).Milliseconds() {
		t.Fatalf("after one consultation: %+v %v", stats, err)
	}
	// One under the floor is kept only as a count of ignored consultations.
	if _, err := st.Mutate(ctx, doc.ID, date, now, func(*clinic.Day) error { return nil },
		st.StatsWrite(doc.ID, time.Minute, func() time.Duration { return 59 * time.Second })); err != nil {
		t.Fatal(err)
	}
	if _, stats, err = st.DoctorWithStats(ctx, doc.ID); err != nil || stats.Consultations != 1 || stats.Ignored != 1 ||
		stats.TotalMs != (7*time.Minute).Milliseconds() || len(stats.Recent) != 1 {
		t.Fatalf("after a consultation under the floor: %+v %v", stats, err)
	}
	if _, _, err := st.DoctorWithStats(ctx, "nobody"); problem.StatusOf(err) != 404 {
		t.Fatalf("unknown doctor: %v", err)
	}
}
