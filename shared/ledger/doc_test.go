package ledger

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDocWorkedExample runs every shell block of docs/ledger.md and compares its output with
// the text block that follows it, and checks the hashes the doc shows are this package's golden
// vectors — so the documented encoding cannot drift from the code.
func TestDocWorkedExample(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	doc, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "docs", "ledger.md"))
	if err != nil {
		t.Fatalf("read docs/ledger.md: %v", err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("the worked example needs bash and sha256sum (coreutils) on PATH")
	}
	blocks := fencedBlocks(string(doc))
	ran := 0
	for i := 0; i < len(blocks); i++ {
		if blocks[i].lang != "sh" {
			continue
		}
		if i+1 >= len(blocks) || blocks[i+1].lang != "text" {
			t.Fatalf("shell block %q is not followed by its expected output", firstLine(blocks[i].body))
		}
		cmd := exec.Command(bash, "-c", "set -euo pipefail\n"+blocks[i].body)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("run %q: %v\n%s", firstLine(blocks[i].body), err, stderr.String())
		}
		if got, want := strings.TrimSpace(out.String()), strings.TrimSpace(blocks[i+1].body); got != want {
			t.Errorf("%q printed\n%s\nthe doc says\n%s", firstLine(blocks[i].body), got, want)
		}
		ran++
	}
	if ran < 6 {
		t.Fatalf("only %d shell blocks found in docs/ledger.md", ran)
	}
	for name, h := range map[string]string{
		"deposit id": goldenDepositID, "deposit hash": goldenDepositHash, "withdrawal hash": goldenWithdrawHash,
		"wallet entry 1": goldenWalletEntry1, "external#07 entry 1": goldenExt07Entry1,
		"external#09 entry 1": goldenExt09Entry1, "wallet entry 2": goldenWalletEntry2, "digest 1": goldenDigest1,
	} {
		if !strings.Contains(string(doc), h) {
			t.Errorf("docs/ledger.md does not show the %s %s", name, h)
		}
	}
}

type fenced struct{ lang, body string }

func fencedBlocks(doc string) []fenced {
	var out []fenced
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			if ok { // an unlabelled block: skip to its end
				for i++; i < len(lines) && lines[i] != "```"; i++ {
				}
			}
			continue
		}
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		out = append(out, fenced{lang: lang, body: strings.Join(body, "\n")})
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
