package clinic

import "time"

// Snapshot is a doctor's queue on a day as a board shows it: tokens, states, initials and
// waits; never a patient's id or full name. Version is the day's version: it grows with every
// committed change, so a client keeps the snapshot with the highest version it has seen.
type Snapshot struct {
	DoctorID            string          `json:"doctorId"`
	DoctorName          string          `json:"doctorName"`
	Date                string          `json:"date"`
	Version             int64           `json:"version"`
	NowServing          *SnapshotEntry  `json:"nowServing"`
	LastCalled          []int           `json:"lastCalled"`
	Next                []SnapshotEntry `json:"next"`
	AverageConsultation float64         `json:"averageConsultationSeconds"`
	GeneratedAt         time.Time       `json:"generatedAt"`
}

// SnapshotEntry is one patient on the board.
type SnapshotEntry struct {
	Token                int    `json:"token"`
	OriginalToken        int    `json:"originalToken"`
	Initials             string `json:"initials"`
	State                State  `json:"state"`
	Emergency            bool   `json:"emergency"`
	PatientsAhead        int    `json:"patientsAhead"`
	EstimatedWaitSeconds int64  `json:"estimatedWaitSeconds"`
}

// WaitEstimate is one waiting patient's position and estimated wait.
type WaitEstimate struct {
	Appointment Appointment
	Ahead       int
	Wait        time.Duration
}

// Waits estimates each waiting patient's wait: patients ahead (including the one in
// consultation) × the wait basis (see Stats.WaitBasis).
func (d *Day) Waits(basis time.Duration) []WaitEstimate {
	ahead := 0
	if d.ServingID != "" {
		ahead = 1
	}
	var out []WaitEstimate
	for _, a := range d.Waiting() {
		out = append(out, WaitEstimate{Appointment: a, Ahead: ahead, Wait: time.Duration(ahead) * basis})
		ahead++
	}
	return out
}

// Snapshot builds the masked board view.
func (d *Day) Snapshot(doc Doctor, st Stats, now time.Time) Snapshot {
	basis := st.WaitBasis(doc.SlotMinutes)
	s := Snapshot{DoctorID: d.DoctorID, DoctorName: doc.Name, Date: d.Date.String(), Version: d.Version,
		LastCalled: append([]int{}, d.LastCalled...), Next: []SnapshotEntry{},
		AverageConsultation: basis.Seconds(), GeneratedAt: now.UTC()}
	if i, ok := d.Find(d.ServingID); ok && d.ServingID != "" {
		a := d.Appointments[i]
		s.NowServing = &SnapshotEntry{Token: a.Token, OriginalToken: a.OriginalToken, Initials: Initials(a.PatientName),
			State: a.State, Emergency: a.Emergency}
	}
	for _, w := range d.Waits(basis) {
		a := w.Appointment
		s.Next = append(s.Next, SnapshotEntry{Token: a.Token, OriginalToken: a.OriginalToken, Initials: Initials(a.PatientName),
			State: a.State, Emergency: a.Emergency, PatientsAhead: w.Ahead, EstimatedWaitSeconds: int64(w.Wait.Seconds())})
	}
	return s
}
