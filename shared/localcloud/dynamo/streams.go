package dynamo

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"holdfast/shared/localcloud/dynamo/attr"
)

// Stream behaviour follows the Developer Guide, "Change data capture for DynamoDB Streams":
// one record per item-level change (none for a write that changes nothing), images by the
// stream's view type, records kept 24 hours, shard iterators valid for 15 minutes.
const (
	streamRetention  = 24 * time.Hour
	iteratorLifetime = 15 * time.Minute
	seqWidth         = 21
)

type streamRecord struct {
	seq  uint64
	at   time.Time
	json []byte
}

// stream is a table's stream: one shard, records in sequence order.
type stream struct {
	ARN, Label, View, Table string
	Created                 time.Time
	KeySchema               []map[string]string
	ShardID                 string
	enabled                 bool
	firstSeq                uint64 // the shard's starting sequence number
	endSeq                  uint64 // set when the stream is disabled (the shard closes)
	disabledAt              time.Time
	trimmedThrough          uint64 // the last sequence number retention dropped
	records                 []streamRecord
	signal                  chan struct{}
}

func formatSeq(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) < seqWidth {
		s = strings.Repeat("0", seqWidth-len(s)) + s
	}
	return s
}

func (e *Engine) enableStream(t *table, view string) {
	// The label is the creation time; a table deleted and created again within a millisecond
	// gets the next free one, so two streams never share an ARN.
	at := e.now().UTC()
	label := at.Format("2006-01-02T15:04:05.000")
	for e.streams[t.ARN+"/stream/"+label] != nil {
		at = at.Add(time.Millisecond)
		label = at.Format("2006-01-02T15:04:05.000")
	}
	s := &stream{ARN: t.ARN + "/stream/" + label, Label: label, View: view, Table: t.Name, Created: e.now(),
		KeySchema: t.describeKeySchema(t.Hash, t.Range), ShardID: "shardId-" + formatSeq(e.seq+1) + "-" + randomID(4),
		enabled: true, firstSeq: e.seq + 1, signal: make(chan struct{})}
	t.Stream, t.StreamView = s, view
	e.streams[s.ARN] = s
}

// wake tells every reader waiting on the stream that it changed (the caller holds the lock).
func (s *stream) wake() {
	close(s.signal)
	s.signal = make(chan struct{})
}

func (s *stream) disable(lastSeq uint64, now time.Time) {
	s.enabled, s.disabledAt = false, now
	s.endSeq = lastSeq
	if s.endSeq < s.firstSeq {
		s.endSeq = s.firstSeq
	}
	s.wake()
}

// append adds the record of one real change (the caller holds the write lock).
func (s *stream) append(seq uint64, now time.Time, c change) {
	var oldItem attr.Item
	if c.old != nil {
		oldItem = c.old.item
	}
	name := "MODIFY"
	keySrc := c.new
	switch {
	case c.old == nil:
		name = "INSERT"
	case c.new == nil:
		name, keySrc = "REMOVE", oldItem
	}
	keys := c.t.keyOf(keySrc)
	var b bytes.Buffer
	b.WriteString(`{"awsRegion":"` + Region + `","dynamodb":{"ApproximateCreationDateTime":`)
	b.WriteString(strconv.FormatInt(now.Unix(), 10))
	b.WriteString(`,"Keys":`)
	kj, _ := keys.MarshalJSON()
	b.Write(kj)
	size := attr.ItemSize(keys)
	if c.new != nil && (s.View == "NEW_IMAGE" || s.View == "NEW_AND_OLD_IMAGES") {
		j, _ := c.new.MarshalJSON()
		b.WriteString(`,"NewImage":`)
		b.Write(j)
		size += attr.ItemSize(c.new)
	}
	if oldItem != nil && (s.View == "OLD_IMAGE" || s.View == "NEW_AND_OLD_IMAGES") {
		j, _ := oldItem.MarshalJSON()
		b.WriteString(`,"OldImage":`)
		b.Write(j)
		size += attr.ItemSize(oldItem)
	}
	fmt.Fprintf(&b, `,"SequenceNumber":"%s","SizeBytes":%d,"StreamViewType":"%s"},"eventID":"%s","eventName":"%s","eventSource":"aws:dynamodb","eventVersion":"1.1"`,
		formatSeq(seq), size, s.View, randomID(16), name)
	if c.userTTL {
		b.WriteString(`,"userIdentity":{"PrincipalId":"dynamodb.amazonaws.com","Type":"Service"}`)
	}
	b.WriteByte('}')
	s.records = append(s.records, streamRecord{seq: seq, at: now, json: b.Bytes()})
	s.wake()
}

// trim drops records past the 24-hour retention (the caller holds the write lock).
func (s *stream) trim(now time.Time) {
	i := sort.Search(len(s.records), func(i int) bool { return now.Sub(s.records[i].at) < streamRetention })
	if i > 0 {
		s.trimmedThrough = s.records[i-1].seq
		s.records = append([]streamRecord(nil), s.records[i:]...)
	}
}

// Signal is a channel closed at the next change to the stream with this ARN (or at once when
// there is no such stream): stream mappings wait on it instead of sleeping between empty polls.
func (e *Engine) Signal(streamARN string) <-chan struct{} {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.streams[streamARN]
	if s == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return s.signal
}

type listStreamsInput struct {
	TableName               string `json:"TableName"`
	Limit                   *int   `json:"Limit"`
	ExclusiveStartStreamArn string `json:"ExclusiveStartStreamArn"`
}

func (e *Engine) listStreams(in *listStreamsInput) (any, error) {
	e.stats.request("ListStreams")
	e.mu.RLock()
	defer e.mu.RUnlock()
	var arns []string
	for arn, s := range e.streams {
		if in.TableName == "" || s.Table == in.TableName {
			arns = append(arns, arn)
		}
	}
	sort.Strings(arns)
	limit := 100
	if in.Limit != nil && *in.Limit > 0 && *in.Limit < 100 {
		limit = *in.Limit
	}
	out := []map[string]any{}
	var last string
	for _, arn := range arns {
		if in.ExclusiveStartStreamArn != "" && arn <= in.ExclusiveStartStreamArn {
			continue
		}
		if len(out) == limit {
			last = out[len(out)-1]["StreamArn"].(string)
			break
		}
		s := e.streams[arn]
		out = append(out, map[string]any{"StreamArn": arn, "StreamLabel": s.Label, "TableName": s.Table})
	}
	resp := map[string]any{"Streams": out}
	if last != "" {
		resp["LastEvaluatedStreamArn"] = last
	}
	return resp, nil
}

type streamInput struct {
	StreamArn string `json:"StreamArn"`
}

func (e *Engine) stream(arn string) (*stream, *APIError) {
	s := e.streams[arn]
	if s == nil {
		return nil, notFoundf("Requested resource not found: Stream: %s not found", arn)
	}
	return s, nil
}

func (e *Engine) describeStream(in *streamInput) (any, error) {
	e.stats.request("DescribeStream")
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, err := e.stream(in.StreamArn)
	if err != nil {
		return nil, err
	}
	rng := map[string]any{"StartingSequenceNumber": formatSeq(s.firstSeq)}
	if !s.enabled {
		rng["EndingSequenceNumber"] = formatSeq(s.endSeq)
	}
	status := "ENABLED"
	if !s.enabled {
		status = "DISABLED"
	}
	return map[string]any{"StreamDescription": map[string]any{
		"StreamArn": s.ARN, "StreamLabel": s.Label, "StreamStatus": status, "StreamViewType": s.View,
		"CreationRequestDateTime": epochSeconds(s.Created), "TableName": s.Table, "KeySchema": s.KeySchema,
		"Shards": []map[string]any{{"ShardId": s.ShardID, "SequenceNumberRange": rng}},
	}}, nil
}

type getIteratorInput struct {
	StreamArn         string `json:"StreamArn"`
	ShardId           string `json:"ShardId"`
	ShardIteratorType string `json:"ShardIteratorType"`
	SequenceNumber    string `json:"SequenceNumber"`
}

// iterator is what a shard iterator encodes: where the next read starts and when it was made.
type iterator struct {
	ARN   string `json:"a"`
	Shard string `json:"s"`
	Next  uint64 `json:"n"` // the first sequence number the read may return
	Made  int64  `json:"t"`
}

func (it iterator) encode() string {
	b, _ := json.Marshal(it)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeIterator(s string) (iterator, bool) {
	var it iterator
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &it) != nil || it.ARN == "" {
		return it, false
	}
	return it, true
}

func (e *Engine) getShardIterator(in *getIteratorInput) (any, error) {
	e.stats.request("GetShardIterator")
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, err := e.stream(in.StreamArn)
	if err != nil {
		return nil, err
	}
	if in.ShardId != s.ShardID {
		return nil, notFoundf("Requested resource not found: Shard does not exist")
	}
	it := iterator{ARN: s.ARN, Shard: s.ShardID, Made: e.now().UnixNano()}
	seq := func() (uint64, *APIError) {
		if in.SequenceNumber == "" {
			return 0, validationf("SequenceNumber is required for shard iterator type %s", in.ShardIteratorType)
		}
		n, perr := strconv.ParseUint(in.SequenceNumber, 10, 64)
		if perr != nil {
			return 0, validationf("Invalid SequenceNumber: %s", in.SequenceNumber)
		}
		if n < s.firstSeq || n <= s.trimmedThrough {
			return 0, errorfAPI(errTrimmedData, "Requested sequence number %s is beyond the trim horizon of the shard", in.SequenceNumber)
		}
		if n > e.seq || (!s.enabled && n > s.endSeq) {
			return 0, validationf("Invalid SequenceNumber: %s is beyond the end of the shard", in.SequenceNumber)
		}
		return n, nil
	}
	switch in.ShardIteratorType {
	case "TRIM_HORIZON":
		it.Next = s.firstSeq
		if len(s.records) > 0 {
			it.Next = s.records[0].seq
		}
	case "LATEST":
		it.Next = e.seq + 1
	case "AT_SEQUENCE_NUMBER":
		n, err := seq()
		if err != nil {
			return nil, err
		}
		it.Next = n
	case "AFTER_SEQUENCE_NUMBER":
		n, err := seq()
		if err != nil {
			return nil, err
		}
		it.Next = n + 1
	default:
		return nil, validationf("1 validation error detected: Value '%s' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]", in.ShardIteratorType)
	}
	return map[string]any{"ShardIterator": it.encode()}, nil
}

type getRecordsInput struct {
	ShardIterator string `json:"ShardIterator"`
	Limit         *int   `json:"Limit"`
}

func (e *Engine) getRecords(in *getRecordsInput) (any, error) {
	e.stats.request("GetRecords")
	it, ok := decodeIterator(in.ShardIterator)
	if !ok {
		return nil, validationf("Invalid ShardIterator")
	}
	limit := 1000
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 1000 {
			return nil, validationf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000 and greater than or equal to 1", *in.Limit)
		}
		limit = *in.Limit
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	now := e.now()
	if now.Sub(time.Unix(0, it.Made)) > iteratorLifetime {
		return nil, errorfAPI(errExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s.",
			time.Unix(0, it.Made).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	s, err := e.stream(it.ARN)
	if err != nil {
		return nil, err
	}
	if it.Shard != s.ShardID {
		return nil, notFoundf("Requested resource not found: Shard does not exist")
	}
	if it.Next <= s.trimmedThrough {
		return nil, errorfAPI(errTrimmedData, "The operation attempted to read past the oldest stream record in a shard.")
	}
	i := sort.Search(len(s.records), func(i int) bool { return s.records[i].seq >= it.Next })
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	n := 0
	next := it.Next
	for ; i < len(s.records) && n < limit; i++ {
		if now.Sub(s.records[i].at) >= streamRetention {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(s.records[i].json)
		next = s.records[i].seq + 1
		n++
	}
	b.WriteByte(']')
	// A closed shard read to its end has no next iterator (API Reference, GetRecords).
	if s.enabled || next <= s.endSeq || i < len(s.records) {
		it.Next = next
		if n == 0 && it.Next <= e.seq {
			it.Next = e.seq + 1
		}
		it.Made = now.UnixNano()
		b.WriteString(`,"NextShardIterator":"` + it.encode() + `"`)
	}
	b.WriteByte('}')
	return json.RawMessage(b.Bytes()), nil
}
