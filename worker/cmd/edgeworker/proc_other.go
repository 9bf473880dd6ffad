//go:build !linux

package main

import "os/exec"

// dieWithParent does nothing here: only Linux kills a child with its
// parent. edgeworker stops workerd itself when interrupted.
func dieWithParent(*exec.Cmd) {}
