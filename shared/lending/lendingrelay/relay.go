// Package lendingrelay maps committed writes in the lending table to domain events for the
// stream relay (platform/events). It only describes changes that DynamoDB already committed;
// it must never publish anything itself or invent a change the item images do not show.
package lendingrelay

import (
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"holdfast/shared/ledger/ledgerstore"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/events"
)

// Domain is the lending events' domain: source "holdfast.lending".
const Domain = "lending"

type profileImage struct {
	PK            string  `dynamodbav:"pk"`
	SK            string  `dynamodbav:"sk"`
	Entity        string  `dynamodbav:"entity"`
	UserID        string  `dynamodbav:"userId"`
	CreditScore   int     `dynamodbav:"creditScore"`
	MonthlyIncome *string `dynamodbav:"monthlyIncome"`
	Version       int64   `dynamodbav:"version"`
}

// ProfileChanged is the data of ProfileCreated.v1 and ProfileUpdated.v1.
type ProfileChanged struct {
	UserID              string  `json:"userId"`
	CreditScore         int     `json:"creditScore"`
	PreviousCreditScore *int    `json:"previousCreditScore,omitempty"`
	MonthlyIncome       *string `json:"monthlyIncome,omitempty"`
	Version             int64   `json:"version"`
}

// Map is the lending relay's mapper. Event IDs are pk#sk#v<version>, so the duplicate INSERT
// records some emulators emit for one write, and any redelivery, map to the same event.
func Map(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	if rec.EventName == "REMOVE" || events.ImagesEqual(rec) {
		return nil, nil
	}
	kind, _ := events.StringAttr(rec.Change.NewImage, "entity")
	switch kind {
	case "profile", "PROFILE": // the profile store writes PROFILE
		return mapProfile(rec)
	case lendingstore.EntityLoan:
		return mapLoan(rec)
	case lendingstore.EntityInstallment:
		return mapInstallment(rec)
	case lendingstore.EntityNotice:
		return mapNotice(rec)
	case lendingstore.EntityAlert:
		return mapAlert(rec)
	}
	// The ledger's items (transactions, digests) share the table: its own mapper describes them.
	return ledgerstore.MapRecord(rec)
}

func mapProfile(rec lambdaevents.DynamoDBEventRecord) ([]events.Envelope, error) {
	var cur profileImage
	if err := events.UnmarshalImage(rec.Change.NewImage, &cur); err != nil {
		return nil, fmt.Errorf("profile image: %w", err)
	}
	data := ProfileChanged{UserID: cur.UserID, CreditScore: cur.CreditScore, MonthlyIncome: cur.MonthlyIncome, Version: cur.Version}
	typ := "ProfileCreated"
	if len(rec.Change.OldImage) > 0 {
		var old profileImage
		if err := events.UnmarshalImage(rec.Change.OldImage, &old); err != nil {
			return nil, fmt.Errorf("profile old image: %w", err)
		}
		if old.Version == cur.Version {
			return nil, nil // rewritten without a change
		}
		typ = "ProfileUpdated"
		if old.CreditScore != cur.CreditScore {
			data.PreviousCreditScore = &old.CreditScore
		}
	}
	env, err := events.NewFromRecord(rec, events.Meta{
		EventID: events.EventID(cur.PK, cur.SK, fmt.Sprintf("v%d", cur.Version)),
		Domain:  Domain, Type: typ, Version: 1,
		Actor: &events.Actor{ID: cur.UserID},
	}, data)
	if err != nil {
		return nil, err
	}
	return []events.Envelope{env}, nil
}
