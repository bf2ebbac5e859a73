// Package httpdomain is a deliberate violation for archtest: a "domain" package that answers in
// HTTP terms, as shared/lending once did with problem.New(403, …). It is never built into the
// product (testdata is outside ./...).
package httpdomain

import (
	"net/http"

	"holdfast/shared/platform/problem"
)

// Approve refuses in HTTP terms.
func Approve(self bool) error {
	if self {
		return problem.From(nil)
	}
	_ = http.StatusForbidden
	return nil
}
