package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when edgeworker ends, however it
// ends, so that no workerd outlives the dev server that started it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
