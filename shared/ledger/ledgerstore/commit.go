package ledgerstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/uuid"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

// Committed is a transaction that is in the ledger.
type Committed struct {
	// Tx is the transaction as committed: system accounts resolved to their shards, and, for a
	// replay, the record of the earlier request (its time and correlation ID).
	Tx   ledger.Transaction
	Hash string
	// Entries says where each touched account's entry landed and the balance it left, in
	// account order.
	Entries []ledger.EntryRef
	// Replayed is true when the transaction had been committed before this call, by an earlier
	// request with the same ID and the same content.
	Replayed bool
	// Attempts is how many read-plan-write rounds this call took (1 when uncontended).
	Attempts int
}

// Entry is the entry the transaction appended to account a.
func (c Committed) Entry(a ledger.Account) (ledger.EntryRef, bool) {
	for _, e := range c.Entries {
		if e.Account == a {
			return e, true
		}
	}
	return ledger.EntryRef{}, false
}

// Commit posts a transaction: the ONE way money moves. tx names accounts logically (a system
// account without a shard is given the shard its ID selects), must be valid, and carries a
// deterministic ID chosen by the caller so that a retried business action cannot post twice.
//
// Each attempt reads the transaction record and every touched head in one consistent
// BatchGetItem, plans the entries, and writes them with one TransactWriteItems. A lost race on a
// head is retried from a fresh read after a jittered backoff, up to Options.MaxAttempts; so are
// throttling and transient failures. A write whose outcome is unknown (a timeout after sending,
// a 5xx) is settled by reading the transaction record before anything is reported, so Commit
// never reports success for a transaction that is not in the ledger, nor a failure that says
// "nothing written" for one that is.
//
// Errors: ledger.ErrInvalidTransaction and ErrInsufficientFunds (nothing written);
// ErrTransactionIDReuse (the ID is taken by different content); ErrContention, ErrUnavailable
// (out of attempts, nothing written); ErrOutcomeUnknown (the record could not be read to settle
// an unknown outcome; retrying the same ID is safe); ErrInconsistent (the stored chain is
// broken); any other error is a bug or a misconfiguration.
func (s *Store) Commit(ctx context.Context, in ledger.Transaction) (Committed, error) {
	return s.CommitWith(ctx, in, nil)
}

// CommitWith is Commit with the caller's own business writes in the same TransactWriteItems, so
// that a state change and the money it moves commit together or not at all (an installment
// DUE → PAID with its repayment, a loan APPROVED → ACTIVE with its disbursal). extra are
// complete Put, Update, Delete or ConditionCheck items, normally conditional; they follow the
// ledger's items, and all of them together stay within DynamoDB's 100 items (the ledger takes
// 1 + 2 per touched account). They may not touch the ledger's own items.
//
// extra is sent unchanged on every attempt, so its conditions must describe the state the
// caller read, not a fresh read. When a condition of an extra item fails (and no head raced),
// nothing is written and the error is an *ExtraConditionError naming the item (and carrying
// the item as it stands, when the caller asked for ReturnValuesOnConditionCheckFailure ALL_OLD).
// When the transaction is already in the ledger, the answer is the stored record (replayed) and
// extra is not applied again: it went in with the transaction the first time.
func (s *Store) CommitWith(ctx context.Context, in ledger.Transaction, extra []types.TransactWriteItem) (Committed, error) {
	tx, err := s.sharding.Prepare(in)
	if err != nil {
		return Committed{}, err
	}
	txHash := ledger.TxHash(tx)
	accounts := tx.Accounts()
	if err := s.checkExtra(len(accounts), extra); err != nil {
		return Committed{}, err
	}

	var (
		lastErr   error
		contended bool // the last failure was a lost race
		ambiguous bool // the transaction may be in the ledger: a write of this call may have landed, or its record was seen
		permanent bool // the last failure will not go away by retrying
		attempt   int
	)
attempts:
	for attempt = 1; attempt <= s.opts.MaxAttempts; attempt++ {
		if attempt > 1 {
			if err := s.backoff.Wait(ctx, attempt-1); err != nil { // attempt 2 is the first retry
				lastErr = err
				break
			}
		}
		snap, err := s.readForCommit(ctx, tx.ID, accounts)
		if err != nil {
			lastErr, contended = err, false
			if classify(err) == failPermanent {
				permanent = true
				break
			}
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if snap.existing != nil {
			return s.existing(tx, txHash, *snap.existing, attempt, ambiguous)
		}
		entries, err := ledger.Plan(tx, txHash, snap.heads)
		if err != nil {
			return Committed{}, err
		}
		in := s.commitInput(tx, txHash, entries, snap.heads)
		in.TransactItems = append(in.TransactItems, extra...)
		_, err = s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return Committed{Tx: tx, Hash: txHash, Entries: refs(entries), Attempts: attempt}, nil
		}
		kind, account := classifyCommit(err, 1+2*len(entries))
		switch kind {
		case failTxExists:
			st, err := s.transaction(ctx, tx.ID)
			if err == nil {
				return s.existing(tx, txHash, st, attempt, ambiguous)
			}
			lastErr, contended, ambiguous = err, false, true // the next round's read finds it
		case failLostRace:
			lastErr, contended = err, true
			s.log.DebugContext(ctx, "ledger commit lost a race", "txId", tx.ID, "attempt", attempt)
		case failExtraCondition:
			return Committed{}, extraConditionError(err, 1+2*len(entries))
		case failInconsistent:
			return Committed{}, ledger.ErrInconsistent.WithCause(
				fmt.Errorf("account %s: the chain has an entry beyond its head; verify the account: %w", account, err))
		case failTransient:
			lastErr, contended = err, false
		case failUnknown:
			lastErr, contended, ambiguous = err, false, true
			s.log.InfoContext(ctx, "ledger commit outcome unknown; settling by reading the record", "txId", tx.ID,
				"attempt", attempt, "error", err)
		default:
			lastErr, contended, permanent = err, false, true
			break attempts
		}
		if ctx.Err() != nil {
			break
		}
	}
	return s.settle(ctx, tx, txHash, min(attempt, s.opts.MaxAttempts), lastErr, contended, ambiguous, permanent)
}

// settle decides what to report after the attempts ran out or a permanent error: the record is
// read (even if ctx is done) so that a write that landed is reported as the success it is.
func (s *Store) settle(ctx context.Context, tx ledger.Transaction, txHash string, attempts int, lastErr error, contended, ambiguous, permanent bool) (Committed, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ResolveWait)
	defer cancel()
	st, err := s.transaction(rctx, tx.ID)
	switch {
	case err == nil:
		return s.existing(tx, txHash, st, attempts, ambiguous)
	case errors.Is(err, ledger.ErrNotFound):
		// Nothing was written: every write either failed definitively or has been settled.
	default:
		if ambiguous {
			s.log.WarnContext(ctx, "ledger commit outcome unknown", "txId", tx.ID, "error", lastErr, "readError", err)
			return Committed{}, ledger.ErrOutcomeUnknown.WithCause(errors.Join(lastErr, err))
		}
	}
	if permanent {
		return Committed{}, fmt.Errorf("ledger: commit %s: %w", tx.ID, lastErr)
	}
	if contended {
		return Committed{}, ledger.ErrContention.WithCause(lastErr)
	}
	return Committed{}, ledger.ErrUnavailable.WithCause(lastErr)
}

// existing answers for a transaction whose record is already there: the same business action is
// a success (a replay unless it is this call's own write), different content is ID reuse.
func (s *Store) existing(tx ledger.Transaction, txHash string, st StoredTransaction, attempts int, ambiguous bool) (Committed, error) {
	if !ledger.SameContent(tx, st.Tx) {
		return Committed{}, ledger.ErrTransactionIDReuse
	}
	return Committed{
		Tx:       st.Tx,
		Hash:     st.Hash,
		Entries:  st.Entries,
		Replayed: !ambiguous || st.Hash != txHash,
		Attempts: attempts,
	}, nil
}

func refs(entries []ledger.Entry) []ledger.EntryRef {
	out := make([]ledger.EntryRef, len(entries))
	for i, e := range entries {
		out[i] = e.Ref()
	}
	return out
}

type snapshot struct {
	existing *StoredTransaction
	heads    map[ledger.Account]ledger.Head
}

// readForCommit reads the transaction record and the heads of accounts in one consistent
// BatchGetItem (more calls only if DynamoDB leaves keys unprocessed).
func (s *Store) readForCommit(ctx context.Context, txID string, accounts []ledger.Account) (snapshot, error) {
	keys := make([]map[string]types.AttributeValue, 0, 1+len(accounts))
	keys = append(keys, txKey(txID))
	for _, a := range accounts {
		keys = append(keys, headKey(a))
	}
	items, err := s.batchGet(ctx, keys, true)
	if err != nil {
		return snapshot{}, err
	}
	snap := snapshot{heads: make(map[ledger.Account]ledger.Head, len(accounts))}
	for _, item := range items {
		if pkOf(item) == txPrefix+txID {
			st, err := txFromItem(item)
			if err != nil {
				return snapshot{}, err
			}
			snap.existing = &st
			continue
		}
		h, err := headFromItem(item)
		if err != nil {
			return snapshot{}, err
		}
		snap.heads[h.Account] = h
	}
	return snap, nil
}

// batchGet reads up to 100 keys, following UnprocessedKeys a bounded number of times.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(consistent)}}
	for round := 0; ; round++ {
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("ledger: batch get: %w", err)
		}
		out = append(out, res.Responses[s.table]...)
		if len(res.UnprocessedKeys) == 0 || len(res.UnprocessedKeys[s.table].Keys) == 0 {
			return out, nil
		}
		if round >= 4 {
			return nil, errors.New("ledger: batch get: keys still unprocessed after 5 rounds")
		}
		req = res.UnprocessedKeys
		if err := s.backoff.Wait(ctx, round+1); err != nil {
			return nil, err
		}
	}
}

// commitInput is the one TransactWriteItems of a commit: the transaction record, then per
// account (in account order) its new entry and its head update.
func (s *Store) commitInput(tx ledger.Transaction, txHash string, entries []ledger.Entry, heads map[ledger.Account]ledger.Head) *dynamodb.TransactWriteItemsInput {
	now := s.now().UTC().Truncate(time.Millisecond)
	items := make([]types.TransactWriteItem, 0, 1+2*len(entries))
	items = append(items, types.TransactWriteItem{Put: &types.Put{
		TableName:           aws.String(s.table),
		Item:                txItem(tx, txHash, entries, now),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}})
	for _, e := range entries {
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName:           aws.String(s.table),
			Item:                entryItem(e),
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}})
		items = append(items, types.TransactWriteItem{Update: headUpdate(s.table, e, heads[e.Account], now)})
	}
	return &dynamodb.TransactWriteItemsInput{
		TransactItems: items,
		// A fresh token per attempt: the SDK's own retries of this very request are then
		// idempotent on DynamoDB's side, and no two attempts can collide.
		ClientRequestToken: aws.String(uuid.NewString()),
	}
}

// headUpdate moves an account's head from prev (seq n, or no item for n = 0) to the entry e
// (seq n+1). The condition is on n; for an account that may not go negative and is debited, it
// is also on the balance covering the debit.
func headUpdate(table string, e ledger.Entry, prev ledger.Head, now time.Time) *types.Update {
	names := map[string]string{
		"#account": attrAccount, "#seq": attrSeq, "#balance": attrBalance, "#hash": attrHash,
		"#updatedAt": attrUpdatedAt, "#gsi1pk": attrGSI1PK, "#gsi1sk": attrGSI1SK, "#entity": attrEntity,
	}
	values := map[string]types.AttributeValue{
		":account":   dynamoitem.S(string(e.Account)),
		":seq":       dynamoitem.N(e.Seq),
		":balance":   amt(e.BalanceAfter),
		":hash":      dynamoitem.S(e.Hash),
		":updatedAt": tm(now),
		":gsi1pk":    dynamoitem.S(headIndexPK(e.Account)),
		":gsi1sk":    dynamoitem.S(headIndexSK(now, e.Account)),
		":entity":    dynamoitem.S(entityHead),
	}
	var cond string
	if e.Seq == 1 {
		names["#pk"] = attrPK
		cond = "attribute_not_exists(#pk)"
	} else {
		values[":prevSeq"] = dynamoitem.N(prev.Seq)
		cond = "#seq = :prevSeq"
		if !e.Account.MayGoNegative() && e.Delta.IsNegative() {
			values[":debit"] = amt(e.Delta.Neg())
			cond += " AND #balance >= :debit"
		}
	}
	return &types.Update{
		TableName: aws.String(table),
		Key:       headKey(e.Account),
		UpdateExpression: aws.String("SET #entity = :entity, #account = :account, #seq = :seq, #balance = :balance, " +
			"#hash = :hash, #updatedAt = :updatedAt, #gsi1pk = :gsi1pk, #gsi1sk = :gsi1sk"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

// failure kinds of a DynamoDB call.
type failKind int

const (
	failPermanent      failKind = iota // a request DynamoDB will never accept: a bug or misconfiguration
	failTransient                      // refused without effect (throttled, conflicting): retry
	failUnknown                        // may or may not have taken effect: settle, then retry
	failTxExists                       // the transaction record exists
	failLostRace                       // a head moved since it was read
	failInconsistent                   // an entry exists beyond its head
	failExtraCondition                 // a condition of the caller's extra items failed
)

// classifyCommit reads a TransactWriteItems failure. The cancellation reasons are positional:
// 0 is the transaction record, then for account k (in account order) 1+2k its entry and 2+2k its
// head; the caller's extra items start at ledgerItems.
func classifyCommit(err error, ledgerItems int) (failKind, ledger.Account) {
	reasons, cancelled := dynamoitem.CancellationReasons(err)
	if !cancelled {
		return classify(err), ""
	}
	if len(reasons) == 0 {
		return failTransient, ""
	}
	if reasons[0].ConditionFailed() {
		return failTxExists, ""
	}
	var headFailed, extraFailed, transient, permanent bool
	var entryFailed ledger.Account
	for i := 1; i < len(reasons); i++ {
		switch reasons[i].Code {
		case dynamoitem.ReasonNone:
		case dynamoitem.ReasonConditionalCheckFailed:
			switch {
			case i >= ledgerItems:
				extraFailed = true
			case i%2 == 0:
				headFailed = true
			case entryFailed == "":
				entryFailed = accountOfEntryReason(reasons[i])
			}
		case dynamoitem.ReasonTransactionConflict, "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
			transient = true
		default:
			permanent = true
		}
	}
	switch {
	case headFailed:
		return failLostRace, ""
	case entryFailed != "":
		return failInconsistent, entryFailed
	case extraFailed:
		return failExtraCondition, ""
	case permanent:
		return failPermanent, ""
	case transient:
		return failTransient, ""
	}
	return failTransient, ""
}

func accountOfEntryReason(r dynamoitem.Reason) ledger.Account {
	if a, ok := accountOfPK(pkOf(r.Item)); ok {
		return a
	}
	return "unknown"
}

// classify reads a failure of any DynamoDB call.
func classify(err error) failKind {
	if errors.Is(err, dynamoitem.ErrMalformed) {
		return failPermanent
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failUnknown
	}
	var inProgress *types.TransactionInProgressException
	if errors.As(err, &inProgress) {
		return failTransient
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return failUnknown // the connection broke or timed out: the request may have been served
	}
	switch api.ErrorCode() {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
		"TransactionConflictException", "LimitExceededException":
		return failTransient
	case "InternalServerError", "InternalFailure", "ServiceUnavailable":
		return failUnknown
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() >= http.StatusInternalServerError {
		return failUnknown
	}
	if api.ErrorFault() == smithy.FaultServer {
		return failUnknown
	}
	return failPermanent
}

// ErrExtraConditionFailed is matched (errors.Is) by every *ExtraConditionError.
var ErrExtraConditionFailed = errors.New("ledger: a condition of the extra items failed")

// ExtraConditionError says which of CommitWith's extra items had a condition that did not hold.
// Nothing was written.
type ExtraConditionError struct {
	Index int                             // position in extra
	Item  map[string]types.AttributeValue // the item as it stands, when ALL_OLD was asked for
	Cause error
}

func (e *ExtraConditionError) Error() string {
	return fmt.Sprintf("ledger: the condition of extra item %d failed: %v", e.Index, e.Cause)
}

// Is matches ErrExtraConditionFailed.
func (e *ExtraConditionError) Is(target error) bool { return target == ErrExtraConditionFailed }

// Unwrap exposes the DynamoDB error.
func (e *ExtraConditionError) Unwrap() error { return e.Cause }

func extraConditionError(err error, ledgerItems int) error {
	reasons, _ := dynamoitem.CancellationReasons(err)
	for i := ledgerItems; i < len(reasons); i++ {
		if reasons[i].ConditionFailed() {
			return &ExtraConditionError{Index: i - ledgerItems, Item: reasons[i].Item, Cause: err}
		}
	}
	return &ExtraConditionError{Index: -1, Cause: err}
}

// checkExtra refuses extra items that cannot go into the commit: too many, malformed, or
// touching the ledger's own items (only the writer writes those).
func (s *Store) checkExtra(accounts int, extra []types.TransactWriteItem) error {
	if n := 1 + 2*accounts + len(extra); n > 100 {
		return ledger.Fail(ledger.ErrInvalidTransaction, "%d items in one transaction; DynamoDB allows 100", n)
	}
	for i, it := range extra {
		var table *string
		var k map[string]types.AttributeValue
		ops := 0
		if it.Put != nil {
			ops, table, k = ops+1, it.Put.TableName, it.Put.Item
		}
		if it.Update != nil {
			ops, table, k = ops+1, it.Update.TableName, it.Update.Key
		}
		if it.Delete != nil {
			ops, table, k = ops+1, it.Delete.TableName, it.Delete.Key
		}
		if it.ConditionCheck != nil {
			ops, table, k = ops+1, it.ConditionCheck.TableName, it.ConditionCheck.Key
		}
		if ops != 1 {
			return fmt.Errorf("ledger: extra item %d must hold exactly one of Put, Update, Delete, ConditionCheck", i)
		}
		if aws.ToString(table) == s.table {
			pk := pkOf(k)
			if strings.HasPrefix(pk, accountPrefix) || strings.HasPrefix(pk, txPrefix) || pk == digestPK {
				return fmt.Errorf("ledger: extra item %d writes the ledger's own item %s: only the writer may", i, pk)
			}
		}
	}
	return nil
}
