package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// configPackage is the one place product and platform code learns its environment.
const configPackage = "shared/platform/config/"

// envReaders may read the process environment although they are not package config: they are
// the local cloud and the operator CLI configuring themselves and the emulator, never code a
// deployed function runs. Each entry says why; an entry that no longer reads the environment
// fails the test, so the list cannot go stale.
var envReaders = map[string]string{
	"shared/localcloud/lambdaruntime/env.go":                "the local cloud's own region as the functions' default, and the PATH and HOME a function process needs to run",
	"shared/localcloud/lambdaruntime/testdata/echo/main.go": "a fixture function for the runtime's tests that reports the environment it was given",
	"shared/localcloud/emulator/emulator.go":                "which DynamoDB the emulator serves and where moto_server and Python are (HOLDFAST_DYNAMODB, HOLDFAST_DYNAMODB_RECORD, MOTO_SERVER, HOLDFAST_PYTHON)",
	"shared/localcloud/emulator/plainmoto.go":               "the operator's consent to a plain moto_server (HOLDFAST_ALLOW_PLAIN_MOTO)",
	"cmd/holdfast/main.go":                                  "the operator CLI's flag defaults (FRESH, HOLDFAST_*_ADDR, HOLDFAST_URL, HOLDFAST_VERSION, LENDING_TABLE, AWS_ENDPOINT_URL, HOLDFAST_CPUPROFILE)",
}

// envFuncs are the standard library's ways into the process environment.
var envFuncs = map[string][]string{
	"os":      {"Getenv", "LookupEnv", "Environ", "ExpandEnv"},
	"syscall": {"Getenv", "Environ"},
}

// envReads lists each use of envFuncs in one Go source file (a call, or the function passed as a
// value, as in FromEnv(os.Getenv)), as "file:line: os.Getenv".
func envReads(fset *token.FileSet, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	local := map[string]string{} // name the file gives the package → import path
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if _, ok := envFuncs[path]; !ok {
			continue
		}
		n := path
		if imp.Name != nil {
			n = imp.Name.Name
		}
		if n == "." {
			return []string{fmt.Sprintf("%s: dot-imports %q", fset.Position(imp.Pos()), path)}, nil
		}
		local[n] = path
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if path, ok := local[id.Name]; ok && slices.Contains(envFuncs[path], sel.Sel.Name) {
			out = append(out, fmt.Sprintf("%s: %s.%s", fset.Position(sel.Pos()), path, sel.Sel.Name))
		}
		return true
	})
	return out, nil
}

// goSources lists the repository's non-test Go files, relative to root, slash-separated.
func goSources(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "vendor" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestOnlyConfigReadsTheEnvironment: every variable a function needs is a field of
// config.Config, validated once at start-up (issue 10); reading it anywhere else brings back
// unvalidated, scattered configuration.
func TestOnlyConfigReadsTheEnvironment(t *testing.T) {
	root := repoRoot(t)
	fset := token.NewFileSet()
	stillReading := map[string]bool{}
	checked := 0
	for _, rel := range goSources(t, root) {
		reads, err := envReads(fset, filepath.Join(root, rel), nil)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if len(reads) == 0 {
			continue
		}
		if strings.HasPrefix(rel, configPackage) {
			continue
		}
		if _, ok := envReaders[rel]; ok {
			stillReading[rel] = true
			continue
		}
		for _, r := range reads {
			t.Errorf("%s: read the environment in package config (a config.Config field) and pass it in", r)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d Go files found under %s; the walk is broken", checked, root)
	}
	for rel := range envReaders {
		if !stillReading[rel] {
			t.Errorf("%s is allowed to read the environment but no longer does (or is gone): drop it from envReaders", rel)
		}
	}
}

// The scan must be able to fail: it sees a call, a function value, an aliased import and
// syscall, and not a comment or a method of the same name.
func TestTheEnvironmentScanFindsReads(t *testing.T) {
	src := `package p

import (
	"os"
	sys "syscall"
)

// os.Getenv in a comment is not a read.
func a() string { return os.Getenv("A") }
func b() (string, bool) { return sys.Getenv("B") }
func c(get func(string) string) string { return get("C") }
func d() string { return c(os.Getenv) }
func e(x interface{ Getenv(string) string }) string { return x.Getenv("E") }
`
	reads, err := envReads(token.NewFileSet(), "p.go", src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"p.go:9:26: os.Getenv", "p.go:10:34: syscall.Getenv", "p.go:12:28: os.Getenv"}
	if !slices.Equal(reads, want) {
		t.Fatalf("got %q, want %q", reads, want)
	}
}
