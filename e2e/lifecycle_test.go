package e2e

import (
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// TestQuietGapAndOversized checks that an unterminated message shows up while
// its connection stays open, and that an oversized message is discarded and
// counted while the same connection goes on working.
func TestQuietGapAndOversized(t *testing.T) {
	p := startExporter(t, "--max-message-bytes", "100")
	c := p.dial(t)

	write(t, c, blog(6, "Random Poisson", 11))
	p.waitFor(t, "the unterminated message", counterAtLeast("random_poisson_messages_total", 1))

	write(t, c, "too long: "+strings.Repeat("9", 500)+"\n")
	write(t, c, blog(7, "Random Poisson", 13)+"\n")
	mfs := p.waitFor(t, "the message after the oversized one", counterAtLeast("random_poisson_messages_total", 2))
	if v, _ := value(mfs, "random_poisson"); v != 13 {
		t.Errorf("random_poisson = %v, want 13", v)
	}
	if v, _ := value(mfs, "rexporter_oversized_messages_total"); v != 1 {
		t.Errorf("oversized = %v, want 1", v)
	}
	if v, _ := value(mfs, "rexporter_connections"); v != 1 {
		t.Errorf("connections = %v, want 1 (the client must stay connected)", v)
	}
}

// TestShutdownAppliesTails sends an unterminated message with the quiet gap
// switched off, then SIGTERM: the tail must still be applied (echoed) and the
// exit code must be 0.
func TestShutdownAppliesTails(t *testing.T) {
	p := startExporter(t, "--quiet-gap", "0", "--echo")
	c := p.dial(t)
	write(t, c, "first: 1\n")
	p.waitFor(t, "the first message", counterAtLeast("first_messages_total", 1))
	write(t, c, blog(9, "Tail Value", 42))
	// The tail is not visible: nothing ends it yet.
	mfs, _ := p.scrape(t)
	if _, ok := value(mfs, "tail_value"); ok {
		t.Fatal("tail applied before shutdown although the quiet gap is off")
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit code %d, want 0:\n%s", code, p.stderr)
	}
	if out := p.stdout.String(); !strings.Contains(out, blog(9, "Tail Value", 42)+"\n") {
		t.Errorf("tail was not applied at shutdown; echo output:\n%s", out)
	}
}

// TestHTTPEndpoints checks the landing page, health, readiness and OpenMetrics
// negotiation.
func TestHTTPEndpoints(t *testing.T) {
	p := startExporter(t)
	for path, want := range map[string]string{
		"/":          "rexporter",
		"/-/healthy": "Healthy",
		"/-/ready":   "Ready",
	} {
		resp, body := p.get(t, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s = %s %q, want 200 containing %q", path, resp.Status, body, want)
		}
	}
	resp, body := p.get(t, "/metrics", "Accept", "application/openmetrics-text;version=1.0.0")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("OpenMetrics not negotiated: Content-Type %q", ct)
	}
	if !strings.HasSuffix(body, "# EOF\n") {
		t.Errorf("OpenMetrics body does not end with # EOF")
	}
	if resp, _ := p.get(t, "/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope = %s, want 404", resp.Status)
	}
	mfs, _ := p.scrape(t)
	for _, name := range []string{"rexporter_build_info", "go_goroutines", "process_resident_memory_bytes", "rexporter_max_series"} {
		if _, ok := mfs[name]; !ok {
			t.Errorf("%s missing from /metrics", name)
		}
	}
}

// TestPortInUse checks that a busy port is one clear line naming the flag and
// a non-zero exit.
func TestPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, flag := range []string{"--listen", "--metrics"} {
		args := []string{"--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"}
		if flag == "--listen" {
			args[1] = busy.Addr().String()
		} else {
			args[3] = busy.Addr().String()
		}
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err == nil {
			t.Fatalf("%s on a busy port: exit 0", flag)
		}
		// One plain line naming the flag, and nothing else.
		if want := "rexporter: " + flag + " " + busy.Addr().String() + ": cannot listen: bind: address already in use\n"; string(out) != want {
			t.Errorf("%s on a busy port: got\n%s\nwant the one line\n%s", flag, out, want)
		}
	}
}

// TestSendCommand plays the blog's client with `rexporter send` and pipes
// lines through stdin.
func TestSendCommand(t *testing.T) {
	p := startExporter(t)
	out, err := exec.Command(binary, "send", "--to", p.ingest, "--message", "[{time}] - Random Poisson: {rpois}",
		"--count", "5", "--interval", "0s", "--no-newline").CombinedOutput()
	if err != nil {
		t.Fatalf("send --message: %v\n%s", err, out)
	}
	cmd := exec.Command(binary, "send", "--to", p.ingest)
	cmd.Stdin = strings.NewReader("iteration: 1\niteration: 2\niteration: 3\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("send from stdin: %v\n%s", err, out)
	}
	mfs := p.waitFor(t, "sent messages", func(m map[string]*dto.MetricFamily) bool {
		a, _ := value(m, "random_poisson_messages_total")
		b, _ := value(m, "iteration_messages_total")
		return a >= 5 && b >= 3
	})
	if v, _ := value(mfs, "iteration"); v != 3 {
		t.Errorf("iteration = %v, want 3", v)
	}
	if v, _ := value(mfs, "random_poisson_messages_total"); v != 5 {
		t.Errorf("random_poisson_messages_total = %v, want 5", v)
	}
	if v, _ := value(mfs, "rexporter_parse_errors_total", "reason", "bad_value"); v != 0 {
		t.Errorf("send produced %v bad values", v)
	}
	// Each send keeps one connection open for all its messages.
	if v, _ := value(mfs, "rexporter_connections_total"); v != 2 {
		t.Errorf("rexporter_connections_total = %v, want 2 (one per send)", v)
	}
}

// TestVersionAndHelp checks the informational flags exit 0.
func TestVersionAndHelp(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"--help"}, {"send", "--help"}} {
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
		if len(out) == 0 {
			t.Errorf("%v printed nothing", args)
		}
	}
}

// TestReservedAndClashingNamesNeverBreakScrapes sends names that would shadow
// the exporter's own metrics, Prometheus' synthetic series, or each other's
// families: they are refused and counted, and /metrics stays 200 and clean.
func TestReservedAndClashingNamesNeverBreakScrapes(t *testing.T) {
	p := startExporter(t)
	c := p.dial(t)
	for _, m := range []string{
		"rexporter messages: 1", "go goroutines: 5", "process cpu seconds: 1", "up: 0",
		"scrape duration seconds: 1", "x: 1", "x values: 2", "X: 3", "x messages: 4",
		"Iterations total: 9",
	} {
		write(t, c, m+"\n")
	}
	mfs := p.waitFor(t, "all names handled", func(m map[string]*dto.MetricFamily) bool {
		return sum(m, "rexporter_messages_total") >= 10
	})
	for reason, want := range map[string]float64{"reserved": 5, "clash": 2, "collision": 1} {
		if v, _ := value(mfs, "rexporter_rejected_names_total", "reason", reason); v != want {
			t.Errorf("rejected %s = %v, want %v", reason, v, want)
		}
	}
	if v, _ := value(mfs, "go_goroutines"); v == 5 {
		t.Error("a user name overwrote go_goroutines")
	}
	if v, _ := value(mfs, "iterations_total_value"); v != 9 {
		t.Errorf("iterations_total_value = %v, want 9", v)
	}
	_, body := p.scrape(t)
	promtoolCheckMetrics(t, body)
}
