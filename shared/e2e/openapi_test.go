package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"holdfast/shared/localcloud/stack"
)

var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	spec.once.Do(func() {
		loader := openapi3.NewLoader()
		spec.doc, spec.err = loader.LoadFromFile(filepath.Join(repoDir, "docs", "openapi.yaml"))
		if spec.err != nil {
			return
		}
		if spec.err = spec.doc.Validate(context.Background()); spec.err != nil {
			return
		}
		spec.doc.Servers = nil // match paths on whatever port the local cloud took
		spec.router, spec.err = legacy.NewRouter(spec.doc)
	})
	if spec.err != nil {
		t.Fatalf("docs/openapi.yaml: %v", spec.err)
	}
	return spec.doc, spec.router
}

// checkAgainstSpec validates a real response against the OpenAPI document: the operation must
// be documented, and the status, headers and body must match what it says.
func checkAgainstSpec(t testing.TB, req *http.Request, resp response) {
	t.Helper()
	_, router := loadSpec(t)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in docs/openapi.yaml: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body:    io.NopCloser(bytes.NewReader(resp.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("%s %s → %d does not match docs/openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.Status, err, resp.Body)
	}
}

func TestEveryTemplateRouteIsDocumented(t *testing.T) {
	doc, _ := loadSpec(t)
	tpl, err := stack.Load(filepath.Join(repoDir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	routes, err := tpl.HTTPRoutes()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		item := doc.Paths.Find(r.Path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s is in template.yaml but not in docs/openapi.yaml", r.RouteKey())
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			found := false
			for _, r := range routes {
				found = found || (r.Path == path && strings.EqualFold(r.Method, method))
			}
			if !found {
				t.Errorf("%s %s is documented but no function serves it", method, path)
			}
		}
	}
}

func TestOpenAPIDocumentIsServed(t *testing.T) {
	resp := call(t, "GET", "/api/v1/openapi.yaml", "", nil)
	if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("GET openapi.yaml: %d %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if _, err := openapi3.NewLoader().LoadFromData(resp.Body); err != nil {
		t.Fatalf("served document does not load: %v", err)
	}
}
