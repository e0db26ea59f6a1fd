//go:build unix

package main

import (
	"os"
	"syscall"
)

// restartSignals ask for a hand-over (see restarter).
var restartSignals = []os.Signal{syscall.SIGUSR2}

// closeOnExec keeps an inherited descriptor from the processes this one
// starts.
func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

// setNonblockFD makes a descriptor non-blocking.
func setNonblockFD(fd uintptr) { _ = syscall.SetNonblock(int(fd), true) }
