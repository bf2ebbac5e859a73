package ledgerstore

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"holdfast/shared/ledger"
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

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func avN(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func avU(v uint64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatUint(v, 10)}
}
func amt(d decimal.Decimal) types.AttributeValue { return avN(ledger.FormatAmount(d)) }
func tm(t time.Time) types.AttributeValue        { return avS(ledger.FormatTime(t)) }

func seq20(n uint64) string { return fmt.Sprintf("%020d", n) }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(pk), attrSK: avS(sk)}
}

func headKey(a ledger.Account) map[string]types.AttributeValue {
	return key(accountPrefix+string(a), headSK)
}

func entryKey(a ledger.Account, seq uint64) map[string]types.AttributeValue {
	return key(accountPrefix+string(a), entryPrefix+seq20(seq))
}

func txKey(id string) map[string]types.AttributeValue { return key(txPrefix+id, txSK) }

func digestKey(seq uint64) map[string]types.AttributeValue {
	return key(digestPK, digestPrefix+seq20(seq))
}

func digestHeadKey() map[string]types.AttributeValue { return key(digestPK, headSK) }

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

type itemReader struct {
	item map[string]types.AttributeValue
	err  error
}

// errCorruptItem marks an item that does not decode: retrying cannot help.
var errCorruptItem = errors.New("ledger item does not decode")

func (r *itemReader) fail(name, problem string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: attribute %q %s", errCorruptItem, name, problem)
	}
}

func (r *itemReader) str(name string) string {
	v, ok := r.item[name].(*types.AttributeValueMemberS)
	if !ok {
		r.fail(name, "is missing or not a string")
		return ""
	}
	return v.Value
}

func (r *itemReader) optStr(name string) string {
	if _, ok := r.item[name]; !ok {
		return ""
	}
	return r.str(name)
}

func (r *itemReader) num(name string) string {
	v, ok := r.item[name].(*types.AttributeValueMemberN)
	if !ok {
		r.fail(name, "is missing or not a number")
		return "0"
	}
	return v.Value
}

func (r *itemReader) uint(name string) uint64 {
	v, err := strconv.ParseUint(r.num(name), 10, 64)
	if err != nil {
		r.fail(name, "is not an unsigned integer")
	}
	return v
}

func (r *itemReader) dec(name string) decimal.Decimal {
	d, err := decimal.NewFromString(r.num(name))
	if err != nil {
		r.fail(name, "is not a decimal")
	}
	return d
}

func (r *itemReader) time(name string) time.Time {
	t, err := ledger.ParseTime(r.str(name))
	if err != nil && r.err == nil {
		r.fail(name, "is not a time in "+ledger.TimeLayout)
	}
	return t
}

// ---- heads

func headFromItem(item map[string]types.AttributeValue) (ledger.Head, error) {
	r := itemReader{item: item}
	h := ledger.Head{
		Account:   ledger.Account(r.str(attrAccount)),
		Seq:       r.uint(attrSeq),
		Balance:   r.dec(attrBalance),
		Hash:      r.str(attrHash),
		UpdatedAt: r.time(attrUpdatedAt),
	}
	if r.err != nil {
		return ledger.Head{}, fmt.Errorf("ledger head %s: %w", pkOf(item), r.err)
	}
	return h, nil
}

// ---- entries

func entryItem(e ledger.Entry) map[string]types.AttributeValue {
	item := entryKey(e.Account, e.Seq)
	item[attrEntity] = avS(entityEntry)
	item[attrAccount] = avS(string(e.Account))
	item[attrSeq] = avU(e.Seq)
	item[attrTxID] = avS(e.TxID)
	item[attrDelta] = amt(e.Delta)
	item[attrBalanceAfter] = amt(e.BalanceAfter)
	item[attrAt] = tm(e.At)
	item[attrPrevHash] = avS(e.PrevHash)
	item[attrTxHash] = avS(e.TxHash)
	item[attrHash] = avS(e.Hash)
	return item
}

func entryFromItem(item map[string]types.AttributeValue) (ledger.Entry, error) {
	r := itemReader{item: item}
	e := ledger.Entry{
		Account:      ledger.Account(r.str(attrAccount)),
		Seq:          r.uint(attrSeq),
		TxID:         r.str(attrTxID),
		Delta:        r.dec(attrDelta),
		BalanceAfter: r.dec(attrBalanceAfter),
		At:           r.time(attrAt),
		PrevHash:     r.str(attrPrevHash),
		TxHash:       r.str(attrTxHash),
		Hash:         r.str(attrHash),
	}
	if r.err != nil {
		return ledger.Entry{}, fmt.Errorf("ledger entry %s/%s: %w", pkOf(item), skOf(item), r.err)
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
			attrFrom: avS(string(p.From)), attrTo: avS(string(p.To)), attrAmount: amt(p.Amount),
		}}
	}
	meta := map[string]types.AttributeValue{
		attrCorrelationID: avS(tx.Meta.CorrelationID),
		attrActor:         avS(tx.Meta.Actor),
	}
	if tx.Meta.LoanID != "" {
		meta[attrLoanID] = avS(tx.Meta.LoanID)
	}
	if tx.Meta.InstallmentNo != 0 {
		meta[attrInstallmentNo] = avN(strconv.Itoa(tx.Meta.InstallmentNo))
	}
	if tx.Meta.IdempotencyKey != "" {
		meta[attrIdempotencyKey] = avS(tx.Meta.IdempotencyKey)
	}
	refs := make([]types.AttributeValue, len(entries))
	for i, e := range entries {
		refs[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			attrAccount: avS(string(e.Account)), attrSeq: avU(e.Seq), attrBalanceAfter: amt(e.BalanceAfter), attrHash: avS(e.Hash),
		}}
	}
	item[attrEntity] = avS(entityTx)
	item[attrTxID] = avS(tx.ID)
	item[attrType] = avS(string(tx.Type))
	item[attrAt] = tm(tx.At)
	item[attrPostings] = &types.AttributeValueMemberL{Value: postings}
	item[attrMeta] = &types.AttributeValueMemberM{Value: meta}
	// Top level too: the stream relay takes an item's correlation ID from here.
	item[attrCorrelationID] = avS(tx.Meta.CorrelationID)
	item[attrHash] = avS(hash)
	item[attrEntries] = &types.AttributeValueMemberL{Value: refs}
	item[attrCommittedAt] = tm(committedAt)
	return item
}

func txFromItem(item map[string]types.AttributeValue) (StoredTransaction, error) {
	r := itemReader{item: item}
	st := StoredTransaction{
		Tx: ledger.Transaction{
			ID:   r.str(attrTxID),
			Type: ledger.TxType(r.str(attrType)),
			At:   r.time(attrAt),
		},
		Hash:        r.str(attrHash),
		CommittedAt: r.time(attrCommittedAt),
	}
	if list, ok := item[attrPostings].(*types.AttributeValueMemberL); ok {
		for _, v := range list.Value {
			m, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				r.fail(attrPostings, "holds a non-map")
				break
			}
			pr := itemReader{item: m.Value}
			st.Tx.Postings = append(st.Tx.Postings, ledger.Posting{
				From:   ledger.Account(pr.str(attrFrom)),
				To:     ledger.Account(pr.str(attrTo)),
				Amount: pr.dec(attrAmount),
			})
			if pr.err != nil {
				r.fail(attrPostings, pr.err.Error())
			}
		}
	} else {
		r.fail(attrPostings, "is missing or not a list")
	}
	if m, ok := item[attrMeta].(*types.AttributeValueMemberM); ok {
		mr := itemReader{item: m.Value}
		st.Tx.Meta = ledger.Meta{
			LoanID:         mr.optStr(attrLoanID),
			CorrelationID:  mr.str(attrCorrelationID),
			Actor:          mr.str(attrActor),
			IdempotencyKey: mr.optStr(attrIdempotencyKey),
		}
		if _, ok := m.Value[attrInstallmentNo]; ok {
			no, err := strconv.Atoi(mr.num(attrInstallmentNo))
			if err != nil {
				mr.fail(attrInstallmentNo, "is not an integer")
			}
			st.Tx.Meta.InstallmentNo = no
		}
		if mr.err != nil {
			r.fail(attrMeta, mr.err.Error())
		}
	} else {
		r.fail(attrMeta, "is missing or not a map")
	}
	if list, ok := item[attrEntries].(*types.AttributeValueMemberL); ok {
		for _, v := range list.Value {
			m, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				r.fail(attrEntries, "holds a non-map")
				break
			}
			er := itemReader{item: m.Value}
			st.Entries = append(st.Entries, ledger.EntryRef{
				Account:      ledger.Account(er.str(attrAccount)),
				Seq:          er.uint(attrSeq),
				BalanceAfter: er.dec(attrBalanceAfter),
				Hash:         er.str(attrHash),
			})
			if er.err != nil {
				r.fail(attrEntries, er.err.Error())
			}
		}
	}
	if r.err != nil {
		return StoredTransaction{}, fmt.Errorf("ledger transaction %s: %w", pkOf(item), r.err)
	}
	return st, nil
}

// ---- digests

func digestItem(d ledger.Digest) map[string]types.AttributeValue {
	item := digestKey(d.Seq)
	item[attrEntity] = avS(entityDigest)
	item[attrSeq] = avU(d.Seq)
	item[attrPrevHash] = avS(d.PrevHash)
	item[attrHash] = avS(d.Hash)
	item[attrAt] = tm(d.At)
	item[attrSince] = tm(d.Since)
	item[attrHeadCount] = avU(uint64(len(d.Heads)))
	item[attrHeads] = avS(string(ledger.AppendDigestHeadLines(nil, d.Heads)))
	return item
}

func digestFromItem(item map[string]types.AttributeValue) (ledger.Digest, error) {
	r := itemReader{item: item}
	d := ledger.Digest{
		Seq:      r.uint(attrSeq),
		PrevHash: r.str(attrPrevHash),
		Hash:     r.str(attrHash),
		At:       r.time(attrAt),
		Since:    r.time(attrSince),
	}
	body := r.optStr(attrHeads)
	if r.err != nil {
		return ledger.Digest{}, fmt.Errorf("ledger digest %s: %w", skOf(item), r.err)
	}
	heads, err := ledger.ParseDigestHeadLines(body)
	if err != nil {
		return ledger.Digest{}, fmt.Errorf("ledger digest %s: %w: %w", skOf(item), errCorruptItem, err)
	}
	d.Heads = heads
	return d, nil
}

func anchorItem(a ledger.Anchor) map[string]types.AttributeValue {
	item := key(accountPrefix+string(a.Account), anchorPrefix+seq20(a.DigestSeq))
	item[attrEntity] = avS(entityAnchor)
	item[attrAccount] = avS(string(a.Account))
	item[attrDigestSeq] = avU(a.DigestSeq)
	item[attrSeq] = avU(a.Seq)
	item[attrHash] = avS(a.Hash)
	return item
}

func anchorFromItem(item map[string]types.AttributeValue) (ledger.Anchor, error) {
	r := itemReader{item: item}
	a := ledger.Anchor{
		Account:   ledger.Account(r.str(attrAccount)),
		DigestSeq: r.uint(attrDigestSeq),
		Seq:       r.uint(attrSeq),
		Hash:      r.str(attrHash),
	}
	if r.err != nil {
		return ledger.Anchor{}, fmt.Errorf("ledger anchor %s/%s: %w", pkOf(item), skOf(item), r.err)
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
