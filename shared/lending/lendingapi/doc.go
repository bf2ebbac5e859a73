// Package lendingapi holds the lending product's HTTP handlers: each decodes and validates
// its request, asks package lending for the decision, commits it through package lendingstore
// and renders the answer. It must never hold business rules, check roles itself (the authz
// policy table does), or write audit records (the chain's decorator does).
package lendingapi
