package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/rexporter/rexporter/internal/testharness"
)

// runProc is one `rexporter run`.
type runProc struct {
	cmd      *exec.Cmd
	stdout   *testharness.SyncBuffer
	stderr   *testharness.SyncBuffer
	done     chan struct{}
	exitCode int
	web      string // the --metrics address it logged, without --to
}

// startRun starts `rexporter run args... -- Rscript script` in a UTF-8
// locale; cmdPrefix, when given, comes before the binary (a shell that
// moves itself into a cgroup first).
func startRun(t *testing.T, args []string, script string, cmdPrefix ...string) *runProc {
	t.Helper()
	rscript := requireR(t)
	all := append(append([]string{"run", "--log.format", "json"}, args...), "--", rscript, script)
	argv := append(append(cmdPrefix, binary), all...)
	ctx, cancel := context.WithTimeout(context.Background(), rTimeout)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "REXPORTER_ADDR=")
	cmd.WaitDelay = 5 * time.Second
	p := &runProc{cmd: cmd, stdout: &testharness.SyncBuffer{}, stderr: &testharness.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(p.stderr, pw)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	webc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var line struct{ Msg, Address string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "Listening on" {
				select {
				case webc <- line.Address:
				default:
				}
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		p.exitCode = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.exitCode = 128 + int(ws.Signal())
		}
		_ = pw.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.done
	})
	if !hasFlag(args, "--to") {
		select {
		case p.web = <-webc:
		case <-p.done:
			t.Fatalf("rexporter run ended before serving (%d):\n%s", p.exitCode, p.stderr)
		case <-time.After(testTimeout):
			t.Fatalf("rexporter run did not log its address:\n%s", p.stderr)
		}
	}
	return p
}

func hasFlag(args []string, f string) bool {
	for _, a := range args {
		if a == f || strings.HasPrefix(a, f+"=") {
			return true
		}
	}
	return false
}

// wait waits for the end and returns the exit status.
func (p *runProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(rTimeout):
		t.Fatalf("rexporter run did not end:\n%s", p.stderr)
	}
	return p.exitCode
}

// waitOutput waits until the job's stdout holds s.
func (p *runProc) waitOutput(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(rTimeout)
	for !strings.Contains(p.stdout.String(), s) {
		select {
		case <-p.done:
			t.Fatalf("ended (%d) before printing %q:\n%s\n%s", p.exitCode, s, p.stdout, p.stderr)
		case <-deadline:
			t.Fatalf("did not print %q:\n%s", s, p.stdout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// labelsOf returns the labels of the sample of a family with r_job=job.
func labelsOf(mfs map[string]*dto.MetricFamily, name, job string) map[string]string {
	mf := mfs[name]
	if mf == nil {
		return nil
	}
	for _, m := range mf.GetMetric() {
		ls := map[string]string{}
		for _, lp := range m.GetLabel() {
			ls[lp.GetName()] = lp.GetValue()
		}
		if ls["r_job"] == job {
			return ls
		}
	}
	return nil
}

// stateIs is a waitFor condition: the job's state is st.
func stateIs(job, st string) func(map[string]*dto.MetricFamily) bool {
	return func(mfs map[string]*dto.MetricFamily) bool {
		v, ok := value(mfs, "rexporter_job_state", "r_job", job, "state", st)
		return ok && v == 1
	}
}

// TestRunEndings runs real R jobs under rexporter run and checks the exit
// status it passes on and the ending the exporter shows.
func TestRunEndings(t *testing.T) {
	requireR(t)
	exp := startExporter(t)
	to := []string{"--to", exp.ingest, "--sample-interval", "100ms"}
	tests := map[string]struct {
		code   string
		kill   syscall.Signal // sent once the job printed "ready"
		toR    bool           // kill R itself, not rexporter run
		exit   int
		state  string
		signal string
		errIn  string
	}{
		"finishes":          {code: `for (i in 1:5) cat("loss:", 1/i, "\n"); cat("not a message\n")`, exit: 0, state: "finished"},
		"stop at top level": {code: `cat("loss: 1\n"); stop("boom at top")`, exit: 1, state: "failed", errIn: "Error: boom at top"},
		"stop in a function": {code: `f <- function(x) stop("bad x: ", x); cat("loss: 1\n"); f(3)`,
			exit: 1, state: "failed", errIn: "Error in f(3) : bad x: 3"},
		"quit with status": {code: `cat("loss: 1\n"); quit(status = 3)`, exit: 3, state: "failed"},
		"SIGTERM through the wrapper": {code: `cat("ready\n"); Sys.sleep(60)`, kill: syscall.SIGTERM,
			exit: 143, state: "killed", signal: "SIGTERM"},
		"SIGKILL": {code: `cat("ready\n"); Sys.sleep(60)`, kill: syscall.SIGKILL, toR: true,
			exit: 137, state: "killed", signal: "SIGKILL"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			job := strings.ReplaceAll(name, " ", "-")
			script := rScript(t, "job.R", `cat("pid:", Sys.getpid(), "\n")`+"\n"+tc.code+"\n")
			p := startRun(t, append([]string{"--job", job}, to...), script)
			if tc.kill != 0 {
				p.waitOutput(t, "ready")
				pid := p.cmd.Process.Pid
				if tc.toR {
					pid = rPid(t, p)
				}
				if err := syscall.Kill(pid, tc.kill); err != nil {
					t.Fatal(err)
				}
			}
			if got := p.wait(t); got != tc.exit {
				t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tc.exit, p.stdout, p.stderr)
			}
			mfs := exp.waitFor(t, job+" "+tc.state, stateIs(job, tc.state))
			if v, ok := value(mfs, "rexporter_job_exit_code", "r_job", job); !ok || int(v) != tc.exit {
				t.Errorf("rexporter_job_exit_code %v (%v), want %d", v, ok, tc.exit)
			}
			info := labelsOf(mfs, "rexporter_job_exit_info", job)
			if info["ending"] != tc.state || info["signal"] != tc.signal || !strings.Contains(info["error"], tc.errIn) {
				t.Errorf("rexporter_job_exit_info %v; want ending %s, signal %q, error containing %q", info, tc.state, tc.signal, tc.errIn)
			}
			if _, ok := value(mfs, "rexporter_job_cpu_seconds_total", "r_job", job); !ok {
				t.Error("no rexporter_job_cpu_seconds_total")
			}
			if tc.exit == 0 {
				if v, ok := value(mfs, "loss", "r_job", job); !ok || v != 0.2 {
					t.Errorf("loss = %v (%v), want 0.2", v, ok)
				}
				if v, _ := value(mfs, "rexporter_job_run_ignored_lines_total", "r_job", job); v < 1 {
					t.Errorf("rexporter_job_run_ignored_lines_total = %v, want the line that is no message", v)
				}
				if !strings.Contains(p.stdout.String(), "not a message\n") || !strings.Contains(p.stdout.String(), "loss: 0.2 \n") {
					t.Errorf("the job's output did not pass through:\n%s", p.stdout)
				}
			}
		})
	}
}

// rPid is the pid the job printed.
func rPid(t *testing.T, p *runProc) int {
	t.Helper()
	for _, l := range strings.Split(p.stdout.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "pid: "); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return pid
			}
		}
	}
	t.Fatalf("no pid in:\n%s", p.stdout)
	return 0
}

// TestRunForkedWorkersCPU checks that the CPU time of parallel::mclapply's
// forked workers counts for the job.
func TestRunForkedWorkersCPU(t *testing.T) {
	requireR(t)
	exp := startExporter(t)
	script := rScript(t, "workers.R", `
burn <- function(i) { t0 <- proc.time()[["user.self"]]; x <- 0; while (proc.time()[["user.self"]] - t0 < 1) x <- x + 1; i }
invisible(parallel::mclapply(1:2, burn, mc.cores = 2))
cat("done: 1\n")
`)
	p := startRun(t, []string{"--to", exp.ingest, "--job", "workers", "--sample-interval", "100ms"}, script)
	if got := p.wait(t); got != 0 {
		t.Fatalf("exit %d:\n%s", got, p.stderr)
	}
	mfs := exp.waitFor(t, "workers finished", stateIs("workers", "finished"))
	cpu, _ := value(mfs, "rexporter_job_cpu_seconds_total", "r_job", "workers")
	if cpu < 1.8 {
		t.Errorf("rexporter_job_cpu_seconds_total = %v, want at least 1.8 (two workers burning 1 s each)", cpu)
	}
}

// TestRunExporterDown runs a job with no exporter at all: its exit status and
// output are the same, and it does not wait much beyond --flush-timeout.
func TestRunExporterDown(t *testing.T) {
	requireR(t)
	script := rScript(t, "job.R", `for (i in 1:20) { cat("i:", i, "\n"); Sys.sleep(0.02) }; quit(status = 4)`)
	start := time.Now()
	p := startRun(t, []string{"--to", "127.0.0.1:" + unusedPort(t), "--flush-timeout", "1s"}, script)
	if got := p.wait(t); got != 4 {
		t.Fatalf("exit %d, want 4:\n%s", got, p.stderr)
	}
	if want := "i: 20 \n"; !strings.Contains(p.stdout.String(), want) {
		t.Errorf("output lost:\n%s", p.stdout)
	}
	if !strings.Contains(p.stderr.String(), "cannot reach the exporter") {
		t.Errorf("no warning about the exporter:\n%s", p.stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestRunExporterRestart restarts the exporter while the job runs: the job
// goes on, and the new exporter learns its name, parameters and ending.
func TestRunExporterRestart(t *testing.T) {
	requireR(t)
	listen := "127.0.0.1:" + unusedPort(t)
	exp := startExporterOn(t, listen)
	script := rScript(t, "job.R", `for (i in 1:40) { cat("i:", i, "\n"); Sys.sleep(0.1) }`)
	p := startRun(t, []string{"--to", listen, "--job", "restarted", "--param", "seed=42"}, script)
	exp.waitFor(t, "the job's values", counterAtLeast("i", 3, "r_job", "restarted"))
	exp.stop(t)
	exp2 := startExporterOn(t, listen)
	if got := p.wait(t); got != 0 {
		t.Fatalf("exit %d:\n%s", got, p.stderr)
	}
	mfs := exp2.waitFor(t, "restarted finished", stateIs("restarted", "finished"))
	if v, _ := value(mfs, "i", "r_job", "restarted"); v != 40 {
		t.Errorf("i = %v, want 40", v)
	}
	if ls := labelsOf(mfs, "rexporter_job_info", "restarted"); ls["param_seed"] != "42" {
		t.Errorf("rexporter_job_info %v, want param_seed 42", ls)
	}
	if !strings.Contains(p.stdout.String(), "i: 40 \n") {
		t.Errorf("output lost:\n%s", p.stdout)
	}
}

// TestRunStalled: a job that sends every 50 ms and then sleeps is stalled
// within the bound, and not once it speaks again.
func TestRunStalled(t *testing.T) {
	requireR(t)
	exp := startExporter(t, "--stall.min", "500ms", "--stall.factor", "10")
	script := rScript(t, "job.R", `
for (i in 1:60) { cat("i:", i, "\n"); Sys.sleep(0.05) }
cat("sleeping\n"); Sys.sleep(8)
for (i in 61:70) { cat("i:", i, "\n"); Sys.sleep(0.05) }
cat("awake\n"); Sys.sleep(1)
`)
	p := startRun(t, []string{"--to", exp.ingest, "--job", "sleepy"}, script)
	stalled := func(want float64) func(map[string]*dto.MetricFamily) bool {
		return func(mfs map[string]*dto.MetricFamily) bool {
			v, ok := value(mfs, "rexporter_job_stalled", "r_job", "sleepy")
			return ok && v == want
		}
	}
	p.waitOutput(t, "i: 30 ")
	if mfs, _ := exp.scrape(t); !stalled(0)(mfs) {
		t.Fatal("stalled while sending every 50 ms")
	}
	p.waitOutput(t, "sleeping")
	slept := time.Now()
	exp.waitFor(t, "stalled", stalled(1))
	if d := time.Since(slept); d > 6*time.Second {
		t.Errorf("stalled after %s of silence; the bound is 10 × the longest recent gap, at least 500ms", d)
	}
	_, body := exp.get(t, "/api/status")
	if !strings.Contains(body, `"stalled":true`) {
		t.Errorf("the status page does not say stalled:\n%s", body)
	}
	p.waitOutput(t, "awake")
	exp.waitFor(t, "no longer stalled", stalled(0))
	if got := p.wait(t); got != 0 {
		t.Fatalf("exit %d", got)
	}
}

// TestRunParamsLocal runs without --to: rexporter run serves /metrics
// itself, with the parameters from --param and from the job.
func TestRunParamsLocal(t *testing.T) {
	requireR(t)
	helper := rExample(t, "rexporter.R")
	script := rScript(t, "job.R", `
source("`+helper+`")
cat("run: param model=glm (binomial), with weights\n")
rx_params(n = 100, alpha = 0.05, stdout = TRUE)
cat("loss: 0.5\n")
Sys.sleep(60)
`)
	p := startRun(t, []string{"--metrics", "127.0.0.1:0", "--param", "seed=7", "--job", "local"}, script)
	web := &exporterProc{web: p.web}
	mfs := web.waitFor(t, "the parameters", func(mfs map[string]*dto.MetricFamily) bool {
		return labelsOf(mfs, "rexporter_job_info", "local")["param_alpha"] != ""
	})
	want := map[string]string{"r_job": "local", "param_seed": "7", "param_model": "glm (binomial), with weights", "param_n": "100", "param_alpha": "0.05"}
	if got := labelsOf(mfs, "rexporter_job_info", "local"); !equalMaps(got, want) {
		t.Errorf("rexporter_job_info %v, want %v", got, want)
	}
	// Memory is sampled every --sample-interval (1 s): the first sample may
	// come from before R had loaded (a few hundred kB), so wait for R's.
	web.waitFor(t, "R's resident memory", func(mfs map[string]*dto.MetricFamily) bool {
		v, ok := value(mfs, "rexporter_job_resident_memory_bytes", "r_job", "local")
		return ok && v >= 1e6
	})
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	if got := p.wait(t); got != 130 && got != 1 {
		t.Errorf("exit %d after SIGINT, want R's answer to it (130 or 1)", got)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRunOOMKilled runs a job that allocates until its memory cgroup's limit
// makes the kernel kill it, where the test can create such a cgroup.
func TestRunOOMKilled(t *testing.T) {
	requireR(t)
	cg := memoryCgroup(t, 300<<20)
	exp := startExporter(t)
	script := rScript(t, "hog.R", `cat("ready\n"); x <- list(); for (i in 1:1000) x[[i]] <- numeric(1e7)`)
	p := startRun(t, []string{"--to", exp.ingest, "--job", "hog"}, script,
		"sh", "-c", `echo $$ > "$0" && exec "$@"`, filepath.Join(cg, "cgroup.procs"))
	if got := p.wait(t); got != 137 {
		t.Fatalf("exit %d, want 137:\n%s", got, p.stderr)
	}
	mfs := exp.waitFor(t, "hog oom_killed", stateIs("hog", "oom_killed"))
	if info := labelsOf(mfs, "rexporter_job_exit_info", "hog"); info["signal"] != "SIGKILL" {
		t.Errorf("rexporter_job_exit_info %v", info)
	}
}

// memoryCgroup creates a memory cgroup with a limit below this process's
// (cgroup v2 memory.max or v1 memory.limit_in_bytes) and returns its
// directory, or skips the test saying why it cannot.
func memoryCgroup(t *testing.T, limit int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Skipf("no /proc/self/cgroup: %v", err)
	}
	var tries [][2]string // directory, limit file
	for _, l := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(l, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			tries = append(tries, [2]string{filepath.Join("/sys/fs/cgroup", parts[2]), "memory.max"})
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				tries = append(tries, [2]string{filepath.Join("/sys/fs/cgroup/memory", parts[2]), "memory.limit_in_bytes"})
			}
		}
	}
	var why []string
	for _, try := range tries {
		dir := filepath.Join(try[0], "rexporter-e2e-"+strconv.Itoa(os.Getpid()))
		if err := os.Mkdir(dir, 0o755); err != nil {
			why = append(why, err.Error())
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, try[1]), []byte(strconv.Itoa(limit)), 0o644); err != nil {
			why = append(why, err.Error())
			_ = os.Remove(dir)
			continue
		}
		t.Cleanup(func() {
			// The cgroup can go once its processes have ended.
			for i := 0; i < 50 && os.Remove(dir) != nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
		})
		return dir
	}
	t.Skipf("cannot create a memory cgroup with a limit here (no writable cgroup v2 memory controller or v1 memory hierarchy; systemd-run --scope needs a systemd user bus): %s", strings.Join(why, "; "))
	return ""
}

// TestRunRecognises runs an R job that prints only what base R prints: a
// txtProgressBar (style 3, redrawn with "\r") and an optim trace. Under
// rexporter run both become metrics of the job with no change to the code:
// the bar's progress reaches 100 %, the trace's last value is on /metrics.
func TestRunRecognises(t *testing.T) {
	requireR(t)
	e := startExporter(t)
	script := rScript(t, "job.R", `
options(width = 80) # style 1 draws as many marks in all
pb1 <- txtProgressBar(min = 0, max = 10, style = 1)
for (i in 1:10) { setTxtProgressBar(pb1, i); Sys.sleep(0.05) }
close(pb1)
pb <- txtProgressBar(min = 0, max = 50, style = 3)
for (i in 1:50) setTxtProgressBar(pb, i)
close(pb)
fr <- function(x) 100 * (x[2] - x[1]^2)^2 + (1 - x[1])^2
invisible(optim(c(-1.2, 1), fr, method = "BFGS", control = list(trace = 1, REPORT = 1)))
`)
	p := startRun(t, []string{"--to", e.ingest, "--job", "recognised"}, script)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	mfs := e.waitFor(t, "the recognised metrics", stateIs("recognised", "finished"))
	job := []string{"r_job", "recognised"}
	if v, ok := value(mfs, "txt_progress_ratio", job...); !ok || v != 1 {
		t.Errorf("txt_progress_ratio = %v (present %v), want 1", v, ok)
	}
	// Style 1 prints no number: the marks drawn, all 80 at the end.
	if v, ok := value(mfs, "txt_progress_marks", job...); !ok || v != 80 {
		t.Errorf("txt_progress_marks = %v (present %v), want 80", v, ok)
	}
	if v, ok := value(mfs, "optim_value", job...); !ok || v > 1e-3 {
		t.Errorf("optim_value = %v (present %v), want the final value near 0", v, ok)
	}
	// Each metric names where it was read in its HELP text.
	for name, source := range map[string]string{
		"txt_progress_ratio": `in the txtProgressBar output, where it is "txtProgressBar"`,
		"optim_value":        `in the optim/nnet trace output, where it is "value"`,
	} {
		if mf := mfs[name]; mf == nil || !strings.Contains(mf.GetHelp(), source) {
			t.Errorf("HELP of %s = %q, want it to name its source (%s)", name, mf.GetHelp(), source)
		}
	}
	// Without recognisers the same output gives nothing.
	e2 := startExporter(t)
	p2 := startRun(t, []string{"--to", e2.ingest, "--job", "plain", "--no-recognise"}, script)
	if code := p2.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	mfs = e2.waitFor(t, "the job to end", stateIs("plain", "finished"))
	for _, name := range []string{"txt_progress_ratio", "optim_value"} {
		if _, ok := mfs[name]; ok {
			t.Errorf("%s exists with --no-recognise", name)
		}
	}
}
