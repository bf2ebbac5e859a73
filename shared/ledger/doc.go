// Package ledger is Holdfast's double-entry ledger as plain values: accounts and their write
// shards, transactions whose postings always sum to zero, the canonical byte encoding and the
// SHA-256 hashes that chain every account's entries, the planning of the entries a transaction
// appends, chain verification, the whole-ledger audit and the digests that anchor every chain.
//
// Every account is its own hash chain. A transaction appends exactly one entry to the chain of
// each account it touches; an entry's hash covers the previous entry's hash, the entry's own
// fields and the transaction's hash, so an outside auditor can recompute any chain with the
// encoding in docs/ledger.md and sha256sum.
//
// The package decides; it never stores. It must never import the AWS SDK or do any I/O (the
// store in ledger/ledgerstore turns its decisions into one conditional TransactWriteItems), never
// use floating point for an amount, never round an amount it is given, and never change the
// canonical encoding of a version once written: a new encoding is a new version tag.
package ledger
