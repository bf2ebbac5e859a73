package clinic

import (
	"testing"
	"time"
)

func TestStatsFloor(t *testing.T) {
	const floor = 60 * time.Second
	for _, tc := range []struct {
		name          string
		d, floor      time.Duration
		counts        bool
		consultations int64
		ignored       int64
	}{
		{"zero", 0, floor, false, 0, 1},
		{"just short", floor - time.Millisecond, floor, false, 0, 1},
		{"exactly the floor", floor, floor, true, 1, 0},
		{"long", 15 * time.Minute, floor, true, 1, 0},
		{"no floor counts everything", 0, 0, true, 1, 0},
	} {
		if got := CountsInStats(tc.d, tc.floor); got != tc.counts {
			t.Errorf("%s: CountsInStats = %v", tc.name, got)
		}
		s := Stats{Consultations: 3, TotalMs: 3000, Recent: []int64{1000, 1000, 1000}, Ignored: 2}.Record(tc.d, tc.floor)
		if s.Consultations != 3+tc.consultations || s.Ignored != 2+tc.ignored {
			t.Errorf("%s: Record gave %d consultations, %d ignored", tc.name, s.Consultations, s.Ignored)
		}
		if want := 3 + int(tc.consultations); len(s.Recent) != want {
			t.Errorf("%s: %d recent samples, want %d", tc.name, len(s.Recent), want)
		}
	}
}
