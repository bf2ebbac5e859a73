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

// CheckOnTheDay is the rule of the queue's day-of actions — check-in (emergency too), call
// next, skip and complete: they act only on the appointment's own business day (date), and
// today is the business day of the request in the clinic's time zone (clock.Calendar). Any
// other day, earlier or later, is 409 not_today.
func CheckOnTheDay(date, today clock.Date) error {
	if date != today {
		return errs.Conflict(CodeNotToday,
			fmt.Sprintf("This can be done only on %s, the appointment's day; today is %s.", date, today))
	}
	return nil
}
