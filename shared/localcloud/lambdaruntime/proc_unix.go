//go:build unix

package lambdaruntime

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes the instance the leader of its own process group, so killGroup reaches
// everything it started, and nothing it spawned outlives the pool.
func setProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setParentDeathSignal(cmd.SysProcAttr)
}

// killGroup sends SIGKILL to the process group led by pid. Errors (the group is already gone)
// are of no interest.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
