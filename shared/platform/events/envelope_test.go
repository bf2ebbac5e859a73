package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"holdfast/shared/platform/events"
)

var occurred = time.Date(2026, 3, 1, 10, 30, 0, 123456789, time.FixedZone("IST", 5*3600+1800))

func validMeta() events.Meta {
	return events.Meta{
		EventID: "USER#u1#PROFILE#1", CorrelationID: "c-1", OccurredAt: occurred,
		Domain: "lending", Type: "UserProfileCreated", Version: 1,
		Actor: &events.Actor{ID: "u1", Roles: []string{"customer"}},
	}
}

func TestNewBuildsTheEnvelope(t *testing.T) {
	env, err := events.New(validMeta(), map[string]any{"userId": "u1", "creditScore": 650})
	must(t, err)
	if env.Source() != "holdfast.lending" || env.DetailType() != "UserProfileCreated.v1" {
		t.Fatalf("source %q detail-type %q", env.Source(), env.DetailType())
	}
	if env.Meta.OccurredAt.Location() != time.UTC || !env.Meta.OccurredAt.Equal(occurred) {
		t.Fatalf("occurredAt %v, want %v in UTC", env.Meta.OccurredAt, occurred)
	}
	entry, err := env.Entry("bus")
	must(t, err)
	if aws.ToString(entry.EventBusName) != "bus" || aws.ToString(entry.Source) != "holdfast.lending" ||
		aws.ToString(entry.DetailType) != "UserProfileCreated.v1" || !entry.Time.Equal(occurred) {
		t.Fatalf("entry %+v", entry)
	}
	var detail map[string]map[string]any
	must(t, json.Unmarshal([]byte(aws.ToString(entry.Detail)), &detail))
	meta := detail["meta"]
	want := map[string]any{
		"eventId": "USER#u1#PROFILE#1", "correlationId": "c-1", "occurredAt": "2026-03-01T05:00:00.123456789Z",
		"domain": "lending", "type": "UserProfileCreated", "version": float64(1),
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("meta.%s = %v, want %v", k, meta[k], v)
		}
	}
	if actor, _ := meta["actor"].(map[string]any); actor["id"] != "u1" {
		t.Errorf("meta.actor = %v", meta["actor"])
	}
	if detail["data"]["creditScore"] != float64(650) {
		t.Errorf("data = %v", detail["data"])
	}
}

func TestActorIsOptional(t *testing.T) {
	m := validMeta()
	m.Actor = nil
	env, err := events.New(m, struct{}{})
	must(t, err)
	d, err := env.Detail()
	must(t, err)
	if strings.Contains(string(d), "actor") {
		t.Fatalf("detail %s has an actor", d)
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*events.Meta)
		data   any
		want   string
	}{
		{"no event id", func(m *events.Meta) { m.EventID = "" }, map[string]int{}, "meta.eventId is empty"},
		{"control char id", func(m *events.Meta) { m.EventID = "a\nb" }, map[string]int{}, "meta.eventId must not contain control, format or bidirectional characters (U+000A)"},
		{"bidi id", func(m *events.Meta) { m.EventID = "a\u202eb" }, map[string]int{}, "meta.eventId must not contain control, format or bidirectional characters (U+202E)"},
		{"zero-width correlation", func(m *events.Meta) { m.CorrelationID = "c\u200b" }, map[string]int{}, "meta.correlationId must not contain control, format or bidirectional characters (U+200B)"},
		{"long id", func(m *events.Meta) { m.EventID = strings.Repeat("x", 1025) }, map[string]int{}, "meta.eventId must be at most"},
		{"no correlation", func(m *events.Meta) { m.CorrelationID = "" }, map[string]int{}, "meta.correlationId is empty"},
		{"no time", func(m *events.Meta) { m.OccurredAt = time.Time{} }, map[string]int{}, "meta.occurredAt is missing"},
		{"upper domain", func(m *events.Meta) { m.Domain = "Lending" }, map[string]int{}, "meta.domain"},
		{"dotted domain", func(m *events.Meta) { m.Domain = "a.b" }, map[string]int{}, "meta.domain"},
		{"lower type", func(m *events.Meta) { m.Type = "userCreated" }, map[string]int{}, "meta.type"},
		{"dotted type", func(m *events.Meta) { m.Type = "User.Created" }, map[string]int{}, "meta.type"},
		{"version 0", func(m *events.Meta) { m.Version = 0 }, map[string]int{}, "meta.version 0"},
		{"version 1000", func(m *events.Meta) { m.Version = 1000 }, map[string]int{}, "meta.version 1000"},
		{"empty actor", func(m *events.Meta) { m.Actor = &events.Actor{} }, map[string]int{}, "meta.actor.id is empty"},
		{"array data", func(m *events.Meta) {}, []int{1}, "data must be a JSON object"},
		{"string data", func(m *events.Meta) {}, "x", "data must be a JSON object"},
		{"null data", func(m *events.Meta) {}, nil, "data must be a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := validMeta()
			c.mutate(&m)
			_, err := events.New(m, c.data)
			if !errors.Is(err, events.ErrInvalidEnvelope) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrInvalidEnvelope mentioning %q", err, c.want)
			}
		})
	}
	// All problems at once, in one error.
	_, err := events.New(events.Meta{}, []int{})
	for _, want := range []string{"eventId", "correlationId", "occurredAt", "domain", "type", "version", "data"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %s", err, want)
		}
	}
	// Unmarshalable data.
	if _, err := events.New(validMeta(), map[string]any{"f": func() {}}); !errors.Is(err, events.ErrInvalidEnvelope) {
		t.Errorf("err = %v for unmarshalable data", err)
	}
}

func TestEntryRejectsOversizeEvents(t *testing.T) {
	env, err := events.New(validMeta(), map[string]string{"blob": strings.Repeat("x", events.MaxEntryBytes)})
	must(t, err)
	if _, err := env.Entry("bus"); !errors.Is(err, events.ErrInvalidEnvelope) || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestEventIDJoinsParts(t *testing.T) {
	if got := events.EventID("LOAN#l1", "STATE", "7"); got != "LOAN#l1#STATE#7" {
		t.Fatalf("EventID = %q", got)
	}
}

// busBody is what an EventBridge rule delivers to an SQS target for env.
func busBody(t *testing.T, env events.Envelope) string {
	t.Helper()
	detail, err := env.Detail()
	must(t, err)
	b, err := json.Marshal(map[string]any{
		"version": "0", "id": "bus-1", "detail-type": env.DetailType(), "source": env.Source(),
		"account": "123456789012", "time": "2026-03-01T05:00:00Z", "region": "us-east-1",
		"resources": []string{}, "detail": json.RawMessage(detail),
	})
	must(t, err)
	return string(b)
}

func TestParseRoundTrip(t *testing.T) {
	env, err := events.New(validMeta(), map[string]any{"userId": "u1"})
	must(t, err)
	body := busBody(t, env)
	got, err := events.ParseSQS(lambdaevents.SQSMessage{MessageId: "m1", Body: body})
	must(t, err)
	if got.Meta.EventID != env.Meta.EventID || got.Meta.CorrelationID != "c-1" || got.BusEventID != "bus-1" ||
		got.Account != "123456789012" || got.Region != "us-east-1" || !got.Time.Equal(time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)) ||
		!got.Meta.OccurredAt.Equal(occurred) || got.Meta.Actor == nil || got.Meta.Actor.Roles[0] != "customer" {
		t.Fatalf("parsed %+v", got)
	}
	var data struct{ UserID string }
	must(t, got.Decode(&data))
	if data.UserID != "u1" {
		t.Fatalf("data %+v", data)
	}
	var cw lambdaevents.CloudWatchEvent
	must(t, json.Unmarshal([]byte(body), &cw))
	direct, err := events.FromCloudWatchEvent(cw)
	must(t, err)
	if direct.Meta.EventID != env.Meta.EventID || direct.BusEventID != "bus-1" {
		t.Fatalf("FromCloudWatchEvent %+v", direct)
	}
}

func TestParseRejectsMismatches(t *testing.T) {
	env, err := events.New(validMeta(), map[string]any{})
	must(t, err)
	detail, err := env.Detail()
	must(t, err)
	cases := []struct {
		name, source, detailType, detail, want string
	}{
		{"foreign source", "aws.events", "UserProfileCreated.v1", string(detail), "not a Holdfast source"},
		{"other domain", "holdfast.clinic", "UserProfileCreated.v1", string(detail), "does not match meta.domain"},
		{"unversioned type", "holdfast.lending", "UserProfileCreated", string(detail), "<Type>.v<version>"},
		{"other version", "holdfast.lending", "UserProfileCreated.v2", string(detail), "does not match meta"},
		{"other type", "holdfast.lending", "UserProfileDeleted.v1", string(detail), "does not match meta"},
		{"array detail", "holdfast.lending", "UserProfileCreated.v1", `[]`, "not a JSON object"},
		{"no meta", "holdfast.lending", "UserProfileCreated.v1", `{"data":{}}`, "meta.eventId is empty"},
		{"data not object", "holdfast.lending", "UserProfileCreated.v1",
			strings.Replace(string(detail), `"data":{}`, `"data":[1]`, 1), "data must be a JSON object"},
		{"wrong meta type", "holdfast.lending", "UserProfileCreated.v1", `{"meta":{"version":"1"},"data":{}}`, "detail of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := events.ParseDetail(c.source, c.detailType, []byte(c.detail))
			if !errors.Is(err, events.ErrInvalidEnvelope) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrInvalidEnvelope mentioning %q", err, c.want)
			}
		})
	}
	if _, err := events.Parse([]byte("not json")); !errors.Is(err, events.ErrInvalidEnvelope) {
		t.Fatalf("Parse(not json) = %v", err)
	}
	if _, err := events.ParseSQS(lambdaevents.SQSMessage{MessageId: "m9", Body: "{}"}); err == nil || !strings.Contains(err.Error(), "m9") {
		t.Fatalf("ParseSQS error %v should name the message", err)
	}
}

func TestParseToleratesFieldsAddedWithinAVersion(t *testing.T) {
	env, err := events.New(validMeta(), map[string]any{"a": 1})
	must(t, err)
	detail, err := env.Detail()
	must(t, err)
	extended := strings.Replace(string(detail), `"meta":{`, `"meta":{"newField":true,`, 1)
	extended = strings.Replace(extended, `"data":{`, `"data":{"b":2,`, 1)
	got, err := events.ParseDetail(env.Source(), env.DetailType(), []byte(extended))
	must(t, err)
	if got.Meta.EventID != env.Meta.EventID {
		t.Fatalf("parsed %+v", got)
	}
}

func FuzzParse(f *testing.F) {
	env, err := events.New(validMeta(), map[string]any{"k": "v"})
	if err != nil {
		f.Fatal(err)
	}
	detail, err := env.Detail()
	if err != nil {
		f.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"source": env.Source(), "detail-type": env.DetailType(), "detail": json.RawMessage(detail)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"source":"holdfast.x","detail-type":"A.v1","detail":{"meta":{},"data":null}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := events.Parse(b)
		if err != nil {
			if !errors.Is(err, events.ErrInvalidEnvelope) {
				t.Fatalf("error %v does not wrap ErrInvalidEnvelope", err)
			}
			return
		}
		// Whatever parses is a valid envelope that publishes and parses back the same.
		if err := got.Validate(); err != nil {
			t.Fatalf("parsed an invalid envelope: %v", err)
		}
		d, err := got.Detail()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := events.ParseDetail(got.Source(), got.DetailType(), d)
		if err != nil || again.Meta.EventID != got.Meta.EventID {
			t.Fatalf("round trip: %v %+v", err, again)
		}
	})
}
