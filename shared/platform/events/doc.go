// Package events is Holdfast's domain-event contract and the machinery that derives events from
// committed writes.
//
// It holds three things:
//
//   - the envelope every domain event travels in: an EventBridge entry with source
//     `holdfast.<domain>`, a versioned detail-type (`UserProfileCreated.v1`) and a detail of
//     `{"meta": {...}, "data": {...}}`, with a builder for producers and a validating parser for
//     consumers;
//   - a Publisher that puts envelopes on the bus in batches of at most ten entries, retrying only
//     the entries EventBridge rejected, a bounded number of times;
//   - the Relay, the DynamoDB Streams handler that turns committed writes into events through a
//     per-domain Mapper and publishes each logical change exactly once toward EventBridge.
//
// The code runs inside Lambda functions on AWS and in the local cloud alike, so it must never
// branch on where it runs. It must never publish an event beside a write: events leave only
// through the Relay, derived from what the stream says was committed. It must never trust the
// stream to deliver a change once — the emulator doubles some records and real streams redeliver
// after a failure — which is why every event carries a deterministic eventId and the Relay
// deduplicates by it.
package events
