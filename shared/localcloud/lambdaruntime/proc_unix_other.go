//go:build unix && !linux

package lambdaruntime

import (
	"os/exec"
	"syscall"
)

func setParentDeathSignal(*syscall.SysProcAttr) {}

func startCmd(cmd *exec.Cmd) error { return cmd.Start() }
