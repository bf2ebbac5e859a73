package ledger

import (
	"errors"
	"strings"
	"testing"
)

func TestAccountKinds(t *testing.T) {
	cases := []struct {
		a        Account
		kind     Kind
		physical bool
		negative bool
		base     Account
		owner    string
	}{
		{"wallet:user-42", KindWallet, true, false, "wallet:user-42", "user-42"},
		{"wallet:auth0|abc.def@x", KindWallet, true, false, "wallet:auth0|abc.def@x", "auth0|abc.def@x"},
		{"loan:L-1", KindLoan, true, true, "loan:L-1", "L-1"},
		{"external", KindSystem, false, true, "external", ""},
		{"external#07", KindSystem, true, true, "external", ""},
		{"interest-income#99", KindSystem, true, true, "interest-income", ""},
		{"penalty-income#00", KindSystem, true, true, "penalty-income", ""},
		{"fee-income", KindSystem, false, true, "fee-income", ""},
		{"wallet:", KindInvalid, false, true, "wallet:", ""},
		{"wallet:a b", KindInvalid, false, true, "wallet:a b", ""},
		{"wallet:a#01", KindInvalid, false, true, "wallet:a#01", ""},
		{"loan:" + Account(strings.Repeat("x", 129)), KindInvalid, false, true, "", ""},
		{"external#7", KindInvalid, false, true, "external#7", ""},
		{"external#100", KindInvalid, false, true, "external#100", ""},
		{"bank#01", KindInvalid, false, true, "bank#01", ""},
		{"", KindInvalid, false, true, "", ""},
	}
	for _, c := range cases {
		if got := c.a.Kind(); got != c.kind {
			t.Errorf("%q.Kind() = %v, want %v", c.a, got, c.kind)
		}
		if got := c.a.Physical(); got != c.physical {
			t.Errorf("%q.Physical() = %v", c.a, got)
		}
		if got := c.a.MayGoNegative(); got != c.negative {
			t.Errorf("%q.MayGoNegative() = %v", c.a, got)
		}
		if c.kind != KindInvalid {
			if got := c.a.Base(); got != c.base {
				t.Errorf("%q.Base() = %q", c.a, got)
			}
			if got := c.a.Owner(); got != c.owner {
				t.Errorf("%q.Owner() = %q", c.a, got)
			}
		}
	}
	if n, ok := Account("external#07").Shard(); !ok || n != 7 {
		t.Errorf("Shard = %d %v", n, ok)
	}
	if _, ok := Account("external").Shard(); ok {
		t.Error("a logical account has no shard")
	}
}

func TestAccountConstructors(t *testing.T) {
	if a, err := Wallet("u1"); err != nil || a != "wallet:u1" {
		t.Fatalf("Wallet: %v %v", a, err)
	}
	if a, err := Loan("L1"); err != nil || a != "loan:L1" {
		t.Fatalf("Loan: %v %v", a, err)
	}
	for _, bad := range []string{"", "a/b", "a#b", "a b", "é", strings.Repeat("x", 129)} {
		if _, err := Wallet(bad); !errors.Is(err, ErrInvalidAccount) {
			t.Errorf("Wallet(%q) = %v", bad, err)
		}
	}
	if _, err := ParseAccount("nope"); !errors.Is(err, ErrInvalidAccount) {
		t.Error("ParseAccount accepted nope")
	}
	if _, err := ShardAccount("wallet:x", 1); err == nil {
		t.Error("ShardAccount of a wallet")
	}
	if _, err := ShardAccount(External, 100); err == nil {
		t.Error("shard 100")
	}
	all, err := AllShards(FeeIncome)
	if err != nil || len(all) != MaxShards || all[0] != "fee-income#00" || all[99] != "fee-income#99" {
		t.Fatalf("AllShards: %v %v", all, err)
	}
}

func TestSharding(t *testing.T) {
	if _, err := NewSharding(101); err == nil {
		t.Error("101 shards accepted")
	}
	if _, err := NewSharding(-1); err == nil {
		t.Error("-1 shards accepted")
	}
	def, _ := NewSharding(0)
	if def.Count() != DefaultShards || (Sharding{}).Count() != DefaultShards {
		t.Fatal("default shard count")
	}
	one, _ := NewSharding(1)
	counts := make(map[Account]int)
	for i := 0; i < 1600; i++ {
		id := DeriveID("t", string(rune('a'+i%26)), string(rune(i)))
		a := def.Resolve(External, id)
		if a != def.Resolve(External, id) {
			t.Fatal("Resolve is not deterministic")
		}
		counts[a]++
		if got := one.Resolve(External, id); got != "external#00" {
			t.Fatalf("one shard: %s", got)
		}
	}
	if len(counts) != DefaultShards {
		t.Fatalf("1600 IDs used %d of %d shards", len(counts), DefaultShards)
	}
	for a, c := range counts {
		if c < 50 || c > 150 {
			t.Errorf("shard %s got %d of 1600", a, c)
		}
	}
	if got := def.Resolve("wallet:u", "x"); got != "wallet:u" {
		t.Error("Resolve changed a wallet")
	}
	if got := def.Resolve("external#03", "x"); got != "external#03" {
		t.Error("Resolve changed a shard")
	}
}
