package clinic

import (
	"fmt"
	"holdfast/shared/platform/errs"
)

// Stable problem codes of the clinic queue.
const (
	CodeIllegalTransition     = "illegal_transition"
	CodeDayFull               = "day_full"
	CodeAlreadyBooked         = "already_booked"
	CodeQueueEmpty            = "queue_empty"
	CodeConsultationInProcess = "consultation_in_progress"
	CodeDateInPast            = "date_in_past"
	CodeDateTooFar            = "date_too_far"
	CodeConcurrentUpdate      = "concurrent_update"
	CodeRebookLimit           = "rebook_limit"
	CodeNotToday              = "not_today"
)

// Field names, as the API spells them.
const (
	FieldName        = "name"
	FieldSpecialty   = "specialty"
	FieldStartTime   = "startTime"
	FieldEndTime     = "endTime"
	FieldSlotMinutes = "slotMinutes"
	FieldMaxTokens   = "maxTokens"
	FieldDoctorID    = "doctorId"
	FieldDate        = "date"
	FieldSlot        = "slot"
	FieldPatientName = "patientName"
	FieldID          = "id"
	FieldUser        = "user"
)

func illegal(a Appointment, action string) error {
	return errs.Conflict(CodeIllegalTransition,
		fmt.Sprintf("Appointment %s is %s; it cannot be %s.", a.ID, a.State, action))
}
