package ledgerstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Head reads an account's head (consistently). An account without entries has the genesis
// head: seq 0, balance 0, GenesisHash.
func (s *Store) Head(ctx context.Context, a ledger.Account) (ledger.Head, error) {
	if !a.Physical() {
		return ledger.Head{}, ledger.Fail(ledger.ErrInvalidAccount, "%q is not a wallet, a loan or a system account shard", a)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: headKey(a), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return ledger.Head{}, fmt.Errorf("ledger: read head of %s: %w", a, err)
	}
	if len(out.Item) == 0 {
		return ledger.GenesisHead(a), nil
	}
	return headFromItem(out.Item)
}

// Balance is an account's balance; for a system account named without a shard, the sum of
// all its shards (every possible shard is read, so the sum stays right if the configured count
// ever changes).
func (s *Store) Balance(ctx context.Context, a ledger.Account) (decimal.Decimal, error) {
	if a.Physical() {
		h, err := s.Head(ctx, a)
		return h.Balance, err
	}
	if a.Kind() != ledger.KindSystem {
		return decimal.Decimal{}, ledger.Fail(ledger.ErrInvalidAccount, "%q is not a system account", a)
	}
	shards, err := ledger.AllShards(a)
	if err != nil {
		return decimal.Decimal{}, err
	}
	keys := make([]map[string]types.AttributeValue, len(shards))
	for i, sh := range shards {
		keys[i] = headKey(sh)
	}
	items, err := s.batchGet(ctx, keys, true)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("ledger: balance of %s: %w", a, err)
	}
	total := decimal.Zero
	for _, item := range items {
		h, err := headFromItem(item)
		if err != nil {
			return decimal.Decimal{}, err
		}
		total = total.Add(h.Balance)
	}
	return total, nil
}

// Transaction reads a committed transaction; ledger.ErrNotFound when there is none.
func (s *Store) Transaction(ctx context.Context, id string) (StoredTransaction, error) {
	return s.transaction(ctx, id)
}

func (s *Store) transaction(ctx context.Context, id string) (StoredTransaction, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: txKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return StoredTransaction{}, fmt.Errorf("ledger: read transaction %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return StoredTransaction{}, ledger.ErrNotFound.WithDetail("No such ledger transaction.")
	}
	return txFromItem(out.Item)
}

// Entries reads up to limit entries of an account's chain with seq > afterSeq, oldest first
// (the verifier's and exporter's access pattern). more says whether entries remain.
func (s *Store) Entries(ctx context.Context, a ledger.Account, afterSeq uint64, limit int) (entries []ledger.Entry, more bool, err error) {
	return s.entriesRange(ctx, a, afterSeq, ^uint64(0), limit)
}

// StatementPage is one page of an account's entries, newest first, each with its running
// balance, and where the next page starts: Before, the next page's entries are the ones below
// it (0 on the last page).
type StatementPage struct {
	Items  []ledger.Entry
	Before uint64
}

// Statement pages an account's entries newest first (GET /api/v1/wallet/statement): those with
// seq < before, or from the newest when before is 0 (the first page); the next page is
// Statement(…, page.Before, …). limit 0 means DefaultPageSize.
func (s *Store) Statement(ctx context.Context, a ledger.Account, before uint64, limit int) (StatementPage, error) {
	if !a.Physical() {
		return StatementPage{}, ledger.Fail(ledger.ErrInvalidAccount, "%q is not a wallet, a loan or a system account shard", a)
	}
	limit = pageSize(limit)
	if before == 0 {
		before = ^uint64(0)
	}
	if before <= 1 {
		return StatementPage{Items: []ledger.Entry{}}, nil
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   dynamoitem.S(accountPrefix + string(a)),
			":from": dynamoitem.S(entryPrefix + seq20(1)),
			":to":   dynamoitem.S(entryPrefix + seq20(before-1)),
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true), // a statement read right after a deposit shows it
		Limit:            aws.Int32(int32(limit)),
	})
	if err != nil {
		return StatementPage{}, fmt.Errorf("ledger: statement of %s: %w", a, err)
	}
	page := StatementPage{Items: make([]ledger.Entry, 0, len(out.Items))}
	for _, item := range out.Items {
		e, err := entryFromItem(item)
		if err != nil {
			return StatementPage{}, err
		}
		page.Items = append(page.Items, e)
	}
	if len(out.LastEvaluatedKey) > 0 && len(page.Items) > 0 {
		if last := page.Items[len(page.Items)-1].Seq; last > 1 {
			page.Before = last
		}
	}
	return page, nil
}

func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}
