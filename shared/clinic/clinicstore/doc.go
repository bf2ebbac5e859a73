// Package clinicstore keeps the clinic queue in CLINIC_TABLE (keys in docs/data-model.md):
// doctors, their statistics, and each doctor's day — the queue item, the appointments and the
// one-booking-per-patient guards — in one partition, so a day is read with one consistent
// Query and changed with one TransactWriteItems conditioned on the day's version and on every
// touched appointment's version. A lost race is retried from a fresh read with jittered
// backoff. It must never decide queue rules itself (package clinic does), scan, or write an
// item unconditionally.
package clinicstore
