package runner

import (
	"errors"
	"syscall"
)

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGKILL: "SIGKILL", syscall.SIGTERM: "SIGTERM",
}

// ErrUnsupported: rexporter run needs process groups, signals and /proc,
// which Windows does not have.
var ErrUnsupported = errors.New("rexporter run is not supported on Windows: run the job and send its messages with rexporter send or the R package")

// Run is not supported on Windows.
func Run(Config) (Result, error) { return Result{}, ErrUnsupported }
