package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

// figure is one reported number: how to read it from a measurement and how
// to print it.
type figure struct {
	key    string // JSON key
	title  string // text report row
	get    func(Measurement) float64
	format func(float64) string
}

// figures get NaN for what was not measured.
var figures = []figure{
	{"rate", "messages/s", func(m Measurement) float64 { return measured(m.Rate) }, si},
	{"cpu_per_million", "CPU-s per 1M messages", func(m Measurement) float64 { return measured(m.CPUPerMillion) }, num},
	{"peak_rss", "peak RSS", func(m Measurement) float64 { return measured(float64(m.PeakRSS)) }, size},
	{"scrape_text", "scrape, text", func(m Measurement) float64 { return measured(m.ScrapeText) }, millis},
	{"scrape_text_bytes", "/metrics size, text", func(m Measurement) float64 { return measured(float64(m.ScrapeTextBytes)) }, size},
	{"scrape_openmetrics", "scrape, OpenMetrics", func(m Measurement) float64 { return measured(m.ScrapeOpenMetrics) }, millis},
	{"latency_p50", "latency p50", func(m Measurement) float64 { return latency(m, m.LatencyP50) }, millis},
	{"latency_p90", "latency p90", func(m Measurement) float64 { return latency(m, m.LatencyP90) }, millis},
}

// latency is a latency quantile, NaN without probes (0 is a result: a
// scrape started with the write already counted the message).
func latency(m Measurement, v float64) float64 {
	if m.LatencyProbes == 0 {
		return math.NaN()
	}
	return v
}

// summary is every figure over the runs: the exporter's, the baseline's and
// their ratio (exporter ÷ baseline, paired run by run).
type summary struct {
	Exporter map[string]spread `json:"exporter"`
	Baseline map[string]spread `json:"baseline,omitempty"`
	Ratio    map[string]spread `json:"ratio,omitempty"`
}

func summarize(runs []RunResult) summary {
	s := summary{Exporter: map[string]spread{}}
	baseline := len(runs) > 0 && runs[0].Baseline != nil
	if baseline {
		s.Baseline, s.Ratio = map[string]spread{}, map[string]spread{}
	}
	for _, f := range figures {
		var exp, base, rat []float64
		for _, r := range runs {
			exp = append(exp, f.get(r.Exporter))
			if r.Baseline != nil {
				b := f.get(*r.Baseline)
				base = append(base, b)
				rat = append(rat, ratio(exp[len(exp)-1], b))
			}
		}
		s.Exporter[f.key] = spreadOf(exp)
		if baseline {
			s.Baseline[f.key], s.Ratio[f.key] = spreadOf(base), spreadOf(rat)
		}
	}
	return s
}

// measured maps 0, which Measurement uses for "not measured", to NaN.
func measured(v float64) float64 {
	if v == 0 {
		return math.NaN()
	}
	return v
}

// writeJSON writes the full report: the options, every run and the summary.
func writeJSON(w io.Writer, c *RunCmd, runs []RunResult, s summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Load    string      `json:"load"`
		Options *RunCmd     `json:"options"`
		Runs    []RunResult `json:"runs"`
		Summary summary     `json:"summary"`
	}{describe(c), c, runs, s})
}

// writeReport prints the runs in the chosen format, and the JSON report to
// --json-out.
func writeReport(w io.Writer, c *RunCmd, runs []RunResult) error {
	s := summarize(runs)
	if c.JSONOut != "" {
		f, err := os.Create(c.JSONOut)
		if err != nil {
			return err
		}
		if err := errors.Join(writeJSON(f, c, runs, s), f.Close()); err != nil {
			return fmt.Errorf("--json-out: %w", err)
		}
	}
	switch c.Format {
	case "json":
		return writeJSON(w, c, runs, s)
	case "markdown":
		_, err := fmt.Fprintln(w, markdownRow(c, s))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s; %d run(s)\n", describe(c), len(runs))
	if s.Baseline != nil {
		fmt.Fprintln(tw, "\texporter\tbaseline\texporter ÷ baseline")
	} else {
		fmt.Fprintln(tw, "\texporter")
	}
	for _, f := range figures {
		fmt.Fprintf(tw, "%s\t%s", f.title, show(s.Exporter[f.key], f.format))
		if s.Baseline != nil {
			fmt.Fprintf(tw, "\t%s\t%s", show(s.Baseline[f.key], f.format), show(s.Ratio[f.key], num))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// markdownColumns is the header of the rows markdownRow prints.
var markdownColumns = []string{"load", "messages/s", "÷ baseline", "CPU-s / 1M msgs", "÷ baseline",
	"peak RSS", "scrape (text)", "/metrics size", "latency p50", "latency p90"}

// markdownRow is one row of BENCHMARKS.md's tables: median (min–max) of each
// figure, "–" where not measured.
func markdownRow(c *RunCmd, s summary) string {
	label := c.Label
	if label == "" {
		label = describe(c)
	}
	ratioOf := func(key string) string {
		if s.Ratio == nil {
			return "–"
		}
		return show(s.Ratio[key], num)
	}
	cells := []string{label,
		show(s.Exporter["rate"], si), ratioOf("rate"),
		show(s.Exporter["cpu_per_million"], num), ratioOf("cpu_per_million"),
		show(s.Exporter["peak_rss"], size), show(s.Exporter["scrape_text"], millis),
		show(s.Exporter["scrape_text_bytes"], size),
		show(s.Exporter["latency_p50"], millis), show(s.Exporter["latency_p90"], millis),
	}
	return "| " + strings.Join(cells, " | ") + " |"
}

// describe says what the load was, in one line.
func describe(c *RunCmd) string {
	term := "newline"
	if !c.Newline {
		term = "no newline"
	}
	names := "1 name"
	if c.Names != 1 {
		names = fmt.Sprintf("%d names", c.Names)
	}
	rate := "unlimited"
	if c.Rate > 0 {
		rate = si(c.Rate) + "/s"
	}
	d := fmt.Sprintf("%d conns × %d msgs/write, %s, %s, %d msgs (cap %v), rate %s", c.Connections, c.PerWrite, term, names, c.Messages, c.Duration, rate)
	if c.Latency > 0 {
		d += fmt.Sprintf(", %d latency probes", c.Latency)
	}
	return d
}

// show prints a spread as "median (min–max)", or just the median when the
// runs agree to the digits shown or there was one; "–" when not measured.
func show(s spread, format func(float64) string) string {
	if math.IsNaN(s.Median) {
		return "–"
	}
	lo, hi := format(s.Min), format(s.Max)
	if lo == hi {
		return format(s.Median)
	}
	return fmt.Sprintf("%s (%s–%s)", format(s.Median), lo, hi)
}

// si prints a count with 3 significant digits and k or M.
func si(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return num(v/1e6) + " M"
	case a >= 1e3:
		return num(v/1e3) + " k"
	}
	return num(v)
}

// num prints about 3 significant digits, without an exponent from 0.001 up.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100 || a == 0:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func millis(v float64) string { return num(v*1e3) + " ms" }

// size prints bytes in B, kB or MB (powers of 1000).
func size(v float64) string {
	switch {
	case v >= 1e6:
		return num(v/1e6) + " MB"
	case v >= 1e3:
		return num(v/1e3) + " kB"
	}
	return num(v) + " B"
}

// MarshalJSON writes an unmeasured (NaN) spread as null.
func (s spread) MarshalJSON() ([]byte, error) {
	if math.IsNaN(s.Median) {
		return []byte("null"), nil
	}
	type plain spread
	return json.Marshal(plain(s))
}
