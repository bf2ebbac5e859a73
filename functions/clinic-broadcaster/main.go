// Command clinic-broadcaster posts each changed queue's snapshot to every watching socket.
package main

import "holdfast/shared/clinic/clinicworker"

func main() { clinicworker.StartBroadcaster() }
