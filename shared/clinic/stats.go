package clinic

import "time"

// RollingWindow is how many recent consultations the rolling average covers.
const RollingWindow = 30

// MinRollingSamples is how many consultations the rolling average needs before waits use it.
const MinRollingSamples = 5

// Stats are a doctor's running consultation totals.
type Stats struct {
	DoctorID      string
	Consultations int64
	TotalMs       int64
	Recent        []int64 // newest last, at most RollingWindow
	// Ignored counts the consultations too short to count (CountsInStats).
	Ignored int64
	Version int64
}

// CountsInStats is the statistics' floor: a consultation joins the statistics only when it
// lasted at least floor (configured, 60 s by default); a shorter one — a patient called and
// at once completed, a mistaken tap — would drag every estimated wait down.
func CountsInStats(d, floor time.Duration) bool { return d >= floor }

// Record adds one finished consultation under the floor rule: counted when CountsInStats,
// else only counted as ignored.
func (s Stats) Record(d, floor time.Duration) Stats {
	if !CountsInStats(d, floor) {
		s.Ignored++
		return s
	}
	return s.Add(d)
}

// Add records one consultation's duration.
func (s Stats) Add(d time.Duration) Stats {
	ms := d.Milliseconds()
	if ms < 0 {
		ms = 0
	}
	s.Consultations++
	s.TotalMs += ms
	s.Recent = append(append([]int64(nil), s.Recent...), ms)
	if len(s.Recent) > RollingWindow {
		s.Recent = s.Recent[len(s.Recent)-RollingWindow:]
	}
	return s
}

// AllTimeAverage is total duration / total consultations; 0 without history.
func (s Stats) AllTimeAverage() time.Duration {
	if s.Consultations == 0 {
		return 0
	}
	return time.Duration(s.TotalMs/s.Consultations) * time.Millisecond
}

// RollingAverage is the mean of the last RollingWindow consultations; 0 without history.
func (s Stats) RollingAverage() time.Duration {
	if len(s.Recent) == 0 {
		return 0
	}
	var sum int64
	for _, v := range s.Recent {
		sum += v
	}
	return time.Duration(sum/int64(len(s.Recent))) * time.Millisecond
}

// WaitBasis is the consultation length waits are estimated with: the rolling average once
// MinRollingSamples consultations exist, the all-time average before that, and the doctor's
// planned slot length while there is no history at all.
func (s Stats) WaitBasis(slotMinutes int) time.Duration {
	switch {
	case s.Consultations >= MinRollingSamples:
		return s.RollingAverage()
	case s.Consultations > 0:
		return s.AllTimeAverage()
	}
	return time.Duration(slotMinutes) * time.Minute
}
