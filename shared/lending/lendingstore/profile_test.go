package lendingstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/platformtest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

var t0 = time.Date(2025, 4, 1, 10, 0, 0, 123000000, time.UTC)

func newStore(t *testing.T) (*lendingstore.ProfileStore, *dynamodb.Client) {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "LendingTable", Name: platformtest.LendingTable})
	return lendingstore.NewProfileStore(db, platformtest.LendingTable), db
}

func TestGetOrCreateCreatesOnce(t *testing.T) {
	st, db := newStore(t)
	ctx := context.Background()
	if _, found, err := st.Get(ctx, "alice"); found || err != nil {
		t.Fatal(found, err)
	}
	first, err := st.GetOrCreate(ctx, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.GetOrCreate(ctx, "alice", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if first.CreditScore != 650 || first.Version != 1 || first.MonthlyIncome != nil ||
		!second.CreatedAt.Equal(t0) || !second.UpdatedAt.Equal(t0) || second.Version != 1 {
		t.Fatalf("%+v %+v", first, second)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(platformtest.LendingTable),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "USER#alice"}, "sk": &types.AttributeValueMemberS{Value: "PROFILE"}}})
	if err != nil || out.Item["creditScore"].(*types.AttributeValueMemberN).Value != "650" ||
		out.Item["entity"].(*types.AttributeValueMemberS).Value != "PROFILE" {
		t.Fatalf("%+v %v", out.Item, err)
	}
}

func TestConcurrentFirstCallsAgree(t *testing.T) {
	st, _ := newStore(t)
	var wg sync.WaitGroup
	got := make([]lending.Profile, 10)
	errs := make([]error, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = st.GetOrCreate(context.Background(), "bob", t0.Add(time.Duration(i)*time.Second))
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || !got[i].CreatedAt.Equal(got[0].CreatedAt) || got[i].Version != 1 {
			t.Fatalf("%d: %+v %v", i, got[i], errs[i])
		}
	}
}

func TestUpdateIsConditionalAndRetried(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	income := decimal.RequireFromString("42000.5")
	p, err := st.Update(ctx, "carol", t0, func(cur lending.Profile) (lending.Profile, error) {
		return cur.DeclareMonthlyIncome(income, t0.Add(time.Minute)), nil
	})
	if err != nil || p.MonthlyIncome.StringFixed(2) != "42000.50" || p.Version != 2 {
		t.Fatal(p, err)
	}
	read, _, err := st.Get(ctx, "carol")
	if err != nil || read.MonthlyIncome.StringFixed(2) != "42000.50" || read.Version != 2 || !read.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatal(read, err)
	}
	// Five concurrent read-modify-writes: none may be lost.
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.Update(ctx, "carol", t0, func(cur lending.Profile) (lending.Profile, error) {
				return cur.AdjustCreditScore(5, t0.Add(time.Hour)), nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	read, _, _ = st.Get(ctx, "carol")
	if read.CreditScore != 675 || read.Version != 7 || read.MonthlyIncome == nil {
		t.Fatalf("lost update: %+v", read)
	}
	// A failing change writes nothing; a no-op change writes nothing.
	boom := errors.New("rule says no")
	if _, err := st.Update(ctx, "carol", t0, func(lending.Profile) (lending.Profile, error) { return lending.Profile{}, boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	same, err := st.Update(ctx, "carol", t0, func(cur lending.Profile) (lending.Profile, error) { return cur, nil })
	if err != nil || same.Version != 7 {
		t.Fatal(same, err)
	}
}
