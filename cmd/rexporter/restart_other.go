//go:build !unix

package main

import "os"

// restartSignals: none; a hand-over needs Unix descriptor inheritance.
var restartSignals []os.Signal

func closeOnExec(int) {}

func setNonblockFD(uintptr) {}
