// Package ledgerstore keeps the ledger in DynamoDB (the LENDING table) and holds THE ONE
// transaction writer: Store.Commit turns a ledger.Transaction into a single conditional
// TransactWriteItems — the transaction record under attribute_not_exists, one new entry per
// touched account, and each account head moved from seq n to n+1 under a condition on n (and,
// for a wallet, on its balance) — retrying a lost race from a fresh read with bounded, jittered
// backoff. It also serves the ledger's reads (heads, balances, statements, transactions), the
// account verifier, the whole-ledger audit, the digest job, and the stream mapper that turns
// committed ledger items into events.
//
// Keys and access patterns are documented in docs/ledger.md. The package must never move money
// any other way than Commit, update or delete an entry or a transaction record, read a head and
// write it back without a condition on its seq, Scan on a request path (only Audit scans), or
// publish an event itself: events are derived from the stream by the relay.
package ledgerstore
