package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/rexporter/rexporter/internal/testharness"
)

// The hand-over tests: SIGUSR2 makes rexporter start the binary now on
// disk and pass it the listeners, every client connection and the series
// state; the old process exits once the new one serves.

// upgradeRevision is the revision of the second build the tests upgrade to.
const upgradeRevision = "e2e-upgrade-two"

var (
	upgradeOnce   sync.Once
	upgradeBinary string
	upgradeErr    error
)

// upgradeBuild builds rexporter a second time with another revision (as a
// release would differ), once for the package.
func upgradeBuild(t *testing.T) string {
	t.Helper()
	upgradeOnce.Do(func() {
		upgradeBinary = filepath.Join(filepath.Dir(binary), "rexporter-upgrade")
		build := exec.Command("../scripts/build", upgradeBinary)
		build.Env = append(os.Environ(), "REVISION="+upgradeRevision)
		out, err := build.CombinedOutput()
		if err != nil {
			upgradeErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if upgradeErr != nil {
		t.Fatal(upgradeErr)
	}
	return upgradeBinary
}

// handoverProc is a rexporter that hands itself over: its binary is a copy
// the test may replace, and its log is a file, which every process of the
// chain writes to (a pipe would keep the old process's Wait waiting for
// the new one).
type handoverProc struct {
	*exporterProc
	bin, log string
	first    *exec.Cmd
}

// startHandover starts a copy of binary on fixed loopback ports.
func startHandover(t *testing.T, extra ...string) *handoverProc {
	t.Helper()
	return startHandoverOn(t, "127.0.0.1:"+unusedPort(t), "127.0.0.1:"+unusedPort(t), extra...)
}

// startHandoverOn is startHandover on given addresses.
func startHandoverOn(t *testing.T, ingest, web string, extra ...string) *handoverProc {
	t.Helper()
	dir := t.TempDir()
	h := &handoverProc{bin: filepath.Join(dir, "rexporter"), log: filepath.Join(dir, "rexporter.log")}
	install(t, binary, h.bin)
	logf, err := os.Create(h.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	args := append([]string{"--listen", ingest, "--metrics", web, "--log.format", "json", "--log.level", "debug"}, extra...)
	h.first = exec.Command(h.bin, args...)
	h.first.Stdout, h.first.Stderr = logf, logf
	// A parallel test that forks while this one still has the new binary
	// open for writing makes exec fail with "text file busy" for a moment
	// (Go issue 22315): try again.
	for try := 0; ; try++ {
		err := h.first.Start()
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ETXTBSY) || try == 50 {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		h.first = exec.Command(h.bin, args...)
		h.first.Stdout, h.first.Stderr = logf, logf
	}
	exited := make(chan struct{})
	go func() {
		_ = h.first.Wait()
		close(exited)
	}()
	h.exporterProc = &exporterProc{cmd: h.first, ingest: ingest, web: web, stdout: &testharness.SyncBuffer{}, stderr: &testharness.SyncBuffer{}, exited: exited}
	t.Cleanup(func() {
		pid := h.pid(t)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		h.waitGone(t, pid)
		if t.Failed() {
			raw, _ := os.ReadFile(h.log)
			t.Logf("rexporter log:\n%s", raw)
		}
	})
	h.waitReady(t)
	return h
}

// install copies a binary to path through a rename, as a package upgrade
// replaces it: the running process keeps its old file.
func install(t *testing.T, from, path string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func (h *handoverProc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		resp, err := http.Get("http://" + h.web + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			raw, _ := os.ReadFile(h.log)
			t.Fatalf("rexporter not ready:\n%s", raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logLines returns the log records with message msg.
func (h *handoverProc) logLines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(h.log)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// pid is the process serving now: the last one that took over, else the first.
func (h *handoverProc) pid(t *testing.T) int {
	t.Helper()
	took := h.logLines(t, "took over from the old process")
	if len(took) == 0 {
		return h.first.Process.Pid
	}
	return int(took[len(took)-1]["pid"].(float64))
}

// alive reports whether a process runs (a zombie does not count).
func alive(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(raw), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

func (h *handoverProc) waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Errorf("process %d still runs", pid)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// upgrade installs a binary and hands over to it with SIGUSR2; it waits
// until the new process serves and the old one has exited, and returns the
// new pid.
func (h *handoverProc) upgrade(t *testing.T, to string) int {
	t.Helper()
	install(t, to, h.bin)
	old := h.pid(t)
	before := len(h.logLines(t, "took over from the old process"))
	if err := syscall.Kill(old, syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(testTimeout)
	for len(h.logLines(t, "took over from the old process")) == before {
		if time.Now().After(deadline) {
			raw, _ := os.ReadFile(h.log)
			t.Fatalf("no hand-over:\n%s", raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.waitGone(t, old)
	pid := h.pid(t)
	if pid == old {
		t.Fatalf("still pid %d after the hand-over", pid)
	}
	return pid
}

// revision is the revision rexporter_build_info reports.
func revision(mfs map[string]*dto.MetricFamily) string {
	for _, m := range mfs["rexporter_build_info"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "revision" {
				return l.GetValue()
			}
		}
	}
	return ""
}

// scraper scrapes every few milliseconds until stopped and records every
// value of one sample, so the test can check it never went down.
type scraper struct {
	mu     sync.Mutex
	values []float64
	errs   int
	stop   chan struct{}
	done   chan struct{}
}

func startScraper(web, family string, labels ...string) *scraper {
	s := &scraper{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		p := &exporterProc{web: web}
		for {
			select {
			case <-s.stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
			resp, err := http.Get("http://" + web + "/metrics")
			if err != nil {
				s.mu.Lock()
				s.errs++
				s.mu.Unlock()
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_ = p
			if v, ok := sampleIn(string(body), family, labels...); ok {
				s.mu.Lock()
				s.values = append(s.values, v)
				s.mu.Unlock()
			}
		}
	}()
	return s
}

// sampleIn finds a sample in a text exposition: the family's line whose
// labels contain each label pair.
func sampleIn(body, family string, labels ...string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, family+"{") && !strings.HasPrefix(line, family+" ") {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(line, labels[i]+`="`+labels[i+1]+`"`) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		return v, err == nil
	}
	return 0, false
}

func (s *scraper) finish() ([]float64, int) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values, s.errs
}

// handoverClient is the blog's client pattern (make.socket + write.socket,
// no terminator, no helper), sending "Random Poisson: <i>" for i in 1..n
// so that the histogram's sum tells a doubled or lost message.
const handoverClient = `
args <- commandArgs(trailingOnly = TRUE)
port <- as.integer(args[[1]]); n <- as.integer(args[[2]]); pause <- as.numeric(args[[3]])
clientSocket = make.socket(host = "127.0.0.1", port = port, server = FALSE)
for (ii in 1:n) {
    msg = paste0("[", Sys.time(), "] - Random Poisson: ", ii)
    write.socket(clientSocket, msg)
    Sys.sleep(pause)
}
close.socket(clientSocket)
cat("done\n")
`

// TestHandoverRBlogClient upgrades rexporter twice (to another build and
// back) with SIGUSR2 while a real R job sends 30 messages with
// write.socket: the job exits 0 (no SIGPIPE), every message is counted
// exactly once, the counter never goes down across the scrapes, and
// rexporter_build_info reports the binary now serving.
func TestHandoverRBlogClient(t *testing.T) {
	requireR(t)
	two := upgradeBuild(t)
	h := startHandover(t)
	mfs, _ := h.scrape(t)
	firstRev := revision(mfs)
	if firstRev == "" || firstRev == upgradeRevision {
		t.Fatalf("first revision %q", firstRev)
	}

	const n = 30
	sc := startScraper(h.web, "random_poisson_messages_total")
	r := startR(t, nil, rScript(t, "handover_client.R", handoverClient), portOf(t, h.ingest), strconv.Itoa(n), "0.15")

	h.waitFor(t, "10 messages", counterAtLeast("random_poisson_messages_total", 10))
	h.upgrade(t, two)
	mfs = h.waitFor(t, "20 messages", counterAtLeast("random_poisson_messages_total", 20))
	if got := revision(mfs); got != upgradeRevision {
		t.Errorf("after the first upgrade: revision %q, want %q", got, upgradeRevision)
	}
	h.upgrade(t, binary)
	r.wait(t)
	if !strings.Contains(r.stdout.String(), "done") {
		t.Errorf("R did not finish:\n%s\n%s", r.stdout, r.stderr)
	}
	mfs = h.waitFor(t, "every message", counterAtLeast("random_poisson_messages_total", n))
	values, scrapeErrs := sc.finish()
	if got := revision(mfs); got != firstRev {
		t.Errorf("after the second upgrade: revision %q, want %q", got, firstRev)
	}
	checkSamples(t, mfs, []sampleWant{
		{"random_poisson_messages_total", nil, n},
		{"random_poisson_values", nil, n},
		{"random_poisson", nil, n},
		{"rexporter_messages_total", nil, n},
		{"rexporter_job_messages_total", []string{"r_job", "127.0.0.1"}, n},
		// The self counters continue across hand-overs too.
		{"rexporter_framed_messages_total", nil, n},
		{"rexporter_connections_total", nil, 1},
	})
	if sum := mfs["random_poisson_values"].GetMetric()[0].GetHistogram().GetSampleSum(); sum != n*(n+1)/2 {
		t.Errorf("random_poisson_values_sum = %v, want %d (each of 1..%d once)", sum, n*(n+1)/2, n)
	}
	checkNothingDropped(t, mfs)
	for i := 1; i < len(values); i++ {
		if values[i] < values[i-1] {
			t.Errorf("the counter went down between scrapes: %v", values)
			break
		}
	}
	t.Logf("%d scrapes during the run (%d failed), %d hand-overs", len(values), scrapeErrs,
		len(h.logLines(t, "took over from the old process")))
}

// TestHandoverFailingBinary replaces the binary with one that exits at once
// and with one that never reports ready: the hand-over fails, the old
// process logs why, counts it, and serves on every connection, including
// what a client wrote while it was paused.
func TestHandoverFailingBinary(t *testing.T) {
	for name, script := range map[string]string{
		"exits at once":   "#!/bin/sh\nexit 3\n",
		"never ready":     "#!/bin/sh\nexec sleep 60\n",
		"not an exporter": "#!/bin/sh\necho hello\nexec sleep 60\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := startHandover(t, "--restart.timeout", "2s")
			pid := h.pid(t)
			c := h.dial(t)
			write(t, c, "job: steady\nStep: 1\n")
			h.waitFor(t, "the first message", counterAtLeast("step_messages_total", 1))
			bad := filepath.Join(t.TempDir(), "bad")
			if err := os.WriteFile(bad, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			install(t, bad, h.bin)
			if err := syscall.Kill(pid, syscall.SIGUSR2); err != nil {
				t.Fatal(err)
			}
			write(t, c, "Step: 2") // during the pause, or after: it must count once
			h.waitFor(t, "the failure", counterAtLeast("rexporter_restart_failures_total", 1))
			write(t, c, "\nStep: 3\n")
			mfs := h.waitFor(t, "every message", counterAtLeast("step_messages_total", 3, "r_job", "steady"))
			checkSamples(t, mfs, []sampleWant{
				{"step_messages_total", []string{"r_job", "steady"}, 3},
				{"step", []string{"r_job", "steady"}, 3},
				{"rexporter_job_state", []string{"r_job", "steady", "state", "running"}, 1},
			})
			if got := h.pid(t); got != pid || !alive(pid) {
				t.Errorf("serving pid %d (alive %v), want the old %d", got, alive(pid), pid)
			}
			if lines := h.logLines(t, "restart failed; serving on"); len(lines) != 1 {
				t.Errorf("%d \"restart failed\" log lines, want 1", len(lines))
			} else {
				t.Logf("logged: %v", lines[0]["err"])
			}
		})
	}
}

// TestHandoverHTTP: POST /-/restart is refused (403) without
// --web.enable-lifecycle; with it, it hands over and answers once the new
// process serves, which then counts on the same connection.
func TestHandoverHTTP(t *testing.T) {
	off := startHandover(t)
	resp, err := http.Post("http://"+off.web+"/-/restart", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("without --web.enable-lifecycle: %s, want 403", resp.Status)
	}

	h := startHandover(t, "--web.enable-lifecycle")
	old := h.pid(t)
	before := len(h.logLines(t, "took over from the old process"))
	c := h.dial(t)
	write(t, c, "job: web\nHits: 1\n")
	h.waitFor(t, "the first message", counterAtLeast("hits_messages_total", 1))
	resp, err = http.Post("http://"+h.web+"/-/restart", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /-/restart: %s %s", resp.Status, body)
	}
	// The old process may exit before the new one has logged that it took
	// over: wait for that line, then for the old one to be gone.
	deadline := time.Now().Add(testTimeout)
	for len(h.logLines(t, "took over from the old process")) == before {
		if time.Now().After(deadline) {
			t.Fatal("the new process never said it took over")
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.waitGone(t, old)
	if pid := h.pid(t); pid == old {
		t.Errorf("still pid %d", pid)
	}
	write(t, c, "Hits: 2\n")
	mfs := h.waitFor(t, "the second message", counterAtLeast("hits_messages_total", 2, "r_job", "web"))
	checkSamples(t, mfs, []sampleWant{
		{"hits_messages_total", []string{"r_job", "web"}, 2},
		{"rexporter_job_state", []string{"r_job", "web", "state", "running"}, 1},
	})
}
