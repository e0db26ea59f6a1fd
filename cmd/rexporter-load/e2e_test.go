package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Binaries built once for the end-to-end tests: the real rexporter and this
// tool (whose --baseline re-executes itself, which a test binary cannot).
var exporterBin, loadBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rexporter-load")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	exporterBin, loadBin = filepath.Join(dir, "rexporter"), filepath.Join(dir, "rexporter-load")
	for bin, pkg := range map[string]string{exporterBin: "../rexporter", loadBin: "."} {
		build := exec.Command("go", "build", "-o", bin, pkg)
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build", pkg, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// e2eTimeout bounds one run of the tool; the tests never check speed.
const e2eTimeout = 2 * time.Minute

type report struct {
	Runs []struct {
		Exporter Measurement
		Baseline *Measurement
	}
}

// runTool runs the built tool with --format json and decodes its report.
func runTool(t *testing.T, args ...string) report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), e2eTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, loadBin, append([]string{"--format", "json", "--log.level", "warn"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rexporter-load %v: %v\n%s", args, err, stderr.String())
	}
	var r report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout.String())
	}
	return r
}

func TestAgainstTheRealExporter(t *testing.T) {
	tests := map[string][]string{
		"batched, newline, 10 names":                    {"--names", "10", "--per-write", "100"},
		"R's pattern: one unterminated message a write": {"--per-write", "1", "--no-newline", "--quiet-gap", "5ms"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			r := runTool(t, append([]string{"--exporter", exporterBin, "--connections", "4", "--messages", "2000",
				"--baseline", "--latency", "19", "--scrapes", "2"}, args...)...)
			if len(r.Runs) != 1 || r.Runs[0].Baseline == nil {
				t.Fatalf("want one run with a baseline: %+v", r)
			}
			for side, m := range map[string]Measurement{"exporter": r.Runs[0].Exporter, "baseline": *r.Runs[0].Baseline} {
				if m.Sent != 2000 || m.Counted != 2000 || m.ParseErrors != 0 {
					t.Errorf("%s: sent %d, counted %d, %d parse errors; want 2000, 2000, 0", side, m.Sent, m.Counted, m.ParseErrors)
				}
				if m.Rate <= 0 || m.PeakRSS <= 0 || m.ScrapeTextBytes <= 0 || m.ScrapeOMBytes <= 0 || m.LatencyProbes != 19 || m.Polls < 1 {
					t.Errorf("%s: figures missing: %+v", side, m)
				}
			}
			if e, b := r.Runs[0].Exporter, r.Runs[0].Baseline; e.ScrapeTextBytes <= b.ScrapeTextBytes {
				t.Errorf("the exporter's page (%d bytes) is no bigger than the bare counter's (%d)", e.ScrapeTextBytes, b.ScrapeTextBytes)
			}
		})
	}
}

// TestAgainstARunningExporter drives an exporter the tool did not start,
// twice, and checks each run's count against the exporter's own counter.
func TestAgainstARunningExporter(t *testing.T) {
	ep, err := startExporter(t.Context(), &RunCmd{Exporter: exporterBin, QuietGap: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ep.stop() })
	r := runTool(t, "--target", ep.ingest, "--metrics-url", ep.metrics, "--pid", strconv.Itoa(ep.pid),
		"--connections", "4", "--messages", "2000", "--names", "3", "--runs", "2", "--scrapes", "1")
	if len(r.Runs) != 2 {
		t.Fatalf("%d runs, want 2", len(r.Runs))
	}
	var sent int64
	for i, run := range r.Runs {
		if m := run.Exporter; m.Sent != 2000 || m.Counted != 2000 || m.CPURaw < 0 || m.PeakRSS <= 0 {
			t.Errorf("run %d: %+v", i+1, m)
		}
		sent += run.Exporter.Sent
	}
	smp, err := newScraper(ep.metrics).scrape(t.Context(), acceptText)
	if err != nil {
		t.Fatal(err)
	}
	// Each run's connections (4) named their job first.
	if smp.messages != float64(sent+4*int64(len(r.Runs))) || smp.parseErrors != 0 {
		t.Errorf("the exporter counted %v messages and %v parse errors; the tool sent %d", smp.messages, smp.parseErrors, sent)
	}
}
