package ledgerstore

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"holdfast/shared/ledger"
)

// The statement cursor comes back from the client (GET /api/v1/wallet/statement?cursor=), so
// its decoder is fuzzed. It is pure, but the package's TestMain starts the emulator, so a fuzz
// run here is slower to start than elsewhere. `go test -fuzz FuzzDecodeCursor
// ./shared/ledger/ledgerstore` explores beyond the seeds.

func FuzzDecodeCursor(f *testing.F) {
	b64 := base64.RawURLEncoding.EncodeToString
	for _, s := range []string{encodeCursor(1), encodeCursor(42), encodeCursor(18446744073709551615),
		b64([]byte(cursorPrefix + "0")), b64([]byte(cursorPrefix + "007")), b64([]byte(cursorPrefix + "+7")),
		b64([]byte(cursorPrefix + "-1")), b64([]byte(cursorPrefix + "18446744073709551616")), b64([]byte(cursorPrefix + "٤٢")),
		b64([]byte(cursorPrefix + "42\n")), b64([]byte("ledger.v2.42")), b64([]byte("digests.v1.42")),
		base64.URLEncoding.EncodeToString([]byte(cursorPrefix + "42")), base64.StdEncoding.EncodeToString([]byte(cursorPrefix + "4?>")),
		"", "!!", "../../etc/passwd", strings.Repeat("A", 4096)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		seq, err := decodeCursor(c)
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalidCursor) || seq != 0 {
				t.Fatalf("%q: %v %d", c, err, seq)
			}
			return
		}
		// Accepted: a cursor this store issues for a real entry (seq ≥ 1), carrying exactly the
		// canonical decimal of seq (the encoding may differ only in unused base64 bits).
		raw, derr := base64.RawURLEncoding.DecodeString(c)
		if seq == 0 || derr != nil || string(raw) != cursorPrefix+strconv.FormatUint(seq, 10) {
			t.Fatalf("%q (%q) accepted as %d", c, raw, seq)
		}
		if back, err := decodeCursor(encodeCursor(seq)); err != nil || back != seq {
			t.Fatalf("%d → %q → %d %v", seq, encodeCursor(seq), back, err)
		}
	})
}
