// Package archtest holds tests about the shape of the code base itself.
package archtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// domainPackages decide things with plain values and no I/O (DESIGN.md: functional core).
var domainPackages = []string{"shared/money", "shared/ledger", "shared/lending", "shared/clinic", "shared/notify"}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// isAWSSDK matches the AWS SDK's packages.
func isAWSSDK(path string) bool {
	return strings.HasPrefix(path, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(path, "github.com/aws/smithy-go")
}

// awsImports lists the AWS SDK packages pkg depends on, directly or not.
func awsImports(t *testing.T, root, pkg string) []string { return depsMatching(t, root, pkg, isAWSSDK) }

// depsMatching lists the packages pkg depends on, directly or not, that match.
func depsMatching(t *testing.T, root, pkg string, match func(importPath string) bool) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath", "./"+pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list %s: %v\n%s", pkg, err, stderr)
	}
	var bad []string
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct{ ImportPath string }
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if match(p.ImportPath) {
			bad = append(bad, p.ImportPath)
		}
	}
	return bad
}

func TestDomainPackagesDoNotImportTheAWSSDK(t *testing.T) {
	root := repoRoot(t)
	for _, pkg := range existing(t, root, domainPackages) {
		if bad := awsImports(t, root, pkg); len(bad) > 0 {
			t.Errorf("%s is a domain package but depends on the AWS SDK: %v", pkg, bad)
		}
	}
}

// existing is the packages of pkgs that are in the tree (a product not built yet has none); it
// fails when none is, as the list is then stale.
func existing(t *testing.T, root string, pkgs []string) []string {
	t.Helper()
	var out []string
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(root, pkg)); err == nil {
			out = append(out, pkg)
		}
	}
	if len(out) == 0 {
		t.Fatal("no domain package found; the list is stale")
	}
	return out
}

// The check itself must be able to fail: a package known to talk to AWS is caught.
func TestTheImportCheckDetectsTheSDK(t *testing.T) {
	if bad := awsImports(t, repoRoot(t), "shared/platform/wsconn"); len(bad) == 0 {
		t.Fatal("import check found no AWS SDK in shared/platform/wsconn, which uses it")
	}
}
