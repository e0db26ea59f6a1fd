package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// readyTimeout bounds the wait for a started process to serve /-/ready, and
// stopTimeout its exit after SIGTERM.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
)

// endpoint is what is measured: an ingest address, a /metrics URL and, when
// known, a process id. cmd is set when the tool started the process.
type endpoint struct {
	name     string
	ingest   string
	metrics  string
	pid      int
	quietGap time.Duration // how long it waits before completing an unterminated message
	statsd   bool          // statsd_exporter, sent a StatsD payload
	cmd      *exec.Cmd
	exited   chan struct{}
	stderr   *tailBuffer
}

// attach describes a running exporter (--target, --metrics-url, --pid).
func attach(c *RunCmd) *endpoint {
	return &endpoint{name: "exporter", ingest: c.Target, metrics: c.MetricsURL, pid: c.PID, quietGap: c.QuietGap}
}

// startExporter starts --exporter on two free loopback ports with
// --quiet-gap and the extra arguments, and waits until it is ready.
func startExporter(ctx context.Context, c *RunCmd) (*endpoint, error) {
	ep, err := startProcess(ctx, "exporter", c.Exporter, func(ingest, web string) []string {
		return append([]string{"--listen", ingest, "--metrics", web, "--quiet-gap", c.QuietGap.String()}, c.ExporterArgs...)
	})
	if ep != nil {
		ep.quietGap = c.QuietGap
	}
	return ep, err
}

// statsdMapping makes statsd_exporter's "|h" lines histograms, as
// rexporter's are (its default buckets), so that it does rexporter's work.
const statsdMapping = "defaults:\n  observer_type: histogram\n"

// startStatsd starts statsd_exporter at path, listening for StatsD over
// TCP only, with statsdMapping written into dir, and waits until it is
// ready.
func startStatsd(ctx context.Context, path, dir string) (*endpoint, error) {
	mapping := filepath.Join(dir, "statsd-mapping.yml")
	if err := os.WriteFile(mapping, []byte(statsdMapping), 0o644); err != nil {
		return nil, err
	}
	ep, err := startProcess(ctx, "statsd_exporter", path, func(ingest, web string) []string {
		return []string{"--statsd.listen-tcp", ingest, "--statsd.listen-udp", "", "--web.listen-address", web,
			"--statsd.mapping-config", mapping, "--log.level", "warn"}
	})
	if ep != nil {
		ep.statsd = true
	}
	return ep, err
}

// startBaseline starts this binary's baseline-server, counting newlines or
// record starts; it has no quiet gap.
func startBaseline(ctx context.Context, self string, newline bool) (*endpoint, error) {
	count := "newline"
	if !newline {
		count = "record"
	}
	return startProcess(ctx, "baseline", self, func(ingest, web string) []string {
		return []string{"baseline-server", "--listen", ingest, "--metrics", web, "--count", count}
	})
}

// startProcess picks two free loopback ports, starts path with args(ingest,
// web) and waits for http://web/-/ready to answer 200.
func startProcess(ctx context.Context, name, path string, args func(ingest, web string) []string) (*endpoint, error) {
	ingest, err := freePort()
	if err != nil {
		return nil, err
	}
	web, err := freePort()
	if err != nil {
		return nil, err
	}
	ep := &endpoint{name: name, ingest: ingest, metrics: "http://" + web + "/metrics", exited: make(chan struct{}), stderr: &tailBuffer{}}
	ep.cmd = exec.Command(path, args(ingest, web)...)
	ep.cmd.Stderr = ep.stderr
	// If the tool dies, so does its child.
	ep.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := ep.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	ep.pid = ep.cmd.Process.Pid
	go func() {
		_ = ep.cmd.Wait()
		close(ep.exited)
	}()
	if err := ep.waitReady(ctx, "http://"+web+"/-/ready"); err != nil {
		_ = ep.stop()
		return nil, err
	}
	return ep, nil
}

// waitReady polls the ready URL every 10 ms until it answers 200, the
// process exits or readyTimeout passes.
func (ep *endpoint) waitReady(ctx context.Context, url string) error {
	client := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		if resp, err := client.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ep.exited:
			return fmt.Errorf("%s exited before it was ready: %s", ep.name, ep.stderr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %s", ep.name, readyTimeout, ep.stderr)
		}
	}
}

// stop ends a process the tool started (SIGTERM, then SIGKILL after
// stopTimeout); a process it only attached to is left alone.
func (ep *endpoint) stop() error {
	if ep.cmd == nil {
		return nil
	}
	_ = ep.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-ep.exited:
		return nil
	case <-time.After(stopTimeout):
		_ = ep.cmd.Process.Kill()
		<-ep.exited
		return fmt.Errorf("%s ignored SIGTERM for %v", ep.name, stopTimeout)
	}
}

// freePort returns a loopback address whose port was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// tailBuffer keeps the last 4 KiB written to it: a child's stderr, for error
// messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) == 0 {
		return "(no output)"
	}
	return string(t.buf)
}
