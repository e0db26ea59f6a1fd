package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"

	"github.com/rexporter/rexporter/internal/testharness"
)

// These tests run the R clients in examples/r with the real Rscript against
// the real binary. Every R process has a deadline (rTimeout) and is killed,
// with anything it forked, when the test ends; counts are exact and waited
// for, never timed.

// rTimeout bounds every R process. It is a deadline for what would otherwise
// hang (a blocked write, a lost connection), not a speed requirement: the
// slowest script here takes about ten seconds.
const rTimeout = 2 * time.Minute

// requireR returns the path of Rscript. It skips the test when R is missing,
// except in CI, where a missing R must fail rather than pass silently.
func requireR(t *testing.T) string {
	t.Helper()
	return requireTool(t, "Rscript", "r-base-core")
}

// rExample is the absolute path of a script in examples/r.
func rExample(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "examples", "r", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// rScript writes an R program to a file in the test's temporary directory.
func rScript(t *testing.T, name, code string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rProc is one running Rscript.
type rProc struct {
	cmd    *exec.Cmd
	stdout *testharness.SyncBuffer
	stderr *testharness.SyncBuffer
	done   chan struct{}
	err    error // Wait's result, set before done is closed
}

// startR runs `Rscript script args...` in a UTF-8 locale (env may override
// it). The process gets its own process group so that killing it also kills
// the workers mclapply forks; it is killed at rTimeout and at cleanup.
func startR(t *testing.T, env []string, script string, args ...string) *rProc {
	t.Helper()
	rscript := requireR(t)
	ctx, cancel := context.WithTimeout(context.Background(), rTimeout)
	cmd := exec.CommandContext(ctx, rscript, append([]string{script}, args...)...)
	// Later entries win, so env overrides the default locale.
	cmd.Env = append(append(os.Environ(), "LC_ALL=C.UTF-8"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// Forked children that outlive Rscript hold its output pipes open; do not
	// wait for them forever.
	cmd.WaitDelay = 5 * time.Second
	r := &rProc{cmd: cmd, stdout: &testharness.SyncBuffer{}, stderr: &testharness.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.stdout, r.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		// Also reap forked workers whose parent has already exited.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-r.done
	})
	return r
}

// wait waits for the script to end (at the latest at rTimeout) and fails the
// test unless it exited 0.
func (r *rProc) wait(t *testing.T) {
	t.Helper()
	<-r.done
	if r.err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(r.cmd.Args[1]), r.err, r.stdout, r.stderr)
	}
}

// kill ends the script at once with SIGKILL, as a crash or an OOM kill would.
func (r *rProc) kill(t *testing.T) {
	t.Helper()
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	<-r.done
}

// waitStderr waits until the script's stderr contains s.
func (r *rProc) waitStderr(t *testing.T, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rTimeout)
	defer cancel()
	for !strings.Contains(r.stderr.String(), s) {
		select {
		case <-r.done:
			t.Fatalf("R exited (%v) before printing %q:\n%s", r.err, s, r.stderr)
		case <-ctx.Done():
			t.Fatalf("R did not print %q:\n%s", s, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// runR runs a script to its end, which must be exit 0.
func runR(t *testing.T, env []string, script string, args ...string) *rProc {
	t.Helper()
	r := startR(t, env, script, args...)
	r.wait(t)
	return r
}

// rEval evaluates R code and returns what it prints.
func rEval(t *testing.T, code string) string {
	t.Helper()
	return strings.TrimSpace(runR(t, nil, "-e", code).stdout.String())
}

// sentDropped reads the "sent N, dropped M" line the helper scripts print.
func sentDropped(t *testing.T, r *rProc) (sent, dropped int) {
	t.Helper()
	out := r.stdout.String()
	i := strings.LastIndex(out, "sent ")
	if i < 0 {
		t.Fatalf("no \"sent N, dropped M\" line in R's output:\n%s", out)
	}
	if _, err := fmt.Sscanf(out[i:], "sent %d, dropped %d", &sent, &dropped); err != nil {
		t.Fatalf("%v in R's output:\n%s", err, out)
	}
	return sent, dropped
}

// unusedPort returns a loopback port that nothing listens on (it was free a
// moment ago), for a client that must start before the exporter.
func unusedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_ = ln.Close()
	return port
}

// portOf is the port of a host:port address.
func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkNothingDropped checks that nothing was dropped on the way: no parse
// error, no oversized message, no rejected name.
func checkNothingDropped(t *testing.T, mfs map[string]*dto.MetricFamily) {
	t.Helper()
	for _, name := range []string{"rexporter_parse_errors_total", "rexporter_oversized_messages_total", "rexporter_rejected_names_total"} {
		if got := sum(mfs, name); got != 0 {
			t.Errorf("%s = %v, want 0", name, got)
		}
	}
}

// sampleWant names a sample (family and labels) and its exact expected value.
type sampleWant struct {
	name   string
	labels []string
	want   float64
}

// checkSamples checks samples for their exact values.
func checkSamples(t *testing.T, mfs map[string]*dto.MetricFamily, checks []sampleWant) {
	t.Helper()
	for _, c := range checks {
		got, ok := value(mfs, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
}

// TestRBlogClient runs the blog's client.R unchanged (write.socket, no
// terminator): once with its real one-second pause, once as fast as R can
// write, so that messages arrive glued. Every message must be counted once,
// the gauge must hold the last draw (computed by R from the same seed), and
// nothing may be dropped.
func TestRBlogClient(t *testing.T) {
	requireR(t)
	t.Parallel()
	for name, tc := range map[string]struct {
		iterations int
		sleep      string
	}{
		"10 messages a second apart": {10, "1"},
		"1000 messages glued":        {1000, "0"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const seed = "42"
			want, err := strconv.ParseFloat(rEval(t, fmt.Sprintf(
				"set.seed(%s); for (ii in 1:%d) rp <- rpois(1, 10); cat(rp)", seed, tc.iterations)), 64)
			if err != nil {
				t.Fatal(err)
			}
			p := startExporter(t)
			runR(t, nil, rExample(t, "client.R"), "127.0.0.1", portOf(t, p.ingest), strconv.Itoa(tc.iterations), tc.sleep, seed)

			n := float64(tc.iterations)
			mfs := p.waitFor(t, "every message", counterAtLeast("rexporter_messages_total", n))
			checkSamples(t, mfs, []sampleWant{
				{"random_poisson_messages_total", nil, n},
				{"random_poisson", nil, want},
				{"rexporter_framed_messages_total", nil, n},
				{"rexporter_messages_total", nil, n},
				// No "bye": the unnamed job ended without saying goodbye.
				{"rexporter_job_state", []string{"r_job", "127.0.0.1", "state", "vanished"}, 1},
			})
			checkNothingDropped(t, mfs)
		})
	}
}

// TestRNewlineClients runs the newline-terminated clients: writeLines (one
// write per message) and cat(msg, "\n") (each message in pieces).
func TestRNewlineClients(t *testing.T) {
	requireR(t)
	t.Parallel()
	const messages = 1000
	for script, families := range map[string][]string{
		"writelines.R": {"iteration_messages_total", "random_poisson_messages_total"},
		"cat.R":        {"iteration_messages_total"},
	} {
		t.Run(script, func(t *testing.T) {
			t.Parallel()
			p := startExporter(t)
			runR(t, nil, rExample(t, script), "127.0.0.1", portOf(t, p.ingest), strconv.Itoa(messages))
			mfs := p.waitFor(t, "every message", counterAtLeast("rexporter_messages_total", messages))
			checks := []sampleWant{
				{"rexporter_messages_total", nil, messages},
				{"rexporter_framed_messages_total", nil, messages},
				{"iteration", nil, messages}, // the last message's iteration
			}
			for _, f := range families {
				checks = append(checks, sampleWant{f, nil, messages})
			}
			checkSamples(t, mfs, checks)
			checkNothingDropped(t, mfs)
		})
	}
}

// TestRWorkers runs eight R workers at once (mclapply), 1,000 messages each,
// each naming itself worker-<k> through the helper: exact totals, and eight
// series that r_job tells apart.
func TestRWorkers(t *testing.T) {
	requireR(t)
	t.Parallel()
	const workers, messages = 8, 1000
	p := startExporter(t)
	r := runR(t, nil, rExample(t, "workers.R"), "127.0.0.1", portOf(t, p.ingest), strconv.Itoa(workers), strconv.Itoa(messages))
	if sent, dropped := sentDropped(t, r); sent != workers*messages || dropped != 0 {
		t.Errorf("R sent %d and dropped %d, want %d and 0", sent, dropped, workers*messages)
	}

	mfs := p.waitFor(t, "every worker's messages and goodbye", func(m map[string]*dto.MetricFamily) bool {
		if sum(m, "random_poisson_messages_total") < workers*messages {
			return false
		}
		for k := 1; k <= workers; k++ {
			if v, _ := value(m, "rexporter_job_state", "r_job", fmt.Sprintf("worker-%d", k), "state", "finished"); v != 1 {
				return false
			}
		}
		return true
	})
	if got := sum(mfs, "random_poisson_messages_total"); got != workers*messages {
		t.Errorf("random_poisson_messages_total summed = %v, want %v", got, workers*messages)
	}
	jobs := map[string]bool{}
	for _, m := range mfs["random_poisson_messages_total"].GetMetric() {
		job := ""
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "r_job" {
				job = lp.GetValue()
			}
		}
		if job == "" {
			t.Errorf("a random_poisson_messages_total series without r_job: %v", m)
		}
		jobs[job] = true
	}
	if len(jobs) != workers {
		t.Errorf("r_job values %v, want %d workers", jobs, workers)
	}
	for k := 1; k <= workers; k++ {
		job := fmt.Sprintf("worker-%d", k)
		checkSamples(t, mfs, []sampleWant{
			{"random_poisson_messages_total", []string{"r_job", job}, messages},
			{"iteration_messages_total", []string{"r_job", job}, messages},
			{"iteration", []string{"r_job", job}, messages},
			{"random_poisson_values", []string{"r_job", job}, messages}, // histogram count
			{"rexporter_job_state", []string{"r_job", job, "state", "running"}, 0},
			{"rexporter_job_up", []string{"r_job", job}, 0},
		})
		if v, _ := value(mfs, "rexporter_job_messages_total", "r_job", job); v < messages {
			t.Errorf("rexporter_job_messages_total{r_job=%q} = %v, want at least %d", job, v, messages)
		}
	}
	checkNothingDropped(t, mfs)
	_, body := p.scrape(t)
	promtoolCheckMetrics(t, body)
}

// helperSpecialValues sends the same values as special_values.R through the
// helper's rx_send, which must format them as R prints them, in one message
// (Kept: 3 first, in a message of its own).
const helperSpecialValues = `
a <- commandArgs(TRUE)
source(a[[1]])
con <- rx_connect("127.0.0.1", as.integer(a[[2]]))
rx_send(con, Kept = 3)
rx_send(con, Missing = NA, "Not a number" = NaN, "Positive infinity" = Inf,
        "Negative infinity" = -Inf, Converged = TRUE, "Hundred thousand" = 1e5,
        "Ten thousandth" = 1e-4, Pi = pi, Kept = NA)
rx_close(con)
`

// TestRSpecialValues sends R's NA, NaN, Inf, -Inf, TRUE, 1e+05, 1e-04 and pi
// as paste0 prints them, and as the helper formats them.
func TestRSpecialValues(t *testing.T) {
	requireR(t)
	t.Parallel()
	for name, helper := range map[string]bool{
		"paste0 (special_values.R)": false,
		"helper rx_send":            true,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startExporter(t)
			if helper {
				runR(t, nil, rScript(t, "special.R", helperSpecialValues), rExample(t, "rexporter.R"), portOf(t, p.ingest))
			} else {
				runR(t, nil, rExample(t, "special_values.R"), "127.0.0.1", portOf(t, p.ingest))
			}
			// Kept: NA comes last on the one connection, so once both NAs
			// are counted, everything before them has been applied.
			mfs := p.waitFor(t, "both NAs", counterAtLeast("rexporter_missing_values_total", 2))

			checkSamples(t, mfs, []sampleWant{
				{"rexporter_missing_values_total", nil, 2}, // Missing: NA, Kept: NA
				{"rexporter_nonfinite_values_total", nil, 3},
				{"positive_infinity", nil, math.Inf(1)},
				{"negative_infinity", nil, math.Inf(-1)},
				{"not_a_number_messages_total", nil, 1},
				{"converged", nil, 1},
				{"hundred_thousand", nil, 1e5},
				{"ten_thousandth", nil, 1e-4},
				{"pi", nil, 3.14159265358979}, // R's 15 significant digits, not math.Pi
				{"kept", nil, 3},              // NA leaves the gauge alone
				{"kept_messages_total", nil, 1},
				{"positive_infinity_values", nil, 0}, // the histogram skips non-finite values
			})
			if v, ok := value(mfs, "not_a_number"); !ok || !math.IsNaN(v) {
				t.Errorf("not_a_number = %v (present %v), want NaN", v, ok)
			}
			if _, ok := mfs["missing"]; ok {
				t.Errorf("a name only ever NA has a gauge: %v", mfs["missing"])
			}
			checkNothingDropped(t, mfs)
			_, body := p.scrape(t)
			promtoolCheckMetrics(t, body)
		})
	}
}

// latin1Env returns the environment for R in a latin1 locale. The locale is
// compiled into a temporary directory (LOCPATH), so the test needs the
// `locales` package's sources but no change to the machine.
func latin1Env(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	const name = "fr_FR.ISO-8859-1"
	out, err := exec.Command("localedef", "-i", "fr_FR", "-f", "ISO-8859-1", filepath.Join(dir, name)).CombinedOutput()
	if _, statErr := os.Stat(filepath.Join(dir, name, "LC_CTYPE")); statErr != nil {
		msg := fmt.Sprintf("cannot build a latin1 locale (apt-get install locales): %v %v\n%s", err, statErr, out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return []string{"LOCPATH=" + dir, "LC_ALL=" + name}
}

// captureR runs a script against a bare loopback listener and returns the
// bytes it sent on its one connection.
func captureR(t *testing.T, env []string, script string, extra ...string) []byte {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := startR(t, env, script, append([]string{"127.0.0.1", portOf(t, ln.Addr().String())}, extra...)...)
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(rTimeout))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("R did not connect: %v\n%s", err, r.stderr)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(rTimeout))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	r.wait(t)
	return got
}

// helperNonASCII sends "Température" through the helper, which sends UTF-8
// whatever the locale. The name is an argument name, so R's parser keeps it
// in the native encoding (latin1 in a latin1 locale) before the helper sees it.
const helperNonASCII = `
a <- commandArgs(TRUE)
source(a[[3]])
con <- rx_connect(a[[1]], as.integer(a[[2]]))
rx_send(con, "Temp\u00e9rature" = 21.5)
rx_close(con)
`

// TestRNonASCIIName sends "Température" from R in a UTF-8 and in a latin1
// locale. The capture proves what R really puts on the wire (two UTF-8 bytes
// or one latin1 byte for "é"); rexporter must read both as the same name.
func TestRNonASCIIName(t *testing.T) {
	requireR(t)
	t.Parallel()
	utf8Env := func(*testing.T) []string { return []string{"LC_ALL=C.UTF-8"} }
	for name, tc := range map[string]struct {
		env    func(*testing.T) []string
		helper bool
		wire   string
	}{
		"writeLines, UTF-8 locale":  {utf8Env, false, "Temp\xc3\xa9rature: 21.5\n"},
		"writeLines, latin1 locale": {latin1Env, false, "Temp\xe9rature: 21.5\n"},
		"helper, latin1 locale":     {latin1Env, true, "Temp\xc3\xa9rature: 21.5\n"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := tc.env(t)
			script := rExample(t, "nonascii.R")
			if tc.helper {
				script = rScript(t, "nonascii.R", helperNonASCII)
			}
			helper := rExample(t, "rexporter.R") // a third argument nonascii.R ignores
			if got := captureR(t, env, script, helper); !strings.Contains(string(got), "] - "+tc.wire) {
				t.Fatalf("R sent %q, want a message ending in %q", got, tc.wire)
			}

			p := startExporter(t)
			runR(t, env, script, "127.0.0.1", portOf(t, p.ingest), helper)
			mfs := p.waitFor(t, "the message", counterAtLeast("temperature_messages_total", 1))
			checkSamples(t, mfs, []sampleWant{{"temperature", nil, 21.5}})
			help := mfs["temperature"].GetHelp()
			if !utf8.ValidString(help) || !strings.Contains(help, `"Température"`) {
				t.Errorf("HELP %q does not name \"Température\" in UTF-8", help)
			}
			checkNothingDropped(t, mfs)
		})
	}
}

// helperJob is an R job using examples/r/rexporter.R that reports every 50 ms
// until the test creates its stop file (bounded: it gives up after 2,000
// rounds), then says goodbye and prints what the helper counted.
const helperJob = `
a <- commandArgs(TRUE)
source(a[[1]])
con <- rx_connect("127.0.0.1", as.integer(a[[2]]), job = a[[3]])
for (i in 1:2000) {
  if (file.exists(a[[4]])) break
  rx_send(con, iteration = i, loss = 1 / i)
  Sys.sleep(0.05)
}
rx_close(con)
cat(sprintf("sent %d, dropped %d\n", as.integer(rx_sent(con)), as.integer(rx_dropped(con))))
`

// startHelperJob starts helperJob as job `job` against a port; stop ends it.
func startHelperJob(t *testing.T, port, job string) (r *rProc, stop func()) {
	t.Helper()
	stopFile := filepath.Join(t.TempDir(), "stop")
	r = startR(t, nil, rScript(t, "job.R", helperJob), rExample(t, "rexporter.R"), port, job, stopFile)
	return r, func() {
		if err := os.WriteFile(stopFile, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRHelper drives examples/r/rexporter.R through a job's life: a clean
// run, an exporter that is down when the job starts and is then killed and
// restarted under it, and a job that is killed itself.
func TestRHelper(t *testing.T) {
	requireR(t)
	t.Parallel()

	t.Run("demo job finishes", func(t *testing.T) {
		t.Parallel()
		const iterations = 30
		p := startExporter(t)
		r := runR(t, nil, rExample(t, "demo.R"), "127.0.0.1", portOf(t, p.ingest), strconv.Itoa(iterations), "0", "demo job")
		// Its three parameters (rx_params), per iteration a
		// loss/intercept/slope message and a progress message, then "converged".
		if sent, dropped := sentDropped(t, r); sent != 3+2*iterations+1 || dropped != 0 {
			t.Errorf("R sent %d and dropped %d, want %d and 0", sent, dropped, 3+2*iterations+1)
		}
		job := []string{"r_job", "demo job"}
		mfs := p.waitFor(t, "the job to finish", counterAtLeast("rexporter_job_state", 1, "r_job", "demo job", "state", "finished"))
		checkSamples(t, mfs, []sampleWant{
			{"loss_messages_total", job, iterations},
			{"slope_messages_total", job, iterations},
			{"progress_done", job, iterations},
			{"progress_steps", job, iterations},
			{"progress_ratio", job, 1},
			{"converged_messages_total", job, 1},
			{"rexporter_job_state", []string{"r_job", "demo job", "state", "running"}, 0},
			{"rexporter_job_state", []string{"r_job", "demo job", "state", "vanished"}, 0},
			{"rexporter_job_up", job, 0},
			{"rexporter_job_connections", job, 0},
		})
		for _, name := range []string{"rexporter_job_start_timestamp_seconds", "rexporter_job_last_message_timestamp_seconds", "rexporter_job_end_timestamp_seconds"} {
			if v, ok := value(mfs, name, job...); !ok || v <= 0 {
				t.Errorf("%s{r_job=\"demo job\"} = %v (present %v)", name, v, ok)
			}
		}
		// rx_progress sends one progress field "progress: i/n", not three numbers.
		for _, name := range []string{"progress_messages_total", "progress_ratio_messages_total", "progress_done_messages_total", "progress_steps_messages_total"} {
			if _, ok := mfs[name]; ok {
				t.Errorf("%s present: rx_progress should send one progress field, not numbers", name)
			}
		}
		if strings.Contains(r.stderr.String(), "Warning") {
			t.Errorf("warnings although the exporter was up:\n%s", r.stderr)
		}
		checkNothingDropped(t, mfs)
	})

	t.Run("exporter down at start, then killed and restarted", func(t *testing.T) {
		t.Parallel()
		ingest := "127.0.0.1:" + unusedPort(t)
		job := []string{"r_job", "resilient"}
		r, stop := startHelperJob(t, portOf(t, ingest), "resilient")

		// Nothing listens yet: one warning, and the job runs on.
		r.waitStderr(t, "cannot connect")
		p1 := startExporterOn(t, ingest)
		p1.waitFor(t, "values once the exporter is up", counterAtLeast("iteration_messages_total", 1, job...))
		connected := r.stderr.String()
		if n := strings.Count(connected, "cannot connect"); n != 1 {
			t.Errorf("%d warnings while the exporter was down at start, want 1:\n%s", n, connected)
		}

		// SIGKILL: no drain, the connection just dies under the job.
		_ = p1.cmd.Process.Kill()
		<-p1.exited
		p2 := startExporterOn(t, ingest)
		mfs := p2.waitFor(t, "values after the restart, under the job's name", counterAtLeast("iteration_messages_total", 1, job...))
		checkSamples(t, mfs, []sampleWant{{"rexporter_job_state", []string{"r_job", "resilient", "state", "running"}, 1}})

		stop()
		r.wait(t)
		mfs = p2.waitFor(t, "the goodbye", counterAtLeast("rexporter_job_state", 1, "r_job", "resilient", "state", "finished"))
		sent, dropped := sentDropped(t, r)
		if dropped == 0 {
			t.Errorf("nothing dropped although the exporter was down at first")
		}
		if got, _ := value(mfs, "iteration_messages_total", job...); got < 1 || got > float64(sent) {
			t.Errorf("the restarted exporter counted %v messages; R sent %d in all", got, sent)
		}
		if stderr := r.stderr.String(); strings.Contains(stderr, "SIGPIPE") || strings.Contains(stderr, "Error") {
			t.Errorf("a socket error reached the R job:\n%s", stderr)
		}
		checkNothingDropped(t, mfs)
	})

	t.Run("killed job vanishes", func(t *testing.T) {
		t.Parallel()
		p := startExporter(t)
		r, _ := startHelperJob(t, portOf(t, p.ingest), "doomed")
		p.waitFor(t, "the job's values", counterAtLeast("iteration_messages_total", 1, "r_job", "doomed"))
		r.kill(t)
		mfs := p.waitFor(t, "the job to vanish", counterAtLeast("rexporter_job_state", 1, "r_job", "doomed", "state", "vanished"))
		checkSamples(t, mfs, []sampleWant{
			{"rexporter_job_state", []string{"r_job", "doomed", "state", "finished"}, 0},
			{"rexporter_job_state", []string{"r_job", "doomed", "state", "running"}, 0},
			{"rexporter_job_up", []string{"r_job", "doomed"}, 0},
		})
	})
}

// holdListener accepts connections and never reads from them, like an
// exporter that hangs: once the kernel's buffers are full, a write blocks.
func holdListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for { // ends when the listener is closed at cleanup
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// floodJob sends 1,000 messages of 40 kB through the helper: 40 MB, more
// than the largest send and receive buffers Linux allows by default
// (tcp_wmem 4 MB, tcp_rmem 32 MB) hold together.
const floodJob = `
a <- commandArgs(TRUE)
source(a[[1]])
con <- rx_connect("127.0.0.1", as.integer(a[[2]]), job = "flood")
v <- 1
names(v) <- paste("x", strrep("y", 40000))
for (i in 1:1000) rx_send(con, v)
rx_close(con)
cat(sprintf("sent %d, dropped %d\n", as.integer(rx_sent(con)), as.integer(rx_dropped(con))))
`

// TestRHelperNeverBlocks points the helper at a server that never reads.
// write.socket would block forever; the helper must finish (the bound is
// rTimeout, far beyond what it needs), dropping and counting what did not fit.
func TestRHelperNeverBlocks(t *testing.T) {
	requireR(t)
	t.Parallel()
	addr := holdListener(t)
	r := runR(t, nil, rScript(t, "flood.R", floodJob), rExample(t, "rexporter.R"), portOf(t, addr))
	sent, dropped := sentDropped(t, r)
	if sent+dropped != 1000 || sent == 0 || dropped == 0 {
		t.Errorf("sent %d, dropped %d: want some of each, 1000 in all", sent, dropped)
	}
	if stderr := r.stderr.String(); strings.Contains(stderr, "Error") {
		t.Errorf("an error reached the R job:\n%s", stderr)
	}
}

// closeAfterFirstRead accepts connections, reads once and closes each, like
// an exporter that restarts while the client writes.
func closeAfterFirstRead(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for { // ends when the listener is closed at cleanup
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(rTimeout))
			_, _ = c.Read(make([]byte, 1024))
			_ = c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestRServerGoneSIGPIPE shows why the helper exists: when the server closes
// the connection, the next-but-one write.socket kills a plain R client with
// "ignoring SIGPIPE signal", while the helper notices the close, reconnects
// and the job ends normally. With its readability check switched off, the
// helper must still survive: the SIGPIPE error is caught and it reconnects.
func TestRServerGoneSIGPIPE(t *testing.T) {
	requireR(t)
	t.Parallel()
	for name, tc := range map[string]struct {
		code        string
		fatal       bool
		minConnects int // checked when the script prints "connects N"
	}{
		"write.socket dies": {`
a <- commandArgs(TRUE)
s <- make.socket("127.0.0.1", as.integer(a[[2]]))
for (i in 1:100) { write.socket(s, paste0("x: ", i, "\n")); Sys.sleep(0.02) }
`, true, 0},
		"helper survives": {`
a <- commandArgs(TRUE)
source(a[[1]])
con <- rx_connect("127.0.0.1", as.integer(a[[2]]))
for (i in 1:100) { rx_send(con, x = i); Sys.sleep(0.02) }
rx_close(con)
cat(sprintf("connects %d\n", as.integer(con$connects)))
`, false, 2},
		"helper survives the SIGPIPE itself": {`
a <- commandArgs(TRUE)
source(a[[1]])
# Pretend the close is never noticed, so the next-but-one write meets the
# dead socket and R raises "ignoring SIGPIPE signal" inside the helper.
.rx_peer_gone <- function(h) FALSE
con <- rx_connect("127.0.0.1", as.integer(a[[2]]))
for (i in 1:100) { rx_send(con, x = i); Sys.sleep(0.02) }
rx_close(con)
cat(sprintf("connects %d\n", as.integer(con$connects)))
`, false, 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr := closeAfterFirstRead(t)
			r := startR(t, nil, rScript(t, "client.R", tc.code), rExample(t, "rexporter.R"), portOf(t, addr))
			<-r.done // bounded by rTimeout
			var exit *exec.ExitError
			died := errors.As(r.err, &exit) && strings.Contains(r.stderr.String(), "ignoring SIGPIPE signal")
			if died != tc.fatal {
				t.Errorf("died of SIGPIPE: %v, want %v (%v)\nstdout:\n%s\nstderr:\n%s", died, tc.fatal, r.err, r.stdout, r.stderr)
			}
			if !tc.fatal && r.err != nil {
				t.Errorf("the helper's job failed: %v\n%s", r.err, r.stderr)
			}
			if tc.minConnects > 0 {
				var connects int
				out := r.stdout.String()
				i := strings.LastIndex(out, "connects ")
				if i < 0 {
					t.Fatalf("no \"connects N\" line:\n%s", out)
				}
				if _, err := fmt.Sscanf(out[i:], "connects %d", &connects); err != nil || connects < tc.minConnects {
					t.Errorf("connected %d times (%v), want at least %d: the helper did not notice the closed connection", connects, err, tc.minConnects)
				}
			}
		})
	}
}
