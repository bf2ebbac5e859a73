// Package notifyqueue moves notifications onto their queues: accepting a request (the one
// path shared by POST /api/v1/notify and the internal intake) and sending one FIFO message
// per channel (group = tenant, deduplication = notificationId:channel, the correlation ID as
// a message attribute); re-driving dead-lettered channels (the admin route and
// `holdfast dlq redrive`); and Client, the internal enqueue API lending and the clinic call.
//
// It must never answer "accepted" for a request it has not durably recorded, never enqueue
// a request that failed validation, and never let a tenant's request be attributed to
// another tenant.
package notifyqueue
