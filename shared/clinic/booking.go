package clinic

import (
	"fmt"

	"holdfast/shared/platform/clock"
	"holdfast/shared/platform/errs"
)

// BookingHorizonDays is how far ahead a day can be booked: today up to today + 90.
const BookingHorizonDays = 90

// CheckBookingDate is the booking window: a day may be booked from today (the business day
// of the request) up to BookingHorizonDays ahead, both ends included. An earlier day is 422
// date_in_past, a later one 422 date_too_far.
func CheckBookingDate(date, today clock.Date) error {
	if date.Before(today) {
		return errs.Unprocessable(CodeDateInPast, "Appointments can be booked from today on.")
	}
	if date.After(today.AddDays(BookingHorizonDays)) {
		return errs.Unprocessable(CodeDateTooFar,
			fmt.Sprintf("Appointments can be booked at most %d days ahead.", BookingHorizonDays))
	}
	return nil
}
