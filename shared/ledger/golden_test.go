package ledger

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// The worked example of docs/ledger.md. Every hash below was computed with printf | sha256sum
// from the lines the doc shows (TestDocWorkedExample runs those commands), independently of this
// package's code.
const (
	goldenDepositID    = "dep-78015b28d2c1167bccdb6e340887b7e7"
	goldenWithdrawalID = "wdr-fc6cafa90e28ce3e03007b7cfa0bef65"
	goldenDepositHash  = "dc3da879fe971006a0cf2d78b747438dee73de1cd6d52058623d67fabdb34c27"
	goldenWithdrawHash = "c4cf4dcfc87e96f3b510fd8ed69d527667d9dc0556f3c6a754a2e47ed264833d"
	goldenExt07Entry1  = "b1df98a77672a22347c12643d26683ab8a52c216ae1dc8d283b040e45b4343a6"
	goldenWalletEntry1 = "0fac77a4e39bad9ee7a35b3c5cdefbc790b7f7bf78cd05903c1ef3d01715db69"
	goldenExt09Entry1  = "5680b812be8ec27049918effb112481d625978101412e622b1d505ddd9635272"
	goldenWalletEntry2 = "fd3afd054f246080c8dbea5dd6bf1876556c1683770c17caf20f2190b1ff3049"
	goldenDigest1      = "c043a2a053c1a6c6cf59c1f7e94f5f3b555e6e3337358fc8a2fa2e57db3a176d"
)

const goldenDepositEncoding = "holdfast-ledger-tx/v1\n" +
	"id=dep-78015b28d2c1167bccdb6e340887b7e7\n" +
	"type=DEPOSIT\n" +
	"at=2025-01-31T09:30:00.000Z\n" +
	"loanId=\n" +
	"installmentNo=\n" +
	"correlationId=corr-7f3a\n" +
	"actor=user-42\n" +
	"idempotencyKey=idem-0001\n" +
	"postings=1\n" +
	"posting=external#07 wallet:user-42 1500.00\n"

const goldenWalletEntry2Preimage = "0fac77a4e39bad9ee7a35b3c5cdefbc790b7f7bf78cd05903c1ef3d01715db69\n" +
	"holdfast-ledger-entry/v1\n" +
	"account=wallet:user-42\n" +
	"seq=2\n" +
	"txId=wdr-fc6cafa90e28ce3e03007b7cfa0bef65\n" +
	"delta=-200.50\n" +
	"balanceAfter=1299.50\n" +
	"at=2025-01-31T09:45:12.345Z\n" +
	"c4cf4dcfc87e96f3b510fd8ed69d527667d9dc0556f3c6a754a2e47ed264833d\n"

// goldenExample builds the worked example: a deposit of 1500.00 and a withdrawal of 200.5.
func goldenExample(t testing.TB) (dep, wdr Transaction, depEntries, wdrEntries []Entry) {
	t.Helper()
	sh, err := NewSharding(16)
	if err != nil {
		t.Fatal(err)
	}
	dep, err = sh.Prepare(Transaction{
		ID:       DeriveID("dep", "user-42", "idem-0001"),
		Type:     TypeDeposit,
		Postings: []Posting{{From: External, To: "wallet:user-42", Amount: decimal.RequireFromString("1500.00")}},
		Meta:     Meta{CorrelationID: "corr-7f3a", Actor: "user-42", IdempotencyKey: "idem-0001"},
		At:       time.Date(2025, 1, 31, 15, 0, 0, 0, time.FixedZone("IST", 5*3600+1800)), // 09:30Z
	})
	if err != nil {
		t.Fatal(err)
	}
	depEntries, err = Plan(dep, TxHash(dep), nil)
	if err != nil {
		t.Fatal(err)
	}
	wdr, err = sh.Prepare(Transaction{
		ID:       DeriveID("wdr", "user-42", "idem-0002"),
		Type:     TypeWithdrawal,
		Postings: []Posting{{From: "wallet:user-42", To: External, Amount: decimal.RequireFromString("200.5")}},
		Meta:     Meta{CorrelationID: "corr-91bc", Actor: "user-42", IdempotencyKey: "idem-0002"},
		At:       time.Date(2025, 1, 31, 9, 45, 12, 345_678_901, time.UTC), // truncated to .345
	})
	if err != nil {
		t.Fatal(err)
	}
	heads := map[Account]Head{}
	for _, e := range depEntries {
		heads[e.Account] = e.Head()
	}
	wdrEntries, err = Plan(wdr, TxHash(wdr), heads)
	if err != nil {
		t.Fatal(err)
	}
	return dep, wdr, depEntries, wdrEntries
}

func TestGoldenWorkedExample(t *testing.T) {
	dep, wdr, depEntries, wdrEntries := goldenExample(t)
	if dep.ID != goldenDepositID || wdr.ID != goldenWithdrawalID {
		t.Fatalf("derived IDs %s %s", dep.ID, wdr.ID)
	}
	if got := string(AppendTxEncoding(nil, dep)); got != goldenDepositEncoding {
		t.Fatalf("deposit encoding:\n%s\nwant:\n%s", got, goldenDepositEncoding)
	}
	if got := TxHash(dep); got != goldenDepositHash {
		t.Errorf("deposit hash %s", got)
	}
	if got := TxHash(wdr); got != goldenWithdrawHash {
		t.Errorf("withdrawal hash %s", got)
	}
	want := []struct {
		e    Entry
		acct Account
		seq  uint64
		bal  string
		hash string
	}{
		{depEntries[0], "external#07", 1, "-1500.00", goldenExt07Entry1},
		{depEntries[1], "wallet:user-42", 1, "1500.00", goldenWalletEntry1},
		{wdrEntries[0], "external#09", 1, "200.50", goldenExt09Entry1},
		{wdrEntries[1], "wallet:user-42", 2, "1299.50", goldenWalletEntry2},
	}
	for _, w := range want {
		if w.e.Account != w.acct || w.e.Seq != w.seq || FormatAmount(w.e.BalanceAfter) != w.bal || w.e.Hash != w.hash {
			t.Errorf("entry %s/%d: balance %s hash %s; want %s %s", w.e.Account, w.e.Seq,
				FormatAmount(w.e.BalanceAfter), w.e.Hash, w.bal, w.hash)
		}
		if EntryHash(w.e) != w.e.Hash {
			t.Errorf("EntryHash disagrees with Plan for %s/%d", w.e.Account, w.e.Seq)
		}
	}
	if got := string(AppendEntryPreimage(nil, wdrEntries[1])); got != goldenWalletEntry2Preimage {
		t.Fatalf("entry preimage:\n%s\nwant:\n%s", got, goldenWalletEntry2Preimage)
	}
	ds := NewDigests(0, "", time.Date(2025, 1, 31, 9, 50, 0, 0, time.UTC), time.Unix(0, 0), []DigestHead{
		{Account: "wallet:user-42", Seq: 1, Hash: goldenWalletEntry1}, // superseded by seq 2 below
		wdrEntries[1].digestHead(), depEntries[0].digestHead(), wdrEntries[0].digestHead(),
	}, 0)
	if len(ds) != 1 || ds[0].Hash != goldenDigest1 || len(ds[0].Heads) != 3 {
		t.Fatalf("digest: %+v", ds)
	}
}

func (e Entry) digestHead() DigestHead {
	return DigestHead{Account: e.Account, Seq: e.Seq, Hash: e.Hash}
}

func TestGoldenAmountsAndTimes(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0.00", "-0": "0.00", "0.5": "0.50", "-0.5": "-0.50", "1500": "1500.00", "1.500": "1.50",
		"-1234567.89": "-1234567.89", "999999999999.99": "999999999999.99",
		"123456789012345678901234.5": "123456789012345678901234.50", // beyond the fast path
		"1e3":                        "1000.00", "-0.000": "0.00",
	} {
		if got := FormatAmount(decimal.RequireFromString(in)); got != want {
			t.Errorf("FormatAmount(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[time.Time]string{
		time.Date(2025, 1, 31, 9, 30, 0, 0, time.UTC):                      "2025-01-31T09:30:00.000Z",
		time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, time.UTC):          "2024-02-29T23:59:59.999Z",
		time.Date(2025, 1, 1, 5, 29, 0, 7e6, time.FixedZone("IST", 19800)): "2024-12-31T23:59:00.007Z",
		time.Unix(0, 0): "1970-01-01T00:00:00.000Z",
	} {
		if got := FormatTime(in); got != want {
			t.Errorf("FormatTime(%v) = %s, want %s", in, got, want)
		}
		back, err := ParseTime(want)
		if err != nil || FormatTime(back) != want {
			t.Errorf("ParseTime(%s) = %v, %v", want, back, err)
		}
	}
	// DeriveID is printf '<len>:<part>,…' | sha256sum, first 32 hex digits.
	if got := DeriveID("dep", "user-42", "idem-0001"); got != goldenDepositID {
		t.Errorf("DeriveID = %s", got)
	}
	if DeriveID("x", "a,b", "c") == DeriveID("x", "a", "b,c") || DeriveID("x", "ab") == DeriveID("x", "a", "b") {
		t.Error("DeriveID part lists collide")
	}
}
