package clinicworker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/clinic"
	"holdfast/shared/clinic/clinicstore"
	"holdfast/shared/platform/clock"
)

// NoShowJob marks the day's unchecked bookings NO_SHOW at the end of the business day.
type NoShowJob struct {
	Store    *clinicstore.Store
	Clock    clock.Clock
	Calendar clock.Calendar
	Log      *slog.Logger
}

// NoShowResult is what one run did.
type NoShowResult struct {
	AsOf    string `json:"asOf"`
	Date    string `json:"date"`
	Doctors int    `json:"doctors"`
	Marked  int    `json:"marked"`
}

var errNothingToMark = errors.New("nothing to mark")

// Handle runs the job for the business day containing the schedule's time. Each doctor's day
// commits as one conditional transaction; a second run finds nothing BOOKED and writes
// nothing.
func (j *NoShowJob) Handle(ctx context.Context, _ lambdaevents.CloudWatchEvent) (NoShowResult, error) {
	now := j.Clock.Now(ctx)
	date := j.Calendar.DateOf(now)
	res := NoShowResult{AsOf: now.UTC().Format(time.RFC3339Nano), Date: date.String()}
	var start map[string]types.AttributeValue
	for {
		page, err := j.Store.Doctors(ctx, 100, start)
		if err != nil {
			return res, err
		}
		for _, doc := range page.Items {
			res.Doctors++
			marked := 0
			_, err := j.Store.Mutate(ctx, doc.ID, date, now, func(d *clinic.Day) error {
				marked = d.MarkNoShows()
				if marked == 0 {
					return errNothingToMark
				}
				return nil
			}, nil)
			switch {
			case errors.Is(err, errNothingToMark):
			case err != nil:
				return res, err
			default:
				res.Marked += marked
			}
		}
		if page.Last == nil {
			break
		}
		start = page.Last
	}
	j.Log.InfoContext(ctx, "no-show run", "date", res.Date, "doctors", res.Doctors, "marked", res.Marked)
	return res, nil
}
