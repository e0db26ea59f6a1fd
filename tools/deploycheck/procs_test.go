package deploycheck

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rexporter/rexporter/internal/testharness"
)

// procTimeout bounds every wait on a child process.
const procTimeout = 30 * time.Second

// binDir holds the rexporter built once for the package.
var (
	binDir    string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	var err error
	binDir, err = os.MkdirTemp("", "deploycheck")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(binDir)
	os.Exit(code)
}

// rexporterBinary builds the real rexporter from the checkout, once.
func rexporterBinary(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	buildOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		binPath = filepath.Join(binDir, "rexporter")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binPath, "./cmd/rexporter")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/rexporter: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a child process stopped at test cleanup.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *testharness.SyncBuffer
	done chan struct{}
}

// startProc starts a program and registers its stop (SIGTERM, then SIGKILL
// after procTimeout). Its output is logged if the test fails.
func startProc(t *testing.T, name, dir string, argv ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &testharness.SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(procTimeout):
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			t.Logf("%s output (last 4 KiB):\n%s", name, tail(p.out.String(), 4096))
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// exporter is a running rexporter on ephemeral loopback ports.
type exporter struct {
	ingest, web string
	proc        *proc
}

// startRexporter runs the real binary and waits until it logs both
// addresses (JSON logs, as the e2e harness reads them).
func startRexporter(t *testing.T) exporter {
	t.Helper()
	p := startProc(t, "rexporter", repoRoot(t), rexporterBinary(t),
		"--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--log.format", "json")
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	defer cancel()
	for {
		var a testharness.Addresses
		for _, line := range strings.Split(p.out.String(), "\n") {
			if a.Line([]byte(line)) {
				return exporter{ingest: a.Ingest, web: a.Web, proc: p}
			}
		}
		if p.exited() {
			t.Fatalf("rexporter exited early:\n%s", p.out)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("rexporter did not report its addresses:\n%s", p.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startRClient runs the blog's client.R, unchanged, against an exporter:
// make.socket + write.socket, no terminator, a Random Poisson value every
// pause seconds, for at most iterations messages.
func startRClient(t *testing.T, rscript, ingest string, iterations int, pause string, seed int) *proc {
	t.Helper()
	host, port, err := net.SplitHostPort(ingest)
	if err != nil {
		t.Fatal(err)
	}
	return startProc(t, "Rscript client.R", repoRoot(t), rscript, "examples/r/client.R",
		host, port, fmt.Sprint(iterations), pause, fmt.Sprint(seed))
}

// startRDemo runs examples/r/demo.R against an exporter as job `job`: it
// reports through the helper examples/r/rexporter.R (loss, intercept, slope
// and rx_progress's "progress: i/n") every pause seconds, for iterations
// steps.
func startRDemo(t *testing.T, rscript, ingest string, iterations int, pause, job string) *proc {
	t.Helper()
	host, port, err := net.SplitHostPort(ingest)
	if err != nil {
		t.Fatal(err)
	}
	return startProc(t, "Rscript demo.R", repoRoot(t), rscript, "examples/r/demo.R",
		host, port, fmt.Sprint(iterations), pause, job)
}
