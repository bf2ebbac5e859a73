// Package lendingstore persists the lending product's decisions in LENDING_TABLE (single-table
// design; keys in docs/data-model.md). Every read-modify-write is a conditional write on a
// version or on absence, retried from a fresh read when it loses a race. It must never decide
// business rules (package lending does), Scan, or write without a condition.
package lendingstore
