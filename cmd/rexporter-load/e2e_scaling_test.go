package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
)

// runMode runs the built tool's mode with --format json and decodes its
// results into results.
func runMode(t *testing.T, results any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), e2eTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, loadBin, append([]string{"--log.level", "warn"}, append(args, "--format", "json")...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rexporter-load %v: %v\n%s", args, err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &struct{ Results any }{results}); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout.String())
	}
}

func TestScalingAgainstTheRealExporter(t *testing.T) {
	var sizes []struct {
		Names int
		Runs  []Measurement
		Error string
	}
	runMode(t, &sizes, "scaling", "--exporter", exporterBin, "--names", "50,300", "--connections", "4",
		"--messages", "3000", "--scrapes", "1")
	if len(sizes) != 2 {
		t.Fatalf("%d sizes, want 2", len(sizes))
	}
	for _, s := range sizes {
		if s.Error != "" || len(s.Runs) != 1 {
			t.Fatalf("%d names: %q, %d runs", s.Names, s.Error, len(s.Runs))
		}
		m := s.Runs[0]
		if m.Sent != 3000 || m.Counted != 3000 || m.Series != float64(s.Names) || m.WarmRate <= 0 || m.Rate <= 0 ||
			m.PeakRSS <= 0 || m.ScrapeTextBytes <= 0 || m.PollCPU < 0 {
			t.Errorf("%d names: %+v", s.Names, m)
		}
	}
	if sizes[1].Runs[0].ScrapeTextBytes <= sizes[0].Runs[0].ScrapeTextBytes {
		t.Errorf("300 names' page (%d bytes) no bigger than 50 names' (%d)", sizes[1].Runs[0].ScrapeTextBytes, sizes[0].Runs[0].ScrapeTextBytes)
	}
}

func TestScalingReportsATooSmallRSSLimit(t *testing.T) {
	var sizes []struct {
		Names int
		Error string
	}
	runMode(t, &sizes, "scaling", "--exporter", exporterBin, "--names", "20", "--connections", "2", "--messages", "100",
		"--duration", "1s", "--rss-limit", "1")
	if len(sizes) != 1 || sizes[0].Error == "" {
		t.Fatalf("want the size reported as stopped: %+v", sizes)
	}
}

func TestFloodAgainstTheRealExporter(t *testing.T) {
	var runs []FloodResult
	runMode(t, &runs, "flood", "--exporter", exporterBin, "--connections", "4", "--cap", "300", "--existing", "20",
		"--messages", "2000", "--duration", "2s", "--poll-interval", "5ms")
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	r := runs[0]
	if r.FloodSent != 2000 || r.NewSeries != 280 || r.Refused != 1720 || r.ExistingAlone <= 0 || r.ExistingDuring <= 0 || r.PeakRSS <= 0 {
		t.Errorf("%+v", r)
	}
}

func TestScrapeIngestAgainstTheRealExporter(t *testing.T) {
	var runs []ScrapeIngestResult
	runMode(t, &runs, "scrape-ingest", "--exporter", exporterBin, "--names", "200", "--connections", "4",
		"--messages", "3000", "--latency", "19", "--scrape-every", "10ms")
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	r := runs[0]
	if r.Without.Rate <= 0 || r.With.Rate <= 0 || r.RateRatio <= 0 || r.Scrapes < 1 || r.ScrapeBytes <= 0 || r.PeakRSS <= 0 {
		t.Errorf("%+v", r)
	}
}
