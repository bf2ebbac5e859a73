package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DigestInterval is how often the digest job runs (SPEC §1.1).
const DigestInterval = 5 * time.Minute

// DefaultDigestMaxBytes bounds the head lines of one digest, so that a digest with its head
// list fits one DynamoDB item (400 KB) with room to spare. A run that finds more moved heads
// records several consecutive digests.
const DefaultDigestMaxBytes = 256 << 10

// DigestHead is an account head as a digest records it.
type DigestHead struct {
	Account Account
	Seq     uint64
	Hash    string
}

// Digest anchors every account head that moved in a window: a hash over those heads, sorted by
// account, chained to the previous digest's hash. A chain rewritten after a digest no longer
// matches it, even when every hash in the chain was recomputed.
type Digest struct {
	Seq      uint64
	PrevHash string    // the previous digest's Hash; GenesisHash for digest 1
	At       time.Time // when the digest was taken
	Since    time.Time // heads that moved after this instant (the previous digest's cut-off)
	Heads    []DigestHead
	Hash     string
}

// AppendDigestEncoding appends the canonical encoding of d:
//
//	holdfast-ledger-digest/v1
//	seq=<seq>
//	prevHash=<previous digest's hash>
//	at=<at>
//	since=<since>
//	heads=<number of heads>
//	head=<account> <seq> <hash>          (one line per head, sorted by account, byte order)
func AppendDigestEncoding(b []byte, d Digest) []byte {
	b = append(b, DigestEncodingTag...)
	b = append(b, "\nseq="...)
	b = strconv.AppendUint(b, d.Seq, 10)
	b = append(b, "\nprevHash="...)
	b = append(b, d.PrevHash...)
	b = append(b, "\nat="...)
	b = AppendTime(b, d.At)
	b = append(b, "\nsince="...)
	b = AppendTime(b, d.Since)
	b = append(b, "\nheads="...)
	b = strconv.AppendInt(b, int64(len(d.Heads)), 10)
	b = append(b, '\n')
	return AppendDigestHeadLines(b, d.Heads)
}

// AppendDigestHeadLines appends the `head=` lines of a digest (the stored body of a digest).
func AppendDigestHeadLines(b []byte, heads []DigestHead) []byte {
	for _, h := range heads {
		b = appendHeadLine(b, h)
	}
	return b
}

func appendHeadLine(b []byte, h DigestHead) []byte {
	b = append(b, "head="...)
	b = append(b, h.Account...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, h.Seq, 10)
	b = append(b, ' ')
	b = append(b, h.Hash...)
	return append(b, '\n')
}

func headLineLen(h DigestHead) int {
	return len("head=") + len(h.Account) + 1 + len(strconv.FormatUint(h.Seq, 10)) + 1 + len(h.Hash) + 1
}

// ParseDigestHeadLines reads the `head=` lines AppendDigestHeadLines wrote.
func ParseDigestHeadLines(body string) ([]DigestHead, error) {
	if body == "" {
		return nil, nil
	}
	if !strings.HasSuffix(body, "\n") {
		return nil, fmt.Errorf("ledger: digest head lines do not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	out := make([]DigestHead, 0, len(lines))
	for i, line := range lines {
		rest, ok := strings.CutPrefix(line, "head=")
		fields := strings.Split(rest, " ")
		if !ok || len(fields) != 3 {
			return nil, fmt.Errorf("ledger: digest head line %d is not `head=<account> <seq> <hash>`", i+1)
		}
		seq, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ledger: digest head line %d: seq: %w", i+1, err)
		}
		out = append(out, DigestHead{Account: Account(fields[0]), Seq: seq, Hash: fields[2]})
	}
	return out, nil
}

// DigestHash is SHA-256 of d's canonical encoding, in hex. d.Hash itself is ignored.
func DigestHash(d Digest) string {
	sum := sha256.Sum256(AppendDigestEncoding(make([]byte, 0, 256+64*len(d.Heads)), d))
	return hex.EncodeToString(sum[:])
}

// Anchors are what d says about each account.
func (d Digest) Anchors() []Anchor {
	out := make([]Anchor, len(d.Heads))
	for i, h := range d.Heads {
		out[i] = Anchor{DigestSeq: d.Seq, Account: h.Account, Seq: h.Seq, Hash: h.Hash}
	}
	return out
}

// NewDigests builds the digests for one run: the heads that moved (sorted by account; an account
// listed more than once keeps its highest seq), chained after the digest prevSeq/prevHash
// (0 and GenesisHash before the first), split so that no digest's head lines exceed maxBytes
// (≤ 0: DefaultDigestMaxBytes). A run with nothing moved still records one, empty, digest.
func NewDigests(prevSeq uint64, prevHash string, at, since time.Time, heads []DigestHead, maxBytes int) []Digest {
	if maxBytes <= 0 {
		maxBytes = DefaultDigestMaxBytes
	}
	if prevHash == "" {
		prevHash = GenesisHash
	}
	sorted := slices.Clone(heads)
	slices.SortFunc(sorted, func(a, b DigestHead) int {
		if c := strings.Compare(string(a.Account), string(b.Account)); c != 0 {
			return c
		}
		return cmpUint(b.Seq, a.Seq) // highest seq first, kept by Compact below
	})
	sorted = slices.CompactFunc(sorted, func(a, b DigestHead) bool { return a.Account == b.Account })

	var out []Digest
	start, size := 0, 0
	flush := func(end int) {
		d := Digest{Seq: prevSeq + 1, PrevHash: prevHash, At: at.UTC(), Since: since.UTC(), Heads: sorted[start:end:end]}
		d.Hash = DigestHash(d)
		out = append(out, d)
		prevSeq, prevHash = d.Seq, d.Hash
		start, size = end, 0
	}
	for i, h := range sorted {
		n := headLineLen(h)
		if size > 0 && size+n > maxBytes {
			flush(i)
		}
		size += n
	}
	flush(len(sorted))
	return out
}

// DigestVerification is the outcome of verifying a run of consecutive digests.
type DigestVerification struct {
	Valid           bool    `json:"valid"`
	Digests         int     `json:"digests"`
	HeadSeq         uint64  `json:"headSeq"`
	HeadHash        string  `json:"headHash"`
	FirstInvalidSeq *uint64 `json:"firstInvalidSeq"`
	Reason          string  `json:"reason,omitempty"`
}

// VerifyDigests checks that digests (in seq order) form one chain starting after prevSeq with
// prevHash (0 and GenesisHash for the whole chain): consecutive seqs, each linked to the one
// before, each hashing to its Hash, heads sorted by account without repeats. Whether each head
// matches its account's chain is the chain verifier's part (Digest.Anchors).
func VerifyDigests(prevSeq uint64, prevHash string, digests []Digest) DigestVerification {
	if prevHash == "" {
		prevHash = GenesisHash
	}
	r := DigestVerification{Digests: len(digests), HeadSeq: prevSeq, HeadHash: prevHash}
	fail := func(seq uint64, format string, args ...any) DigestVerification {
		r.FirstInvalidSeq = &seq
		r.Reason = fmt.Sprintf(format, args...)
		return r
	}
	for _, d := range digests {
		switch {
		case d.Seq != prevSeq+1:
			return fail(prevSeq+1, "digest %d is missing (the next digest has seq %d)", prevSeq+1, d.Seq)
		case d.PrevHash != prevHash:
			return fail(d.Seq, "digest %d does not link to digest %d's hash", d.Seq, prevSeq)
		case DigestHash(d) != d.Hash:
			return fail(d.Seq, "digest %d does not hash to its hash", d.Seq)
		}
		for i := 1; i < len(d.Heads); i++ {
			if d.Heads[i-1].Account >= d.Heads[i].Account {
				return fail(d.Seq, "digest %d lists its heads out of order", d.Seq)
			}
		}
		prevSeq, prevHash = d.Seq, d.Hash
		r.HeadSeq, r.HeadHash = d.Seq, d.Hash
	}
	r.Valid = true
	return r
}
