// Package ledgerapi is the ledger's edge: the HTTP handlers of the wallet and ledger routes
// (deposits, withdrawals, balance, statement, chain verification, digests) and the scheduled
// jobs (the 5-minute digest, the whole-ledger audit). Each handler decodes and validates its
// request, builds a ledger.Transaction with a deterministic ID, commits it through
// ledgerstore's one writer and renders the answer; ledger error codes become problems in one
// place (problems.go).
//
// It must never move money other than through ledgerstore.Store.Commit, check roles itself (the
// authz policy table does; handlers only ask RequireOwner), write audit records (the chain's
// decorator does), publish events (the stream relay derives them from committed records), or
// Scan on a request path (only the audit job does).
package ledgerapi
