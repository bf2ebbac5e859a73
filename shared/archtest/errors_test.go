package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// isHTTP matches what a domain package must not know: HTTP, and the package that renders errors
// as HTTP problems. The domain says what went wrong with an errs.Error; only the problem package
// turns its kind into a status.
func isHTTP(path string) bool {
	return path == "net/http" || path == "holdfast/shared/platform/problem" || path == "holdfast/shared/platform/httpapi"
}

func TestDomainPackagesKnowNoHTTP(t *testing.T) {
	root := repoRoot(t)
	for _, pkg := range existing(t, root, domainPackages) {
		if bad := depsMatching(t, root, pkg, isHTTP); len(bad) > 0 {
			t.Errorf("%s is a domain package but depends on %v: return an errs.Error and let the problem package pick the status", pkg, bad)
		}
	}
}

// Nor do their tests: a domain test checks an error's kind and code, never a status.
func TestDomainTestsKnowNoHTTP(t *testing.T) {
	root := repoRoot(t)
	for _, pkg := range existing(t, root, domainPackages) {
		cmd := exec.Command("go", "list", "-f", `{{join .TestImports "\n"}}{{"\n"}}{{join .XTestImports "\n"}}`, "./"+pkg)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, imp := range strings.Fields(string(out)) {
			if isHTTP(imp) {
				t.Errorf("a test of domain package %s imports %s: check errs.KindOf / errs.CodeOf instead", pkg, imp)
			}
		}
	}
}

// The rule must be able to fail: a deliberate violation in testdata is caught.
func TestTheHTTPRuleCatchesAViolation(t *testing.T) {
	bad := depsMatching(t, repoRoot(t), "shared/archtest/testdata/httpdomain", isHTTP)
	if !slices.Contains(bad, "net/http") || !slices.Contains(bad, "holdfast/shared/platform/problem") {
		t.Fatalf("the HTTP rule missed the violation in testdata/httpdomain: %v", bad)
	}
}
