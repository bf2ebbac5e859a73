package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/platform/text"
)

// TxType names what a transaction does. Products add their own upper-case types.
type TxType string

// The transaction types of SPEC §1.
const (
	TypeDeposit     TxType = "DEPOSIT"
	TypeWithdrawal  TxType = "WITHDRAWAL"
	TypeDisbursal   TxType = "DISBURSAL"
	TypeRepayment   TxType = "REPAYMENT"
	TypeForeclosure TxType = "FORECLOSURE"
)

// Limits on a transaction. One TransactWriteItems holds at most 100 items: the transaction
// record plus an entry and a head per account, so at most 49 accounts.
const (
	MaxPostings      = 32
	MaxAccountsPerTx = 49
	MaxTxIDLen       = 128
	MaxMetaLen       = 256
	MaxInstallmentNo = 9999
	TimeLayout       = "2006-01-02T15:04:05.000Z"
	maxTypeLen       = 32
)

// Posting moves Amount (> 0, at most 2 decimal places) from one account to another. The from
// account's balance falls by Amount and the to account's rises by it, so every posting — and so
// every transaction — sums to zero by construction.
type Posting struct {
	From   Account
	To     Account
	Amount decimal.Decimal
}

// Meta is what a transaction records about why and by whom it was made.
type Meta struct {
	LoanID         string // the loan concerned, if any
	InstallmentNo  int    // the installment concerned, 1-based; 0 when none
	CorrelationID  string // the request or job that caused it (required)
	Actor          string // who caused it: a user ID, or "system:<job>" (required)
	IdempotencyKey string // the caller's Idempotency-Key, when the transaction answers one
}

// Transaction is one atomic movement of money between ledger accounts.
type Transaction struct {
	// ID is deterministic, chosen by the caller from what makes the business action unique
	// (DeriveID), so that a retried action cannot post twice.
	ID       string
	Type     TxType
	Postings []Posting
	Meta     Meta
	// At is when the transaction was made, UTC, millisecond precision.
	At time.Time
}

// Delta is the net change a transaction makes to one account's balance.
type Delta struct {
	Account Account
	Amount  decimal.Decimal
}

// DeriveID makes a deterministic transaction ID from a kind ("dep", "wdr", "rpy", …: lower-case
// letters) and the parts that make the action unique, for example a user ID and an idempotency
// key: `<kind>-` followed by the first 32 hex digits of SHA-256 over the parts, each written as
// its byte length in decimal, ':', its bytes and ',' (so no two part lists collide).
func DeriveID(kind string, parts ...string) string {
	h := sha256.New()
	var n [20]byte
	for _, p := range parts {
		h.Write(strconv.AppendInt(n[:0], int64(len(p)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(p))
		h.Write([]byte{','})
	}
	return kind + "-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// Prepare makes tx ready to hash and commit: every logical system account in its postings
// becomes the shard the transaction's ID selects, At becomes UTC truncated to the millisecond,
// and the result is validated. The postings are copied; tx is not modified.
func (s Sharding) Prepare(tx Transaction) (Transaction, error) {
	out := tx
	out.Postings = make([]Posting, len(tx.Postings))
	for i, p := range tx.Postings {
		out.Postings[i] = Posting{From: s.Resolve(p.From, tx.ID), To: s.Resolve(p.To, tx.ID), Amount: p.Amount}
	}
	out.At = tx.At.UTC().Truncate(time.Millisecond)
	if err := out.Validate(); err != nil {
		return Transaction{}, err
	}
	return out, nil
}

// Validate reports every way tx breaks the rules of a committable transaction, as one
// CodeInvalidTransaction error: an ID of [A-Za-z0-9._:-]{1,128}; an upper-case type; 1–32
// postings between distinct physical accounts, each amount > 0 with at most 2 decimal places
// and at most 12 integer digits; at most 49 accounts; a correlation ID and an actor; metadata
// without control characters; At set, UTC, whole milliseconds.
func (tx Transaction) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !validTxID(tx.ID) {
		add("id %q must be 1–%d characters of A–Z a–z 0–9 . _ : -", tx.ID, MaxTxIDLen)
	}
	if !validType(string(tx.Type)) {
		add("type %q must be 1–%d characters of A–Z and _ starting with a letter", tx.Type, maxTypeLen)
	}
	if len(tx.Postings) == 0 {
		add("a transaction needs at least one posting")
	}
	if len(tx.Postings) > MaxPostings {
		add("%d postings; at most %d", len(tx.Postings), MaxPostings)
	}
	touched := make(map[Account]struct{}, 2*len(tx.Postings))
	for i, p := range tx.Postings {
		for _, a := range []Account{p.From, p.To} {
			if !a.Physical() {
				add("posting %d: %q is not a wallet, a loan or a system account shard", i+1, a)
			}
			touched[a] = struct{}{}
		}
		if p.From == p.To {
			add("posting %d: from and to are the same account", i+1)
		}
		if problem := checkPostingAmount(p.Amount); problem != "" {
			add("posting %d: amount %s %s", i+1, p.Amount.String(), problem)
		}
	}
	if len(touched) > MaxAccountsPerTx {
		add("%d accounts; at most %d", len(touched), MaxAccountsPerTx)
	}
	m := tx.Meta
	if m.LoanID != "" && !ValidOwnerID(m.LoanID) {
		add("meta.loanId %q is not a valid loan ID", m.LoanID)
	}
	if m.InstallmentNo < 0 || m.InstallmentNo > MaxInstallmentNo {
		add("meta.installmentNo %d is outside 0–%d", m.InstallmentNo, MaxInstallmentNo)
	}
	for _, f := range []struct {
		name, value string
		required    bool
	}{
		{"meta.correlationId", m.CorrelationID, true},
		{"meta.actor", m.Actor, true},
		{"meta.idempotencyKey", m.IdempotencyKey, false},
	} {
		if problem := checkText(f.value, f.required); problem != "" {
			add("%s %s", f.name, problem)
		}
	}
	switch {
	case tx.At.IsZero():
		add("at is missing")
	case tx.At.Location() != time.UTC:
		add("at must be in UTC")
	case !tx.At.Equal(tx.At.Truncate(time.Millisecond)):
		add("at must be whole milliseconds")
	case tx.At.Year() < 2000 || tx.At.Year() > 9999:
		add("at %s is outside the years 2000–9999", tx.At.Format(TimeLayout))
	}
	if len(problems) > 0 {
		return Fail(ErrInvalidTransaction, "%s", strings.Join(problems, "; "))
	}
	return nil
}

// maxPostingAmount is the largest amount one posting may move (MaxPostingAmount).
var maxPostingAmount = decimal.New(99999999999999, -2)

// MaxPostingAmount is the largest amount one posting may move: 999,999,999,999.99.
func MaxPostingAmount() decimal.Decimal { return maxPostingAmount }

func checkPostingAmount(d decimal.Decimal) string {
	switch {
	case !d.IsPositive():
		return "must be greater than zero"
	case !d.Equal(d.Round(2)):
		return "has more than 2 decimal places"
	case d.GreaterThan(maxPostingAmount):
		return "is above " + maxPostingAmount.StringFixed(2)
	}
	return ""
}

// checkText is the platform text rule (package text) within MaxMetaLen bytes: no control,
// format or bidirectional character, so no value can break a line of the canonical encoding or
// read differently from what it holds.
func checkText(s string, required bool) string {
	return text.Rule{MaxBytes: MaxMetaLen, Required: required}.Check(s)
}

func validTxID(id string) bool {
	if id == "" || len(id) > MaxTxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

func validType(t string) bool {
	if t == "" || len(t) > maxTypeLen || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for i := 0; i < len(t); i++ {
		if (t[i] < 'A' || t[i] > 'Z') && t[i] != '_' {
			return false
		}
	}
	return true
}

// Deltas is the net change tx makes to each account it touches, sorted by account ID (the order
// of the entries and of the writes). An account both debited and credited by the same amount
// still appears, with a zero delta: it is touched, so it gets an entry.
func (tx Transaction) Deltas() []Delta {
	idx := make(map[Account]int, 2*len(tx.Postings))
	out := make([]Delta, 0, 2*len(tx.Postings))
	add := func(a Account, d decimal.Decimal) {
		if i, ok := idx[a]; ok {
			out[i].Amount = out[i].Amount.Add(d)
			return
		}
		idx[a] = len(out)
		out = append(out, Delta{Account: a, Amount: d})
	}
	for _, p := range tx.Postings {
		add(p.From, p.Amount.Neg())
		add(p.To, p.Amount)
	}
	slices.SortFunc(out, func(a, b Delta) int { return strings.Compare(string(a.Account), string(b.Account)) })
	return out
}

// Accounts lists the accounts tx touches, sorted.
func (tx Transaction) Accounts() []Account {
	ds := tx.Deltas()
	out := make([]Account, len(ds))
	for i, d := range ds {
		out[i] = d.Account
	}
	return out
}

// SameContent reports whether a and b are the same business action: the same type, the same
// postings in the same order (a system account's shard may differ, in case the shard count
// changed between a first attempt and a retry), and the same loan and installment. Correlation
// ID, actor and time may differ between a request and its retry.
func SameContent(a, b Transaction) bool {
	if a.ID != b.ID || a.Type != b.Type || len(a.Postings) != len(b.Postings) ||
		a.Meta.LoanID != b.Meta.LoanID || a.Meta.InstallmentNo != b.Meta.InstallmentNo {
		return false
	}
	for i := range a.Postings {
		pa, pb := a.Postings[i], b.Postings[i]
		if pa.From.Base() != pb.From.Base() || pa.To.Base() != pb.To.Base() || !pa.Amount.Equal(pb.Amount) {
			return false
		}
	}
	return true
}
