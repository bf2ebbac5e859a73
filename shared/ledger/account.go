package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Account is the ID of one ledger account and of its chain, as stored and hashed:
//
//	wallet:<userId>        a customer's wallet; may not go negative
//	loan:<loanId>          a loan's receivable; negative while principal is owed
//	<system>#NN            shard NN (00–99) of a system account: interest-income,
//	                       penalty-income, fee-income, external
//
// A system account named without a shard ("external") is a logical account: transactions may
// name it, and Sharding.Prepare replaces it with one of its shards before anything is hashed.
// Its balance is the sum of its shards.
type Account string

// Kinds of account.
type Kind int

const (
	KindInvalid Kind = iota
	KindWallet
	KindLoan
	KindSystem
)

// The system accounts (logical names; their chains are the shards).
const (
	InterestIncome Account = "interest-income"
	PenaltyIncome  Account = "penalty-income"
	FeeIncome      Account = "fee-income"
	// External is money entering or leaving the platform (deposits, withdrawals); its balance is
	// minus the money held inside.
	External Account = "external"
)

// SystemAccounts lists the logical system accounts.
func SystemAccounts() []Account {
	return []Account{InterestIncome, PenaltyIncome, FeeIncome, External}
}

const (
	walletPrefix = "wallet:"
	loanPrefix   = "loan:"
	// MaxOwnerIDLen bounds a user or loan ID inside an account ID.
	MaxOwnerIDLen = 128
	// DefaultShards is the number of write shards of each system account unless configured.
	DefaultShards = 16
	// MaxShards bounds the shard count: shard numbers are two digits.
	MaxShards = 100
)

// Wallet is the wallet account of a user.
func Wallet(userID string) (Account, error) { return owned(walletPrefix, userID) }

// Loan is the receivable account of a loan.
func Loan(loanID string) (Account, error) { return owned(loanPrefix, loanID) }

func owned(prefix, id string) (Account, error) {
	if !ValidOwnerID(id) {
		return "", invalidAccount(fmt.Sprintf("%q is not a valid ID: 1–%d characters of A–Z a–z 0–9 . _ : @ | + = -", id, MaxOwnerIDLen))
	}
	return Account(prefix + id), nil
}

// ValidOwnerID reports whether id may name a wallet's user or a loan: 1–128 characters of
// A–Z a–z 0–9 and . _ : @ | + = - (no spaces, '#', '/', or anything that needs escaping).
func ValidOwnerID(id string) bool {
	if id == "" || len(id) > MaxOwnerIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !ownerIDByte(id[i]) {
			return false
		}
	}
	return true
}

func ownerIDByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '.', '_', ':', '@', '|', '+', '=', '-':
		return true
	}
	return false
}

// ParseAccount checks s is an account ID, logical or physical.
func ParseAccount(s string) (Account, error) {
	a := Account(s)
	if a.Kind() == KindInvalid {
		return "", invalidAccount(fmt.Sprintf("%q is not a ledger account", s))
	}
	return a, nil
}

// Kind says what the account is; KindInvalid for anything else.
func (a Account) Kind() Kind {
	s := string(a)
	switch {
	case strings.HasPrefix(s, walletPrefix):
		if ValidOwnerID(s[len(walletPrefix):]) {
			return KindWallet
		}
	case strings.HasPrefix(s, loanPrefix):
		if ValidOwnerID(s[len(loanPrefix):]) {
			return KindLoan
		}
	default:
		base, _, sharded := a.split()
		if isSystem(base) && (sharded || base == a) {
			return KindSystem
		}
	}
	return KindInvalid
}

func isSystem(a Account) bool {
	switch a {
	case InterestIncome, PenaltyIncome, FeeIncome, External:
		return true
	}
	return false
}

// split parses "<base>#NN"; sharded is false when there is no well-formed shard suffix.
func (a Account) split() (base Account, shard int, sharded bool) {
	s := string(a)
	i := strings.LastIndexByte(s, '#')
	if i < 0 || len(s)-i != 3 || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
		return a, 0, false
	}
	return Account(s[:i]), int(s[i+1]-'0')*10 + int(s[i+2]-'0'), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Valid reports whether a is an account ID.
func (a Account) Valid() bool { return a.Kind() != KindInvalid }

// Physical reports whether a names a chain: a wallet, a loan or a shard of a system account.
func (a Account) Physical() bool {
	switch a.Kind() {
	case KindWallet, KindLoan:
		return true
	case KindSystem:
		_, _, sharded := a.split()
		return sharded
	}
	return false
}

// Base is the logical account: the system account a shard belongs to, else a itself.
func (a Account) Base() Account {
	if a.Kind() != KindSystem {
		return a
	}
	base, _, _ := a.split()
	return base
}

// Shard is the shard number of a system account's shard; ok is false for anything else.
func (a Account) Shard() (n int, ok bool) {
	if a.Kind() != KindSystem {
		return 0, false
	}
	_, n, ok = a.split()
	return n, ok
}

// Owner is the user ID of a wallet or the loan ID of a loan; empty for a system account.
func (a Account) Owner() string {
	switch a.Kind() {
	case KindWallet:
		return string(a)[len(walletPrefix):]
	case KindLoan:
		return string(a)[len(loanPrefix):]
	}
	return ""
}

// MayGoNegative reports whether the account's balance may fall below zero. Wallets may not;
// a loan's receivable is negative while owed, and system accounts hold the other side.
func (a Account) MayGoNegative() bool { return a.Kind() != KindWallet }

// ShardAccount is shard n of a system account.
func ShardAccount(base Account, n int) (Account, error) {
	if !isSystem(base) {
		return "", invalidAccount(fmt.Sprintf("%q is not a system account", base))
	}
	if n < 0 || n >= MaxShards {
		return "", invalidAccount(fmt.Sprintf("shard %d is outside 0–%d", n, MaxShards-1))
	}
	return Account(string(base) + "#" + twoDigits(n)), nil
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// AllShards lists every shard a system account can have (00–99), whatever the configured
// count: a balance summed over all of them stays right if the count is ever changed.
func AllShards(base Account) ([]Account, error) {
	out := make([]Account, 0, MaxShards)
	for n := 0; n < MaxShards; n++ {
		a, err := ShardAccount(base, n)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Sharding is how many write shards each system account is spread over. A transaction's shard
// is a pure function of its ID, so a retried transaction always lands on the same shard.
type Sharding struct {
	count int
}

// NewSharding returns a Sharding over count shards (1–100); 0 means DefaultShards.
func NewSharding(count int) (Sharding, error) {
	if count == 0 {
		count = DefaultShards
	}
	if count < 1 || count > MaxShards {
		return Sharding{}, fmt.Errorf("ledger: shard count %d is outside 1–%d", count, MaxShards)
	}
	return Sharding{count: count}, nil
}

// Count is the number of shards; the zero Sharding has DefaultShards.
func (s Sharding) Count() int {
	if s.count == 0 {
		return DefaultShards
	}
	return s.count
}

// ShardFor is the shard a transaction's postings to logical system accounts use: the first
// eight bytes of SHA-256(txID), big-endian, modulo the count.
func (s Sharding) ShardFor(txID string) int {
	sum := sha256.Sum256([]byte(txID))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(s.Count()))
}

// Resolve replaces a logical system account by the shard txID uses; every other account is
// returned unchanged.
func (s Sharding) Resolve(a Account, txID string) Account {
	if a.Kind() != KindSystem || a.Physical() {
		return a
	}
	shard, err := ShardAccount(a, s.ShardFor(txID))
	if err != nil { // unreachable: a is a system account and the shard is in range
		return a
	}
	return shard
}
