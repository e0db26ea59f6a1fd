package deploycheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rexporter/rexporter/internal/testharness"
)

// testScrapeInterval replaces the repository's scrape interval so the test
// needs seconds, not minutes, of data; the rate interval follows Grafana's
// rule max(4 × scrape interval, step + scrape interval).
const (
	testScrapeInterval = time.Second
	testStep           = time.Second
	testRateInterval   = 4 * testScrapeInterval
)

// promServer is a real Prometheus started by the test.
type promServer struct {
	addr string
	proc *proc
}

// startPrometheus runs Debian's Prometheus with the repository's
// prometheus.yml, changed only where the test must: a 1 s scrape and rule
// interval, absolute rule file paths, and targets pointing at the test's
// own processes. Native histograms stay off, as in the repository, so the
// classic _bucket series exist.
func startPrometheus(t *testing.T, binary string, exporters []string) *promServer {
	t.Helper()
	root := repoRoot(t)
	var cfg map[string]any
	readYAML(t, promConfigPath, &cfg)
	addr := testharness.FreePort(t)

	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatalf("%s has no global section", promConfigPath)
	}
	for _, k := range []string{"scrape_interval", "scrape_timeout", "evaluation_interval"} {
		global[k] = testScrapeInterval.String()
	}
	rules, _ := cfg["rule_files"].([]any)
	for i, r := range rules {
		rules[i] = filepath.Join(root, filepath.Dir(filepath.FromSlash(promConfigPath)), r.(string))
	}
	jobs, _ := cfg["scrape_configs"].([]any)
	for _, j := range jobs {
		job := j.(map[string]any)
		var targets []string
		switch job["job_name"] {
		case "rexporter":
			targets = exporters
		case "prometheus":
			targets = []string{addr}
		default:
			t.Fatalf("%s: scrape job %v is new to this test; point it at a test target", promConfigPath, job["job_name"])
		}
		if _, ok := job["static_configs"]; !ok {
			t.Fatalf("scrape job %v has no static_configs to retarget", job["job_name"])
		}
		job["static_configs"] = []any{map[string]any{"targets": targets}}
	}

	dir := t.TempDir()
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, out, 0o644); err != nil {
		t.Fatal(err)
	}
	p := &promServer{addr: addr}
	p.proc = startProc(t, "prometheus", dir, binary,
		"--config.file="+configFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	defer cancel()
	for {
		if resp, err := httpGet(ctx, "http://"+addr+"/-/ready"); err == nil && resp == http.StatusOK {
			return p
		}
		if p.proc.exited() {
			t.Fatalf("prometheus exited:\n%s\nconfig:\n%s", p.proc.out, out)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("prometheus not ready at %s:\n%s", addr, p.proc.out)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func httpGet(ctx context.Context, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// api calls a Prometheus HTTP API endpoint and decodes its data.
func (p *promServer) api(ctx context.Context, path string, params url.Values, data any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
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
		Status    string          `json:"status"`
		Error     string          `json:"error"`
		ErrorType string          `json:"errorType"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s: %s: %w", path, resp.Status, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, body.ErrorType, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

// sample is one series of a query result, its labels as a canonical string.
type sample struct {
	labels string
	values []float64
}

// query runs an instant query at t (or a range query over [start, t]) and
// returns its series.
func (p *promServer) query(ctx context.Context, expr string, instant bool, start, end time.Time) ([]sample, error) {
	var data struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	}
	params := url.Values{"query": {expr}}
	path := "/api/v1/query"
	if instant {
		params.Set("time", strconv.FormatFloat(float64(end.UnixMilli())/1000, 'f', 3, 64))
	} else {
		path = "/api/v1/query_range"
		params.Set("start", strconv.FormatFloat(float64(start.UnixMilli())/1000, 'f', 3, 64))
		params.Set("end", strconv.FormatFloat(float64(end.UnixMilli())/1000, 'f', 3, 64))
		params.Set("step", testStep.String())
	}
	if err := p.api(ctx, path, params, &data); err != nil {
		return nil, err
	}
	var out []sample
	for _, r := range data.Result {
		s := sample{labels: canonical(r.Metric)}
		points := r.Values
		if data.ResultType == "vector" {
			points = [][2]any{r.Value}
		}
		for _, pt := range points {
			str, _ := pt[1].(string)
			v, err := strconv.ParseFloat(str, 64)
			if err != nil {
				return nil, fmt.Errorf("value %v: %w", pt[1], err)
			}
			s.values = append(s.values, v)
		}
		out = append(out, s)
	}
	return out, nil
}

func canonical(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q,", k, m[k])
	}
	return "{" + strings.TrimSuffix(b.String(), ",") + "}"
}

// labelValues answers Grafana's label_values(selector, label) the way its
// Prometheus data source does: the label's values among the series that
// match the selector.
func (p *promServer) labelValues(ctx context.Context, selector, label string) ([]string, error) {
	params := url.Values{}
	if selector != "" {
		params.Set("match[]", selector)
	}
	var values []string
	err := p.api(ctx, "/api/v1/label/"+url.PathEscape(label)+"/values", params, &values)
	return values, err
}

// nearlyEqual compares sums computed by Prometheus and by the test.
func nearlyEqual(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
