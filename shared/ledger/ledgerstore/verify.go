package ledgerstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

// VerifyOptions tune VerifyAccount.
type VerifyOptions struct {
	// SkipTransactions verifies the chain on its own — links, hashes, balances, head and digest
	// anchors — without holding each entry against its transaction record (which costs one
	// consistent read per 100 entries).
	SkipTransactions bool
}

// VerifyAccount recomputes one account's chain from its stored entries and holds it against its
// head, its transaction records and every digest anchor recorded for it
// (GET /api/v1/ledger/accounts/{id}/verify). The chain is read page by page and never held in
// memory whole. Entries appended while it runs are not part of the verdict.
func (s *Store) VerifyAccount(ctx context.Context, a ledger.Account, opts VerifyOptions) (ledger.Verification, error) {
	if !a.Physical() {
		return ledger.Verification{}, ledger.Fail(ledger.ErrInvalidAccount, "%q: verify a wallet, a loan or one shard of a system account (such as external#03)", a)
	}
	head, err := s.Head(ctx, a)
	if err != nil {
		return ledger.Verification{}, err
	}
	anchors, err := s.accountAnchors(ctx, a)
	if err != nil {
		return ledger.Verification{}, err
	}
	v := ledger.NewChainVerifier(a, anchors)
	feed := func(through uint64, after uint64) (uint64, error) {
		for {
			stored, more, err := s.storedEntries(ctx, a, after, through, MaxPageSize)
			if err != nil {
				return after, err
			}
			var txs map[string]*ledger.Transaction
			if !opts.SkipTransactions && len(stored) > 0 {
				if txs, err = s.transactionsOf(ctx, stored); err != nil {
					return after, err
				}
			}
			for _, se := range stored {
				switch {
				case se.err != nil:
					v.Undecodable(se.seq, se.err.Error())
				case opts.SkipTransactions:
					v.Add(se.Entry)
				default:
					v.AddWithTransaction(se.Entry, txs[se.TxID])
				}
				after = se.seq
			}
			if !more || len(stored) == 0 {
				return after, nil
			}
		}
	}
	last, err := feed(head.Seq, 0)
	if err != nil {
		return ledger.Verification{}, err
	}
	// Entries past the head are either appends that landed after the head was read (the head has
	// moved on by now) or a head moved back (it has not).
	beyond, _, err := s.entriesRange(ctx, a, head.Seq, ^uint64(0), 1)
	if err != nil {
		return ledger.Verification{}, err
	}
	if len(beyond) > 0 {
		now, err := s.Head(ctx, a)
		if err != nil {
			return ledger.Verification{}, err
		}
		if now.Seq < beyond[0].Seq {
			if _, err := feed(^uint64(0), last); err != nil {
				return ledger.Verification{}, err
			}
		}
	}
	return v.Result(&head), nil
}

// storedEntry is an entry as read, or why it could not be read.
type storedEntry struct {
	ledger.Entry
	seq uint64
	err error
}

// entriesRange reads entries with after < seq ≤ through, oldest first.
func (s *Store) entriesRange(ctx context.Context, a ledger.Account, after, through uint64, limit int) ([]ledger.Entry, bool, error) {
	stored, more, err := s.storedEntries(ctx, a, after, through, limit)
	if err != nil {
		return nil, false, err
	}
	entries := make([]ledger.Entry, 0, len(stored))
	for _, se := range stored {
		if se.err != nil {
			return nil, false, se.err
		}
		entries = append(entries, se.Entry)
	}
	return entries, more, nil
}

// storedEntries reads the items with after < seq ≤ through, oldest first, keeping the ones that
// do not decode (with their seq, from the key) so the verifier can report them.
func (s *Store) storedEntries(ctx context.Context, a ledger.Account, after, through uint64, limit int) ([]storedEntry, bool, error) {
	if through <= after {
		return nil, false, nil
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   dynamoitem.S(accountPrefix + string(a)),
			":from": dynamoitem.S(entryPrefix + seq20(after+1)),
			":to":   dynamoitem.S(entryPrefix + seq20(through)),
		},
		ConsistentRead: aws.Bool(true),
		Limit:          aws.Int32(int32(pageSize(limit))),
	})
	if err != nil {
		return nil, false, fmt.Errorf("ledger: read entries of %s: %w", a, err)
	}
	entries := make([]storedEntry, 0, len(out.Items))
	for _, item := range out.Items {
		e, err := entryFromItem(item)
		seq, _ := strconv.ParseUint(strings.TrimPrefix(skOf(item), entryPrefix), 10, 64)
		entries = append(entries, storedEntry{Entry: e, seq: seq, err: err})
	}
	return entries, len(out.LastEvaluatedKey) > 0, nil
}

// transactionsOf reads the transaction records the entries name, 100 per consistent
// BatchGetItem. A record that does not exist is absent from the map.
func (s *Store) transactionsOf(ctx context.Context, entries []storedEntry) (map[string]*ledger.Transaction, error) {
	ids := make([]string, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.err == nil && !seen[e.TxID] {
			seen[e.TxID] = true
			ids = append(ids, e.TxID)
		}
	}
	out := make(map[string]*ledger.Transaction, len(ids))
	for start := 0; start < len(ids); start += 100 {
		end := min(start+100, len(ids))
		keys := make([]map[string]types.AttributeValue, 0, end-start)
		for _, id := range ids[start:end] {
			keys = append(keys, txKey(id))
		}
		items, err := s.batchGet(ctx, keys, true)
		if err != nil {
			return nil, fmt.Errorf("ledger: read transaction records: %w", err)
		}
		for _, item := range items {
			st, err := txFromItem(item)
			if err != nil {
				continue // an unreadable record is as good as none: the entry is reported against it
			}
			out[st.Tx.ID] = &st.Tx
		}
	}
	return out, nil
}

// accountAnchors reads the digest anchors recorded in an account's partition.
func (s *Store) accountAnchors(ctx context.Context, a ledger.Account) ([]ledger.Anchor, error) {
	var anchors []ledger.Anchor
	var start map[string]types.AttributeValue
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:              aws.String(s.table),
			KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk":     dynamoitem.S(accountPrefix + string(a)),
				":prefix": dynamoitem.S(anchorPrefix),
			},
			ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, fmt.Errorf("ledger: read digest anchors of %s: %w", a, err)
		}
		for _, item := range out.Items {
			an, err := anchorFromItem(item)
			if err != nil {
				return nil, err
			}
			anchors = append(anchors, an)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return anchors, nil
		}
		start = out.LastEvaluatedKey
	}
}

// AuditSegments is how many parallel Scan segments Audit reads the table with.
const AuditSegments = 4

// Audit is the whole-ledger check (command line and scheduled job; never a request path): it
// scans every ledger item of the table and runs ledger.Audit over them — every chain verified
// against its head, records and digests; the zero-sum invariant; every posting present in every
// chain it names and nothing else. It holds the ledger in memory.
func (s *Store) Audit(ctx context.Context) (ledger.AuditReport, error) {
	audit := ledger.NewAudit(0)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, AuditSegments)
	for seg := 0; seg < AuditSegments; seg++ {
		wg.Add(1)
		go func(seg int) {
			defer wg.Done()
			errs[seg] = s.scanSegment(ctx, seg, func(item map[string]types.AttributeValue) error {
				mu.Lock()
				defer mu.Unlock()
				if err := addToAudit(audit, item); err != nil {
					if !errors.Is(err, dynamoitem.ErrMalformed) {
						return err
					}
					acct, _ := accountOfPK(pkOf(item))
					seq, _ := strconv.ParseUint(strings.TrimPrefix(skOf(item), entryPrefix), 10, 64)
					audit.AddUndecodable(acct, seq, err.Error())
				}
				return nil
			})
		}(seg)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return ledger.AuditReport{}, fmt.Errorf("ledger: audit: %w", err)
	}
	return audit.Report(), nil
}

func (s *Store) scanSegment(ctx context.Context, seg int, fn func(map[string]types.AttributeValue) error) error {
	var start map[string]types.AttributeValue
	for {
		out, err := s.db.Scan(ctx, &dynamodb.ScanInput{
			TableName:        aws.String(s.table),
			Segment:          aws.Int32(int32(seg)),
			TotalSegments:    aws.Int32(AuditSegments),
			ConsistentRead:   aws.Bool(true),
			FilterExpression: aws.String("begins_with(pk, :acct) OR begins_with(pk, :ltx) OR pk = :digest"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":acct": dynamoitem.S(accountPrefix), ":ltx": dynamoitem.S(txPrefix), ":digest": dynamoitem.S(digestPK),
			},
			ExclusiveStartKey: start,
		})
		if err != nil {
			return fmt.Errorf("scan segment %d: %w", seg, err)
		}
		for _, item := range out.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		start = out.LastEvaluatedKey
	}
}

func addToAudit(a *ledger.Audit, item map[string]types.AttributeValue) error {
	pk, sk := pkOf(item), skOf(item)
	switch {
	case strings.HasPrefix(pk, accountPrefix) && sk == headSK:
		h, err := headFromItem(item)
		if err != nil {
			return err
		}
		a.AddHead(h)
	case strings.HasPrefix(pk, accountPrefix) && strings.HasPrefix(sk, entryPrefix):
		e, err := entryFromItem(item)
		if err != nil {
			return err
		}
		a.AddEntry(e)
	case strings.HasPrefix(pk, accountPrefix) && strings.HasPrefix(sk, anchorPrefix):
		an, err := anchorFromItem(item)
		if err != nil {
			return err
		}
		a.AddAnchorRow(an)
	case strings.HasPrefix(pk, txPrefix) && sk == txSK:
		st, err := txFromItem(item)
		if err != nil {
			return err
		}
		a.AddTransaction(st.Tx, st.Hash)
	case pk == digestPK && strings.HasPrefix(sk, digestPrefix):
		d, err := digestFromItem(item)
		if err != nil {
			return err
		}
		a.AddDigest(d)
	case pk == digestPK && sk == headSK:
		r := newReader(item)
		indexed := uint64(0)
		if _, ok := item[attrIndexed]; ok {
			indexed = r.Uint(attrIndexed)
		}
		if r.Err() != nil {
			return fmt.Errorf("ledger digest head: %w", r.Err())
		}
		a.SetAnchorsIndexedThrough(indexed)
	}
	return nil
}
