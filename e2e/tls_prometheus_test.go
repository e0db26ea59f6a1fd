package e2e

import (
	"context"
	"encoding/json"
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

	"github.com/rexporter/rexporter/internal/testharness"
)

// requirePrometheus returns the path of the prometheus server binary. It
// skips the test when it is missing, except in CI, where a missing server
// must fail rather than pass silently.
func requirePrometheus(t *testing.T) string {
	t.Helper()
	return requireTool(t, "prometheus", "prometheus")
}

// promServer is a real Prometheus server started by a test.
type promServer struct {
	addr string
	out  *testharness.SyncBuffer
}

// startPrometheus runs the prometheus binary with a config on an ephemeral
// loopback port and a fresh storage directory, and waits until it is ready.
func startPrometheus(t *testing.T, binary, config string) *promServer {
	t.Helper()
	dir := t.TempDir()
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()

	p := &promServer{addr: addr, out: &testharness.SyncBuffer{}}
	cmd := exec.Command(binary, "--config.file="+configFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(testTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(testTimeout); ; {
		if resp, err := client.Get("http://" + addr + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited:\n%s", p.out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready at %s:\n%s", addr, p.out)
		}
	}
}

// api GETs a Prometheus HTTP API path and decodes its data.
func (p *promServer) api(path string, params url.Values, data any) error {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+path+"?"+params.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s: %s: %w", path, resp.Status, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s", path, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

// target is what /api/v1/targets says about one scrape target.
type target struct {
	Labels    map[string]string `json:"labels"`
	Health    string            `json:"health"`
	LastError string            `json:"lastError"`
}

// TestTLSBasicAuthPrometheus has a real Prometheus scrape an exporter that
// serves TLS with a self-signed certificate and bcrypt basic auth, with
// three jobs: the right password (the target is up and an R series can be
// queried through Prometheus), a wrong one and none (both down, with a 401).
func TestTLSBasicAuthPrometheus(t *testing.T) {
	binary := requirePrometheus(t)
	t.Parallel()
	w := newTLSWeb(t)
	p := startExporter(t, "--web.config.file", w.config)
	const sent = 7
	c := p.dial(t)
	for i := range sent {
		write(t, c, blog(i, "TLS Value", 40+i)+"\n")
	}

	job := func(name, auth string) string {
		return fmt.Sprintf(`
  - job_name: %s
    scheme: https
    tls_config:
      ca_file: %s
%s    static_configs:
      - targets: ["%s"]
`, name, w.caFile, auth, p.web)
	}
	config := "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:" +
		job("right", fmt.Sprintf("    basic_auth:\n      username: %s\n      password: %s\n", webUser, webPassword)) +
		job("wrong_password", fmt.Sprintf("    basic_auth:\n      username: %s\n      password: nope\n", webUser)) +
		job("no_credentials", "")
	prom := startPrometheus(t, binary, config)

	want := map[string]string{"right": "up", "wrong_password": "down", "no_credentials": "down"}
	var targets struct {
		Active []target `json:"activeTargets"`
	}
	for deadline := time.Now().Add(testTimeout); ; {
		if err := prom.api("/api/v1/targets", url.Values{"state": {"active"}}, &targets); err != nil {
			t.Fatal(err)
		}
		// Wait for each target to show what it should. A scrape of a
		// loaded machine may time out once; the next one decides.
		settled := len(targets.Active) == len(want)
		for _, tg := range targets.Active {
			name := tg.Labels["job"]
			settled = settled && tg.Health == want[name] && (want[name] == "up" || strings.Contains(tg.LastError, "401"))
		}
		if settled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("targets never showed the expected health: %+v\n%s", targets.Active, prom.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, tg := range targets.Active {
		name := tg.Labels["job"]
		t.Logf("job %s: %s %q", name, tg.Health, tg.LastError)
		if tg.Health != want[name] {
			t.Errorf("job %s: health %s (%q), want %s", name, tg.Health, tg.LastError, want[name])
		}
		if want[name] == "down" && !strings.Contains(tg.LastError, "401") {
			t.Errorf("job %s: last error %q does not mention 401", name, tg.LastError)
		}
	}

	var vector struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	// The series is there from the first good scrape; the messages were
	// all applied before it, but wait rather than assume.
	query := url.Values{"query": {`tls_value_messages_total{job="right"}`}}
	for deadline := time.Now().Add(testTimeout); ; {
		if err := prom.api("/api/v1/query", query, &vector); err != nil {
			t.Fatal(err)
		}
		if r := vector.Result; len(r) == 1 && r[0].Value[1] == strconv.Itoa(sent) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s through Prometheus: %+v, want one series at %d", query.Get("query"), vector.Result, sent)
		}
		time.Sleep(200 * time.Millisecond)
	}
	result := vector.Result[0]
	t.Logf("%s = %v through Prometheus", query.Get("query"), result.Value[1])
	if inst := result.Metric["instance"]; inst != p.web {
		t.Errorf("instance %q, want %q", inst, p.web)
	}
}
