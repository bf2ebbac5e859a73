// Package clinicrelay maps committed writes in the clinic table to domain events for the
// stream relay (platform/events): QueueChanged.v1 for every new version of a doctor's day
// (the broadcaster's trigger), PatientUpNext.v1 when a different patient becomes the next to
// be called ("you are next"), and Appointment<State>.v1 for every appointment state change
// (AppointmentBooked.v1 carries the booking confirmation). It only describes changes DynamoDB
// already committed; it must never publish anything itself, invent a change the images do not
// show, or put a patient's name on the bus.
package clinicrelay

import (
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/events"
)

// Domain is the clinic events' domain: source "holdfast.clinic".
const Domain = "clinic"

// Event types (detail-type is <Type>.v1).
const (
	TypeQueueChanged = "QueueChanged"
	TypeUpNext       = "PatientUpNext"
	TypeBooked       = "AppointmentBooked" // the booking confirmation's trigger
)

// QueueChanged is the data of QueueChanged.v1.
type QueueChanged struct {
	DoctorID string `json:"doctorId"`
	Date     string `json:"date"`
	Version  int64  `json:"version"`
}

// UpNext is the data of PatientUpNext.v1.
type UpNext struct {
	AppointmentID string `json:"appointmentId"`
	PatientID     string `json:"patientId"`
	DoctorID      string `json:"doctorId"`
	Date          string `json:"date"`
	Token         int    `json:"token"`
}

// AppointmentChanged is the data of the Appointment<State>.v1 events.
type AppointmentChanged struct {
	AppointmentID string `json:"appointmentId"`
	PatientID     string `json:"patientId"`
	DoctorID      string `json:"doctorId"`
	Date          string `json:"date"`
	Slot          string `json:"slot"`
	Token         int    `json:"token"`
	OriginalToken int    `json:"originalToken"`
	State         string `json:"state"`
	PreviousState string `json:"previousState,omitempty"`
	Emergency     bool   `json:"emergency"`
	DurationMs    int64  `json:"durationMs,omitempty"`
	Version       int64  `json:"version"`
}

var stateTypes = map[string]string{
	"BOOKED": TypeBooked, "CHECKED_IN": "AppointmentCheckedIn", "IN_CONSULTATION": "AppointmentCalled",
	"COMPLETED": "AppointmentCompleted", "CANCELLED": "AppointmentCancelled", "NO_SHOW": "AppointmentNoShow",
}

// Map is the clinic relay's mapper. Event IDs are pk#sk#v<version> (plus a suffix per kind),
// so doubled stream records and redeliveries map to the same event.
func Map(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	if rec.EventName == "REMOVE" || events.ImagesEqual(rec) {
		return nil, nil
	}
	kind, _ := events.StringAttr(rec.Change.NewImage, "entity")
	switch kind {
	case clinicstore.EntityQueue:
		return mapQueue(rec)
	case clinicstore.EntityAppointment:
		return mapAppointment(rec)
	}
	return nil, nil
}

func mapQueue(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	var cur, old clinicstore.QueueItem
	if err := events.UnmarshalImage(rec.Change.NewImage, &cur); err != nil {
		return nil, fmt.Errorf("queue image: %w", err)
	}
	if len(rec.Change.OldImage) > 0 {
		if err := events.UnmarshalImage(rec.Change.OldImage, &old); err != nil {
			return nil, fmt.Errorf("queue old image: %w", err)
		}
		if old.Version == cur.Version {
			return nil, nil
		}
	}
	id := events.EventID(cur.PK, cur.SK, fmt.Sprintf("v%d", cur.Version))
	env, err := events.NewFromRecord(rec, events.Meta{EventID: id, Domain: Domain, Type: TypeQueueChanged, Version: 1},
		QueueChanged{DoctorID: cur.DoctorID, Date: cur.Date, Version: cur.Version})
	if err != nil {
		return nil, err
	}
	out := []events.Envelope{env}
	if cur.UpNextID != "" && cur.UpNextID != old.UpNextID {
		up, err := events.NewFromRecord(rec, events.Meta{EventID: id + "#upnext", Domain: Domain, Type: TypeUpNext, Version: 1,
			Actor: &events.Actor{ID: cur.UpNextPatient}},
			UpNext{AppointmentID: cur.UpNextID, PatientID: cur.UpNextPatient, DoctorID: cur.DoctorID, Date: cur.Date, Token: cur.UpNextToken})
		if err != nil {
			return nil, err
		}
		out = append(out, up)
	}
	return out, nil
}

func mapAppointment(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	var cur, old clinicstore.AppointmentItem
	if err := events.UnmarshalImage(rec.Change.NewImage, &cur); err != nil {
		return nil, fmt.Errorf("appointment image: %w", err)
	}
	if len(rec.Change.OldImage) > 0 {
		if err := events.UnmarshalImage(rec.Change.OldImage, &old); err != nil {
			return nil, fmt.Errorf("appointment old image: %w", err)
		}
		if old.State == cur.State {
			return nil, nil // a token move or a rewrite: the queue event announces it
		}
	}
	typ, ok := stateTypes[cur.State]
	if !ok {
		return nil, fmt.Errorf("appointment %s: unknown state %q", cur.AppointmentID, cur.State)
	}
	if old.State == "IN_CONSULTATION" && cur.State == "BOOKED" {
		typ = "AppointmentSkipped"
	}
	env, err := events.NewFromRecord(rec, events.Meta{
		EventID: events.EventID(cur.PK, cur.SK, fmt.Sprintf("v%d", cur.Version)),
		Domain:  Domain, Type: typ, Version: 1, Actor: &events.Actor{ID: cur.PatientID},
	}, AppointmentChanged{AppointmentID: cur.AppointmentID, PatientID: cur.PatientID, DoctorID: cur.DoctorID, Date: cur.Date,
		Slot: cur.Slot, Token: cur.Token, OriginalToken: cur.OriginalToken, State: cur.State, PreviousState: old.State,
		Emergency: cur.Emergency, DurationMs: cur.DurationMs, Version: cur.Version})
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}
