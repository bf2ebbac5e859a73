// Package lending holds the lending product's rules as plain values and pure functions:
// profiles and credit scores, and (as they are built) loans, schedules, penalties and quotes.
// It decides; stores (package lendingstore) persist decisions with conditional writes and
// handlers (package lendingapi) connect the two. It must never import the AWS SDK, read the
// clock (time is passed in), or perform I/O of any kind.
package lending
