package ledger

import (
	"errors"
	"holdfast/shared/platform/errs"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var testAt = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func amount(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func validTx() Transaction {
	return Transaction{
		ID:   "rpy-1",
		Type: TypeRepayment,
		Postings: []Posting{
			{From: "wallet:u1", To: "loan:L1", Amount: amount("800.00")},
			{From: "wallet:u1", To: "interest-income#03", Amount: amount("84.88")},
			{From: "wallet:u1", To: "penalty-income#11", Amount: amount("1.5")},
		},
		Meta: Meta{LoanID: "L1", InstallmentNo: 3, CorrelationID: "c-1", Actor: "u1"},
		At:   testAt,
	}
}

func TestValidate(t *testing.T) {
	if err := validTx().Validate(); err != nil {
		t.Fatalf("valid transaction rejected: %v", err)
	}
	cases := map[string]func(*Transaction){
		"empty id":             func(tx *Transaction) { tx.ID = "" },
		"id with space":        func(tx *Transaction) { tx.ID = "a b" },
		"long id":              func(tx *Transaction) { tx.ID = strings.Repeat("a", 129) },
		"lower type":           func(tx *Transaction) { tx.Type = "deposit" },
		"empty type":           func(tx *Transaction) { tx.Type = "" },
		"no postings":          func(tx *Transaction) { tx.Postings = nil },
		"zero amount":          func(tx *Transaction) { tx.Postings[0].Amount = decimal.Zero },
		"negative amount":      func(tx *Transaction) { tx.Postings[0].Amount = amount("-1") },
		"three places":         func(tx *Transaction) { tx.Postings[0].Amount = amount("1.005") },
		"too large":            func(tx *Transaction) { tx.Postings[0].Amount = amount("1000000000000") },
		"from = to":            func(tx *Transaction) { tx.Postings[0].To = tx.Postings[0].From },
		"logical system":       func(tx *Transaction) { tx.Postings[1].To = InterestIncome },
		"invalid account":      func(tx *Transaction) { tx.Postings[0].To = "bank:1" },
		"bad loan id":          func(tx *Transaction) { tx.Meta.LoanID = "L 1" },
		"negative installment": func(tx *Transaction) { tx.Meta.InstallmentNo = -1 },
		"no correlation":       func(tx *Transaction) { tx.Meta.CorrelationID = "" },
		"no actor":             func(tx *Transaction) { tx.Meta.Actor = "" },
		"newline in actor":     func(tx *Transaction) { tx.Meta.Actor = "a\nloanId=x" },
		"bidi in actor":        func(tx *Transaction) { tx.Meta.Actor = "alice\u202e" },
		"zero-width in key":    func(tx *Transaction) { tx.Meta.IdempotencyKey = "k\u200b" },
		"bad utf8 key":         func(tx *Transaction) { tx.Meta.IdempotencyKey = "\xff" },
		"long key":             func(tx *Transaction) { tx.Meta.IdempotencyKey = strings.Repeat("k", 257) },
		"zero time":            func(tx *Transaction) { tx.At = time.Time{} },
		"not utc":              func(tx *Transaction) { tx.At = tx.At.In(time.FixedZone("X", 3600)) },
		"sub-millisecond":      func(tx *Transaction) { tx.At = tx.At.Add(time.Microsecond) },
		"too many postings": func(tx *Transaction) {
			for i := 0; i < MaxPostings; i++ {
				tx.Postings = append(tx.Postings, tx.Postings[0])
			}
		},
		"too many accounts": func(tx *Transaction) {
			tx.Postings = nil
			for i := 0; i < 25; i++ {
				tx.Postings = append(tx.Postings, Posting{
					From: Account("wallet:a" + string(rune('a'+i))), To: Account("wallet:b" + string(rune('a'+i))), Amount: amount("1")})
			}
		},
	}
	for name, mutate := range cases {
		tx := validTx()
		tx.Postings = append([]Posting(nil), tx.Postings...)
		mutate(&tx)
		err := tx.Validate()
		if !errors.Is(err, ErrInvalidTransaction) {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
	// Every problem is reported at once.
	tx := validTx()
	tx.ID, tx.Meta.Actor = "", ""
	err := tx.Validate()
	if err == nil || !strings.Contains(err.Error(), "id") || !strings.Contains(err.Error(), "meta.actor") {
		t.Errorf("one error per problem: %v", err)
	}
}

func TestPrepare(t *testing.T) {
	sh, _ := NewSharding(16)
	tx := validTx()
	tx.Postings = []Posting{{From: External, To: "wallet:u1", Amount: amount("10")}}
	tx.At = time.Date(2025, 3, 1, 15, 30, 0, 123_456_789, time.FixedZone("IST", 19800))
	p, err := sh.Prepare(tx)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Postings[0].From.Physical() || p.Postings[0].From.Base() != External {
		t.Errorf("shard not resolved: %s", p.Postings[0].From)
	}
	if tx.Postings[0].From != External {
		t.Error("Prepare modified its argument")
	}
	if p.At.Location() != time.UTC || p.At.Nanosecond() != 123_000_000 || p.At.Hour() != 10 {
		t.Errorf("At = %v", p.At)
	}
	tx.Postings[0].Amount = amount("0.001")
	if _, err := sh.Prepare(tx); !errors.Is(err, ErrInvalidTransaction) {
		t.Errorf("Prepare kept an over-precise amount: %v", err)
	}
}

func TestDeltas(t *testing.T) {
	ds := validTx().Deltas()
	want := map[Account]string{"interest-income#03": "84.88", "loan:L1": "800.00", "penalty-income#11": "1.50", "wallet:u1": "-886.38"}
	if len(ds) != len(want) {
		t.Fatalf("deltas %v", ds)
	}
	for i, d := range ds {
		if i > 0 && ds[i-1].Account >= d.Account {
			t.Error("deltas not sorted")
		}
		if FormatAmount(d.Amount) != want[d.Account] {
			t.Errorf("%s: %s", d.Account, FormatAmount(d.Amount))
		}
	}
	// A round trip touches both accounts with zero deltas.
	tx := Transaction{Postings: []Posting{{From: "wallet:a", To: "wallet:b", Amount: amount("5")}, {From: "wallet:b", To: "wallet:a", Amount: amount("5")}}}
	for _, d := range tx.Deltas() {
		if !d.Amount.IsZero() {
			t.Errorf("round trip delta %s %s", d.Account, d.Amount)
		}
	}
}

func TestSameContent(t *testing.T) {
	a, b := validTx(), validTx()
	b.Meta.CorrelationID, b.Meta.Actor, b.At = "other", "other", b.At.Add(time.Hour)
	b.Postings = append([]Posting(nil), b.Postings...)
	b.Postings[1].To = "interest-income#09" // another shard count
	if !SameContent(a, b) {
		t.Error("a retry with another correlation, time or shard is the same action")
	}
	for name, mutate := range map[string]func(*Transaction){
		"type":        func(tx *Transaction) { tx.Type = TypeForeclosure },
		"amount":      func(tx *Transaction) { tx.Postings[0].Amount = amount("800.01") },
		"account":     func(tx *Transaction) { tx.Postings[0].To = "loan:L2" },
		"loan":        func(tx *Transaction) { tx.Meta.LoanID = "L2" },
		"installment": func(tx *Transaction) { tx.Meta.InstallmentNo = 4 },
		"postings":    func(tx *Transaction) { tx.Postings = tx.Postings[:2] },
	} {
		c := validTx()
		c.Postings = append([]Posting(nil), c.Postings...)
		mutate(&c)
		if SameContent(a, c) {
			t.Errorf("%s differs but SameContent", name)
		}
	}
}

func TestPlan(t *testing.T) {
	tx := validTx()
	h := TxHash(tx)
	_, err := Plan(tx, h, nil)
	var le *errs.Error
	if !errors.As(err, &le) || le.Code != CodeInsufficientFunds || !strings.Contains(le.Error(), "account wallet:u1:") {
		t.Fatalf("empty wallet paying: %v", err)
	}
	heads := map[Account]Head{"wallet:u1": {Account: "wallet:u1", Seq: 4, Balance: amount("886.38"), Hash: strings.Repeat("a", 64)}}
	es, err := Plan(tx, h, heads)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 4 {
		t.Fatalf("%d entries", len(es))
	}
	for _, e := range es {
		switch e.Account {
		case "wallet:u1":
			if e.Seq != 5 || !e.BalanceAfter.IsZero() || e.PrevHash != strings.Repeat("a", 64) {
				t.Errorf("wallet entry %+v", e)
			}
		default:
			if e.Seq != 1 || e.PrevHash != GenesisHash || !e.BalanceAfter.Equal(e.Delta) {
				t.Errorf("new account entry %+v", e)
			}
		}
		if e.TxHash != h || e.Hash != EntryHash(e) || !e.At.Equal(tx.At) {
			t.Errorf("entry %s not sealed", e.Account)
		}
	}
	if _, err := Plan(Transaction{}, "", nil); !errors.Is(err, ErrInvalidTransaction) {
		t.Errorf("Plan of an invalid transaction: %v", err)
	}
	if _, err := Plan(tx, h, map[Account]Head{"wallet:u1": {Account: "wallet:u2"}}); err == nil {
		t.Error("a head of another account was used")
	}
}
