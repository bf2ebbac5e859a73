package dynamo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// do runs one operation and fails the test on an error.
func do(t testing.TB, e *Engine, op string, body string) map[string]any {
	t.Helper()
	out, err := e.Do("DynamoDB_20120810."+op, []byte(body))
	if err != nil {
		t.Fatalf("%s %s: %v", op, body, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return m
}

func doErr(t testing.TB, e *Engine, op string, body string) *APIError {
	t.Helper()
	_, err := e.Do("DynamoDB_20120810."+op, []byte(body))
	if err == nil {
		t.Fatalf("%s %s: no error", op, body)
	}
	return err.(*APIError)
}

func newEngine(t testing.TB, dir string) *Engine {
	t.Helper()
	e, err := New(Options{Dir: dir, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const pkskTable = `{"TableName":"tbl1","BillingMode":"PAY_PER_REQUEST",
 "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
 "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
 "GlobalSecondaryIndexes":[{"IndexName":"gsi1","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],
 "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`

// ADR 0002's first case on the engine: 16 writers race to append to one hash-chain head with
// conditional transactions. Every acknowledged commit is present, and the chain has no gap.
func TestSixteenWritersOnOneHead(t *testing.T) {
	e := newEngine(t, "")
	defer e.Close()
	do(t, e, "CreateTable", pkskTable)
	do(t, e, "PutItem", `{"TableName":"tbl1","Item":{"pk":{"S":"acct"},"sk":{"S":"HEAD"},"seq":{"N":"0"}}}`)
	var mu sync.Mutex
	acked := map[int]bool{}
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				for {
					head := do(t, e, "GetItem", `{"TableName":"tbl1","Key":{"pk":{"S":"acct"},"sk":{"S":"HEAD"}},"ConsistentRead":true}`)
					seq := 0
					fmt.Sscan(head["Item"].(map[string]any)["seq"].(map[string]any)["N"].(string), &seq)
					next := seq + 1
					body := fmt.Sprintf(`{"TransactItems":[
					 {"Update":{"TableName":"tbl1","Key":{"pk":{"S":"acct"},"sk":{"S":"HEAD"}},"UpdateExpression":"SET seq = :n","ConditionExpression":"seq = :s",
					   "ExpressionAttributeValues":{":n":{"N":"%d"},":s":{"N":"%d"}}}},
					 {"Put":{"TableName":"tbl1","Item":{"pk":{"S":"acct"},"sk":{"S":"E#%06d"},"w":{"N":"%d"}},"ConditionExpression":"attribute_not_exists(pk)"}}]}`, next, seq, next, w)
					_, err := e.Do("DynamoDB_20120810.TransactWriteItems", []byte(body))
					if err == nil {
						mu.Lock()
						acked[next] = true
						mu.Unlock()
						break
					}
					if err.(*APIError).Type != errTxCanceled {
						t.Errorf("transaction: %v", err)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	q := do(t, e, "Query", `{"TableName":"tbl1","KeyConditionExpression":"pk = :p AND begins_with(sk, :e)","ExpressionAttributeValues":{":p":{"S":"acct"},":e":{"S":"E#"}}}`)
	if n := int(q["Count"].(float64)); n != 480 || len(acked) != 480 {
		t.Fatalf("acknowledged %d commits, %d present; want 480", len(acked), n)
	}
	for i, it := range q["Items"].([]any) {
		if sk := it.(map[string]any)["sk"].(map[string]any)["S"]; sk != fmt.Sprintf("E#%06d", i+1) {
			t.Fatalf("entry %d is %v: the chain has a gap", i+1, sk)
		}
	}
}

// ADR 0002's second case: a cancelled transaction leaves no trace, in the table, its index or
// its stream.
func TestCancelledTransactionLeavesNoTrace(t *testing.T) {
	e := newEngine(t, "")
	defer e.Close()
	do(t, e, "CreateTable", pkskTable)
	do(t, e, "PutItem", `{"TableName":"tbl1","Item":{"pk":{"S":"a"},"sk":{"S":"1"},"v":{"N":"1"}}}`)
	do(t, e, "PutItem", `{"TableName":"tbl1","Item":{"pk":{"S":"c"},"sk":{"S":"1"},"v":{"N":"1"}}}`)
	before := len(e.streams[e.tables["tbl1"].Stream.ARN].records)
	err := doErr(t, e, "TransactWriteItems", `{"TransactItems":[
	 {"Put":{"TableName":"tbl1","Item":{"pk":{"S":"b"},"sk":{"S":"1"},"g":{"S":"x"}}}},
	 {"Update":{"TableName":"tbl1","Key":{"pk":{"S":"a"},"sk":{"S":"1"}},"UpdateExpression":"SET v = :two","ExpressionAttributeValues":{":two":{"N":"2"}}}},
	 {"ConditionCheck":{"TableName":"tbl1","Key":{"pk":{"S":"c"},"sk":{"S":"1"}},"ConditionExpression":"v = :nine","ExpressionAttributeValues":{":nine":{"N":"9"}}}}]}`)
	if err.Type != errTxCanceled || len(err.Reasons) != 3 || err.Reasons[2].Code != "ConditionalCheckFailed" || err.Reasons[0].Code != "None" {
		t.Fatalf("want TransactionCanceled [None None ConditionalCheckFailed], got %+v", err)
	}
	tb := e.tables["tbl1"]
	if tb.items.Len() != 2 || tb.Indexes[0].tree.Len() != 0 {
		t.Fatalf("a cancelled transaction wrote: %d items, %d in the index", tb.items.Len(), tb.Indexes[0].tree.Len())
	}
	got := do(t, e, "GetItem", `{"TableName":"tbl1","Key":{"pk":{"S":"a"},"sk":{"S":"1"}}}`)
	if v := got["Item"].(map[string]any)["v"].(map[string]any)["N"]; v != "1" {
		t.Fatalf("a cancelled transaction updated v to %v", v)
	}
	if after := len(e.streams[tb.Stream.ARN].records); after != before {
		t.Fatalf("a cancelled transaction streamed %d records", after-before)
	}
}

// Kept data: what was committed before a close, or before the process died mid-log, is there
// after reopening; the stream keeps its records and its sequence numbers go on increasing.
func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	e := newEngine(t, dir)
	do(t, e, "CreateTable", pkskTable)
	do(t, e, "UpdateTimeToLive", `{"TableName":"tbl1","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}`)
	for i := 0; i < 5; i++ {
		do(t, e, "PutItem", fmt.Sprintf(`{"TableName":"tbl1","Item":{"pk":{"S":"p"},"sk":{"S":"%d"},"g":{"S":"x"}}}`, i))
	}
	do(t, e, "DeleteItem", `{"TableName":"tbl1","Key":{"pk":{"S":"p"},"sk":{"S":"0"}}}`)
	// No Close: the process "dies" here, with the changes only in the log, and a torn last line.
	e.wal.w.Flush()
	f, err := os.OpenFile(filepath.Join(dir, logFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"put","name":"tbl1","item":{"pk":{"S":"torn"`)
	f.Close()

	e2 := newEngine(t, dir)
	q := do(t, e2, "Query", `{"TableName":"tbl1","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}`)
	if n := q["Count"].(float64); n != 4 {
		t.Fatalf("after restart: %v items, want 4", n)
	}
	ix := do(t, e2, "Query", `{"TableName":"tbl1","IndexName":"gsi1","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}}}`)
	if n := ix["Count"].(float64); n != 4 {
		t.Fatalf("after restart the index holds %v items, want 4", n)
	}
	ttl := do(t, e2, "DescribeTimeToLive", `{"TableName":"tbl1"}`)
	if s := ttl["TimeToLiveDescription"].(map[string]any)["TimeToLiveStatus"]; s != "ENABLED" {
		t.Fatalf("TTL after restart: %v", s)
	}
	s := e2.streams[e2.tables["tbl1"].Stream.ARN]
	if len(s.records) != 6 {
		t.Fatalf("stream after restart: %d records, want 6", len(s.records))
	}
	do(t, e2, "PutItem", `{"TableName":"tbl1","Item":{"pk":{"S":"p"},"sk":{"S":"9"}}}`)
	if last := s.records[len(s.records)-1].seq; last <= s.records[len(s.records)-2].seq {
		t.Fatalf("sequence numbers went back after restart: %d after %d", last, s.records[len(s.records)-2].seq)
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}
	// A clean close compacts into the snapshot; reopening reads it alone.
	e3 := newEngine(t, dir)
	defer e3.Close()
	q = do(t, e3, "Query", `{"TableName":"tbl1","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}`)
	if n := q["Count"].(float64); n != 5 {
		t.Fatalf("after a clean restart: %v items, want 5", n)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, logFile)); strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), `"op":"gen"`) {
		t.Fatalf("the log was not compacted on open: %q", b)
	}
}

// A crash after the snapshot was written but before the new log started leaves the old log
// beside a snapshot that already holds it: it must not be replayed a second time (its stream
// records would be doubled, its drops applied to tables made later).
func TestStaleLogIsNotReplayed(t *testing.T) {
	dir := t.TempDir()
	e := newEngine(t, dir)
	do(t, e, "CreateTable", pkskTable)
	do(t, e, "PutItem", `{"TableName":"tbl1","Item":{"pk":{"S":"p"},"sk":{"S":"1"}}}`)
	e.wal.w.Flush()
	stale, err := os.ReadFile(filepath.Join(dir, logFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil { // snapshot of generation 2 holds the table and the item
		t.Fatal(err)
	}
	// Put the generation-1 log back, as if the process died right after the rename.
	if err := os.WriteFile(filepath.Join(dir, logFile), stale, 0o644); err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, dir)
	defer e2.Close()
	if n := len(e2.streams[e2.tables["tbl1"].Stream.ARN].records); n != 1 {
		t.Fatalf("the stream holds %d records after a stale log, want 1", n)
	}
}

// One request is one log line: a kill in the middle of a transaction's line loses the whole
// transaction, never half of it.
func TestTornTransactionIsLostWhole(t *testing.T) {
	dir := t.TempDir()
	e := newEngine(t, dir)
	do(t, e, "CreateTable", pkskTable)
	e.wal.w.Flush()
	before, _ := os.ReadFile(filepath.Join(dir, logFile))
	do(t, e, "TransactWriteItems", `{"TransactItems":[
	 {"Put":{"TableName":"tbl1","Item":{"pk":{"S":"a"},"sk":{"S":"1"}}}},
	 {"Put":{"TableName":"tbl1","Item":{"pk":{"S":"b"},"sk":{"S":"1"}}}}]}`)
	e.wal.w.Flush()
	after, _ := os.ReadFile(filepath.Join(dir, logFile))
	line := after[len(before):]
	if strings.Count(string(line), "\n") != 1 {
		t.Fatalf("the transaction took %d log lines, want 1", strings.Count(string(line), "\n"))
	}
	// Keep all but the last byte of the transaction's line: torn mid-write.
	if err := os.WriteFile(filepath.Join(dir, logFile), after[:len(after)-2], 0o644); err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, dir)
	defer e2.Close()
	if n := e2.tables["tbl1"].items.Len(); n != 0 {
		t.Fatalf("a torn transaction left %d of its 2 items", n)
	}
}

// Deleting and creating a table again at once gives the new table a stream of its own.
func TestRecreatedTableGetsANewStream(t *testing.T) {
	e := newEngine(t, "")
	defer e.Close()
	first := do(t, e, "CreateTable", pkskTable)["TableDescription"].(map[string]any)["LatestStreamArn"]
	do(t, e, "DeleteTable", `{"TableName":"tbl1"}`)
	second := do(t, e, "CreateTable", pkskTable)["TableDescription"].(map[string]any)["LatestStreamArn"]
	if first == second {
		t.Fatalf("both tables' streams are %v", first)
	}
	if e.streams[first.(string)] == nil || e.streams[first.(string)].enabled {
		t.Fatal("the deleted table's stream is gone or still enabled")
	}
}

// The wake signal closes on the next change to its stream, and not before.
func TestSignalWakesOnChange(t *testing.T) {
	e := newEngine(t, "")
	defer e.Close()
	d := do(t, e, "CreateTable", pkskTable)
	arn := d["TableDescription"].(map[string]any)["LatestStreamArn"].(string)
	sig := e.Signal(arn)
	select {
	case <-sig:
		t.Fatal("signalled before any change")
	default:
	}
	do(t, e, "PutItem", `{"TableName":"tbl1","Item":{"pk":{"S":"a"},"sk":{"S":"1"}}}`)
	select {
	case <-sig:
	case <-time.After(5 * time.Second):
		t.Fatal("no signal after a change")
	}
	// A no-op write changes nothing and signals nothing.
	sig = e.Signal(arn)
	do(t, e, "PutItem", `{"TableName":"tbl1","Item":{"pk":{"S":"a"},"sk":{"S":"1"}}}`)
	select {
	case <-sig:
		t.Fatal("signalled for a write that changed nothing")
	default:
	}
}

func TestUnknownOperation(t *testing.T) {
	e := newEngine(t, "")
	defer e.Close()
	for _, target := range []string{"DynamoDB_20120810.RestoreTableFromBackup", "DynamoDBStreams_20120810.Nope", "Other.PutItem"} {
		_, err := e.Do(target, []byte(`{}`))
		if err == nil || !strings.Contains(err.Error(), errUnknownOperation) {
			t.Fatalf("%s: %v, want UnknownOperationException", target, err)
		}
	}
}

// Index writes cost write units of their own (Developer Guide, "Global secondary indexes" →
// Provisioned throughput considerations): a put the index holds costs one more unit, a put it
// does not hold none, and an update that moves the item's index key deletes and writes the
// index entry (two units). INDEXES mode breaks the total down.
func TestIndexWritesConsumeCapacity(t *testing.T) {
	e := newEngine(t, "")
	defer e.Close()
	do(t, e, "CreateTable", pkskTable)
	capOf := func(out map[string]any) (total, table float64, gsi any) {
		c := out["ConsumedCapacity"].(map[string]any)
		return c["CapacityUnits"].(float64), c["Table"].(map[string]any)["CapacityUnits"].(float64), c["GlobalSecondaryIndexes"]
	}
	total, table, gsi := capOf(do(t, e, "PutItem", `{"TableName":"tbl1","ReturnConsumedCapacity":"INDEXES","Item":{"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"x"}}}`))
	if total != 2 || table != 1 || gsi.(map[string]any)["gsi1"].(map[string]any)["CapacityUnits"].(float64) != 1 {
		t.Fatalf("put into the index: total %v, table %v, gsi %v; want 2, 1, 1", total, table, gsi)
	}
	total, table, gsi = capOf(do(t, e, "PutItem", `{"TableName":"tbl1","ReturnConsumedCapacity":"INDEXES","Item":{"pk":{"S":"b"},"sk":{"S":"1"}}}`))
	if total != 1 || table != 1 || gsi != nil {
		t.Fatalf("put outside the index: total %v, table %v, gsi %v; want 1, 1, none", total, table, gsi)
	}
	total, _, _ = capOf(do(t, e, "UpdateItem", `{"TableName":"tbl1","ReturnConsumedCapacity":"INDEXES","Key":{"pk":{"S":"a"},"sk":{"S":"1"}},
	  "UpdateExpression":"SET g = :y","ExpressionAttributeValues":{":y":{"S":"y"}}}`))
	if total != 3 {
		t.Fatalf("moving the index key: total %v, want 3 (table 1, index delete 1 + put 1)", total)
	}
	tx := do(t, e, "TransactWriteItems", `{"ReturnConsumedCapacity":"TOTAL","TransactItems":[
	  {"Put":{"TableName":"tbl1","Item":{"pk":{"S":"c"},"sk":{"S":"1"},"g":{"S":"x"}}}}]}`)
	if u := tx["ConsumedCapacity"].([]any)[0].(map[string]any)["CapacityUnits"].(float64); u != 4 {
		t.Fatalf("a transactional put into the index: %v units, want 4 (table and index, doubled)", u)
	}
}
