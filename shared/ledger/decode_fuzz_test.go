package ledger

import (
	"errors"
	"holdfast/shared/platform/errs"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The ledger's decoders of untrusted input: account IDs (a path parameter of the verify route,
// user and loan IDs from tokens and bodies), transaction IDs derived from idempotency keys, and
// the digest's head lines and times read back for verification. The seeds run in every
// `go test`; `go test -fuzz FuzzX ./shared/ledger` explores further.

func ownerChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:@|+=-", c) >= 0
}

func FuzzParseAccount(f *testing.F) {
	for _, s := range []string{"wallet:u1", "loan:5f1c-9a", "external", "external#03", "interest-income#99", "fee-income#100",
		"external#3", "external#0a", "external#-1", "external#03#04", "wallet:", "wallet:" + strings.Repeat("u", 128),
		"wallet:" + strings.Repeat("u", 129), "wallet:u 1", "wallet:../admin", "wallet:u#01", "wallet:u/1", "loan:ü",
		"Wallet:u1", "wallet:u1\n", "external#٠٣", "", "#03", "wallet:wallet:u1", "loan:\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAccount(s)
		if err != nil {
			var le *errs.Error
			if !errors.As(err, &le) || le.Code != CodeInvalidAccount || a != "" {
				t.Fatalf("%q: %v %q", s, err, a)
			}
			return
		}
		// Accepted: exactly one documented form, rebuilt byte for byte from its parts.
		if string(a) != s || !a.Valid() {
			t.Fatalf("%q accepted as %q", s, a)
		}
		switch a.Kind() {
		case KindWallet, KindLoan:
			owner := a.Owner()
			if owner == "" || len(owner) > MaxOwnerIDLen {
				t.Fatalf("%q: owner %q", s, owner)
			}
			for i := 0; i < len(owner); i++ {
				if !ownerChar(owner[i]) {
					t.Fatalf("%q: owner %q holds %q", s, owner, owner[i])
				}
			}
			build := Wallet
			if a.Kind() == KindLoan {
				build = Loan
			}
			if back, err := build(owner); err != nil || back != a || !a.Physical() || a.Base() != a {
				t.Fatalf("%q: rebuilt as %q %v", s, back, err)
			}
			if _, sharded := a.Shard(); sharded {
				t.Fatalf("%q: a wallet or loan has no shard", s)
			}
			if a.MayGoNegative() != (a.Kind() == KindLoan) {
				t.Fatalf("%q: MayGoNegative %v", s, a.MayGoNegative())
			}
		case KindSystem:
			base := a.Base()
			found := false
			for _, sys := range SystemAccounts() {
				found = found || sys == base
			}
			if !found || a.Owner() != "" {
				t.Fatalf("%q: base %q", s, base)
			}
			n, sharded := a.Shard()
			if sharded != a.Physical() || sharded != (a != base) {
				t.Fatalf("%q: shard %d %v, physical %v", s, n, sharded, a.Physical())
			}
			if sharded {
				if back, err := ShardAccount(base, n); err != nil || back != a || n < 0 || n >= MaxShards {
					t.Fatalf("%q: shard %d rebuilt as %q %v", s, n, back, err)
				}
			}
		default:
			t.Fatalf("%q accepted as kind %v", s, a.Kind())
		}
	})
}

func FuzzDeriveID(f *testing.F) {
	f.Add("dep", "user-1", "key-1")
	f.Add("wdr", "", "")
	f.Add("rpy", "a,b", "c")
	f.Add("rpy", "a", "b,c")
	f.Add("dep", "1:a,", "")
	f.Add("dep", "\x00\xff", strings.Repeat("k", 300))
	f.Add("dep", "../../", "<script>")
	f.Fuzz(func(t *testing.T, kind, a, b string) {
		if kind == "" || len(kind) > 16 || strings.ContainsFunc(kind, func(r rune) bool { return r < 'a' || r > 'z' }) {
			return // the kind is the caller's constant, never input
		}
		// Whatever the caller's (untrusted) parts, the ID is a valid, deterministic transaction ID,
		// and different part lists give different IDs (a retried action posts once, two actions
		// never share an ID).
		id := DeriveID(kind, a, b)
		if !validTxID(id) || !strings.HasPrefix(id, kind+"-") || len(id) != len(kind)+1+32 || DeriveID(kind, a, b) != id {
			t.Fatalf("DeriveID(%q, %q, %q) = %q", kind, a, b, id)
		}
		if DeriveID(kind, a+b) == id || DeriveID(kind, a, b, "") == id || (a != b && DeriveID(kind, b, a) == id) {
			t.Fatalf("DeriveID(%q, %q, %q) collides", kind, a, b)
		}
	})
}

func FuzzParseDigestHeadLines(f *testing.F) {
	heads := []DigestHead{
		{Account: "external#03", Seq: 7, Hash: strings.Repeat("ab", 32)},
		{Account: "wallet:u1", Seq: 18446744073709551615, Hash: strings.Repeat("0", 64)},
	}
	f.Add(string(AppendDigestHeadLines(nil, heads)))
	for _, s := range []string{"", "\n", "head=wallet:u1 1 h", "head=wallet:u1 1 h\n", "head=wallet:u1 01 h\n", "head=wallet:u1 +1 h\n",
		"head=wallet:u1 -1 h\n", "head=wallet:u1 18446744073709551616 h\n", "head=wallet:u1  1 h\n", "head= 1 h\n",
		"head=wallet:u1 1 h x\n", "head=a 1 b\r\n", "HEAD=a 1 b\n", "head=a 1 b\nhead=a 2 c\n", "head=a ١ b\n", "head=a\t1 b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, err := ParseDigestHeadLines(body)
		if err != nil {
			if got != nil {
				t.Fatalf("%q rejected but returned %v", body, got)
			}
			return
		}
		// Accepted: one head per line, which writes back to the same lines (up to leading zeros
		// in a seq) and reads back to the same heads.
		again := AppendDigestHeadLines(nil, got)
		back, err := ParseDigestHeadLines(string(again))
		if err != nil || len(back) != len(got) {
			t.Fatalf("%q → %v → %q → %v %v", body, got, again, back, err)
		}
		for i := range got {
			if back[i] != got[i] {
				t.Fatalf("%q: head %d %v read back as %v", body, i, got[i], back[i])
			}
		}
		if len(got) != strings.Count(body, "\n") {
			t.Fatalf("%q: %d lines gave %d heads", body, strings.Count(body, "\n"), len(got))
		}
		canonical := true
		for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			if fields := strings.Split(line, " "); len(fields) == 3 {
				n, _ := strconv.ParseUint(fields[1], 10, 64)
				canonical = canonical && strconv.FormatUint(n, 10) == fields[1]
			}
		}
		if canonical && string(again) != body {
			t.Fatalf("%q wrote back as %q", body, again)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	f.Add(FormatTime(time.Date(2025, 1, 15, 10, 0, 0, 123000000, time.UTC)))
	for _, s := range []string{"2025-01-15T10:00:00.000Z", "2025-01-15T10:00:00Z", "2025-01-15T10:00:00.000+05:30", "2025-02-30T10:00:00.000Z",
		"2025-01-15T24:00:00.000Z", "9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "2025-01-15 10:00:00.000Z",
		"2025-01-15T10:00:00.1234Z", "", "２０２５-01-15T10:00:00.000Z", "2025-01-15T10:00:00.000Z\n", "2025-01-15T1:00:00.000Z", "2025-01-15T10:00:00,000Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		// Accepted: a UTC instant of whole milliseconds in years 0–9999, which the canonical
		// encoding (what a chain's hash covers) writes and reads back unchanged.
		if tm.Location() != time.UTC || tm.Nanosecond()%int(time.Millisecond) != 0 || tm.Year() < 0 || tm.Year() > 9999 {
			t.Fatalf("%q parsed to %v", s, tm)
		}
		back, err := ParseTime(FormatTime(tm))
		if err != nil || !back.Equal(tm) {
			t.Fatalf("%q → %q → %v %v", s, FormatTime(tm), back, err)
		}
		if FormatTime(back) != FormatTime(tm) || len(FormatTime(tm)) != len(TimeLayout) {
			t.Fatalf("%q: written back as %q", s, FormatTime(tm))
		}
	})
}
