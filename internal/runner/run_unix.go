//go:build !windows

package runner

import (
	"errors"
	"os/exec"
	"syscall"
	"time"
)

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT", syscall.SIGILL: "SIGILL",
	syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
	syscall.SIGKILL: "SIGKILL", syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
	syscall.SIGXFSZ: "SIGXFSZ",
}

// Run starts the command, passes its output through, and returns how it
// ended. It returns an error only when the command could not be started.
// The job gets its own process group: a signal from Signals reaches it and
// its children (parallel's forks), as Ctrl-C in a terminal would, and a
// terminal's Ctrl-C reaches it only through rexporter, once.
func Run(cfg Config) (Result, error) {
	if len(cfg.Args) == 0 {
		return Result{}, errors.New("no command")
	}
	if cfg.WaitDelay <= 0 {
		cfg.WaitDelay = 2 * time.Second
	}
	if cfg.SampleInterval <= 0 {
		cfg.SampleInterval = time.Second
	}
	out := &lineWriter{out: cfg.Stdout, max: cfg.MaxLine, onLine: func(l []byte) { cfg.OnLine(Stdout, l) }}
	errw := &lineWriter{out: cfg.Stderr, max: cfg.MaxLine, onLine: func(l []byte) { cfg.OnLine(Stderr, l) }}
	if cfg.OnChunk != nil {
		out.onChunk = func(p []byte) { cfg.OnChunk(Stdout, p) }
		errw.onChunk = func(p []byte) { cfg.OnChunk(Stderr, p) }
	}
	cmd := exec.Command(cfg.Args[0], cfg.Args[1:]...)
	cmd.Env = cfg.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = cfg.Stdin, out, errw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Forked children that outlive the job hold its output pipes open.
	cmd.WaitDelay = cfg.WaitDelay

	// The OOM kills of our memory cgroup, which the job starts in, and of
	// the one it moves to if it does (systemd-run --scope -p MemoryMax=).
	selfOOM := OOMFile(0)
	oomBefore, oomOK := readOOMKill(selfOOM)
	var childOOM string
	var childBefore uint64
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	pid := cmd.Process.Pid
	if cfg.OnStart != nil {
		cfg.OnStart(pid)
	}
	done := make(chan struct{})
	sampled := make(chan Usage, 1)
	go func() {
		var last Usage
		tick := time.NewTicker(cfg.SampleInterval)
		defer tick.Stop()
		for {
			if f := OOMFile(pid); childOOM == "" && f != "" && f != selfOOM {
				childOOM = f
				childBefore, _ = readOOMKill(f)
			}
			u := Sample(pid)
			if u.CPUSeconds > 0 || u.RSSBytes > 0 {
				u.CPUSeconds = max(u.CPUSeconds, last.CPUSeconds) // a counter never goes back
				last = u
				if cfg.OnSample != nil {
					cfg.OnSample(u)
				}
			}
			select {
			case <-done:
				sampled <- last
				return
			case <-tick.C:
			}
		}
	}()
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-cfg.Signals:
				if sig, ok := s.(syscall.Signal); ok {
					_ = syscall.Kill(-pid, sig)
				}
			}
		}
	}()
	werr := cmd.Wait()
	close(done)
	out.flush()
	errw.flush()
	res := Result{Usage: <-sampled}
	st := cmd.ProcessState
	if st == nil {
		return res, werr
	}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
		res.Usage.CPUSeconds = max(res.Usage.CPUSeconds, cpu)
	}
	ws, _ := st.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		res.Signal = ws.Signal()
		res.ExitCode = 128 + int(res.Signal)
		if res.Signal == syscall.SIGKILL {
			if n, ok := readOOMKill(selfOOM); ok && oomOK && n > oomBefore {
				res.OOM = true
			}
			if n, ok := readOOMKill(childOOM); ok && n > childBefore {
				res.OOM = true
			}
		}
	default:
		res.ExitCode = st.ExitCode()
	}
	return res, nil
}
