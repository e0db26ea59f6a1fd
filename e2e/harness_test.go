// Package e2e drives the real rexporter binary over real loopback sockets.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rexporter/rexporter/internal/testharness"
)

// binary is the rexporter built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(killedClientEnv) != "" {
		os.Exit(killedClient()) // the test binary as a client process
	}
	dir, err := os.MkdirTemp("", "rexporter-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "rexporter")
	// scripts/build, as users build it: the binary reports the commit it
	// was built from (TestVersionReportsCommit).
	build := exec.Command("../scripts/build", binary)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build rexporter:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// testTimeout bounds every wait in these tests; they wait for conditions,
// never for wall-clock speed.
const testTimeout = 20 * time.Second

// exporterProc is one running rexporter.
type exporterProc struct {
	cmd      *exec.Cmd
	ingest   string // host:port of the first ingest listener
	web      string // host:port of the first web listener
	stdout   *testharness.SyncBuffer
	stderr   *testharness.SyncBuffer
	exited   chan struct{}
	exitCode int
}

// startExporter runs the binary on ephemeral loopback ports with extra flags
// and waits until it logs both addresses.
func startExporter(t *testing.T, extra ...string) *exporterProc {
	t.Helper()
	return startExporterOn(t, "127.0.0.1:0", extra...)
}

// startExporterOn is startExporter with the ingest listener on a chosen
// address, for tests that start a client first or restart the exporter on
// the same port. (--listen is repeatable, so adding another one to extra
// would listen on both rather than replace the ephemeral one.)
func startExporterOn(t *testing.T, listen string, extra ...string) *exporterProc {
	t.Helper()
	args := append([]string{"--listen", listen, "--metrics", "127.0.0.1:0", "--log.format", "json"}, extra...)
	p := &exporterProc{stdout: &testharness.SyncBuffer{}, stderr: &testharness.SyncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = io.MultiWriter(p.stderr, pw)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.exitCode = p.cmd.ProcessState.ExitCode()
		_ = pw.Close()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })

	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		var a testharness.Addresses
		for sc.Scan() {
			if a.Line(sc.Bytes()) {
				p.ingest, p.web = a.Ingest, a.Web
				close(found)
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case <-found:
	case <-p.exited:
		t.Fatalf("rexporter exited early (%d):\n%s", p.exitCode, p.stderr)
	case <-time.After(testTimeout):
		t.Fatalf("rexporter did not report its addresses:\n%s", p.stderr)
	}
	return p
}

// stop sends SIGTERM and waits for the exit code.
func (p *exporterProc) stop(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.exitCode
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(testTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("rexporter ignored SIGTERM:\n%s", p.stderr)
	}
	return p.exitCode
}

// dial opens a client connection to the ingest port, closed at cleanup.
func (p *exporterProc) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp4", p.ingest, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// get fetches a path from the web port.
func (p *exporterProc) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+p.web+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := http.Client{Timeout: testTimeout}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// scrape returns the parsed text exposition of /metrics.
func (p *exporterProc) scrape(t *testing.T) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	resp, body := p.get(t, "/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics answered %s:\n%s", resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return mfs, body
}

// value returns the value of an unlabelled (or first) sample of a family, and
// whether it exists; with labels it picks the sample that has them all.
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// waitFor scrapes until cond holds or the test deadline passes.
func (p *exporterProc) waitFor(t *testing.T, what string, cond func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for {
		mfs, body := p.scrape(t)
		if cond(mfs) {
			return mfs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s; last scrape:\n%s", what, body)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// counterAtLeast is a waitFor condition on a sample.
func counterAtLeast(name string, want float64, labels ...string) func(map[string]*dto.MetricFamily) bool {
	return func(mfs map[string]*dto.MetricFamily) bool {
		v, ok := value(mfs, name, labels...)
		return ok && v >= want
	}
}

// write sends bytes on a connection, failing the test on error.
func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// requireTool finds a command the test needs: missing, it fails in CI
// (scripts/test installs it) and skips elsewhere (testharness.RequireTool).
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	return testharness.RequireTool(t, name, pkg)
}
