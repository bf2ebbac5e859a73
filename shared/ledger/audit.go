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

// Report runs the checks.
func (a *Audit) Report() AuditReport {
	r := AuditReport{Transactions: len(a.txs), Digests: len(a.digests), InvalidChains: []Verification{}, Problems: []AuditProblem{}}
	add := func(p AuditProblem) {
		r.ProblemCount++
		if len(r.Problems) < a.max {
			r.Problems = append(r.Problems, p)
		}
	}

	for _, p := range a.corrupt {
		add(p)
	}

	// The digest chain, and what it says about each account.
	slices.SortFunc(a.digests, func(x, y Digest) int { return cmpUint(x.Seq, y.Seq) })
	r.DigestChain = VerifyDigests(0, GenesisHash, a.digests)
	if !r.DigestChain.Valid {
		add(AuditProblem{Code: AuditDigestInvalid, Seq: *r.DigestChain.FirstInvalidSeq, Detail: r.DigestChain.Reason})
	}
	anchors := make(map[Account][]Anchor)
	listed := make(map[Anchor]bool)
	for _, d := range a.digests {
		for _, an := range d.Anchors() {
			anchors[an.Account] = append(anchors[an.Account], an)
			listed[an] = true
		}
	}
	rows := make(map[Anchor]bool, len(a.anchorRows))
	for _, row := range a.anchorRows {
		rows[row] = true
		if !listed[row] {
			add(AuditProblem{Code: AuditAnchorMismatch, Account: row.Account, Seq: row.Seq,
				Detail: fmt.Sprintf("the anchor row of digest %d does not match what that digest recorded", row.DigestSeq)})
		}
	}
	for an := range listed {
		if an.DigestSeq <= a.indexed && !rows[an] {
			add(AuditProblem{Code: AuditAnchorMissing, Account: an.Account, Seq: an.Seq,
				Detail: fmt.Sprintf("digest %d's anchor row for this account is missing", an.DigestSeq)})
		}
	}

	// Every chain, held against its head, its records and its anchors.
	accounts := make(map[Account]struct{}, len(a.entries)+len(a.heads))
	for acct := range a.entries {
		accounts[acct] = struct{}{}
	}
	for acct := range a.heads {
		accounts[acct] = struct{}{}
	}
	for acct := range anchors {
		accounts[acct] = struct{}{}
	}
	sortedAccounts := make([]Account, 0, len(accounts))
	for acct := range accounts {
		sortedAccounts = append(sortedAccounts, acct)
	}
	slices.SortFunc(sortedAccounts, func(x, y Account) int { return strings.Compare(string(x), string(y)) })
	r.Accounts = len(sortedAccounts)

	seen := make(map[string]map[Account]int, len(a.txs)) // txID → account → entries
	total := decimal.Zero
	for _, acct := range sortedAccounts {
		es := a.entries[acct]
		slices.SortStableFunc(es, func(x, y Entry) int { return cmpUint(x.Seq, y.Seq) })
		r.Entries += len(es)
		v := NewChainVerifier(acct, anchors[acct])
		for _, e := range es {
			var tx *Transaction
			if t, ok := a.txs[e.TxID]; ok {
				tx = &t.tx
			}
			v.AddWithTransaction(e, tx)
			if seen[e.TxID] == nil {
				seen[e.TxID] = make(map[Account]int, 2)
			}
			seen[e.TxID][acct]++
		}
		var head *Head
		if h, ok := a.heads[acct]; ok {
			head = &h
			total = total.Add(h.Balance)
		} else {
			total = total.Add(v.Balance())
		}
		res := v.Result(head)
		if !res.Valid {
			r.InvalidChains = append(r.InvalidChains, res)
			add(AuditProblem{Code: AuditChainInvalid, Account: acct, Seq: *res.FirstInvalidSeq, Detail: res.Reason})
		}
		if head != nil && len(es) == 0 && head.Seq > 0 {
			add(AuditProblem{Code: AuditHeadWithoutChain, Account: acct, Seq: head.Seq, Detail: "the head has no entries beneath it"})
		}
	}
	r.Total = FormatAmount(total)
	if !total.IsZero() {
		add(AuditProblem{Code: AuditNonZeroSum, Detail: "the balances of all accounts sum to " + r.Total + ", not 0.00"})
	}

	// Every posting in every chain it names, exactly once.
	txIDs := make([]string, 0, len(a.txs))
	for id := range a.txs {
		txIDs = append(txIDs, id)
	}
	slices.Sort(txIDs)
	for _, id := range txIDs {
		t := a.txs[id]
		if err := t.tx.Validate(); err != nil {
			add(AuditProblem{Code: AuditTxInvalid, TxID: id, Detail: err.Error()})
			continue
		}
		if TxHash(t.tx) != t.storedHash {
			add(AuditProblem{Code: AuditTxHashMismatch, TxID: id, Detail: "the stored hash is not the record's hash"})
		}
		for _, d := range t.tx.Deltas() {
			switch n := seen[id][d.Account]; {
			case n == 0:
				add(AuditProblem{Code: AuditPostingMissing, TxID: id, Account: d.Account,
					Detail: "the transaction names this account but its chain has no entry for it"})
			case n > 1:
				add(AuditProblem{Code: AuditDuplicateEntry, TxID: id, Account: d.Account,
					Detail: fmt.Sprintf("the account's chain has %d entries for the transaction", n)})
			}
		}
	}
	r.Valid = r.ProblemCount == 0
	return r
}
