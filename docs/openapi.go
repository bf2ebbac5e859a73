// Package docs holds documents the running system serves; today the OpenAPI description.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml, served at GET /api/v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
