//go:build linux

package lambdaruntime

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// setParentDeathSignal has Linux kill the instance if the local cloud itself dies without
// running Close (a crash or SIGKILL), so no bootstrap is left polling a dead Runtime API.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}

// Linux delivers the parent-death signal when the *thread* that forked the child exits, not the
// process. Go may retire a thread whose goroutine was locked to it, so every instance is forked
// from one goroutine that locks its thread and never returns.
var (
	spawnOnce sync.Once
	spawnCh   chan spawnRequest
)

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func startCmd(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnCh = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives as long as the process
			for r := range spawnCh {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawnCh <- spawnRequest{cmd: cmd, done: done}
	return <-done
}
