package eventsource

import (
	"slices"
	"testing"
)

func TestBatchFailuresReadsTheResponseAsLambdaDoes(t *testing.T) {
	inBatch := func(id string) bool { return id == "m1" || id == "m2" }
	cases := []struct {
		name    string
		payload string
		want    []string
		whole   bool // the whole batch failed
	}{
		{"empty", ``, nil, false},
		{"null", `null`, nil, false},
		{"empty object", `{}`, nil, false},
		{"null list", `{"batchItemFailures":null}`, nil, false},
		{"empty list", `{"batchItemFailures":[]}`, nil, false},
		{"one", `{"batchItemFailures":[{"itemIdentifier":"m2"}]}`, []string{"m2"}, false},
		{"two", ` {"batchItemFailures":[{"itemIdentifier":"m1"},{"itemIdentifier":"m2"}]} `, []string{"m1", "m2"}, false},
		{"other fields", `{"batchItemFailures":[],"other":1}`, nil, false},
		{"not json", `{"batchItemFailures":`, nil, true},
		{"a string", `"ok"`, nil, true},
		{"an array", `[]`, nil, true},
		{"unknown id", `{"batchItemFailures":[{"itemIdentifier":"m9"}]}`, nil, true},
		{"empty id", `{"batchItemFailures":[{"itemIdentifier":""}]}`, nil, true},
		{"null id", `{"batchItemFailures":[{"itemIdentifier":null}]}`, nil, true},
		{"number id", `{"batchItemFailures":[{"itemIdentifier":1}]}`, nil, true},
		{"bad key", `{"batchItemFailures":[{"itemIdentifer":"m1"}]}`, nil, true},
		{"item not object", `{"batchItemFailures":["m1"]}`, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := batchFailures([]byte(c.payload), inBatch)
			if (err != nil) != c.whole {
				t.Fatalf("err = %v, want whole-batch failure %v", err, c.whole)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("failed = %v, want %v", got, c.want)
			}
		})
	}
}

func TestStartableWaitsForParents(t *testing.T) {
	shards := map[string]*shardState{
		"root":    {status: shardRunning},
		"child-a": {parent: "root"},
		"child-b": {parent: "root"},
		"orphan":  {parent: "trimmed-away"},
		"grand":   {parent: "child-a"},
		"done":    {status: shardDone},
	}
	order := []string{"root", "child-a", "child-b", "orphan", "grand", "done"}
	if got := startable(order, shards); !slices.Equal(got, []string{"orphan"}) {
		t.Fatalf("startable = %v, want [orphan] while root runs", got)
	}
	shards["root"].status = shardDone
	if got := startable(order, shards); !slices.Equal(got, []string{"child-a", "child-b", "orphan"}) {
		t.Fatalf("startable = %v after root is done", got)
	}
	shards["child-a"].status = shardDone
	shards["child-b"].status = shardRunning
	shards["orphan"].status = shardRunning
	if got := startable(order, shards); !slices.Equal(got, []string{"grand"}) {
		t.Fatalf("startable = %v after child-a is done", got)
	}
}
