// Package clinic is the clinic queue's functional core: doctors and their slots, appointments
// and their state machine, a doctor's day (token counter, queue order, who is being served),
// the reshuffle that keeps present patients ahead of absent ones, consultation statistics and
// the masked snapshot a public board shows. It decides with plain values: it must never import
// the AWS SDK (a test enforces it), read a clock of its own, or do I/O. Stores in clinicstore
// turn its decisions into conditional writes.
package clinic
