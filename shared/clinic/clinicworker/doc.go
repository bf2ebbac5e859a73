// Package clinicworker holds the clinic queue's background functions: the broadcaster, which
// turns QueueChanged events into a fresh masked snapshot posted to every WebSocket watching the
// doctor, and the end-of-day job that marks unchecked bookings NO_SHOW. Both are idempotent:
// the broadcaster always sends the latest committed state (with its version, so clients drop
// stale ones) and the job's writes are conditional on state. They must never trust event
// payloads for queue contents, or send a patient's name or id to a socket.
package clinicworker
