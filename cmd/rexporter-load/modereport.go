package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"
)

// table is a report of the scaling modes: a header and rows of cells.
type table struct {
	header []string
	rows   [][]string
}

// markdown writes the table as a markdown table.
func (t table) markdown(w io.Writer) error {
	var b strings.Builder
	line := func(cells []string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	line(t.header)
	sep := make([]string, len(t.header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// text writes the table in aligned columns.
func (t table) text(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// writeModeReport writes a mode's report: its table as text or markdown,
// or the options and results as JSON; with jsonOut, the JSON to that file
// as well.
func writeModeReport(w io.Writer, format, jsonOut string, options, results any, t table) error {
	writeJSON := func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Options any `json:"options"`
			Results any `json:"results"`
		}{options, results})
	}
	if jsonOut != "" {
		f, err := os.Create(jsonOut)
		if err != nil {
			return err
		}
		if err := errors.Join(writeJSON(f), f.Close()); err != nil {
			return fmt.Errorf("--json-out: %w", err)
		}
	}
	switch format {
	case "json":
		return writeJSON(w)
	case "markdown":
		return t.markdown(w)
	}
	return t.text(w)
}

// extraFigures are the scaling modes' figures besides figures.
var extraFigures = []figure{
	{"warm_rate", "warm-up, new series/s", func(m Measurement) float64 { return measured(m.WarmRate) }, si},
	{"scrape_cpu", "CPU-s per text scrape", func(m Measurement) float64 { return measured(m.ScrapeCPU) }, num},
	{"series", "series", func(m Measurement) float64 { return measured(m.Series) }, num},
}

// summarizeMeasurements is every figure (and extraFigures) over runs.
func summarizeMeasurements(runs []Measurement) map[string]spread {
	s := map[string]spread{}
	for _, f := range append(figures[:len(figures):len(figures)], extraFigures...) {
		var xs []float64
		for _, m := range runs {
			xs = append(xs, f.get(m))
		}
		s[f.key] = spreadOf(xs)
	}
	return s
}

// optFloat is a figure that may be unmeasured (NaN), which JSON writes as
// null.
type optFloat float64

// MarshalJSON implements json.Marshaler.
func (f optFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// UnmarshalJSON implements json.Unmarshaler: null is NaN.
func (f *optFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = optFloat(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(f))
}
