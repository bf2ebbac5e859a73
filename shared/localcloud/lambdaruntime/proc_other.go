//go:build !unix

package lambdaruntime

import (
	"os"
	"os/exec"
)

// Without process groups only the bootstrap itself can be killed; the local cloud targets
// Linux and macOS.
func setProcessGroup(*exec.Cmd) {}

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func startCmd(cmd *exec.Cmd) error { return cmd.Start() }
