package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// Problem codes a Verification's Problem may hold.
const (
	ProblemWrongAccount      = "wrong_account"       // an entry of another account in this chain
	ProblemSeqGap            = "seq_gap"             // an entry is missing
	ProblemSeqOrder          = "seq_out_of_order"    // a seq repeats or goes back
	ProblemBrokenLink        = "broken_link"         // prevHash is not the previous entry's hash
	ProblemHashMismatch      = "hash_mismatch"       // the entry's fields do not hash to its hash
	ProblemBadAmount         = "bad_amount"          // an amount with more than 2 decimal places
	ProblemBalanceMismatch   = "balance_mismatch"    // balanceAfter ≠ previous balance + delta
	ProblemNegativeBalance   = "negative_balance"    // a wallet below zero
	ProblemTxMissing         = "tx_missing"          // no transaction record for the entry
	ProblemTxInvalid         = "tx_invalid"          // the transaction record breaks the rules
	ProblemTxHashMismatch    = "tx_hash_mismatch"    // the record does not hash to the entry's txHash
	ProblemTxDeltaMismatch   = "tx_delta_mismatch"   // the record's postings give another delta
	ProblemTxTimeMismatch    = "tx_time_mismatch"    // the record's time is not the entry's
	ProblemDigestMismatch    = "digest_mismatch"     // a digest recorded another hash at this seq
	ProblemDigestBeyondChain = "digest_beyond_chain" // a digest recorded a seq the chain lacks
	ProblemHeadBeyondChain   = "head_beyond_chain"   // the head is ahead of the last entry
	ProblemEntriesBeyondHead = "entries_beyond_head" // entries exist past the head
	ProblemHeadMismatch      = "head_mismatch"       // the head's hash or balance is not the last entry's
	ProblemUndecodable       = "undecodable_entry"   // a stored entry cannot be read as an entry
)

// Verification is the outcome of verifying one account's chain (the body of
// GET /api/v1/ledger/accounts/{id}/verify).
//
// FirstInvalidSeq is the lowest seq the verifier cannot vouch for. For a broken link, a bad
// hash, a wrong balance or an entry that contradicts its transaction record it is that entry's
// seq; for a missing entry it is the missing seq. A chain rewritten wholesale — every hash
// recomputed, and the transaction records rewritten to match — is consistent in itself and is
// caught only by a digest taken before the rewrite: then FirstInvalidSeq is the seq after the
// last digest anchor that still matches (1 when none does), because every entry after that
// anchor may have been rewritten. That is exact when the rewrite starts right after an anchor
// or at the start of the chain.
type Verification struct {
	Account         Account `json:"account"`
	Valid           bool    `json:"valid"`
	Entries         uint64  `json:"entries"`
	HeadSeq         uint64  `json:"headSeq"`
	HeadHash        string  `json:"headHash"`
	FirstInvalidSeq *uint64 `json:"firstInvalidSeq"`
	Reason          string  `json:"reason,omitempty"`
	Problem         string  `json:"problem,omitempty"`
	// AnchorsChecked counts the digest anchors the chain was held against.
	AnchorsChecked int `json:"anchorsChecked"`
}

// Anchor is what a digest recorded about one account: its head was at Seq with Hash.
type Anchor struct {
	DigestSeq uint64
	Account   Account
	Seq       uint64
	Hash      string
}

// ChainVerifier checks one account's chain entry by entry, in seq order, without holding the
// chain in memory: feed it every entry with Add (or AddWithTransaction), then ask for Result.
type ChainVerifier struct {
	account Account
	anchors []Anchor
	next    int // index of the next anchor to check

	expect   uint64 // the seq the next entry must have
	prevHash string
	balC     int64 // running balance in hundredths while it fits (fast)
	bal      decimal.Decimal
	fast     bool
	entries  uint64
	lastSeq  uint64

	lastMatchedAnchor uint64
	checkedAnchors    int

	fail *failure
	buf  []byte
}

type failure struct {
	seq     uint64
	problem string
	reason  string
}

// NewChainVerifier starts verifying account's chain against the given digest anchors (those of
// other accounts are ignored).
func NewChainVerifier(account Account, anchors []Anchor) *ChainVerifier {
	own := make([]Anchor, 0, len(anchors))
	for _, a := range anchors {
		if a.Account == account {
			own = append(own, a)
		}
	}
	slices.SortStableFunc(own, func(a, b Anchor) int {
		switch {
		case a.Seq != b.Seq:
			return cmpUint(a.Seq, b.Seq)
		default:
			return cmpUint(a.DigestSeq, b.DigestSeq)
		}
	})
	return &ChainVerifier{
		account:  account,
		anchors:  own,
		expect:   1,
		prevHash: GenesisHash,
		fast:     true,
		buf:      make([]byte, 0, 512),
	}
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Valid reports whether every entry so far verified.
func (v *ChainVerifier) Valid() bool { return v.fail == nil }

func (v *ChainVerifier) failAt(seq uint64, problem, format string, args ...any) bool {
	if v.fail == nil {
		v.fail = &failure{seq: seq, problem: problem, reason: fmt.Sprintf(format, args...)}
	}
	return false
}

// Undecodable records that the stored entry with this seq cannot be read as an entry at all
// (an attribute missing or of the wrong type): the chain is invalid from there.
func (v *ChainVerifier) Undecodable(seq uint64, reason string) {
	v.entries++
	v.failAt(min(seq, v.expect), ProblemUndecodable, "entry %d cannot be read: %s", seq, reason)
}

// Add checks the next entry of the chain on its own: its seq, its link to the previous entry,
// its hash, its running balance and, for a wallet, that the balance stays at or above zero. It
// returns false once the chain is known to be invalid; further entries are then only counted.
func (v *ChainVerifier) Add(e Entry) bool {
	v.entries++
	if v.fail != nil {
		return false
	}
	switch {
	case e.Account != v.account:
		return v.failAt(e.Seq, ProblemWrongAccount, "entry %d belongs to %s", e.Seq, e.Account)
	case e.Seq > v.expect:
		return v.failAt(v.expect, ProblemSeqGap, "entry %d is missing (the next entry has seq %d)", v.expect, e.Seq)
	case e.Seq < v.expect:
		return v.failAt(e.Seq, ProblemSeqOrder, "entry %d appears again after entry %d", e.Seq, v.expect-1)
	case e.PrevHash != v.prevHash:
		return v.failAt(e.Seq, ProblemBrokenLink, "entry %d does not link to entry %d's hash", e.Seq, e.Seq-1)
	}
	v.buf = AppendEntryPreimage(v.buf[:0], e)
	sum := sha256.Sum256(v.buf)
	var hexSum [64]byte
	hex.Encode(hexSum[:], sum[:])
	if string(hexSum[:]) != e.Hash {
		return v.failAt(e.Seq, ProblemHashMismatch, "entry %d's fields do not hash to its hash", e.Seq)
	}
	if !v.addBalance(e) {
		return false
	}
	for v.next < len(v.anchors) && v.anchors[v.next].Seq < e.Seq { // only a (meaningless) seq 0
		v.next++
	}
	for v.next < len(v.anchors) && v.anchors[v.next].Seq == e.Seq {
		a := v.anchors[v.next]
		v.next++
		v.checkedAnchors++
		if a.Hash != e.Hash {
			first := v.lastMatchedAnchor + 1
			return v.failAt(first, ProblemDigestMismatch,
				"digest %d recorded another hash for entry %d: the chain was rewritten after seq %d (the last digest anchor that matches)",
				a.DigestSeq, e.Seq, v.lastMatchedAnchor)
		}
		v.lastMatchedAnchor = e.Seq
	}
	v.expect = e.Seq + 1
	v.prevHash = e.Hash
	v.lastSeq = e.Seq
	return true
}

// addBalance checks balanceAfter = previous balance + delta (in hundredths while the values
// fit an int64, in decimals otherwise) and the no-negative rule.
func (v *ChainVerifier) addBalance(e Entry) bool {
	dc, okD := cents(e.Delta)
	ac, okA := cents(e.BalanceAfter)
	if v.fast && okD && okA {
		if v.balC+dc != ac {
			return v.failAt(e.Seq, ProblemBalanceMismatch, "entry %d: balance %s + delta %s is not balanceAfter %s",
				e.Seq, FormatAmount(centsDecimal(v.balC)), FormatAmount(e.Delta), FormatAmount(e.BalanceAfter))
		}
		if ac < 0 && !v.account.MayGoNegative() {
			return v.failAt(e.Seq, ProblemNegativeBalance, "entry %d leaves the wallet at %s", e.Seq, FormatAmount(e.BalanceAfter))
		}
		v.balC = ac
		return true
	}
	if !exact2(e.Delta) || !exact2(e.BalanceAfter) {
		return v.failAt(e.Seq, ProblemBadAmount, "entry %d has an amount with more than 2 decimal places", e.Seq)
	}
	prev := v.bal
	if v.fast {
		prev = centsDecimal(v.balC)
	}
	want := prev.Add(e.Delta)
	if !want.Equal(e.BalanceAfter) {
		return v.failAt(e.Seq, ProblemBalanceMismatch, "entry %d: balance %s + delta %s is not balanceAfter %s",
			e.Seq, FormatAmount(prev), FormatAmount(e.Delta), FormatAmount(e.BalanceAfter))
	}
	if e.BalanceAfter.IsNegative() && !v.account.MayGoNegative() {
		return v.failAt(e.Seq, ProblemNegativeBalance, "entry %d leaves the wallet at %s", e.Seq, FormatAmount(e.BalanceAfter))
	}
	if c, ok := cents(e.BalanceAfter); ok {
		v.balC, v.fast = c, true
	} else {
		v.bal, v.fast = e.BalanceAfter, false
	}
	return true
}

func exact2(d decimal.Decimal) bool { return d.Exponent() >= -2 || d.Equal(d.Round(2)) }

// AddWithTransaction is Add, and then holds the entry against the transaction record it names:
// the record must exist (tx != nil), be valid, hash to the entry's txHash, give this account
// the entry's delta, and carry the entry's time.
func (v *ChainVerifier) AddWithTransaction(e Entry, tx *Transaction) bool {
	if !v.Add(e) {
		return false
	}
	if problem, reason := checkAgainstTx(e, tx); problem != "" {
		return v.failAt(e.Seq, problem, "entry %d: %s", e.Seq, reason)
	}
	return true
}

// checkAgainstTx says how entry e contradicts its transaction record, if it does.
func checkAgainstTx(e Entry, tx *Transaction) (problem, reason string) {
	if tx == nil || tx.ID != e.TxID {
		return ProblemTxMissing, fmt.Sprintf("transaction %s is not in the ledger", e.TxID)
	}
	if err := tx.Validate(); err != nil {
		return ProblemTxInvalid, fmt.Sprintf("transaction %s is not valid: %v", e.TxID, err)
	}
	if TxHash(*tx) != e.TxHash {
		return ProblemTxHashMismatch, fmt.Sprintf("transaction %s does not hash to the entry's txHash", e.TxID)
	}
	var found bool
	var delta decimal.Decimal
	for _, d := range tx.Deltas() {
		if d.Account == e.Account {
			found, delta = true, d.Amount
			break
		}
	}
	if !found {
		return ProblemTxDeltaMismatch, fmt.Sprintf("transaction %s does not touch %s", e.TxID, e.Account)
	}
	if !delta.Equal(e.Delta) {
		return ProblemTxDeltaMismatch, fmt.Sprintf("transaction %s moves %s on this account, the entry says %s",
			e.TxID, FormatAmount(delta), FormatAmount(e.Delta))
	}
	if FormatTime(tx.At) != FormatTime(e.At) {
		return ProblemTxTimeMismatch, fmt.Sprintf("transaction %s is dated %s, the entry %s", e.TxID, FormatTime(tx.At), FormatTime(e.At))
	}
	return "", ""
}

// Result finishes the verification, holding the chain against its stored head when one is given
// (nil: the head is taken to be the last entry) and against digest anchors beyond the last entry.
func (v *ChainVerifier) Result(head *Head) Verification {
	r := Verification{Account: v.account, Entries: v.entries, AnchorsChecked: v.checkedAnchors}
	if head != nil {
		r.HeadSeq, r.HeadHash = head.Seq, head.Hash
	} else {
		r.HeadSeq, r.HeadHash = v.lastSeq, v.prevHash
	}
	if v.fail == nil && v.next < len(v.anchors) {
		a := v.anchors[v.next]
		v.failAt(v.lastSeq+1, ProblemDigestBeyondChain, "digest %d recorded entry %d, but the chain ends at seq %d",
			a.DigestSeq, a.Seq, v.lastSeq)
	}
	if v.fail == nil && head != nil {
		switch {
		case head.Account != "" && head.Account != v.account:
			v.failAt(max(head.Seq, 1), ProblemHeadMismatch, "the head belongs to %s", head.Account)
		case head.Seq > v.lastSeq:
			v.failAt(v.lastSeq+1, ProblemHeadBeyondChain, "the head is at seq %d but the chain ends at seq %d", head.Seq, v.lastSeq)
		case head.Seq < v.lastSeq:
			v.failAt(head.Seq+1, ProblemEntriesBeyondHead, "the chain has entries up to seq %d beyond the head at seq %d", v.lastSeq, head.Seq)
		case head.Hash != v.prevHash:
			v.failAt(max(head.Seq, 1), ProblemHeadMismatch, "the head's hash is not entry %d's hash", head.Seq)
		case !head.Balance.Equal(v.balance()):
			v.failAt(max(head.Seq, 1), ProblemHeadMismatch, "the head's balance %s is not entry %d's balance %s",
				FormatAmount(head.Balance), head.Seq, FormatAmount(v.balance()))
		}
	}
	if v.fail != nil {
		seq := v.fail.seq
		r.FirstInvalidSeq = &seq
		r.Reason, r.Problem = v.fail.reason, v.fail.problem
		return r
	}
	r.Valid = true
	return r
}

func (v *ChainVerifier) balance() decimal.Decimal {
	if v.fast {
		return centsDecimal(v.balC)
	}
	return v.bal
}

// Balance is the running balance after the entries added so far.
func (v *ChainVerifier) Balance() decimal.Decimal { return v.balance() }

// VerifyChain verifies a whole chain held in memory, in seq order, against an optional stored
// head, digest anchors and transaction records (txs nil: entries are not held against records).
func VerifyChain(account Account, entries []Entry, head *Head, anchors []Anchor, txs map[string]*Transaction) Verification {
	v := NewChainVerifier(account, anchors)
	for _, e := range entries {
		if txs != nil {
			v.AddWithTransaction(e, txs[e.TxID])
		} else {
			v.Add(e)
		}
	}
	return v.Result(head)
}
