package e2e

import (
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// bucketBounds returns the classic bucket boundaries of a histogram family.
func bucketBounds(mfs map[string]*dto.MetricFamily, name string) []float64 {
	var out []float64
	ms := mfs[name].GetMetric()
	if len(ms) == 0 {
		return nil
	}
	for _, b := range ms[0].GetHistogram().GetBucket() {
		if !math.IsInf(b.GetUpperBound(), 1) {
			out = append(out, b.GetUpperBound())
		}
	}
	return out
}

// TestReload changes the mapping file of a running exporter: SIGHUP and POST
// /-/reload apply it (new buckets at once), a broken file keeps the mapping
// in force and says so in the self-metrics.
func TestReload(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "mapping.yml")
	writeFile := func(s string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("rules:\n  - match: Random Poisson\n    buckets: {type: discrete, min: 0, max: 2}\n")
	p := startExporter(t, "--config.file", cfg, "--web.enable-lifecycle")
	c := p.dial(t)
	write(t, c, blog(1, "Random Poisson", 1)+"\n")
	mfs := p.waitFor(t, "the first value", counterAtLeast("random_poisson_messages_total", 1))
	if got := bucketBounds(mfs, "random_poisson_values"); len(got) != 3 || got[0] != 0.5 {
		t.Fatalf("buckets %v, want 0.5 1.5 2.5", got)
	}

	// SIGHUP with new buckets: the next value builds the histogram anew.
	writeFile("rules:\n  - match: Random Poisson\n    buckets: [5, 10]\n")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "the SIGHUP reload", counterAtLeast("rexporter_config_reloads_total", 1, "result", "success"))
	write(t, c, blog(2, "Random Poisson", 7)+"\n")
	mfs = p.waitFor(t, "the value after the reload", func(m map[string]*dto.MetricFamily) bool {
		v, _ := value(m, "random_poisson")
		return v == 7
	})
	if got := bucketBounds(mfs, "random_poisson_values"); len(got) != 2 || got[0] != 5 || got[1] != 10 {
		t.Errorf("buckets after reload %v, want [5 10]", got)
	}

	// A broken file: 500 from /-/reload, the old mapping stays.
	writeFile("rules:\n  - match: Random Poisson\n    buckets: {type: exponential, start: 1, factor: 0.5, count: 3}\n")
	resp, err := http.Post("http://"+p.web+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("POST /-/reload with a broken file = %d, want 500", resp.StatusCode)
	}
	mfs, _ = p.scrape(t)
	if v, _ := value(mfs, "rexporter_config_last_reload_successful"); v != 0 {
		t.Errorf("last reload successful = %v after a broken file", v)
	}
	write(t, c, blog(3, "Random Poisson", 9)+"\n")
	mfs = p.waitFor(t, "a value under the kept mapping", func(m map[string]*dto.MetricFamily) bool {
		v, _ := value(m, "random_poisson")
		return v == 9
	})
	if got := bucketBounds(mfs, "random_poisson_values"); len(got) != 2 || got[1] != 10 {
		t.Errorf("buckets %v after a failed reload, want the kept [5 10]", got)
	}

	// Fixed again, by HTTP.
	writeFile("rules:\n  - match: Random Poisson\n    families: [gauge]\n")
	resp, err = http.Post("http://"+p.web+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /-/reload = %d, want 200", resp.StatusCode)
	}
	write(t, c, blog(4, "Random Poisson", 4)+"\n")
	mfs = p.waitFor(t, "the gauge-only mapping", func(m map[string]*dto.MetricFamily) bool {
		v, _ := value(m, "random_poisson")
		return v == 4
	})
	if _, ok := mfs["random_poisson_values"]; ok {
		t.Error("the histogram survived a reload that removed it")
	}
	if v, _ := value(mfs, "rexporter_config_last_reload_successful"); v != 1 {
		t.Errorf("last reload successful = %v after a good file", v)
	}
}

// TestReloadNeedsLifecycleFlag checks POST /-/reload is off by default.
func TestReloadNeedsLifecycleFlag(t *testing.T) {
	p := startExporter(t)
	resp, err := http.Post("http://"+p.web+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || strings.Count(string(body), "\n") != 1 || !strings.Contains(string(body), "--web.enable-lifecycle") {
		t.Errorf("POST /-/reload without --web.enable-lifecycle: %d %q, want 403 and one line naming the flag", resp.StatusCode, body)
	}
}

// TestCheckConfigAndParse runs the two offline commands.
func TestCheckConfigAndParse(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	bad := filepath.Join(dir, "bad.yml")
	for path, text := range map[string]string{
		good: "rules:\n  - match: Random Poisson\n    name: poisson_draw\n    buckets: {type: discrete, min: 0, max: 30}\n",
		bad:  "rules:\n  - match: x\n    bukets: [1]\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	out, err := exec.Command(binary, "check-config", good).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "good.yml: ok, 1 rule\n") {
		t.Errorf("check-config good: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "check-config", bad).CombinedOutput()
	if want := "rexporter: " + bad + `:3: rules[0]: unknown key "bukets" (did you mean "buckets"?)` + "\n"; err == nil || string(out) != want {
		t.Errorf("check-config bad: want exit 1 and the one plain line %q, got %v\n%s", want, err, out)
	}
	// Start-up with a bad file: the same plain line, no log record.
	out, err = exec.Command(binary, "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--config.file", bad).CombinedOutput()
	if want := "rexporter: " + bad + `:3: rules[0]: unknown key "bukets" (did you mean "buckets"?)` + "\n"; err == nil || string(out) != want {
		t.Errorf("start-up with a bad file: want exit 1 and the one plain line %q, got %v\n%s", want, err, out)
	}

	cmd := exec.Command(binary, "parse", "--config.file", good)
	cmd.Stdin = strings.NewReader(blog(1, "Random Poisson", 11) + "\nx: 0,5\n")
	out, err = cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("parse with a dropped message: %v, want exit code 3\n%s", err, out)
	}
	for _, want := range []string{
		`# R name "Random Poisson" -> poisson_draw (number) by rules[0]`,
		`poisson_draw{r_job="local"} 11`,
		`poisson_draw_values_bucket{r_job="local",le="11.5"} 1`,
		"# message 2: dropped (decimal_comma):",
		"# 1 of 2 messages dropped",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("parse output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "rexporter_job_") {
		t.Errorf("parse prints the job metrics without --jobs:\n%s", out)
	}
	cmd = exec.Command(binary, "parse", "--jobs", blog(1, "Random Poisson", 11))
	if out, err = cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "rexporter_job_messages_total") {
		t.Errorf("parse --jobs: %v, want exit 0 and the job metrics\n%s", err, out)
	}
}
