package lendingstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/lending"
	"holdfast/shared/platform/dynamoitem"
	"holdfast/shared/platform/errs"
)

// Problem codes of the loan store.
const (
	CodeLoanNotFound = "loan_not_found"
)

const maxTransitionAttempts = 6

// LoanStore keeps loans, their timelines, installments and notices in LENDING_TABLE.
type LoanStore struct {
	db     *dynamodb.Client
	table  string
	policy lending.RiskPolicy // the final approval's debt-to-income limit
}

// NewLoanStore returns a store over table.
func NewLoanStore(db *dynamodb.Client, table string) *LoanStore {
	return &LoanStore{db: db, table: table, policy: lending.DefaultRiskPolicy()}
}

// Table is the table name.
func (st *LoanStore) Table() string { return st.table }

// ErrLoanNotFound is the not-found error for a loan that does not exist (or is not the caller's to see).
func ErrLoanNotFound() error { return errs.NotFound("No such loan.") }

func (st *LoanStore) marshal(v any) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	return item, nil
}

func (st *LoanStore) put(v any, cond string) (types.TransactWriteItem, error) {
	item, err := st.marshal(v)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: aws.String(st.table), Item: item}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Put: p}, nil
}

// Create stores a new SUBMITTED loan with its first timeline entry, counting it against the
// customer's open loans (at most lending.MaxOpenLoans) in the same transaction.
func (st *LoanStore) Create(ctx context.Context, l lending.Loan, e lending.TimelineEntry) error {
	loan, err := st.put(loanToItem(l, e.Actor, e.CorrelationID), "attribute_not_exists(pk)")
	if err != nil {
		return err
	}
	tl, err := st.put(timelineToItem(l.ID, e), "attribute_not_exists(pk)")
	if err != nil {
		return err
	}
	count := types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(st.table),
		Key:                      dynamoitem.Key(UserPK(l.UserID), countSK),
		UpdateExpression:         aws.String("SET entity = :entity, userId = :user, correlationId = :corr ADD #open :one, loanIds :ids"),
		ConditionExpression:      aws.String("attribute_not_exists(#open) OR #open < :max"),
		ExpressionAttributeNames: map[string]string{"#open": "open"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": dynamoitem.N(1), ":max": dynamoitem.N(lending.MaxOpenLoans), ":entity": dynamoitem.S(EntityLoanCount), ":user": dynamoitem.S(l.UserID), ":corr": dynamoitem.S(e.CorrelationID),
			":ids": &types.AttributeValueMemberSS{Value: []string{l.ID}}},
	}}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{loan, tl, count}})
	if reasons := cancelReasons(err); reasons != nil {
		if reasons[2] {
			return errs.Unprocessable(lending.CodeLoanLimit, fmt.Sprintf("You already have %d open loans.", lending.MaxOpenLoans))
		}
		if reasons[0] {
			return errs.Conflict(errs.CodeConflict, "A loan with this ID exists.")
		}
	}
	if err != nil {
		return fmt.Errorf("create loan: %w", err)
	}
	return nil
}

// cancelReasons returns, for a cancelled transaction, which items failed their condition.
func cancelReasons(err error) map[int]bool {
	reasons, cancelled := dynamoitem.CancellationReasons(err)
	if !cancelled {
		return nil
	}
	out := map[int]bool{}
	for i, r := range reasons {
		if r.ConditionFailed() {
			out[i] = true
		}
	}
	return out
}

func isConflict(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	_, cancelled := dynamoitem.CancellationReasons(err)
	return cancelled || errors.As(err, &ccf)
}

// Loaded is a loan as read, with its stored bookkeeping.
type Loaded struct {
	Loan         lending.Loan
	Item         LoanItem
	Installments []Installment // only when read with installments
}

// Get reads a loan (consistent).
func (st *LoanStore) Get(ctx context.Context, id string) (Loaded, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: loanKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Loaded{}, fmt.Errorf("get loan: %w", err)
	}
	if len(out.Item) == 0 {
		return Loaded{}, ErrLoanNotFound()
	}
	return decodeLoan(out.Item)
}

func decodeLoan(item map[string]types.AttributeValue) (Loaded, error) {
	var it LoanItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return Loaded{}, fmt.Errorf("decode loan: %w", err)
	}
	l, err := it.Loan()
	return Loaded{Loan: l, Item: it}, err
}

// GetWithInstallments reads a loan and its installments with one consistent Query
// (sk BETWEEN "INST#" AND "LOAN").
func (st *LoanStore) GetWithInstallments(ctx context.Context, id string) (Loaded, error) {
	var res Loaded
	found := false
	var start map[string]types.AttributeValue
	for {
		out, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(st.table),
			KeyConditionExpression:    aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(LoanPK(id)), ":from": dynamoitem.S(instPrefix), ":to": dynamoitem.S(loanSK)},
			ConsistentRead:            aws.Bool(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return Loaded{}, fmt.Errorf("query loan: %w", err)
		}
		for _, item := range out.Items {
			sk, _ := item["sk"].(*types.AttributeValueMemberS)
			if sk != nil && sk.Value == loanSK {
				l, err := decodeLoan(item)
				if err != nil {
					return Loaded{}, err
				}
				res.Loan, res.Item, found = l.Loan, l.Item, true
				continue
			}
			var it InstallmentItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return Loaded{}, fmt.Errorf("decode installment: %w", err)
			}
			in, err := it.Installment()
			if err != nil {
				return Loaded{}, err
			}
			res.Installments = append(res.Installments, in)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	if !found {
		return Loaded{}, ErrLoanNotFound()
	}
	sort.Slice(res.Installments, func(i, j int) bool { return res.Installments[i].No < res.Installments[j].No })
	return res, nil
}

// Timeline reads a loan's timeline, oldest first.
func (st *LoanStore) Timeline(ctx context.Context, id string) ([]lending.TimelineEntry, error) {
	var outEntries []lending.TimelineEntry
	var start map[string]types.AttributeValue
	for {
		out, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(st.table),
			KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :tl)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(LoanPK(id)), ":tl": dynamoitem.S(timelinePrefix)},
			ConsistentRead:            aws.Bool(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("query timeline: %w", err)
		}
		for _, item := range out.Items {
			var it TimelineItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("decode timeline: %w", err)
			}
			outEntries = append(outEntries, it.Entry())
		}
		if len(out.LastEvaluatedKey) == 0 {
			return outEntries, nil
		}
		start = out.LastEvaluatedKey
	}
}

// ListByUser lists a customer's loans, newest first (gsi1 LOANS#<sub>).
func (st *LoanStore) ListByUser(ctx context.Context, userID string) ([]lending.Loan, error) {
	var loans []lending.Loan
	var start map[string]types.AttributeValue
	for {
		out, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(st.table),
			IndexName:                 aws.String(indexName),
			KeyConditionExpression:    aws.String("gsi1pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(loansIndexPK + userID)},
			ScanIndexForward:          aws.Bool(false),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("list loans: %w", err)
		}
		for _, item := range out.Items {
			l, err := decodeLoan(item)
			if err != nil {
				return nil, err
			}
			loans = append(loans, l.Loan)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return loans, nil
		}
		start = out.LastEvaluatedKey
	}
}

// LoansIndexPK is the gsi1 partition of a customer's loans, and LoanListKeys the attributes of
// its LastEvaluatedKey: an ExclusiveStartKey of LoansPage must have exactly these, with gsi1pk
// = LoansIndexPK(userID).
func LoansIndexPK(userID string) string { return loansIndexPK + userID }

// LoanListKeys: see LoansIndexPK.
var LoanListKeys = []string{"pk", "sk", "gsi1pk", "gsi1sk"}

// LoansPage is a page of a customer's loans, newest first (GET /api/v1/loans): one Query of
// gsi1 LOANS#<sub> with Limit, from ExclusiveStartKey start (nil: the first page), and the
// LastEvaluatedKey that continues it (nil on the last page).
func (st *LoanStore) LoansPage(ctx context.Context, userID string, limit int, start map[string]types.AttributeValue) ([]lending.Loan, map[string]types.AttributeValue, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(st.table), IndexName: aws.String(indexName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(LoansIndexPK(userID))},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)), ExclusiveStartKey: start,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list loans: %w", err)
	}
	loans := make([]lending.Loan, 0, len(out.Items))
	for _, item := range out.Items {
		l, err := decodeLoan(item)
		if err != nil {
			return nil, nil, err
		}
		loans = append(loans, l.Loan)
	}
	if len(out.LastEvaluatedKey) == 0 {
		return loans, nil, nil
	}
	return loans, out.LastEvaluatedKey, nil
}

// MaxTimelineVersion is the highest version a timeline entry's sort key can hold (TL#%06d).
const MaxTimelineVersion = 999999

// TimelinePage is a page of a loan's timeline, oldest first (GET /api/v1/loans/{id}/timeline):
// up to limit entries with a version above after (0: from the first), read consistently with
// one Query; next is the version the next page continues after (0 on the last page).
func (st *LoanStore) TimelinePage(ctx context.Context, id string, after int64, limit int) (entries []lending.TimelineEntry, next int64, err error) {
	if after < 0 || after >= MaxTimelineVersion {
		return nil, 0, fmt.Errorf("timeline of %s: no versions after %d", id, after)
	}
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(st.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(LoanPK(id)),
			":from": dynamoitem.S(timelineSK(after + 1)), ":to": dynamoitem.S(timelineSK(MaxTimelineVersion))},
		ConsistentRead: aws.Bool(true), Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, 0, fmt.Errorf("query timeline: %w", err)
	}
	entries = make([]lending.TimelineEntry, 0, len(out.Items))
	for _, item := range out.Items {
		var it TimelineItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, 0, fmt.Errorf("decode timeline: %w", err)
		}
		entries = append(entries, it.Entry())
	}
	if len(out.LastEvaluatedKey) > 0 && len(entries) > 0 {
		next = entries[len(entries)-1].Version
	}
	return entries, next, nil
}

// ReviewQueue lists the loans awaiting an approval decision (ASSESSED), oldest application
// first, a page at a time (Query on the sparse gsi2).
func (st *LoanStore) ReviewQueue(ctx context.Context, limit int, start map[string]types.AttributeValue) ([]lending.Loan, map[string]types.AttributeValue, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(st.table), IndexName: aws.String(reviewIndex),
		KeyConditionExpression:    aws.String("gsi2pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": dynamoitem.S(ReviewIndexPK)},
		ScanIndexForward:          aws.Bool(true), Limit: aws.Int32(int32(limit)), ExclusiveStartKey: start,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("query the approval queue: %w", err)
	}
	loans := make([]lending.Loan, 0, len(out.Items))
	for _, item := range out.Items {
		l, err := decodeLoan(item)
		if err != nil {
			return nil, nil, err
		}
		loans = append(loans, l.Loan)
	}
	return loans, out.LastEvaluatedKey, nil
}

// Decide turns the current loan into a change; it may run more than once.
type Decide func(Loaded) (lending.Change, error)

// Extra adds items to a transition's transaction (installments on disbursal, …). It gets the
// change decided and returns items plus the number of leading items it owns.
type Extra func(lending.Change) ([]types.TransactWriteItem, error)

// Transition reads the loan, decides the change and writes it with its timeline entry in one
// transaction conditional on the version read; a lost race re-reads and re-decides, bounded.
// A change into a terminal state releases the customer's open-loan slot in the same
// transaction; a final approval re-checks the customer's debt-to-income ratio in it
// (approvalGuard: 422 dti_exceeded, the loan unchanged).
func (st *LoanStore) Transition(ctx context.Context, id string, decide Decide, extra Extra) (lending.Change, error) {
	for attempt := 0; attempt < maxTransitionAttempts; attempt++ {
		cur, err := st.Get(ctx, id)
		if err != nil {
			return lending.Change{}, err
		}
		c, err := decide(cur)
		if err != nil {
			return lending.Change{}, err
		}
		items, err := st.transitionItems(cur, c)
		if err != nil {
			return lending.Change{}, err
		}
		if lending.IsFinalApproval(cur.Loan.State, c.Loan) {
			guard, err := st.approvalGuard(ctx, c.Loan, c.Entry.CorrelationID)
			if err != nil {
				return lending.Change{}, err
			}
			items = append(items, guard...)
		}
		if extra != nil {
			more, err := extra(c)
			if err != nil {
				return lending.Change{}, err
			}
			items = append(items, more...)
		}
		_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return c, nil
		}
		if !isConflict(err) {
			return lending.Change{}, fmt.Errorf("transition loan %s: %w", id, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return lending.Change{}, err
		}
	}
	return lending.Change{}, errs.Conflict(CodeConcurrentUpdate, "The loan is being changed by another request; retry.")
}

// transitionItems: the loan update (conditional on the version read; the settlement
// bookkeeping attributes rev and paidCount are left alone), the timeline entry, and
// the open-loan release for a terminal state.
func (st *LoanStore) transitionItems(cur Loaded, c lending.Change) ([]types.TransactWriteItem, error) {
	return st.transitionItemsWith(cur, c, "", "")
}

// transitionItemsWith adds extraSet ("a = :x") to the loan update's SET clause and add
// ("b :y") as its ADD clause; the caller supplies their values.
func (st *LoanStore) transitionItemsWith(cur Loaded, c lending.Change, extraSet, add string) ([]types.TransactWriteItem, error) {
	item, err := st.marshal(loanToItem(c.Loan, c.Entry.Actor, c.Entry.CorrelationID))
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	values := map[string]types.AttributeValue{":expected": dynamoitem.N(cur.Loan.Version)}
	var sets, removes []string
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "pk" || k == "sk" || k == "rev" || k == "paidCount" {
			continue
		}
		names["#"+k] = k
		values[":"+k] = item[k]
		sets = append(sets, "#"+k+" = :"+k)
	}
	for _, k := range []string{"grade", "annualRate", "emi", "dti", "recommendation", "approvals", "disbursedOn", "reason", "gsi2pk", "gsi2sk"} {
		if _, ok := item[k]; !ok {
			names["#"+k] = k
			removes = append(removes, "#"+k)
		}
	}
	if extraSet != "" {
		sets = append(sets, extraSet)
	}
	expr := "SET " + strings.Join(sets, ", ")
	if add != "" {
		expr += " ADD " + add
	}
	if len(removes) > 0 {
		expr += " REMOVE " + strings.Join(removes, ", ")
	}
	cond := "#version = :expected"
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(st.table), Key: loanKey(c.Loan.ID),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}
	tl, err := st.put(timelineToItem(c.Loan.ID, c.Entry), "attribute_not_exists(pk)")
	if err != nil {
		return nil, err
	}
	items = append(items, tl)
	if c.Loan.State.Terminal() && !cur.Loan.State.Terminal() {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                aws.String(st.table),
			Key:                      dynamoitem.Key(UserPK(c.Loan.UserID), countSK),
			UpdateExpression:         aws.String("SET correlationId = :corr ADD #open :minus DELETE loanIds :ids"),
			ConditionExpression:      aws.String("#open > :zero"),
			ExpressionAttributeNames: map[string]string{"#open": "open"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": dynamoitem.N(-1), ":zero": dynamoitem.N(0), ":corr": dynamoitem.S(c.Entry.CorrelationID),
				":ids": &types.AttributeValueMemberSS{Value: []string{c.Loan.ID}}},
		}})
	}
	return items, nil
}

// InstallmentPuts are the puts of a new schedule (deterministic keys, attribute_not_exists).
func (st *LoanStore) InstallmentPuts(l lending.Loan, plan lending.Plan, corr string) ([]types.TransactWriteItem, error) {
	out := make([]types.TransactWriteItem, 0, len(plan.Installments))
	for _, in := range plan.Installments {
		p, err := st.put(instToItem(l.ID, l.UserID, in, corr), "attribute_not_exists(pk)")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// DTIEMIs sums the EMIs of a customer's loans that count toward an assessment's debt-to-income
// ratio (ASSESSED, APPROVED and ACTIVE: lending.State.CountsTowardDTI), other than except (the
// loan being assessed), with strongly consistent reads: see openLoans. One GetItem and one
// BatchGetItem of at most lending.MaxOpenLoans keys.
func (st *LoanStore) DTIEMIs(ctx context.Context, userID, except string) (decimal.Decimal, error) {
	open, err := st.openLoans(ctx, userID)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return open.sum(except, lending.State.CountsTowardDTI), nil
}

// openSet is a customer's open loans as read for a debt-to-income ratio, with the DTI version
// of their open-loan item at the time of the read (0: never written).
type openSet struct {
	loans      []lending.Loan
	dtiVersion int64
}

func (o openSet) sum(except string, counts func(lending.State) bool) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range o.loans {
		if l.ID != except && counts(l.State) {
			sum = sum.Add(l.EMI)
		}
	}
	return sum
}

// openLoans reads a customer's open loans with strongly consistent reads: the open-loan counter
// item names them (a loan is added in the transaction that creates it and removed in the one
// that ends it), and the loans are read by key after it. A loan disbursed a moment ago
// therefore counts; a query on gsi1 (eventually consistent) could miss it. The counter item
// also carries dtiVersion, which every final approval moves (approvalGuard): reading it before
// the loans is what makes the approval re-check race-free.
func (st *LoanStore) openLoans(ctx context.Context, userID string) (openSet, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: dynamoitem.Key(UserPK(userID), countSK),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("loanIds, #open, #dtiVersion"),
		ExpressionAttributeNames: map[string]string{"#open": "open", "#dtiVersion": dtiVersionAttr}})
	if err != nil {
		return openSet{}, fmt.Errorf("read open loans: %w", err)
	}
	var set openSet
	if v, ok := out.Item[dtiVersionAttr].(*types.AttributeValueMemberN); ok {
		if _, err := fmt.Sscan(v.Value, &set.dtiVersion); err != nil {
			return openSet{}, fmt.Errorf("open loans: dtiVersion %q: %w", v.Value, err)
		}
	}
	ids, _ := out.Item["loanIds"].(*types.AttributeValueMemberSS)
	if ids == nil || len(ids.Value) == 0 {
		if open, ok := out.Item["open"].(*types.AttributeValueMemberN); ok && open.Value != "0" {
			// A counter written before it named its loans: fall back to the customer's loan
			// list (gsi1, eventually consistent) rather than count nothing.
			set.loans, err = st.ListByUser(ctx, userID)
			return set, err
		}
		return set, nil
	}
	keys := make([]map[string]types.AttributeValue, 0, len(ids.Value))
	for _, id := range ids.Value {
		keys = append(keys, loanKey(id))
	}
	req := map[string]types.KeysAndAttributes{st.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, min(attempt, 5)); err != nil {
				return openSet{}, err
			}
		}
		got, err := st.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return openSet{}, fmt.Errorf("read open loans: %w", err)
		}
		for _, item := range got.Responses[st.table] {
			l, err := decodeLoan(item)
			if err != nil {
				return openSet{}, err
			}
			set.loans = append(set.loans, l.Loan)
		}
		req = got.UnprocessedKeys
	}
	return set, nil
}

// dtiVersionAttr is the open-loan item's attribute that every final approval moves.
const dtiVersionAttr = "dtiVersion"

// approvalGuard is the debt-to-income re-check of a final approval of l (SPEC §1.3), and the
// items that make it hold at commit: it reads the customer's DTI version, then their open
// loans and income (all consistently), checks lending.RiskPolicy.CheckApproval, and returns
//   - an update of the open-loan item moving dtiVersion from the value read to the next,
//     conditional on that value: of two final approvals of one customer that read the same
//     loans, only one commits; the other's transaction is cancelled and Transition re-reads,
//     now seeing the first loan APPROVED;
//   - a condition check that the income read is still the profile's.
//
// Nothing else raises the committed total: a loan enters APPROVED only by a final approval,
// APPROVED → ACTIVE keeps its EMI, and every other move out lowers it.
func (st *LoanStore) approvalGuard(ctx context.Context, l lending.Loan, corr string) ([]types.TransactWriteItem, error) {
	open, err := st.openLoans(ctx, l.UserID)
	if err != nil {
		return nil, err
	}
	p, found, err := NewProfileStore(st.db, st.table).Get(ctx, l.UserID)
	if err != nil {
		return nil, err
	}
	var income *decimal.Decimal
	if found {
		income = p.MonthlyIncome
	}
	if err := st.policy.CheckApproval(income, open.sum(l.ID, lending.State.CommitsEMI), l.EMI); err != nil {
		return nil, err
	}
	cond := "attribute_not_exists(#v)"
	values := map[string]types.AttributeValue{":next": dynamoitem.N(open.dtiVersion + 1), ":corr": dynamoitem.S(corr)}
	if open.dtiVersion > 0 {
		cond = "#v = :read"
		values[":read"] = dynamoitem.N(open.dtiVersion)
	}
	return []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(st.table), Key: dynamoitem.Key(UserPK(l.UserID), countSK),
			UpdateExpression: aws.String("SET #v = :next, correlationId = :corr"), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: map[string]string{"#v": dtiVersionAttr}, ExpressionAttributeValues: values,
		}},
		{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(st.table), Key: profileKey(l.UserID),
			ConditionExpression:       aws.String("monthlyIncome = :income"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":income": dynamoitem.Number(income.StringFixed(2))},
		}},
	}, nil
}
