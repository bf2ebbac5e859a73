// Package notify is the notification product's functional core: what a notify request is
// and when it is valid, the channels it fans out to, the deterministic notification ID that
// makes the request its own idempotency record, the per-channel status machine
// (ACCEPTED → SENT | FAILED | DEAD_LETTERED), tenants and their provider choice, the queue
// message a channel worker receives, and how a provider's answer is classified (sent,
// transient, throttled, permanent).
//
// It decides with plain values and must never do I/O or import the AWS SDK (a test enforces
// it): stores (notifystore), handlers (notifyapi), queues (notifyqueue), provider clients
// (provider) and workers (notifyworker) live in subpackages.
package notify
