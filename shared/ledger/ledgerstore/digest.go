package ledgerstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/correlation"
	"holdfast/shared/platform/dynamoitem"
)

// digestCorrelationID names a digest's flow when the job's context carries no correlation ID.
func digestCorrelationID(seq uint64) string { return "ledger-digest-" + strconv.FormatUint(seq, 10) }

// DigestState is the digest head: the last digest recorded and the cut-off the next one starts
// from.
type DigestState struct {
	Seq  uint64
	Hash string
	// Cutoff: the next digest covers heads that moved after this instant.
	Cutoff time.Time
	// AnchorsIndexedThrough: digests up to this seq have their anchor rows written into the
	// partitions of the accounts they name.
	AnchorsIndexedThrough uint64
}

// DigestRun is what one run of the digest job recorded.
type DigestRun struct {
	Digests []ledger.Digest
	Cutoff  time.Time
}

// DigestState reads the digest head (the zero state before the first digest).
func (s *Store) DigestState(ctx context.Context) (DigestState, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: digestHeadKey(), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return DigestState{}, fmt.Errorf("ledger: read digest head: %w", err)
	}
	if len(out.Item) == 0 {
		return DigestState{Hash: ledger.GenesisHash, Cutoff: time.Unix(0, 0).UTC()}, nil
	}
	r := newReader(out.Item)
	st := DigestState{Seq: r.Uint(attrSeq), Hash: r.S(attrHash), Cutoff: r.time(attrSince)}
	if _, ok := out.Item[attrIndexed]; ok {
		st.AnchorsIndexedThrough = r.Uint(attrIndexed)
	}
	if r.Err() != nil {
		return DigestState{}, fmt.Errorf("ledger digest head: %w", r.Err())
	}
	return st, nil
}

// RecordDigest is the digest job (every ledger.DigestInterval): it records a digest of every
// account head that moved since the last digest's cut-off, chained to the last digest, and
// writes each digest's anchors into the partitions of the accounts it names (where the account
// verifier finds them). Moved heads are found through gsi1 — HeadIndexPartitions Query calls, no
// Scan. A run finishes anchor rows an interrupted run left unwritten before it starts. Two runs
// at once cannot both record the same digest: the loser gets ledger.ErrDigestConflict.
//
// The stream relay announces each digest item it writes (LedgerDigestRecorded.v1).
func (s *Store) RecordDigest(ctx context.Context) (DigestRun, error) {
	state, err := s.DigestState(ctx)
	if err != nil {
		return DigestRun{}, err
	}
	if err := s.indexAnchors(ctx, state.AnchorsIndexedThrough, state.Seq); err != nil {
		return DigestRun{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	cutoff := now.Add(-s.opts.DigestSettle)
	if cutoff.Before(state.Cutoff) {
		cutoff = state.Cutoff
	}
	heads, err := s.movedHeads(ctx, state.Cutoff)
	if err != nil {
		return DigestRun{}, err
	}
	digests := ledger.NewDigests(state.Seq, state.Hash, now, state.Cutoff, heads, s.opts.DigestMaxBytes)
	prev := state
	for i, d := range digests {
		next := prev
		next.Seq, next.Hash = d.Seq, d.Hash
		if i == len(digests)-1 {
			next.Cutoff = cutoff
		}
		if err := s.writeDigest(ctx, d, prev, next, now); err != nil {
			return DigestRun{}, err
		}
		prev = next
	}
	if err := s.indexAnchors(ctx, state.Seq, prev.Seq); err != nil {
		return DigestRun{}, err
	}
	return DigestRun{Digests: digests, Cutoff: cutoff}, nil
}

// movedHeads queries every head-index partition for heads whose updatedAt is after since.
func (s *Store) movedHeads(ctx context.Context, since time.Time) ([]ledger.DigestHead, error) {
	from := ledger.FormatTime(since.Add(time.Millisecond))
	var heads []ledger.DigestHead
	for p := 0; p < HeadIndexPartitions; p++ {
		var start map[string]types.AttributeValue
		for {
			out, err := s.db.Query(ctx, &dynamodb.QueryInput{
				TableName:              aws.String(s.table),
				IndexName:              aws.String("gsi1"),
				KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk >= :from"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk":   dynamoitem.S(fmt.Sprintf("%s%02d", headIndexPrefix, p)),
					":from": dynamoitem.S(from),
				},
				ExclusiveStartKey: start,
			})
			if err != nil {
				return nil, fmt.Errorf("ledger: query moved heads: %w", err)
			}
			for _, item := range out.Items {
				h, err := headFromItem(item)
				if err != nil {
					return nil, err
				}
				heads = append(heads, ledger.DigestHead{Account: h.Account, Seq: h.Seq, Hash: h.Hash})
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	return heads, nil
}

// writeDigest records one digest and moves the digest head from prev to next, atomically.
func (s *Store) writeDigest(ctx context.Context, d ledger.Digest, prev, next DigestState, now time.Time) error {
	item := digestItem(d)
	cid := correlation.FromContext(ctx)
	if cid == "" {
		cid = digestCorrelationID(d.Seq)
	}
	item[attrCorrelationID] = dynamoitem.S(cid)
	names := map[string]string{"#seq": attrSeq, "#hash": attrHash, "#since": attrSince, "#updatedAt": attrUpdatedAt, "#entity": attrEntity}
	values := map[string]types.AttributeValue{
		":seq": dynamoitem.N(next.Seq), ":hash": dynamoitem.S(next.Hash), ":since": tm(next.Cutoff), ":updatedAt": tm(now),
		":entity": dynamoitem.S(entityDState),
	}
	cond := "attribute_not_exists(#pk)"
	names["#pk"] = attrPK
	if prev.Seq > 0 {
		delete(names, "#pk")
		cond = "#seq = :prevSeq"
		values[":prevSeq"] = dynamoitem.N(prev.Seq)
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
		{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       digestHeadKey(),
			UpdateExpression:          aws.String("SET #entity = :entity, #seq = :seq, #hash = :hash, #since = :since, #updatedAt = :updatedAt"),
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}},
	}})
	if err == nil {
		return nil
	}
	reasons, _ := dynamoitem.CancellationReasons(err)
	for _, r := range reasons {
		if r.ConditionFailed() {
			return ledger.ErrDigestConflict.WithCause(err)
		}
	}
	return fmt.Errorf("ledger: record digest %d: %w", d.Seq, err)
}

// indexAnchors writes the anchor rows of digests after..through (idempotent puts) and records
// how far the index is complete.
func (s *Store) indexAnchors(ctx context.Context, after, through uint64) error {
	if through <= after {
		return nil
	}
	digests, err := s.digestRange(ctx, after, through)
	if err != nil {
		return err
	}
	var writes []types.WriteRequest
	for _, d := range digests {
		for _, a := range d.Anchors() {
			writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: anchorItem(a)}})
		}
	}
	if err := s.batchWrite(ctx, writes); err != nil {
		return fmt.Errorf("ledger: write digest anchors: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      digestHeadKey(),
		UpdateExpression:         aws.String("SET #indexed = :n"),
		ConditionExpression:      aws.String("attribute_exists(pk) AND (attribute_not_exists(#indexed) OR #indexed < :n)"),
		ExpressionAttributeNames: map[string]string{"#indexed": attrIndexed},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": dynamoitem.N(through),
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // a failed condition: another run got further
		return fmt.Errorf("ledger: record anchor index progress: %w", err)
	}
	return nil
}

// batchWrite puts items 25 at a time, following UnprocessedItems a bounded number of times.
func (s *Store) batchWrite(ctx context.Context, writes []types.WriteRequest) error {
	for start := 0; start < len(writes); start += 25 {
		req := map[string][]types.WriteRequest{s.table: writes[start:min(start+25, len(writes))]}
		for round := 0; len(req[s.table]) > 0; round++ {
			if round > 0 {
				if round > 8 {
					return errors.New("items still unprocessed after 8 rounds")
				}
				if err := s.backoff.Wait(ctx, round); err != nil {
					return err
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return err
			}
			req = out.UnprocessedItems
		}
	}
	return nil
}

// Digests lists up to limit digests with seq > afterSeq, in order; more says whether others
// follow.
func (s *Store) Digests(ctx context.Context, afterSeq uint64, limit int) (digests []ledger.Digest, more bool, err error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   dynamoitem.S(digestPK),
			":from": dynamoitem.S(digestPrefix + seq20(afterSeq+1)),
			":to":   dynamoitem.S(digestPrefix + seq20(^uint64(0))),
		},
		ConsistentRead: aws.Bool(true),
		Limit:          aws.Int32(int32(pageSize(limit))),
	})
	if err != nil {
		return nil, false, fmt.Errorf("ledger: list digests: %w", err)
	}
	for _, item := range out.Items {
		d, err := digestFromItem(item)
		if err != nil {
			return nil, false, err
		}
		digests = append(digests, d)
	}
	return digests, len(out.LastEvaluatedKey) > 0, nil
}

func (s *Store) digestRange(ctx context.Context, after, through uint64) ([]ledger.Digest, error) {
	var all []ledger.Digest
	for after < through {
		page, more, err := s.Digests(ctx, after, MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, d := range page {
			if d.Seq <= through {
				all = append(all, d)
			}
			after = d.Seq
		}
		if !more || len(page) == 0 {
			break
		}
	}
	return all, nil
}
