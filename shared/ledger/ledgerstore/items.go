package ledgerstore

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
	"holdfast/shared/platform/dynamoitem"
)

// Keys of the ledger's items in the LENDING table (docs/ledger.md, "Data model and keys").
const (
	accountPrefix   = "ACCT#"  // pk of an account's head, entries and digest anchors
	headSK          = "HEAD"   // sk of an account head (and of the digest head)
	entryPrefix     = "ENTRY#" // sk prefix of an entry: ENTRY#<seq, 20 digits>
	anchorPrefix    = "DIGEST#"
	txPrefix        = "LTX#" // pk of a transaction record
	txSK            = "LTX"
	digestPK        = "DIGEST"
	digestPrefix    = "D#" // sk prefix of a digest: D#<seq, 20 digits>
	headIndexPrefix = "LEDGER_HEADS#"
	// HeadIndexPartitions spreads the heads over this many gsi1 partitions, so that the index
	// the digest job reads never has one hot key. Fixed: changing it would hide heads.
	HeadIndexPartitions = 16
)

// Attribute names.
const (
	attrPK             = "pk"
	attrSK             = "sk"
	attrGSI1PK         = "gsi1pk"
	attrGSI1SK         = "gsi1sk"
	attrAccount        = "account"
	attrSeq            = "seq"
	attrBalance        = "balance"
	attrHash           = "hash"
	attrUpdatedAt      = "updatedAt"
	attrTxID           = "txId"
	attrDelta          = "delta"
	attrBalanceAfter   = "balanceAfter"
	attrAt             = "at"
	attrPrevHash       = "prevHash"
	attrTxHash         = "txHash"
	attrType           = "type"
	attrPostings       = "postings"
	attrFrom           = "from"
	attrTo             = "to"
	attrAmount         = "amount"
	attrMeta           = "meta"
	attrLoanID         = "loanId"
	attrInstallmentNo  = "installmentNo"
	attrCorrelationID  = "correlationId"
	attrActor          = "actor"
	attrIdempotencyKey = "idempotencyKey"
	attrEntries        = "entries"
	attrCommittedAt    = "committedAt"
	attrDigestSeq      = "digestSeq"
	attrSince          = "since"
	attrHeads          = "heads"
	attrHeadCount      = "headCount"
	attrIndexed        = "anchorsIndexedThrough"
	attrEntity         = "entity"
)

// Entity values: what an item is, in the table's shared `entity` attribute.
const (
	entityHead   = "LEDGER_HEAD"
	entityEntry  = "LEDGER_ENTRY"
	entityTx     = "LEDGER_TX"
	entityDigest = "LEDGER_DIGEST"
	entityAnchor = "LEDGER_ANCHOR"
	entityDState = "LEDGER_DIGEST_HEAD"
)

// amt and tm are the ledger's own forms of an amount and a time: the hashes are over them.
func amt(d decimal.Decimal) types.AttributeValue { return dynamoitem.Number(ledger.FormatAmount(d)) }
func tm(t time.Time) types.AttributeValue        { return dynamoitem.S(ledger.FormatTime(t)) }

func seq20(n uint64) string { return fmt.Sprintf("%020d", n) }

func headKey(a ledger.Account) map[string]types.AttributeValue {
	return dynamoitem.Key(accountPrefix+string(a), headSK)
}

func entryKey(a ledger.Account, seq uint64) map[string]types.AttributeValue {
	return dynamoitem.Key(accountPrefix+string(a), entryPrefix+seq20(seq))
}

func txKey(id string) map[string]types.AttributeValue { return dynamoitem.Key(txPrefix+id, txSK) }

func digestKey(seq uint64) map[string]types.AttributeValue {
	return dynamoitem.Key(digestPK, digestPrefix+seq20(seq))
}

func digestHeadKey() map[string]types.AttributeValue { return dynamoitem.Key(digestPK, headSK) }

// headIndexPK is the gsi1 partition of an account's head.
func headIndexPK(a ledger.Account) string {
	sum := sha256.Sum256([]byte(a))
	return headIndexPrefix + fmt.Sprintf("%02d", int(sum[0])%HeadIndexPartitions)
}

// headIndexSK orders a partition's heads by when they moved.
func headIndexSK(updatedAt time.Time, a ledger.Account) string {
	return ledger.FormatTime(updatedAt) + "#" + string(a)
}

// ---- reading attribute values

// itemReader is dynamoitem's reader with the ledger's time layout. An item that does not decode
// carries dynamoitem.ErrMalformed, which classify reads as permanent: retrying cannot help.
type itemReader struct{ *dynamoitem.Reader }

func newReader(item map[string]types.AttributeValue) itemReader {
	return itemReader{dynamoitem.NewReader(item)}
}

func (r itemReader) time(name string) time.Time {
	t, err := ledger.ParseTime(r.S(name))
	if err != nil {
		r.Fail(name, "is not a time in "+ledger.TimeLayout)
	}
	return t
}

// ---- heads

func headFromItem(item map[string]types.AttributeValue) (ledger.Head, error) {
	r := newReader(item)
	h := ledger.Head{
		Account:   ledger.Account(r.S(attrAccount)),
		Seq:       r.Uint(attrSeq),
		Balance:   r.Decimal(attrBalance),
		Hash:      r.S(attrHash),
		UpdatedAt: r.time(attrUpdatedAt),
	}
	if r.Err() != nil {
		return ledger.Head{}, fmt.Errorf("ledger head %s: %w", pkOf(item), r.Err())
	}
	return h, nil
}

// ---- entries

func entryItem(e ledger.Entry) map[string]types.AttributeValue {
	item := entryKey(e.Account, e.Seq)
	item[attrEntity] = dynamoitem.S(entityEntry)
	item[attrAccount] = dynamoitem.S(string(e.Account))
	item[attrSeq] = dynamoitem.N(e.Seq)
	item[attrTxID] = dynamoitem.S(e.TxID)
	item[attrDelta] = amt(e.Delta)
	item[attrBalanceAfter] = amt(e.BalanceAfter)
	item[attrAt] = tm(e.At)
	item[attrPrevHash] = dynamoitem.S(e.PrevHash)
	item[attrTxHash] = dynamoitem.S(e.TxHash)
	item[attrHash] = dynamoitem.S(e.Hash)
	return item
}

func entryFromItem(item map[string]types.AttributeValue) (ledger.Entry, error) {
	r := newReader(item)
	e := ledger.Entry{
		Account:      ledger.Account(r.S(attrAccount)),
		Seq:          r.Uint(attrSeq),
		TxID:         r.S(attrTxID),
		Delta:        r.Decimal(attrDelta),
		BalanceAfter: r.Decimal(attrBalanceAfter),
		At:           r.time(attrAt),
		PrevHash:     r.S(attrPrevHash),
		TxHash:       r.S(attrTxHash),
		Hash:         r.S(attrHash),
	}
	if r.Err() != nil {
		return ledger.Entry{}, fmt.Errorf("ledger entry %s/%s: %w", pkOf(item), skOf(item), r.Err())
	}
	return e, nil
}

// ---- transactions

// StoredTransaction is a committed transaction as its record holds it.
type StoredTransaction struct {
	Tx          ledger.Transaction
	Hash        string
	Entries     []ledger.EntryRef // where each account's entry landed, in account order
	CommittedAt time.Time         // the writer's clock at commit
}

func txItem(tx ledger.Transaction, hash string, entries []ledger.Entry, committedAt time.Time) map[string]types.AttributeValue {
	item := txKey(tx.ID)
	postings := make([]types.AttributeValue, len(tx.Postings))
	for i, p := range tx.Postings {
		postings[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			attrFrom: dynamoitem.S(string(p.From)), attrTo: dynamoitem.S(string(p.To)), attrAmount: amt(p.Amount),
		}}
	}
	meta := map[string]types.AttributeValue{
		attrCorrelationID: dynamoitem.S(tx.Meta.CorrelationID),
		attrActor:         dynamoitem.S(tx.Meta.Actor),
	}
	if tx.Meta.LoanID != "" {
		meta[attrLoanID] = dynamoitem.S(tx.Meta.LoanID)
	}
	if tx.Meta.InstallmentNo != 0 {
		meta[attrInstallmentNo] = dynamoitem.N(tx.Meta.InstallmentNo)
	}
	if tx.Meta.IdempotencyKey != "" {
		meta[attrIdempotencyKey] = dynamoitem.S(tx.Meta.IdempotencyKey)
	}
	refs := make([]types.AttributeValue, len(entries))
	for i, e := range entries {
		refs[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			attrAccount: dynamoitem.S(string(e.Account)), attrSeq: dynamoitem.N(e.Seq), attrBalanceAfter: amt(e.BalanceAfter), attrHash: dynamoitem.S(e.Hash),
		}}
	}
	item[attrEntity] = dynamoitem.S(entityTx)
	item[attrTxID] = dynamoitem.S(tx.ID)
	item[attrType] = dynamoitem.S(string(tx.Type))
	item[attrAt] = tm(tx.At)
	item[attrPostings] = &types.AttributeValueMemberL{Value: postings}
	item[attrMeta] = &types.AttributeValueMemberM{Value: meta}
	// Top level too: the stream relay takes an item's correlation ID from here.
	item[attrCorrelationID] = dynamoitem.S(tx.Meta.CorrelationID)
	item[attrHash] = dynamoitem.S(hash)
	item[attrEntries] = &types.AttributeValueMemberL{Value: refs}
	item[attrCommittedAt] = tm(committedAt)
	return item
}

func txFromItem(item map[string]types.AttributeValue) (StoredTransaction, error) {
	r := newReader(item)
	st := StoredTransaction{
		Tx: ledger.Transaction{
			ID:   r.S(attrTxID),
			Type: ledger.TxType(r.S(attrType)),
			At:   r.time(attrAt),
		},
		Hash:        r.S(attrHash),
		CommittedAt: r.time(attrCommittedAt),
	}
	if list, ok := item[attrPostings].(*types.AttributeValueMemberL); ok {
		for _, v := range list.Value {
			m, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				r.Fail(attrPostings, "holds a non-map")
				break
			}
			pr := newReader(m.Value)
			st.Tx.Postings = append(st.Tx.Postings, ledger.Posting{
				From:   ledger.Account(pr.S(attrFrom)),
				To:     ledger.Account(pr.S(attrTo)),
				Amount: pr.Decimal(attrAmount),
			})
			if pr.Err() != nil {
				r.Fail(attrPostings, pr.Err().Error())
			}
		}
	} else {
		r.Fail(attrPostings, "is missing or not a list")
	}
	if m, ok := item[attrMeta].(*types.AttributeValueMemberM); ok {
		mr := newReader(m.Value)
		st.Tx.Meta = ledger.Meta{
			LoanID:         mr.OptS(attrLoanID),
			CorrelationID:  mr.S(attrCorrelationID),
			Actor:          mr.S(attrActor),
			IdempotencyKey: mr.OptS(attrIdempotencyKey),
		}
		if mr.Has(attrInstallmentNo) {
			st.Tx.Meta.InstallmentNo = int(mr.Int(attrInstallmentNo))
		}
		if mr.Err() != nil {
			r.Fail(attrMeta, mr.Err().Error())
		}
	} else {
		r.Fail(attrMeta, "is missing or not a map")
	}
	if list, ok := item[attrEntries].(*types.AttributeValueMemberL); ok {
		for _, v := range list.Value {
			m, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				r.Fail(attrEntries, "holds a non-map")
				break
			}
			er := newReader(m.Value)
			st.Entries = append(st.Entries, ledger.EntryRef{
				Account:      ledger.Account(er.S(attrAccount)),
				Seq:          er.Uint(attrSeq),
				BalanceAfter: er.Decimal(attrBalanceAfter),
				Hash:         er.S(attrHash),
			})
			if er.Err() != nil {
				r.Fail(attrEntries, er.Err().Error())
			}
		}
	}
	if r.Err() != nil {
		return StoredTransaction{}, fmt.Errorf("ledger transaction %s: %w", pkOf(item), r.Err())
	}
	return st, nil
}

// ---- digests

func digestItem(d ledger.Digest) map[string]types.AttributeValue {
	item := digestKey(d.Seq)
	item[attrEntity] = dynamoitem.S(entityDigest)
	item[attrSeq] = dynamoitem.N(d.Seq)
	item[attrPrevHash] = dynamoitem.S(d.PrevHash)
	item[attrHash] = dynamoitem.S(d.Hash)
	item[attrAt] = tm(d.At)
	item[attrSince] = tm(d.Since)
	item[attrHeadCount] = dynamoitem.N(uint64(len(d.Heads)))
	item[attrHeads] = dynamoitem.S(string(ledger.AppendDigestHeadLines(nil, d.Heads)))
	return item
}

func digestFromItem(item map[string]types.AttributeValue) (ledger.Digest, error) {
	r := newReader(item)
	d := ledger.Digest{
		Seq:      r.Uint(attrSeq),
		PrevHash: r.S(attrPrevHash),
		Hash:     r.S(attrHash),
		At:       r.time(attrAt),
		Since:    r.time(attrSince),
	}
	body := r.OptS(attrHeads)
	if r.Err() != nil {
		return ledger.Digest{}, fmt.Errorf("ledger digest %s: %w", skOf(item), r.Err())
	}
	heads, err := ledger.ParseDigestHeadLines(body)
	if err != nil {
		return ledger.Digest{}, fmt.Errorf("ledger digest %s: %w: %w", skOf(item), dynamoitem.ErrMalformed, err)
	}
	d.Heads = heads
	return d, nil
}

func anchorItem(a ledger.Anchor) map[string]types.AttributeValue {
	item := dynamoitem.Key(accountPrefix+string(a.Account), anchorPrefix+seq20(a.DigestSeq))
	item[attrEntity] = dynamoitem.S(entityAnchor)
	item[attrAccount] = dynamoitem.S(string(a.Account))
	item[attrDigestSeq] = dynamoitem.N(a.DigestSeq)
	item[attrSeq] = dynamoitem.N(a.Seq)
	item[attrHash] = dynamoitem.S(a.Hash)
	return item
}

func anchorFromItem(item map[string]types.AttributeValue) (ledger.Anchor, error) {
	r := newReader(item)
	a := ledger.Anchor{
		Account:   ledger.Account(r.S(attrAccount)),
		DigestSeq: r.Uint(attrDigestSeq),
		Seq:       r.Uint(attrSeq),
		Hash:      r.S(attrHash),
	}
	if r.Err() != nil {
		return ledger.Anchor{}, fmt.Errorf("ledger anchor %s/%s: %w", pkOf(item), skOf(item), r.Err())
	}
	return a, nil
}

func pkOf(item map[string]types.AttributeValue) string {
	if v, ok := item[attrPK].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return "?"
}

func skOf(item map[string]types.AttributeValue) string {
	if v, ok := item[attrSK].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return "?"
}

// accountOfPK is the account an ACCT# partition key names.
func accountOfPK(pk string) (ledger.Account, bool) {
	rest, ok := strings.CutPrefix(pk, accountPrefix)
	return ledger.Account(rest), ok
}
