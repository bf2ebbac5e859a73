package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"testing"
)

// logMethods are the slog calls whose arguments are key-value pairs (and the attribute
// constructors, whose first argument is a key).
var logMethods = []string{"Debug", "Info", "Warn", "Error", "DebugContext", "InfoContext", "WarnContext", "ErrorContext",
	"Log", "With", "Any", "String", "Group"}

// errKeys lists the log calls in one file that use "err" as a key instead of "error".
func errKeys(fset *token.FileSet, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !slices.Contains(logMethods, sel.Sel.Name) {
			return true
		}
		for _, a := range call.Args {
			if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING && lit.Value == `"err"` {
				out = append(out, fmt.Sprintf("%s: %s(…, \"err\", …)", fset.Position(lit.Pos()), sel.Sel.Name))
			}
		}
		return true
	})
	return out, nil
}

// TestErrorsAreLoggedUnderOneKey: package logging documents "error" as the key of a logged
// error, so one query over the logs finds every failure.
func TestErrorsAreLoggedUnderOneKey(t *testing.T) {
	root := repoRoot(t)
	fset := token.NewFileSet()
	for _, rel := range goSources(t, root) {
		found, err := errKeys(fset, filepath.Join(root, rel), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range found {
			t.Errorf("%s: log the error under \"error\"", f)
		}
	}
}

func TestTheLogKeyScanFindsErr(t *testing.T) {
	src := `package p

func f(log logger, err error) {
	log.ErrorContext(ctx, "claim failed", "err", err)
	log.Warn("ok", "error", err)
	_ = slog.Any("err", err)
	_ = fmt.Sprint("err", err)
}
`
	found, err := errKeys(token.NewFileSet(), "p.go", src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`p.go:4:40: ErrorContext(…, "err", …)`, `p.go:6:15: Any(…, "err", …)`}
	if !slices.Equal(found, want) {
		t.Fatalf("got %q, want %q", found, want)
	}
}
