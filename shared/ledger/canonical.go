package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// The canonical encoding (docs/ledger.md documents it byte by byte, with a worked example).
//
// Every record is a sequence of lines, each ending in one LF (0x0A), in a fixed order, written
// as UTF-8 with no escaping: no value may contain a control character, so no value can break a
// line. A line is `name=value`, except the hashes that open and close an entry's preimage. The
// first line names the record type and encoding version. Amounts have exactly two decimal
// places and a leading '-' when negative ("1500.00", "-0.50", "0.00"); sequence numbers and
// counts are decimal without leading zeros; times are UTC with milliseconds
// ("2025-01-31T09:30:00.000Z"); hashes are 64 lower-case hex digits. So an auditor can rebuild
// any record with `printf '%s\n' line1 line2 … | sha256sum`.

// Version tags: the first line of each encoding. A change to any encoding is a new tag.
const (
	TxEncodingTag     = "holdfast-ledger-tx/v1"
	EntryEncodingTag  = "holdfast-ledger-entry/v1"
	DigestEncodingTag = "holdfast-ledger-digest/v1"
)

// GenesisHash is the prevHash of every chain's first entry and of the first digest.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AppendTxEncoding appends the canonical encoding of tx:
//
//	holdfast-ledger-tx/v1
//	id=<id>
//	type=<type>
//	at=<at>
//	loanId=<loan ID, or nothing>
//	installmentNo=<installment number, or nothing when 0>
//	correlationId=<correlation ID>
//	actor=<actor>
//	idempotencyKey=<idempotency key, or nothing>
//	postings=<number of postings>
//	posting=<from> <to> <amount>        (one line per posting, in order)
func AppendTxEncoding(b []byte, tx Transaction) []byte {
	b = append(b, TxEncodingTag...)
	b = append(b, "\nid="...)
	b = append(b, tx.ID...)
	b = append(b, "\ntype="...)
	b = append(b, tx.Type...)
	b = append(b, "\nat="...)
	b = AppendTime(b, tx.At)
	b = append(b, "\nloanId="...)
	b = append(b, tx.Meta.LoanID...)
	b = append(b, "\ninstallmentNo="...)
	if tx.Meta.InstallmentNo != 0 {
		b = strconv.AppendInt(b, int64(tx.Meta.InstallmentNo), 10)
	}
	b = append(b, "\ncorrelationId="...)
	b = append(b, tx.Meta.CorrelationID...)
	b = append(b, "\nactor="...)
	b = append(b, tx.Meta.Actor...)
	b = append(b, "\nidempotencyKey="...)
	b = append(b, tx.Meta.IdempotencyKey...)
	b = append(b, "\npostings="...)
	b = strconv.AppendInt(b, int64(len(tx.Postings)), 10)
	b = append(b, '\n')
	for _, p := range tx.Postings {
		b = append(b, "posting="...)
		b = append(b, p.From...)
		b = append(b, ' ')
		b = append(b, p.To...)
		b = append(b, ' ')
		b = AppendAmount(b, p.Amount)
		b = append(b, '\n')
	}
	return b
}

// TxHash is the transaction hash: SHA-256 of the canonical encoding, in hex.
func TxHash(tx Transaction) string {
	var buf [512]byte
	sum := sha256.Sum256(AppendTxEncoding(buf[:0], tx))
	return hex.EncodeToString(sum[:])
}

// AppendEntryPreimage appends what an entry's hash is taken over: the previous entry's hash, the
// canonical encoding of the entry's own fields, and the transaction's hash:
//
//	<prevHash>
//	holdfast-ledger-entry/v1
//	account=<account>
//	seq=<seq>
//	txId=<transaction ID>
//	delta=<signed amount>
//	balanceAfter=<signed amount>
//	at=<at>
//	<txHash>
func AppendEntryPreimage(b []byte, e Entry) []byte {
	b = append(b, e.PrevHash...)
	b = append(b, '\n')
	b = append(b, EntryEncodingTag...)
	b = append(b, "\naccount="...)
	b = append(b, e.Account...)
	b = append(b, "\nseq="...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, "\ntxId="...)
	b = append(b, e.TxID...)
	b = append(b, "\ndelta="...)
	b = AppendAmount(b, e.Delta)
	b = append(b, "\nbalanceAfter="...)
	b = AppendAmount(b, e.BalanceAfter)
	b = append(b, "\nat="...)
	b = AppendTime(b, e.At)
	b = append(b, '\n')
	b = append(b, e.TxHash...)
	b = append(b, '\n')
	return b
}

// EntryHash is SHA-256(prevHash ‖ canonical entry fields ‖ txHash) in hex: the hash e must
// carry. e.Hash itself is ignored.
func EntryHash(e Entry) string {
	var buf [512]byte
	sum := sha256.Sum256(AppendEntryPreimage(buf[:0], e))
	return hex.EncodeToString(sum[:])
}

// AppendAmount appends the canonical form of an amount: exactly two decimal places (rounded
// HALF_UP if d had more, which no valid record has), '-' when negative, never "-0.00".
func AppendAmount(b []byte, d decimal.Decimal) []byte {
	if c, ok := cents(d); ok {
		return appendCents(b, c)
	}
	s := d.StringFixed(2)
	if s == "-0.00" {
		s = "0.00"
	}
	return append(b, s...)
}

// FormatAmount is AppendAmount as a string.
func FormatAmount(d decimal.Decimal) string { return string(AppendAmount(nil, d)) }

func appendCents(b []byte, c int64) []byte {
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	frac := c % 100
	return append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000}

// cents is d in hundredths when that is exact and fits comfortably in an int64 (|d| < 10^15):
// the fast path of formatting and balance arithmetic. Anything else takes the decimal path.
func cents(d decimal.Decimal) (int64, bool) {
	exp := d.Exponent()
	if exp < -2 || exp > 15 || d.NumDigits()+int(exp)+2 > 17 {
		if exp < -2 {
			return centsSlow(d)
		}
		return 0, false
	}
	return d.CoefficientInt64() * pow10[exp+2], true
}

// centsSlow handles a value with trailing zeros beyond two places (1.500 as 1500e-3).
func centsSlow(d decimal.Decimal) (int64, bool) {
	r := d.Round(2)
	if !r.Equal(d) || r.Exponent() < -2 {
		return 0, false
	}
	return cents(r)
}

// AppendTime appends t in UTC as 2006-01-02T15:04:05.000Z (milliseconds, truncated).
func AppendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, TimeLayout)
	}
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(b, byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T')
	b = append(b, byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':')
	b = append(b, byte('0'+sec/10), byte('0'+sec%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	return b
}

// FormatTime is AppendTime as a string.
func FormatTime(t time.Time) string { return string(AppendTime(nil, t)) }

// ParseTime reads a time in FormatTime's layout.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// centsDecimal converts hundredths back to a decimal (used when a sum leaves the fast path).
func centsDecimal(c int64) decimal.Decimal { return decimal.New(c, -2) }
