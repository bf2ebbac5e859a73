// Command lending-emi-job is the daily EMI job.
package main

import "holdfast/shared/lending/lendingworker"

func main() { lendingworker.Start((*lendingworker.Worker).EMIJob) }
