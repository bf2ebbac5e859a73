// Package apidoc serves the OpenAPI document (docs/openapi.yaml) the build embedded, so the
// running system describes exactly the API it was built with. It must never serve a document
// assembled at run time.
package apidoc

import (
	"context"
	"net/http"

	"holdfast/docs"
	"holdfast/shared/platform/httpapi"
)

// Handler answers GET /api/v1/openapi.yaml.
func Handler(_ context.Context, _ *httpapi.Deps) (httpapi.Handler, error) {
	return func(*http.Request) (*httpapi.Response, error) {
		h := http.Header{}
		h.Set("Content-Type", "application/yaml")
		h.Set("Cache-Control", "public, max-age=300")
		return &httpapi.Response{Status: http.StatusOK, Header: h, Body: docs.OpenAPI}, nil
	}, nil
}
