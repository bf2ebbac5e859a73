// Command board serves GET /board/{doctorId}.
package main

import (
	"holdfast/shared/clinic/board"
	"holdfast/shared/platform/lambdahttp"
)

func main() { lambdahttp.Start("GET /board/{doctorId}", board.Page) }
