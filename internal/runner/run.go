package runner

import (
	"io"
	"os"
	"syscall"
	"time"
)

// Streams of OnLine.
const (
	Stdout = 1
	Stderr = 2
)

// Config says what to run and whom to tell.
type Config struct {
	Args           []string // the command and its arguments
	Env            []string // nil: this process's environment
	Stdin          io.Reader
	Stdout, Stderr io.Writer // where the job's output passes through
	MaxLine        int       // longer lines reach OnLine as nil
	OnLine         func(stream int, line []byte)
	// OnChunk, if set, sees every chunk of output as it was written, before
	// OnLine sees its lines (for progress bars redrawn with '\r'). Calls
	// for the two streams may come concurrently.
	OnChunk        func(stream int, chunk []byte)
	SampleInterval time.Duration
	OnSample       func(Usage)
	Signals        <-chan os.Signal // forwarded to the job's process group
	WaitDelay      time.Duration    // how long to wait for output after the job ended (default 2s)
	OnStart        func(pid int)
}

// Result is how the job ended.
type Result struct {
	// ExitCode is the status a shell would report: the exit status, or
	// 128 plus the signal's number for a death by signal.
	ExitCode int
	Signal   syscall.Signal // 0 when the job exited
	OOM      bool           // killed by the OOM killer of its memory cgroup
	Usage    Usage          // the last sample, CPU time made final from wait's rusage
}

// SignalName names a signal as kill -l does, with the SIG prefix.
func SignalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return "SIG" + itoa(int(s))
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
