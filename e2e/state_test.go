package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
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

// TestStateFilePrometheusResets has a real Prometheus scrape rexporter
// across a SIGKILL and a restart with --state.file on the same ports: the
// counters continue from their saved totals, so resets() is 0 for the R
// name's counter, its histogram count and rexporter_messages_total.
func TestStateFilePrometheusResets(t *testing.T) {
	promBin := requirePrometheus(t)
	ingest, web := "127.0.0.1:"+unusedPort(t), "127.0.0.1:"+unusedPort(t)
	state := filepath.Join(t.TempDir(), "state.json")
	flags := []string{"--state.file", state, "--state.interval", "100ms"}
	prom := startPrometheus(t, promBin, fmt.Sprintf(`
global:
  scrape_interval: 200ms
  scrape_timeout: 150ms
scrape_configs:
  - job_name: rexporter
    static_configs:
      - targets: [%q]
`, web))

	send := func(p *handoverProc, from, to int) {
		c := p.dial(t)
		write(t, c, "job: kept\n")
		for i := from; i <= to; i++ {
			write(t, c, "Kept: "+strconv.Itoa(i)+"\n")
		}
		p.waitFor(t, "the messages", counterAtLeast("kept_messages_total", float64(to), "r_job", "kept"))
	}
	query := func(q string) float64 {
		var vector struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		}
		if err := prom.api("/api/v1/query", url.Values{"query": {q}}, &vector); err != nil {
			t.Fatal(err)
		}
		if len(vector.Result) != 1 {
			return -1
		}
		v, _ := strconv.ParseFloat(vector.Result[0].Value[1].(string), 64)
		return v
	}
	waitQuery := func(q string, want float64) {
		t.Helper()
		deadline := time.Now().Add(testTimeout)
		for query(q) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s = %v, want %v", q, query(q), want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	p1 := startHandoverOn(t, ingest, web, flags...)
	send(p1, 1, 20)
	waitQuery(`kept_messages_total{r_job="kept"}`, 20)
	// Wait for a write of the state after the last message, then crash.
	mfs, _ := p1.scrape(t)
	last, _ := value(mfs, "rexporter_last_message_timestamp_seconds")
	p1.waitFor(t, "a state write after the last message", func(m map[string]*dto.MetricFamily) bool {
		v, _ := value(m, "rexporter_state_last_save_success_timestamp_seconds")
		return v > last+0.05
	})
	if err := syscall.Kill(p1.pid(t), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p1.waitGone(t, p1.pid(t))
	waitQuery(`up{job="rexporter"}`, 0)

	p2 := startHandoverOn(t, ingest, web, flags...)
	mfs, _ = p2.scrape(t)
	checkSamples(t, mfs, []sampleWant{
		{"kept_messages_total", []string{"r_job", "kept"}, 20},
		{"rexporter_job_state", []string{"r_job", "kept", "state", "vanished"}, 1},
	})
	send(p2, 21, 30)
	waitQuery(`kept_messages_total{r_job="kept"}`, 30)
	for _, q := range []string{
		`resets(kept_messages_total{r_job="kept"}[5m])`,
		`resets(kept_values_count{r_job="kept"}[5m])`,
		`resets(rexporter_messages_total[5m])`,
	} {
		if got := query(q); got != 0 {
			t.Errorf("%s = %v, want 0", q, got)
		}
	}
	if got := query(`kept_values_sum{r_job="kept"}`); got != 465 {
		t.Errorf("kept_values_sum = %v, want 465 (1..30 once each)", got)
	}
	if got := query(`changes(up{job="rexporter"}[5m])`); got < 2 {
		t.Errorf("changes(up) = %v: the scrapes did not see the crash", got)
	}
}

// TestStateFileErrors: a corrupt or foreign state file stops the start
// with one line naming the file; --state.ignore-errors starts empty.
func TestStateFileErrors(t *testing.T) {
	for name, content := range map[string]string{
		"corrupt":      `{"format":"rexporter-state","version":1,"jobs":[{"name":"a","state":"running"}],"series":[{"job":"b","name":"x","kind":"number","last":1}]}`,
		"foreign":      "scrape_configs: []\n",
		"newer format": `{"format":"rexporter-state","version":99}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			state := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(state, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(binary, "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--state.file", state)
			out, err := cmd.CombinedOutput()
			if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "state file "+state+": ") {
				t.Fatalf("exit %v, output:\n%s\nwant exit 1 and a line naming %s", err, out, state)
			}
			t.Logf("%s", strings.TrimSpace(string(out)))

			p := startExporter(t, "--state.file", state, "--state.ignore-errors")
			p.stop(t)
			if !strings.Contains(p.stderr.String(), "ignoring the state file") {
				t.Errorf("no warning:\n%s", p.stderr)
			}
			raw, err := os.ReadFile(state)
			if err != nil || !strings.Contains(string(raw), `"format":"rexporter-state"`) {
				t.Errorf("the state file was not rewritten at shutdown: %v\n%s", err, raw)
			}
		})
	}
}

// TestSocketActivation starts rexporter through systemd-socket-activate,
// which holds both ports and connects nothing: a client that connected and
// wrote before rexporter ran is served, /metrics comes from the "web"
// socket, and --listen and --metrics are not used.
func TestSocketActivation(t *testing.T) {
	activate := requireTool(t, "systemd-socket-activate", "systemd")
	ingest, web := "127.0.0.1:"+unusedPort(t), "127.0.0.1:"+unusedPort(t)
	unused := "127.0.0.1:" + unusedPort(t)
	cmd := exec.Command(activate, "-l", ingest, "-l", web, "--fdname=ingest:web",
		binary, "--listen", unused, "--metrics", "127.0.0.1:"+unusedPort(t), "--log.format", "json")
	out := &testharness.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("output:\n%s", out)
		}
	})
	// systemd-socket-activate execs rexporter on the first connection.
	deadline := time.Now().Add(testTimeout)
	p := &exporterProc{ingest: ingest, web: web, stderr: out}
	var c interface{ Write([]byte) (int, error) }
	for {
		conn, err := netDial(ingest)
		if err == nil {
			t.Cleanup(func() { conn.Close() })
			c = conn
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := c.Write([]byte("job: activated\nActivated: 7\n")); err != nil {
		t.Fatal(err)
	}
	for {
		resp, err := http.Get("http://" + web + "/-/ready")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mfs := p.waitFor(t, "the message", counterAtLeast("activated_messages_total", 1, "r_job", "activated"))
	checkSamples(t, mfs, []sampleWant{{"activated", []string{"r_job", "activated"}, 7}})
	if conn, err := netDial(unused); err == nil {
		conn.Close()
		t.Errorf("rexporter listens on --listen %s too", unused)
	}
}

func netDial(addr string) (interface {
	Write([]byte) (int, error)
	Close() error
}, error) {
	return net.DialTimeout("tcp4", addr, time.Second)
}
