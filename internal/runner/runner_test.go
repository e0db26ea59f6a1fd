package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestLineWriter(t *testing.T) {
	var out bytes.Buffer
	var lines []string
	w := &lineWriter{out: &out, max: 8, onLine: func(l []byte) {
		if l == nil {
			lines = append(lines, "<long>")
			return
		}
		lines = append(lines, string(l))
	}}
	in := []string{"a: 1\nb:", " 2\n", "much too long a line\nc: 3\r\n", "tail"}
	for _, s := range in {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	w.flush()
	if out.String() != strings.Join(in, "") {
		t.Errorf("passed through %q", out.String())
	}
	if want := []string{"a: 1", "b: 2", "<long>", "c: 3\r", "tail"}; !slices.Equal(lines, want) {
		t.Errorf("lines %q, want %q", lines, want)
	}
}

func TestRError(t *testing.T) {
	r := NewRError(40)
	for _, l := range []string{"Error in f(3) : ", "  bad x: 3", "Calls: f", "Execution halted"} {
		r.Line([]byte(l))
	}
	if got := r.Last(); got != "Error in f(3) : bad x: 3" {
		t.Errorf("Last = %q", got)
	}
	r.Line([]byte("Error: " + strings.Repeat("x", 100)))
	if got := r.Last(); len(got) != 40 {
		t.Errorf("not bounded: %q", got)
	}
	if !IsRChatter([]byte("Loading required package: stats")) || IsRChatter([]byte("loss: 1")) {
		t.Error("IsRChatter")
	}
}

func TestOOMKills(t *testing.T) {
	dir := t.TempDir()
	write := func(path, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, path), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("proc/self/cgroup", "0::/job.scope\n")
	write("cg/job.scope/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n")
	if n, ok := oomKills(filepath.Join(dir, "proc"), filepath.Join(dir, "cg"), 0); !ok || n != 2 {
		t.Errorf("v2: %d %v", n, ok)
	}
	write("proc/7/cgroup", "4:memory:/user/job\n0::/\n")
	write("cg/memory/user/job/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")
	if n, ok := oomKills(filepath.Join(dir, "proc"), filepath.Join(dir, "cg"), 7); !ok || n != 5 {
		t.Errorf("v1: %d %v", n, ok)
	}
	write("proc/8/cgroup", "0::/gone\n")
	if _, ok := oomKills(filepath.Join(dir, "proc"), filepath.Join(dir, "cg"), 8); ok {
		t.Error("no memory events file, yet ok")
	}
}

func TestSampleSelf(t *testing.T) {
	u := Sample(os.Getpid())
	if u.RSSBytes < 1<<20 {
		t.Errorf("RSS %v of this test process", u.RSSBytes)
	}
}

// runSh runs a shell command and collects its lines.
func runSh(t *testing.T, script string, sigs chan os.Signal) (Result, []string) {
	t.Helper()
	var mu sync.Mutex
	var lines []string
	var out, errOut bytes.Buffer
	res, err := Run(Config{
		Args: []string{"sh", "-c", script}, Stdout: &out, Stderr: &errOut, MaxLine: 1024,
		OnLine: func(stream int, l []byte) {
			mu.Lock()
			lines = append(lines, string(l))
			mu.Unlock()
		},
		SampleInterval: 10 * time.Millisecond, Signals: sigs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, lines
}

func TestRunExitStatus(t *testing.T) {
	res, lines := runSh(t, "echo 'x: 1'; echo oops >&2; exit 3", nil)
	if res.ExitCode != 3 || res.Signal != 0 {
		t.Errorf("exit %d signal %v", res.ExitCode, res.Signal)
	}
	slices.Sort(lines)
	if !slices.Equal(lines, []string{"oops", "x: 1"}) {
		t.Errorf("lines %q", lines)
	}
	res, _ = runSh(t, "kill -KILL $$", nil)
	if res.ExitCode != 137 || res.Signal != syscall.SIGKILL || SignalName(res.Signal) != "SIGKILL" {
		t.Errorf("exit %d signal %v", res.ExitCode, res.Signal)
	}
}

func TestRunForwardsSignals(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		sigs <- syscall.SIGTERM
	}()
	res, _ := runSh(t, "sleep 30", sigs)
	if res.ExitCode != 143 || SignalName(res.Signal) != "SIGTERM" {
		t.Errorf("exit %d signal %v", res.ExitCode, res.Signal)
	}
}

func TestRunCannotStart(t *testing.T) {
	if _, err := Run(Config{Args: []string{"/nonexistent/cmd"}, OnLine: func(int, []byte) {}}); err == nil {
		t.Error("no error")
	}
}
