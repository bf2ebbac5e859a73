package dynamoitem_test

import (
	"context"
	"errors"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/localcloud/emulator/emulatortest"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/platformtest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const table = "items"

func newDB(t *testing.T) *dynamodb.Client {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	platformtest.CreateTables(t, db, platformtest.Table{LogicalID: "LendingTable", Name: table}) // any pk/sk table
	return db
}

func numberText(t *testing.T, av types.AttributeValue) string {
	t.Helper()
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("%T is not a number attribute", av)
	}
	return n.Value
}

func TestNWritesEveryIntegerInShortestForm(t *testing.T) {
	for _, c := range []struct {
		got  types.AttributeValue
		want string
	}{
		{dynamoitem.N(0), "0"},
		{dynamoitem.N(7), "7"},
		{dynamoitem.N(-1), "-1"},
		{dynamoitem.N(int8(-128)), "-128"},
		{dynamoitem.N(int64(math.MinInt64)), "-9223372036854775808"},
		{dynamoitem.N(int64(math.MaxInt64)), "9223372036854775807"},
		{dynamoitem.N(uint64(math.MaxUint64)), "18446744073709551615"},
		{dynamoitem.N(uint32(42)), "42"},
		{dynamoitem.Number("1500.00"), "1500.00"},
	} {
		if got := numberText(t, c.got); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestKeyIsPkAndSk(t *testing.T) {
	k := dynamoitem.Key("USER#u1", "PROFILE")
	pk, _ := k["pk"].(*types.AttributeValueMemberS)
	sk, _ := k["sk"].(*types.AttributeValueMemberS)
	if len(k) != 2 || pk == nil || sk == nil || pk.Value != "USER#u1" || sk.Value != "PROFILE" {
		t.Fatalf("Key = %#v", k)
	}
}

func TestTimeForms(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	at := time.Date(2025, 3, 10, 17, 30, 5, 500000000, ist) // 12:00:05.5Z
	for _, c := range []struct{ name, got, want string }{
		{"Time", dynamoitem.Time(at), "2025-03-10T12:00:05.5Z"},
		{"Time whole second", dynamoitem.Time(at.Truncate(time.Second)), "2025-03-10T12:00:05Z"},
		{"OptionalTime", dynamoitem.OptionalTime(at), "2025-03-10T12:00:05.5Z"},
		{"OptionalTime zero", dynamoitem.OptionalTime(time.Time{}), ""},
		{"SortableTime", dynamoitem.SortableTime(at), "2025-03-10T12:00:05.500000000Z"},
		{"SortableTime whole second", dynamoitem.SortableTime(at.Truncate(time.Second)), "2025-03-10T12:00:05.000000000Z"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	for _, v := range []string{dynamoitem.Time(at), dynamoitem.SortableTime(at)} {
		back, err := dynamoitem.ParseTime(v)
		if err != nil || !back.Equal(at) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", v, back, err, at)
		}
	}
	if got := dynamoitem.TimeOrZero(""); !got.IsZero() {
		t.Errorf("TimeOrZero(\"\") = %v", got)
	}
	if got := dynamoitem.TimeOrZero("yesterday"); !got.IsZero() {
		t.Errorf("TimeOrZero(yesterday) = %v", got)
	}
}

// A whole second and the half second after it: RFC3339Nano sorts them the wrong way round
// ("05.5Z" < "05Z"), SortableTime the right way.
func TestSortableTimeSortsAsTimeDoes(t *testing.T) {
	base := time.Date(2025, 3, 10, 12, 0, 5, 0, time.UTC)
	times := []time.Time{base.Add(time.Second), base.Add(500 * time.Millisecond), base, base.Add(time.Nanosecond)}
	keys := make([]string, len(times))
	for i, tm := range times {
		keys[i] = dynamoitem.SortableTime(tm)
	}
	sort.Strings(keys)
	for i := 1; i < len(keys); i++ {
		a, _ := dynamoitem.ParseTime(keys[i-1])
		b, _ := dynamoitem.ParseTime(keys[i])
		if !a.Before(b) {
			t.Fatalf("sorted keys %v are not in time order", keys)
		}
	}
	if !(dynamoitem.Time(base.Add(500*time.Millisecond)) < dynamoitem.Time(base)) {
		t.Fatal("Time now sorts a half second after its whole second; the comment above is stale")
	}
}

func TestReaderReadsEveryType(t *testing.T) {
	at := time.Date(2025, 3, 10, 12, 0, 5, 123000000, time.UTC)
	r := dynamoitem.NewReader(map[string]types.AttributeValue{
		"s": dynamoitem.S("x"), "i": dynamoitem.N(-3), "u": dynamoitem.N(uint64(math.MaxUint64)),
		"d": dynamoitem.Number("10.50"), "t": dynamoitem.S(dynamoitem.Time(at)),
	})
	if got := r.S("s"); got != "x" {
		t.Errorf("S = %q", got)
	}
	if got := r.OptS("absent"); got != "" {
		t.Errorf("OptS(absent) = %q", got)
	}
	if got := r.Int("i"); got != -3 {
		t.Errorf("Int = %d", got)
	}
	if got := r.Uint("u"); got != math.MaxUint64 {
		t.Errorf("Uint = %d", got)
	}
	if got := r.Decimal("d"); !got.Equal(decimal.RequireFromString("10.5")) || got.String() != "10.5" {
		t.Errorf("Decimal = %s", got)
	}
	if got := r.OptDecimal("d"); got == nil || !got.Equal(decimal.RequireFromString("10.5")) {
		t.Errorf("OptDecimal = %v", got)
	}
	if got := r.OptDecimal("absent"); got != nil {
		t.Errorf("OptDecimal(absent) = %v", got)
	}
	if got := r.Time("t"); !got.Equal(at) {
		t.Errorf("Time = %v", got)
	}
	if !r.Has("s") || r.Has("absent") {
		t.Error("Has is wrong")
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
}

func TestReaderReportsTheFirstProblem(t *testing.T) {
	item := map[string]types.AttributeValue{
		"s": dynamoitem.S("x"), "n": dynamoitem.N(1), "neg": dynamoitem.N(-1), "frac": dynamoitem.Number("1.5"),
		"bad": dynamoitem.Number("ten"), "t": dynamoitem.S("yesterday"),
	}
	for _, c := range []struct {
		name string
		read func(r *dynamoitem.Reader)
		want string
	}{
		{"missing string", func(r *dynamoitem.Reader) { r.S("absent") }, `attribute "absent" is missing or not a string`},
		{"number as string", func(r *dynamoitem.Reader) { r.S("n") }, `attribute "n" is missing or not a string`},
		{"optional of the wrong type", func(r *dynamoitem.Reader) { r.OptS("n") }, `attribute "n" is missing or not a string`},
		{"string as number", func(r *dynamoitem.Reader) { r.Int("s") }, `attribute "s" is missing or not a number`},
		{"fraction as integer", func(r *dynamoitem.Reader) { r.Int("frac") }, `attribute "frac" is not an integer`},
		{"negative as unsigned", func(r *dynamoitem.Reader) { r.Uint("neg") }, `attribute "neg" is not an unsigned integer`},
		{"not a decimal", func(r *dynamoitem.Reader) { r.Decimal("bad") }, `attribute "bad" is not a decimal`},
		{"optional decimal of the wrong type", func(r *dynamoitem.Reader) { r.OptDecimal("s") }, `attribute "s" is not a number`},
		{"not a time", func(r *dynamoitem.Reader) { r.Time("t") }, `attribute "t" is not an RFC 3339 time`},
		{"the caller's own", func(r *dynamoitem.Reader) { r.Fail("s", "is not a doctor ID") }, `attribute "s" is not a doctor ID`},
		{"the first of two", func(r *dynamoitem.Reader) { r.Int("frac"); r.S("absent") }, `attribute "frac" is not an integer`},
	} {
		r := dynamoitem.NewReader(item)
		c.read(r)
		err := r.Err()
		if !errors.Is(err, dynamoitem.ErrMalformed) || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%s: Err = %v, want ErrMalformed ending %q", c.name, err, c.want)
		}
	}
}

// What the constructors write, DynamoDB stores and the Reader reads back unchanged.
func TestItemRoundTripsThroughDynamoDB(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	at := time.Date(2025, 3, 10, 12, 0, 5, 123456789, time.UTC)
	item := dynamoitem.Key("P#1", "S#1")
	item["big"] = dynamoitem.N(uint64(math.MaxUint64))
	item["neg"] = dynamoitem.N(int64(math.MinInt64))
	item["amount"] = dynamoitem.Number("1500.00")
	item["at"] = dynamoitem.S(dynamoitem.SortableTime(at))
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: dynamoitem.Key("P#1", "S#1"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	r := dynamoitem.NewReader(out.Item)
	if r.S("pk") != "P#1" || r.S("sk") != "S#1" || r.Uint("big") != math.MaxUint64 || r.Int("neg") != math.MinInt64 ||
		!r.Decimal("amount").Equal(decimal.NewFromInt(1500)) || !r.Time("at").Equal(at) || r.Err() != nil {
		t.Fatalf("read back %v (err %v)", out.Item, r.Err())
	}
}
