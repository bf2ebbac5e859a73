package httpapi

import (
	"holdfast/shared/platform/errs"
	"net/http"
	"slices"
	"sort"
)

// Query returns the request's query parameters, each at most once, rejecting any parameter not
// in allowed (one field error per offending name).
func Query(r *http.Request, allowed ...string) (map[string]string, error) {
	values := r.URL.Query()
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	var v errs.Validator
	out := make(map[string]string, len(values))
	for _, k := range names {
		switch {
		case !slices.Contains(allowed, k):
			v.Add(k, "is not a known parameter")
		case len(values[k]) > 1:
			v.Add(k, "must be given at most once")
		default:
			out[k] = values[k][0]
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
