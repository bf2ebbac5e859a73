package ledger

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Audit problem codes, beyond the chain Problem codes a chain failure is reported with.
const (
	AuditTxInvalid        = "tx_invalid"         // a transaction record breaks the rules
	AuditTxHashMismatch   = "tx_hash_mismatch"   // a record's stored hash is not its hash
	AuditPostingMissing   = "posting_missing"    // an account a transaction names has no entry for it
	AuditDuplicateEntry   = "duplicate_entry"    // an account has two entries for one transaction
	AuditNonZeroSum       = "non_zero_sum"       // the balances do not sum to zero
	AuditHeadWithoutChain = "head_without_chain" // a head points past an empty chain
	AuditChainInvalid     = "chain_invalid"      // an account's chain does not verify
	AuditDigestInvalid    = "digest_invalid"     // the digest chain does not verify
	AuditAnchorMismatch   = "anchor_mismatch"    // an account's digest anchor row disagrees with its digest
	AuditAnchorMissing    = "anchor_missing"     // a digest's head has no anchor row in its account
	AuditUndecodable      = "undecodable_item"   // a stored ledger item cannot be read
)

// DefaultMaxAuditProblems bounds the problems an AuditReport lists (ProblemCount counts all).
const DefaultMaxAuditProblems = 1000

// AuditProblem is one thing the whole-ledger check found wrong.
type AuditProblem struct {
	Code    string  `json:"code"`
	Account Account `json:"account,omitempty"`
	TxID    string  `json:"txId,omitempty"`
	Seq     uint64  `json:"seq,omitempty"`
	Detail  string  `json:"detail"`
}

// AuditReport is the outcome of the whole-ledger check.
type AuditReport struct {
	Valid        bool `json:"valid"`
	Accounts     int  `json:"accounts"`
	Transactions int  `json:"transactions"`
	Entries      int  `json:"entries"`
	Digests      int  `json:"digests"`
	// Total is the sum of every account's balance: "0.00" in a sound ledger.
	Total         string             `json:"total"`
	InvalidChains []Verification     `json:"invalidChains"`
	DigestChain   DigestVerification `json:"digestChain"`
	Problems      []AuditProblem     `json:"problems"`
	ProblemCount  int                `json:"problemCount"`
}

// Audit is the whole-ledger check: it takes every transaction record, entry, head, digest and
// digest anchor row, in any order, and proves that every chain verifies (held against its
// transaction records and the digests), that all balances sum to zero, that every posting of
// every transaction appears in every chain it names with the right delta, and that no chain
// holds anything else. It holds what it is given in memory.
type Audit struct {
	txs        map[string]*auditTx
	entries    map[Account][]Entry
	heads      map[Account]Head
	digests    []Digest
	anchorRows []Anchor
	indexed    uint64
	corrupt    []AuditProblem
	max        int
}

type auditTx struct {
	tx         Transaction
	storedHash string
}

// NewAudit starts an empty audit listing at most maxProblems problems (≤ 0: the default).
func NewAudit(maxProblems int) *Audit {
	if maxProblems <= 0 {
		maxProblems = DefaultMaxAuditProblems
	}
	return &Audit{
		txs:     make(map[string]*auditTx),
		entries: make(map[Account][]Entry),
		heads:   make(map[Account]Head),
		max:     maxProblems,
	}
}

// AddTransaction adds a transaction record with the hash stored beside it.
func (a *Audit) AddTransaction(tx Transaction, storedHash string) {
	a.txs[tx.ID] = &auditTx{tx: tx, storedHash: storedHash}
}

// AddEntry adds one entry of some chain.
func (a *Audit) AddEntry(e Entry) { a.entries[e.Account] = append(a.entries[e.Account], e) }

// AddHead adds an account head.
func (a *Audit) AddHead(h Head) { a.heads[h.Account] = h }

// AddDigest adds a digest.
func (a *Audit) AddDigest(d Digest) { a.digests = append(a.digests, d) }

// AddAnchorRow adds a per-account digest anchor row (the index the account verifier reads),
// to be held against the digest it claims to come from.
func (a *Audit) AddAnchorRow(r Anchor) { a.anchorRows = append(a.anchorRows, r) }

// SetAnchorsIndexedThrough says digests up to seq n have had their anchor rows written, so a
// missing row of such a digest is a problem.
func (a *Audit) SetAnchorsIndexedThrough(n uint64) { a.indexed = n }

// AddUndecodable records a stored ledger item that cannot be read; account and seq say where,
// when known.
func (a *Audit) AddUndecodable(account Account, seq uint64, detail string) {
	a.corrupt = append(a.corrupt, AuditProblem{Code: AuditUndecodable, Account: account, Seq: seq, Detail: detail})
}

// Report runs the checks, in this order: the stored items that could not be read, the digest
// chain and the anchor rows, every account's chain and the zero sum, and every transaction's
// record and postings.
func (a *Audit) Report() AuditReport {
	run := &auditRun{a: a, r: AuditReport{Transactions: len(a.txs), Digests: len(a.digests),
		InvalidChains: []Verification{}, Problems: []AuditProblem{}}}
	for _, p := range a.corrupt {
		run.add(p)
	}
	anchors := run.checkDigests()
	seen := run.checkChains(anchors)
	run.checkTransactions(seen)
	run.r.Valid = run.r.ProblemCount == 0
	return run.r
}

// auditRun is one Report being made.
type auditRun struct {
	a *Audit
	r AuditReport
}

// add counts a problem, and lists it while the list has room.
func (run *auditRun) add(p AuditProblem) {
	run.r.ProblemCount++
	if len(run.r.Problems) < run.a.max {
		run.r.Problems = append(run.r.Problems, p)
	}
}

// checkDigests verifies the digest chain and holds the anchor rows against the digests. It
// returns each account's anchors as the digests recorded them.
func (run *auditRun) checkDigests() map[Account][]Anchor {
	slices.SortFunc(run.a.digests, func(x, y Digest) int { return cmpUint(x.Seq, y.Seq) })
	run.r.DigestChain = VerifyDigests(0, GenesisHash, run.a.digests)
	if !run.r.DigestChain.Valid {
		run.add(AuditProblem{Code: AuditDigestInvalid, Seq: *run.r.DigestChain.FirstInvalidSeq, Detail: run.r.DigestChain.Reason})
	}
	anchors, listed := digestAnchors(run.a.digests)
	run.checkAnchorRows(listed)
	return anchors
}

// digestAnchors is every anchor the digests record, by account and as a set.
func digestAnchors(digests []Digest) (byAccount map[Account][]Anchor, listed map[Anchor]bool) {
	byAccount = make(map[Account][]Anchor)
	listed = make(map[Anchor]bool)
	for _, d := range digests {
		for _, an := range d.Anchors() {
			byAccount[an.Account] = append(byAccount[an.Account], an)
			listed[an] = true
		}
	}
	return byAccount, listed
}

// checkAnchorRows finds anchor rows that no digest recorded, and rows missing for digests the
// index is complete through.
func (run *auditRun) checkAnchorRows(listed map[Anchor]bool) {
	rows := make(map[Anchor]bool, len(run.a.anchorRows))
	for _, row := range run.a.anchorRows {
		rows[row] = true
		if !listed[row] {
			run.add(AuditProblem{Code: AuditAnchorMismatch, Account: row.Account, Seq: row.Seq,
				Detail: fmt.Sprintf("the anchor row of digest %d does not match what that digest recorded", row.DigestSeq)})
		}
	}
	for an := range listed {
		if an.DigestSeq <= run.a.indexed && !rows[an] {
			run.add(AuditProblem{Code: AuditAnchorMissing, Account: an.Account, Seq: an.Seq,
				Detail: fmt.Sprintf("digest %d's anchor row for this account is missing", an.DigestSeq)})
		}
	}
}

// checkChains verifies every account's chain, held against its head, the transaction records
// and its anchors, and then that the balances sum to zero. It returns how many entries each
// transaction has in each account's chain.
func (run *auditRun) checkChains(anchors map[Account][]Anchor) (seen map[string]map[Account]int) {
	accounts := run.accounts(anchors)
	run.r.Accounts = len(accounts)
	seen = make(map[string]map[Account]int, len(run.a.txs)) // txID → account → entries
	total := decimal.Zero
	for _, acct := range accounts {
		total = total.Add(run.checkChain(acct, anchors[acct], seen))
	}
	run.checkZeroSum(total)
	return seen
}

// accounts is every account that has entries, a head or an anchor, in order.
func (run *auditRun) accounts(anchors map[Account][]Anchor) []Account {
	set := make(map[Account]struct{}, len(run.a.entries)+len(run.a.heads))
	for acct := range run.a.entries {
		set[acct] = struct{}{}
	}
	for acct := range run.a.heads {
		set[acct] = struct{}{}
	}
	for acct := range anchors {
		set[acct] = struct{}{}
	}
	sorted := make([]Account, 0, len(set))
	for acct := range set {
		sorted = append(sorted, acct)
	}
	slices.SortFunc(sorted, func(x, y Account) int { return strings.Compare(string(x), string(y)) })
	return sorted
}

// checkChain verifies one account's chain and counts its entries per transaction into seen. It
// returns the account's balance: its head's, or the chain's when it has no head.
func (run *auditRun) checkChain(acct Account, anchors []Anchor, seen map[string]map[Account]int) decimal.Decimal {
	es := run.a.entries[acct]
	slices.SortStableFunc(es, func(x, y Entry) int { return cmpUint(x.Seq, y.Seq) })
	run.r.Entries += len(es)
	v := NewChainVerifier(acct, anchors)
	for _, e := range es {
		var tx *Transaction
		if t, ok := run.a.txs[e.TxID]; ok {
			tx = &t.tx
		}
		v.AddWithTransaction(e, tx)
		if seen[e.TxID] == nil {
			seen[e.TxID] = make(map[Account]int, 2)
		}
		seen[e.TxID][acct]++
	}
	var head *Head
	balance := v.Balance()
	if h, ok := run.a.heads[acct]; ok {
		head = &h
		balance = h.Balance
	}
	res := v.Result(head)
	if !res.Valid {
		run.r.InvalidChains = append(run.r.InvalidChains, res)
		run.add(AuditProblem{Code: AuditChainInvalid, Account: acct, Seq: *res.FirstInvalidSeq, Detail: res.Reason})
	}
	if head != nil && len(es) == 0 && head.Seq > 0 {
		run.add(AuditProblem{Code: AuditHeadWithoutChain, Account: acct, Seq: head.Seq, Detail: "the head has no entries beneath it"})
	}
	return balance
}

// checkZeroSum records the total of all balances, which must be zero.
func (run *auditRun) checkZeroSum(total decimal.Decimal) {
	run.r.Total = FormatAmount(total)
	if !total.IsZero() {
		run.add(AuditProblem{Code: AuditNonZeroSum, Detail: "the balances of all accounts sum to " + run.r.Total + ", not 0.00"})
	}
}

// checkTransactions holds every transaction record, in ID order, against the rules, its stored
// hash and the chains: each account it names has exactly one entry for it.
func (run *auditRun) checkTransactions(seen map[string]map[Account]int) {
	txIDs := make([]string, 0, len(run.a.txs))
	for id := range run.a.txs {
		txIDs = append(txIDs, id)
	}
	slices.Sort(txIDs)
	for _, id := range txIDs {
		run.checkTransaction(id, run.a.txs[id], seen[id])
	}
}

// checkTransaction checks one record; entries counts its entries by account.
func (run *auditRun) checkTransaction(id string, t *auditTx, entries map[Account]int) {
	if err := t.tx.Validate(); err != nil {
		run.add(AuditProblem{Code: AuditTxInvalid, TxID: id, Detail: err.Error()})
		return
	}
	if TxHash(t.tx) != t.storedHash {
		run.add(AuditProblem{Code: AuditTxHashMismatch, TxID: id, Detail: "the stored hash is not the record's hash"})
	}
	for _, d := range t.tx.Deltas() {
		switch n := entries[d.Account]; {
		case n == 0:
			run.add(AuditProblem{Code: AuditPostingMissing, TxID: id, Account: d.Account,
				Detail: "the transaction names this account but its chain has no entry for it"})
		case n > 1:
			run.add(AuditProblem{Code: AuditDuplicateEntry, TxID: id, Account: d.Account,
				Detail: fmt.Sprintf("the account's chain has %d entries for the transaction", n)})
		}
	}
}
