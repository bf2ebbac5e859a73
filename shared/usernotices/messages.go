package usernotices

import (
	"fmt"
	"time"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicrelay"
	"holdfast/shared/lending/lendingrelay"
)

// day renders an ISO date as "5 Mar 2025"; anything else is kept as it came.
func day(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("2 Jan 2006")
}

// Disbursed is the disbursal notice (LoanDisbursed.v1).
func Disbursed(l lendingrelay.LoanChanged) Message {
	body := fmt.Sprintf("INR %s for loan %s has been credited to your Holdfast wallet.", l.Principal, l.LoanID)
	if l.EMI != "" {
		body += fmt.Sprintf(" Your EMI is INR %s a month for %d months.", l.EMI, l.TenureMonths)
	}
	return Message{UserID: l.UserID, Kind: "loan-disbursed", Subject: "Loan disbursed", Body: body,
		Data: map[string]string{"kind": "loan-disbursed", "loanId": l.LoanID}}
}

// Installment is the EMI reminder, due or overdue notice (InstallmentReminder/Due/Overdue.v1).
func Installment(typ string, n lendingrelay.Notice) Message {
	m := Message{UserID: n.UserID, Data: map[string]string{"loanId": n.LoanID, "installmentNo": fmt.Sprint(n.InstallmentNo), "dueDate": n.DueDate}}
	what := fmt.Sprintf("EMI %d of loan %s, INR %s", n.InstallmentNo, n.LoanID, n.Amount)
	switch typ {
	case lendingrelay.TypeInstallmentReminder:
		m.Kind, m.Subject = "emi-reminder", "EMI reminder"
		m.Body = fmt.Sprintf("%s, is due on %s. Keep your wallet funded: it is debited automatically on the due date.", what, day(n.DueDate))
	case lendingrelay.TypeInstallmentDue:
		m.Kind, m.Subject = "emi-due", "EMI due today"
		m.Body = fmt.Sprintf("%s, is due today and your wallet balance does not cover it. Pay today to avoid a late penalty.", what)
	default: // lendingrelay.TypeInstallmentOverdue
		m.Kind, m.Subject = "emi-overdue", "EMI overdue"
		m.Body = fmt.Sprintf("%s, was due on %s and is unpaid. A late penalty accrues each day until it is paid.", what, day(n.DueDate))
	}
	m.Data["kind"] = m.Kind
	return m
}

// Booked is the booking confirmation (AppointmentBooked.v1).
func Booked(a clinicrelay.AppointmentChanged, doc clinic.Doctor) Message {
	return Message{UserID: a.PatientID, Kind: "appointment-booked", Subject: "Appointment booked",
		Body: fmt.Sprintf("Token %d with %s on %s, slot %s. Check in at reception when you arrive; present patients are seen first.",
			a.Token, doc.Name, day(a.Date), a.Slot),
		Data: map[string]string{"kind": "appointment-booked", "appointmentId": a.AppointmentID, "doctorId": a.DoctorID, "token": fmt.Sprint(a.Token)}}
}

// UpNext is "you are next" (PatientUpNext.v1).
func UpNext(u clinicrelay.UpNext, doc clinic.Doctor) Message {
	return Message{UserID: u.PatientID, Kind: "patient-up-next", Subject: "You are next",
		Body: fmt.Sprintf("Token %d: you are next to see %s. Please be ready at the consultation room.", u.Token, doc.Name),
		Data: map[string]string{"kind": "patient-up-next", "appointmentId": u.AppointmentID, "doctorId": u.DoctorID, "token": fmt.Sprint(u.Token)}}
}
