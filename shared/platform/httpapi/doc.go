// Package httpapi is the request half of every HTTP route: the handler and middleware types,
// strict JSON decoding and query validation, the claims and correlation steps of the chain,
// the client's source IP, and the single place a result or error becomes an HTTP response.
// It must never contain business rules, build a problem body by hand (package problem does),
// trust a header it has not checked, or let internal error text reach a client.
package httpapi
