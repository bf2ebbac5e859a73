// Package eventsource is the local cloud's Lambda event source mappings: it polls SQS queues
// and DynamoDB streams on the emulator and invokes functions with the batches, as AWS Lambda's
// pollers do — batch sizes and batching windows, partial batch failures
// (ReportBatchItemFailures), visibility-timeout retries, FIFO group order, and stream retries
// from the first failed record.
//
// It only moves records between the emulator and functions through the lambdaruntime.Invoker.
// It must never run function code in-process, never change a record on its way to the function,
// and never do what the emulator already does itself (SQS redrive to a dead-letter queue is the
// queue's, not the mapping's). It runs in the local cloud only; function code must not depend on
// it.
package eventsource
