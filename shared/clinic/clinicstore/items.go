package clinicstore

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/clinic"
	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/dynamoitem"
)

// Entity values: the relay and readers dispatch on them.
const (
	EntityDoctor      = "doctor"
	EntityStats       = "stats"
	EntityQueue       = "queue"
	EntityAppointment = "appointment"
	EntityGuard       = "guard"
	EntityRebook      = "rebook"
)

// Key prefixes and fixed sort keys.
const (
	doctorSK   = "PROFILE"
	statsSK    = "STATS"
	queueSK    = "#QUEUE"
	doctorsGSI = "DOCTORS"
)

// DoctorPK is a doctor's partition.
func DoctorPK(id string) string { return "DOCTOR#" + id }

// DayPK is a doctor's day partition: queue item, appointments, guards.
func DayPK(doctorID string, date clock.Date) string { return "DAY#" + doctorID + "#" + date.String() }

// ApptSK is an appointment's sort key, by its original token.
func ApptSK(originalToken int) string { return fmt.Sprintf("APPT#%03d", originalToken) }

func guardSK(patientID string) string { return "GUARD#" + patientID }

// rebookSK is the item counting a patient's cancellations of the day (clinic.RebookLimit); it
// outlives the guard, which a cancellation deletes.
func rebookSK(patientID string) string { return "REBOOK#" + patientID }

type doctorItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk"`
	GSI1SK      string `dynamodbav:"gsi1sk"`
	Entity      string `dynamodbav:"entity"`
	DoctorID    string `dynamodbav:"doctorId"`
	Name        string `dynamodbav:"name"`
	Specialty   string `dynamodbav:"specialty"`
	StartTime   string `dynamodbav:"startTime"`
	EndTime     string `dynamodbav:"endTime"`
	SlotMinutes int    `dynamodbav:"slotMinutes"`
	MaxTokens   int    `dynamodbav:"maxTokens"`
	UserID      string `dynamodbav:"userId,omitempty"` // absent: no doctor-role user (records made before it existed)
	CreatedAt   string `dynamodbav:"createdAt"`
	Correlation string `dynamodbav:"correlationId,omitempty"`
}

func doctorToItem(d clinic.Doctor, corr string) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(doctorItem{PK: DoctorPK(d.ID), SK: doctorSK, GSI1PK: doctorsGSI,
		GSI1SK: d.CreatedAt.UTC().Format(time.RFC3339Nano) + "#" + d.ID, Entity: EntityDoctor,
		DoctorID: d.ID, Name: d.Name, Specialty: d.Specialty, StartTime: d.StartTime.String(), EndTime: d.EndTime.String(),
		SlotMinutes: d.SlotMinutes, MaxTokens: d.MaxTokens, UserID: d.UserID, CreatedAt: dynamoitem.OptionalTime(d.CreatedAt), Correlation: corr})
}

func doctorFromItem(item map[string]types.AttributeValue) (clinic.Doctor, error) {
	var it doctorItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return clinic.Doctor{}, fmt.Errorf("doctor item: %w", err)
	}
	st, ok1 := clinic.ParseClockTime(it.StartTime)
	et, ok2 := clinic.ParseClockTime(it.EndTime)
	if !ok1 || !ok2 {
		return clinic.Doctor{}, fmt.Errorf("doctor item %s: bad times %q %q", it.DoctorID, it.StartTime, it.EndTime)
	}
	return clinic.Doctor{ID: it.DoctorID, Name: it.Name, Specialty: it.Specialty, StartTime: st, EndTime: et,
		SlotMinutes: it.SlotMinutes, MaxTokens: it.MaxTokens, UserID: it.UserID, CreatedAt: dynamoitem.TimeOrZero(it.CreatedAt)}, nil
}

type statsItem struct {
	PK            string  `dynamodbav:"pk"`
	SK            string  `dynamodbav:"sk"`
	Entity        string  `dynamodbav:"entity"`
	DoctorID      string  `dynamodbav:"doctorId"`
	Consultations int64   `dynamodbav:"consultations"`
	TotalMs       int64   `dynamodbav:"totalMs"`
	Recent        []int64 `dynamodbav:"recent"`
	Ignored       int64   `dynamodbav:"ignored,omitempty"`
	Version       int64   `dynamodbav:"version"`
}

// QueueItem is the day's queue item as stored (the relay reads the same shape).
type QueueItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Entity        string `dynamodbav:"entity"`
	DoctorID      string `dynamodbav:"doctorId"`
	Date          string `dynamodbav:"date"`
	Version       int64  `dynamodbav:"version"`
	LastToken     int    `dynamodbav:"lastToken"`
	Cancelled     int    `dynamodbav:"cancelled,omitempty"` // cancelled bookings; absent on days stored before it was kept
	ServingID     string `dynamodbav:"servingId,omitempty"`
	LastCalled    []int  `dynamodbav:"lastCalled"`
	UpNextID      string `dynamodbav:"upNextId,omitempty"`
	UpNextPatient string `dynamodbav:"upNextPatientId,omitempty"`
	UpNextToken   int    `dynamodbav:"upNextToken,omitempty"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
	Correlation   string `dynamodbav:"correlationId,omitempty"`
}

// AppointmentItem is an appointment as stored (the relay reads the same shape).
type AppointmentItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Entity        string `dynamodbav:"entity"`
	AppointmentID string `dynamodbav:"appointmentId"`
	DoctorID      string `dynamodbav:"doctorId"`
	Date          string `dynamodbav:"date"`
	Slot          string `dynamodbav:"slot"`
	PatientID     string `dynamodbav:"patientId"`
	PatientName   string `dynamodbav:"patientName"`
	Token         int    `dynamodbav:"token"`
	OriginalToken int    `dynamodbav:"originalToken"`
	State         string `dynamodbav:"state"`
	Emergency     bool   `dynamodbav:"emergency"`
	BookedAt      string `dynamodbav:"bookedAt"`
	CheckedInAt   string `dynamodbav:"checkedInAt,omitempty"`
	CalledAt      string `dynamodbav:"calledAt,omitempty"`
	CompletedAt   string `dynamodbav:"completedAt,omitempty"`
	CancelledAt   string `dynamodbav:"cancelledAt,omitempty"`
	DurationMs    int64  `dynamodbav:"durationMs,omitempty"`
	Version       int64  `dynamodbav:"version"`
	Correlation   string `dynamodbav:"correlationId,omitempty"`
}

type rebookItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Entity        string `dynamodbav:"entity"`
	PatientID     string `dynamodbav:"patientId"`
	Cancellations int    `dynamodbav:"cancellations"`
}

type guardItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Entity        string `dynamodbav:"entity"`
	PatientID     string `dynamodbav:"patientId"`
	AppointmentID string `dynamodbav:"appointmentId"`
}

func apptToItem(a clinic.Appointment, corr string) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(AppointmentItem{PK: DayPK(a.DoctorID, a.Date), SK: ApptSK(a.OriginalToken),
		Entity: EntityAppointment, AppointmentID: a.ID, DoctorID: a.DoctorID, Date: a.Date.String(), Slot: a.Slot.String(),
		PatientID: a.PatientID, PatientName: a.PatientName, Token: a.Token, OriginalToken: a.OriginalToken,
		State: string(a.State), Emergency: a.Emergency, BookedAt: dynamoitem.OptionalTime(a.BookedAt), CheckedInAt: dynamoitem.OptionalTime(a.CheckedInAt),
		CalledAt: dynamoitem.OptionalTime(a.CalledAt), CompletedAt: dynamoitem.OptionalTime(a.CompletedAt), CancelledAt: dynamoitem.OptionalTime(a.CancelledAt),
		DurationMs: a.DurationMs, Version: a.Version, Correlation: corr})
}

func apptFromItem(it AppointmentItem) (clinic.Appointment, error) {
	date, err := clock.ParseDate(it.Date)
	if err != nil {
		return clinic.Appointment{}, fmt.Errorf("appointment %s: %w", it.AppointmentID, err)
	}
	slot, _ := clinic.ParseClockTime(it.Slot)
	return clinic.Appointment{ID: it.AppointmentID, DoctorID: it.DoctorID, Date: date, Slot: slot,
		PatientID: it.PatientID, PatientName: it.PatientName, Token: it.Token, OriginalToken: it.OriginalToken,
		State: clinic.State(it.State), Emergency: it.Emergency, BookedAt: dynamoitem.TimeOrZero(it.BookedAt),
		CheckedInAt: dynamoitem.TimeOrZero(it.CheckedInAt), CalledAt: dynamoitem.TimeOrZero(it.CalledAt), CompletedAt: dynamoitem.TimeOrZero(it.CompletedAt),
		CancelledAt: dynamoitem.TimeOrZero(it.CancelledAt), DurationMs: it.DurationMs, Version: it.Version}, nil
}

func queueToItem(d *clinic.Day, version int64, now time.Time, corr string) (map[string]types.AttributeValue, error) {
	q := QueueItem{PK: DayPK(d.DoctorID, d.Date), SK: queueSK, Entity: EntityQueue, DoctorID: d.DoctorID,
		Date: d.Date.String(), Version: version, LastToken: d.LastToken, Cancelled: d.Cancelled, ServingID: d.ServingID,
		LastCalled: append([]int{}, d.LastCalled...), UpdatedAt: dynamoitem.OptionalTime(now), Correlation: corr}
	if a, ok := d.UpNext(); ok {
		q.UpNextID, q.UpNextPatient, q.UpNextToken = a.ID, a.PatientID, a.Token
	}
	return attributevalue.MarshalMap(q)
}
