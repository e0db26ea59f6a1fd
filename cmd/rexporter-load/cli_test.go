package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// parse runs the real kong grammar over args.
func parse(t *testing.T, args ...string) (*CLI, string, error) {
	t.Helper()
	var cli CLI
	var out bytes.Buffer
	p, err := newParser(&cli, &out, &out, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := p.Parse(args)
	cmd := ""
	if kctx != nil {
		cmd = kctx.Command()
	}
	return &cli, cmd, err
}

func TestCLIGrammar(t *testing.T) {
	tests := map[string]struct {
		args    []string
		wantCmd string
		wantErr string
		check   func(t *testing.T, c *CLI)
	}{
		"defaults with --exporter": {
			args:    []string{"--exporter", "./rexporter"},
			wantCmd: "run",
			check: func(t *testing.T, c *CLI) {
				r := c.Run
				if r.Connections != 64 || r.Messages != 1_000_000 || r.Names != 1 || r.PerWrite != 100 || !r.Newline ||
					r.Rate != 0 || r.Runs != 1 || r.Baseline || r.Latency != 0 || r.QuietGap != 20*time.Millisecond ||
					r.Duration != 30*time.Second || r.Format != "text" {
					t.Errorf("defaults: %+v", r)
				}
			},
		},
		"extra exporter arguments after --": {
			args:    []string{"--exporter", "./rexporter", "--names", "10000", "--", "--log.level=warn", "--max-series", "20000"},
			wantCmd: "run <exporter-args>",
			check: func(t *testing.T, c *CLI) {
				if got := strings.Join(c.Run.ExporterArgs, " "); got != "--log.level=warn --max-series 20000" {
					t.Errorf("exporter args %q", got)
				}
			},
		},
		"R's pattern": {
			args:    []string{"--exporter", "x", "--per-write", "1", "--no-newline", "--rate", "5000", "--runs", "3", "--baseline", "--format", "markdown"},
			wantCmd: "run",
			check: func(t *testing.T, c *CLI) {
				if r := c.Run; r.PerWrite != 1 || r.Newline || r.Rate != 5000 || r.Runs != 3 || !r.Baseline || r.Format != "markdown" {
					t.Errorf("options: %+v", r)
				}
			},
		},
		"a running exporter": {
			args:    []string{"--target", "127.0.0.1:6000", "--metrics-url", "http://127.0.0.1:9100/metrics", "--pid", "42"},
			wantCmd: "run",
		},
		"latency only": {
			args:    []string{"--exporter", "x", "--messages", "0", "--latency", "190"},
			wantCmd: "run",
		},
		"the hidden baseline server": {
			args:    []string{"baseline-server", "--listen", "127.0.0.1:1", "--metrics", "127.0.0.1:2", "--count", "record"},
			wantCmd: "baseline-server",
			check: func(t *testing.T, c *CLI) {
				if c.Baseline.Count != "record" {
					t.Errorf("count %q", c.Baseline.Count)
				}
			},
		},
		"scaling, the issue's sizes": {
			args:    []string{"scaling", "--exporter", "x", "--names", "1000,10000,100000,1000000", "--", "--log.level=warn"},
			wantCmd: "scaling <exporter-args>",
			check: func(t *testing.T, c *CLI) {
				s := c.Scaling
				if len(s.Names) != 4 || s.Names[3] != 1_000_000 || s.Connections != 64 || s.PerWrite != 100 || s.Duration != 5*time.Second ||
					s.SizeTimeout != 3*time.Minute || s.RSSLimit != 8192 || s.ExporterArgs[0] != "--log.level=warn" {
					t.Errorf("scaling: %+v", s)
				}
				if rc := s.runCmd(1_000_000); rc.Names != 1_000_000 || !rc.Warm || !rc.lean ||
					strings.Join(rc.ExporterArgs, " ") != "--max-series 1000000 --max-series-per-job 1000000 --log.level=warn" {
					t.Errorf("scaling's run: %+v", rc)
				}
			},
		},
		"flood defaults": {
			args:    []string{"flood", "--exporter", "x"},
			wantCmd: "flood",
			check: func(t *testing.T, c *CLI) {
				if f := c.Flood; f.Connections != 64 || f.Cap != 100_000 || f.Existing != 1000 || f.PollInterval != 100*time.Millisecond {
					t.Errorf("flood: %+v", f)
				}
			},
		},
		"scrape-ingest defaults": {
			args:    []string{"scrape-ingest", "--exporter", "x"},
			wantCmd: "scrape-ingest",
			check: func(t *testing.T, c *CLI) {
				if s := c.Scrape; s.Names != 100_000 || s.ScrapeEvery != time.Second || s.Latency != 380 || s.runCmd().Names != 100_000 {
					t.Errorf("scrape-ingest: %+v", s)
				}
			},
		},
		"scaling without --exporter":      {args: []string{"scaling"}, wantErr: "--exporter"},
		"scaling, zero names":             {args: []string{"scaling", "--exporter", "x", "--names", "10,0"}, wantErr: "--names: 0 is not between"},
		"flood, existing beyond cap":      {args: []string{"flood", "--exporter", "x", "--cap", "10", "--existing", "10"}, wantErr: "--existing must be between 1 and 9"},
		"flood, unbounded":                {args: []string{"flood", "--exporter", "x", "--duration", "0s"}, wantErr: "--duration must be positive"},
		"scrape-ingest, no interval":      {args: []string{"scrape-ingest", "--exporter", "x", "--scrape-every", "0s"}, wantErr: "--scrape-every must be positive"},
		"scrape-ingest, too many names":   {args: []string{"scrape-ingest", "--exporter", "x", "--names", "10000001"}, wantErr: "--names must be between"},
		"neither --exporter nor --target": {args: []string{}, wantErr: "give --exporter"},
		"both --exporter and --target": {
			args:    []string{"--exporter", "x", "--target", "127.0.0.1:6000", "--metrics-url", "http://127.0.0.1:9100/metrics"},
			wantErr: "exclude each other",
		},
		"--target without --metrics-url": {args: []string{"--target", "127.0.0.1:6000"}, wantErr: "needs --metrics-url"},
		"--target not host:port":         {args: []string{"--target", "6000", "--metrics-url", "http://h:1/metrics"}, wantErr: "want HOST:PORT"},
		"--pid with --exporter":          {args: []string{"--exporter", "x", "--pid", "1"}, wantErr: "go with --target"},
		"exporter arguments without --exporter": {
			args:    []string{"--target", "127.0.0.1:6000", "--metrics-url", "http://h:1/metrics", "--", "--quiet-gap=0"},
			wantErr: "after -- are for the exporter",
		},
		"no connections":         {args: []string{"--exporter", "x", "--connections", "0"}, wantErr: "--connections must be between 1 and 1024"},
		"too many names":         {args: []string{"--exporter", "x", "--names", "100001"}, wantErr: "--names must be between"},
		"zero per write":         {args: []string{"--exporter", "x", "--per-write", "0"}, wantErr: "--per-write must be between"},
		"nothing to measure":     {args: []string{"--exporter", "x", "--messages", "0"}, wantErr: "nothing to measure"},
		"unbounded duration":     {args: []string{"--exporter", "x", "--duration", "0s"}, wantErr: "--duration must be positive"},
		"negative rate":          {args: []string{"--exporter", "x", "--rate=-1"}, wantErr: "--rate must not be negative"},
		"too many runs":          {args: []string{"--exporter", "x", "--runs", "21"}, wantErr: "--runs must be between 1 and 20"},
		"unknown format":         {args: []string{"--exporter", "x", "--format", "csv"}, wantErr: "--format"},
		"several errors at once": {args: []string{"--exporter", "x", "--runs", "0", "--names", "0"}, wantErr: "--names must be between 1 and 100000\n--runs must be"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, cmd, err := parse(t, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cmd != tc.wantCmd {
				t.Errorf("command %q, want %q", cmd, tc.wantCmd)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"--exporter", "x", "--runs", "0"}, &out, &errOut); code != 2 {
		t.Errorf("invalid options: exit %d, want 2; stderr %s", code, errOut.String())
	}
	errOut.Reset()
	if code := run(t.Context(), []string{"--exporter", "/nonexistent/rexporter", "--messages", "10"}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "start exporter") {
		t.Errorf("missing binary: exit %d, want 1 and the reason; stderr %s", code, errOut.String())
	}
	if code := run(t.Context(), []string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "rexporter-load") {
		t.Errorf("--help: exit %d; stdout %s", code, out.String())
	}
}
