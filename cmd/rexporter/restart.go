package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/ingest"
)

// restarter hands the running server over to a new process started from
// the binary now on disk (an upgrade), on SIGUSR2 or POST /-/restart,
// without closing a client connection: R kills its script with SIGPIPE when
// the server closes its socket. See ingest.Server.Pause for what stops and
// what is carried; the protocol is in restart_handover.go. If the new
// process does not report ready within --restart.timeout, it is killed and
// this one serves on.
type restarter struct {
	srv     *ingest.Server
	exp     *exporter.Exporter
	webLs   []net.Listener
	self    prometheus.Gatherer // the self counters to carry over
	timeout time.Duration
	logger  *slog.Logger

	mu       sync.Mutex // one hand-over at a time
	failures prometheus.Counter
}

func newRestarter(c *ServeCmd, srv *ingest.Server, exp *exporter.Exporter, webLs []net.Listener, reg selfRegistry, logger *slog.Logger) *restarter {
	return &restarter{
		srv: srv, exp: exp, webLs: webLs, self: reg, timeout: c.RestartTimeout, logger: logger,
		failures: promauto.With(reg).NewCounter(prometheus.CounterOpts{
			Name: "rexporter_restart_failures_total",
			Help: "Hand-overs to a new process (SIGUSR2, POST /-/restart) that failed; this process served on.",
		}),
	}
}

// restart hands over. It returns nil once the new process serves every
// connection and listener (this process then only has to stop its web
// server and exit, without writing --state.file), or why it did not, with
// this process serving again.
func (r *restarter) restart(trigger string) (err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	defer func() {
		if err != nil {
			r.failures.Inc()
			r.logger.Error("restart failed; serving on", "trigger", trigger, "err", err)
		}
	}()
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the binary: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	paused, err := r.srv.Pause(ctx)
	if err != nil {
		return err
	}
	handedOver := false
	defer func() {
		if !handedOver {
			paused.Resume()
		}
	}()
	var state bytes.Buffer
	if err := r.exp.SaveState(&state); err != nil {
		return fmt.Errorf("series state: %w", err)
	}

	docR, docW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer docW.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		docR.Close()
		return err
	}
	defer readyR.Close()
	files := []*os.File{docR, readyW}
	doc := handoverDoc{Format: handoverFormat, Version: handoverVersion, State: bytes.TrimSpace(state.Bytes()),
		SelfCounters: selfCounters(r.self)}
	for _, f := range paused.Listeners() {
		doc.Listeners = append(doc.Listeners, handoverListener{Role: roleIngest, FD: listenFDsStart + len(files)})
		files = append(files, f)
	}
	for _, l := range r.webLs {
		f, err := l.(filer).File()
		if err != nil {
			closeFiles(files[:2])
			return fmt.Errorf("web listener %s: %w", l.Addr(), err)
		}
		defer f.Close()
		doc.Listeners = append(doc.Listeners, handoverListener{Role: roleWeb, FD: listenFDsStart + len(files), Addr: l.Addr().String()})
		files = append(files, f)
	}
	for i, f := range paused.Conns() {
		doc.Conns = append(doc.Conns, handoverConn{FD: listenFDsStart + len(files), State: paused.States()[i]})
		files = append(files, f)
	}

	cmd := exec.Command(bin, os.Args[1:]...)
	cmd.Env = append(withoutEnv(os.Environ(), handoverEnv), fmt.Sprintf("%s=%d,%d", handoverEnv, listenFDsStart, listenFDsStart+1))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr // the descriptors, not copies through this process
	cmd.ExtraFiles = files
	err = cmd.Start()
	// Start took each file's descriptor with Fd, which makes it blocking,
	// and the flag is shared with the sockets this process still serves
	// (the web listeners now; everything if the hand-over fails).
	setNonblock(files[2:])
	docR.Close()
	readyW.Close()
	if err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fail := func(err error) error {
		_ = cmd.Process.Kill()
		<-exited //nolint:errcheck // killed: its exit status says nothing more
		return err
	}
	r.logger.Info("handing over to a new process", "trigger", trigger, "binary", bin, "pid", cmd.Process.Pid,
		"connections", len(doc.Conns))
	// The document may exceed the pipe's buffer: write it while waiting.
	docWritten := make(chan error, 1)
	go func() { docWritten <- json.NewEncoder(docW).Encode(doc) }()
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(readyR).ReadString('\n')
		if err == nil && line != handoverReady {
			err = fmt.Errorf("unexpected %q", line)
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			select {
			case werr := <-exited:
				return fmt.Errorf("the new process (pid %d) exited before it was ready: %v", cmd.Process.Pid, werr)
			case <-time.After(time.Second):
			}
			return fail(fmt.Errorf("the new process (pid %d) did not report ready: %w", cmd.Process.Pid, err))
		}
	case werr := <-exited:
		return fmt.Errorf("the new process (pid %d) exited before it was ready: %v", cmd.Process.Pid, werr)
	case <-ctx.Done():
		return fail(fmt.Errorf("the new process (pid %d) was not ready within --restart.timeout %v", cmd.Process.Pid, r.timeout))
	}
	// Committed: from here on the new process reads. This one never reads
	// again (it is paused), so no byte is read twice.
	if err := <-docWritten; err != nil {
		return fail(fmt.Errorf("hand-over document: %w", err))
	}
	if err := json.NewEncoder(docW).Encode(handoverGo{Go: true}); err != nil {
		return fail(fmt.Errorf("the new process (pid %d) went away: %w", cmd.Process.Pid, err))
	}
	handedOver = true
	paused.Release()
	// Under systemd (Type=notify), the new process is the service's main
	// process from now on: say so before this one exits, or systemd would
	// take the exit for the service's end and stop the new one.
	if err := sdNotify(fmt.Sprintf("MAINPID=%d", cmd.Process.Pid)); err != nil {
		r.logger.Warn("cannot tell systemd the new main pid", "err", err)
	}
	r.logger.Info("handed over", "pid", cmd.Process.Pid, "connections", len(doc.Conns), "took", time.Since(start).String())
	return nil
}

// setNonblock makes descriptors non-blocking again, through SyscallConn,
// which (unlike Fd) leaves the mode alone.
func setNonblock(fs []*os.File) {
	for _, f := range fs {
		if rc, err := f.SyscallConn(); err == nil {
			_ = rc.Control(setNonblockFD)
		}
	}
}

func closeFiles(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// filer is a listener or connection whose descriptor can be duplicated.
type filer interface{ File() (*os.File, error) }

// withoutEnv drops the variable name from env.
func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// errNotHandedOver is what restart requests get when the process is not
// serving (shutting down).
var errNotHandedOver = errors.New("not restarted: shutting down")
