package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// threeRuns is a synthetic result: an exporter at 1, 1.2 and 0.9 M/s against
// a baseline at 10 M/s, latency probes on the exporter only.
func threeRuns() []RunResult {
	var runs []RunResult
	for _, rate := range []float64{1e6, 1.2e6, 0.9e6} {
		base := Measurement{Rate: 10e6, CPUPerMillion: 0.05, PeakRSS: 10e6, ScrapeText: 0.0001, ScrapeTextBytes: 70}
		runs = append(runs, RunResult{
			Exporter: Measurement{Rate: rate, CPUPerMillion: 0.5, PeakRSS: 40e6, ScrapeText: 0.002, ScrapeTextBytes: 13400,
				LatencyProbes: 19, LatencyP50: 0, LatencyP90: 0.0006},
			Baseline: &base,
		})
	}
	return runs
}

func TestSummarize(t *testing.T) {
	s := summarize(threeRuns())
	check := func(what string, got spread, want spread) {
		t.Helper()
		same := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 || (math.IsNaN(a) && math.IsNaN(b)) }
		if !same(got.Median, want.Median) || !same(got.Min, want.Min) || !same(got.Max, want.Max) {
			t.Errorf("%s: %+v, want %+v", what, got, want)
		}
	}
	check("exporter rate", s.Exporter["rate"], spread{1e6, 0.9e6, 1.2e6})
	check("rate ratio", s.Ratio["rate"], spread{0.1, 0.09, 0.12})
	check("CPU ratio", s.Ratio["cpu_per_million"], spread{10, 10, 10})
	check("latency 0 is a result", s.Exporter["latency_p50"], spread{0, 0, 0})
	nan := math.NaN()
	check("baseline without latency probes", s.Baseline["latency_p90"], spread{nan, nan, nan})
	check("no ratio without a baseline figure", s.Ratio["latency_p90"], spread{nan, nan, nan})

	if s := summarize(threeRuns()[:1:1]); s.Baseline == nil {
		t.Error("one run with a baseline has no baseline summary")
	}
	noBase := threeRuns()
	for i := range noBase {
		noBase[i].Baseline = nil
	}
	if s := summarize(noBase); s.Baseline != nil || s.Ratio != nil {
		t.Errorf("baseline figures without --baseline: %+v", s)
	}
}

func TestMarkdownRow(t *testing.T) {
	c := &RunCmd{Connections: 64, PerWrite: 100, Newline: true, Names: 1, Messages: 1000, Label: "batched, 1 name"}
	row := markdownRow(c, summarize(threeRuns()))
	cells := strings.Split(strings.Trim(row, "| "), " | ")
	if len(cells) != len(markdownColumns) {
		t.Fatalf("%d cells for %d columns: %s", len(cells), len(markdownColumns), row)
	}
	want := []string{"batched, 1 name", "1.00 M (900 k–1.20 M)", "0.1 (0.09–0.12)", "0.5", "10.0", "40.0 MB", "2.00 ms", "13.4 kB", "0 ms", "0.6 ms"}
	for i := range want {
		if cells[i] != want[i] {
			t.Errorf("%s: %q, want %q", markdownColumns[i], cells[i], want[i])
		}
	}
}

func TestWriteReport(t *testing.T) {
	c := &RunCmd{Connections: 64, PerWrite: 1, Names: 10000, Messages: 5000, Rate: 2e5, Format: "json"}
	var out bytes.Buffer
	if err := writeReport(&out, c, threeRuns()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Load    string
		Runs    []RunResult
		Summary struct{ Exporter, Baseline, Ratio map[string]*spread }
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if got.Load != "64 conns × 1 msgs/write, no newline, 10000 names, 5000 msgs (cap 0s), rate 200 k/s" {
		t.Errorf("load %q", got.Load)
	}
	if len(got.Runs) != 3 || got.Summary.Ratio["rate"] == nil || got.Summary.Baseline["latency_p50"] != nil {
		t.Errorf("runs or summary: %s", out.String())
	}

	c.Format, c.JSONOut = "text", filepath.Join(t.TempDir(), "report.json")
	out.Reset()
	if err := writeReport(&out, c, threeRuns()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"exporter ÷ baseline", "messages/s", "1.00 M (900 k–1.20 M)", "CPU-s per 1M messages"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
	if b, err := os.ReadFile(c.JSONOut); err != nil || !json.Valid(b) || !bytes.Contains(b, []byte(`"runs"`)) {
		t.Errorf("--json-out: %v\n%s", err, b)
	}
}

func TestFormats(t *testing.T) {
	tests := map[string]struct{ got, want string }{
		"millions":       {si(34e6), "34.0 M"},
		"thousands":      {si(271_000), "271 k"},
		"just below 1 M": {si(999_999), "1000 k"},
		"small":          {num(0.047), "0.047"},
		"tiny":           {num(0.00012), "0.00012"},
		"ms":             {millis(0.176), "176 ms"},
		"sub-ms":         {millis(0.00091), "0.91 ms"},
		"MB":             {size(9.3e6), "9.30 MB"},
		"kB":             {size(13400), "13.4 kB"},
		"B":              {size(67), "67.0 B"},
		"no spread":      {show(spread{1, 1, 1}, num), "1.00"},
		"spread":         {show(spread{2, 1, 3}, num), "2.00 (1.00–3.00)"},
		"not measured":   {show(spread{math.NaN(), math.NaN(), math.NaN()}, num), "–"},
	}
	for name, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", name, tc.got, tc.want)
		}
	}
}
