package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// CLI is the whole command-line grammar.
type CLI struct {
	LogLevel string `name:"log.level" default:"info" enum:"debug,info,warn,error" help:"Progress messages on stderr at this level or above: ${enum}."`

	Run      RunCmd            `cmd:"" default:"withargs" help:"Run the load and report (the default command)."`
	Flood    FloodCmd          `cmd:"" help:"Issue 19: a flood of never-seen names (new series/s to the cap, refused names/s after it, existing names' rate during it)."`
	Scrape   ScrapeIngestCmd   `cmd:"" name:"scrape-ingest" help:"Issue 19: ingest rate and message → /metrics latency without and with a full scrape every second, at 100,000 names."`
	Scaling  ScalingCmd        `cmd:"" help:"Issue 19: the batched load at 1,000 … 1,000,000 names (messages/s, CPU-s per million, peak RSS, full scrape)."`
	Baseline BaselineServerCmd `cmd:"" name:"baseline-server" hidden:"" help:"A bare TCP message counter for --baseline (started by the tool itself)."`
}

// Bounds of the options: every run stays finite in messages, connections,
// time and memory (the payload ring holds names × 16 messages).
const (
	maxConnections = 1024 // rexporter's default --max-connections
	maxMessages    = 1_000_000_000
	maxNames       = 100_000
	maxPerWrite    = 10_000
	maxRuns        = 20
	maxLatency     = 100_000
	maxScrapes     = 100
	maxDuration    = time.Hour
)

// RunCmd is the load and its measurements.
type RunCmd struct {
	Exporter     string   `placeholder:"PATH" help:"rexporter binary to start for every run, on free loopback ports (with --quiet-gap and the arguments after --)."`
	ExporterArgs []string `arg:"" optional:"" name:"exporter-args" help:"Extra arguments for the started exporter, after -- (e.g. -- --log.level=warn)."`
	Target       string   `placeholder:"HOST:PORT" help:"Ingest address of a running exporter, instead of --exporter."`
	MetricsURL   string   `name:"metrics-url" placeholder:"URL" help:"With --target: its /metrics URL (http://127.0.0.1:9100/metrics)."`
	PID          int      `name:"pid" help:"With --target: its process id, for CPU and peak RSS (0: not measured)."`

	Connections int           `default:"64" help:"Client connections, all sending at once."`
	Messages    int64         `default:"1000000" help:"Messages to send in all per run (0: latency only)."`
	Duration    time.Duration `default:"30s" help:"Stop sending after this long even if --messages are not all sent."`
	Names       int           `default:"1" help:"Distinct R names (\"Random Poisson 0\" …), each a gauge, a counter and a histogram."`
	PerWrite    int           `name:"per-write" default:"100" help:"Messages per write call (1 is R's write.socket: one message per write)."`
	Newline     bool          `default:"true" negatable:"" help:"End messages with a newline; --no-newline glues them as R's write.socket does (the exporter splits them at each [date)."`
	Rate        float64       `default:"0" help:"Messages per second in all (0: as fast as possible)."`
	Runs        int           `default:"1" help:"Repeat the measurement and report the median and the min–max spread."`
	Baseline    bool          `help:"Also measure a bare TCP line counter (a separate process) under the identical load in every run, and give every figure's ratio to it."`
	Latency     int           `default:"0" placeholder:"N" help:"Also send N single messages one at a time; each is scraped once after a delay from a 0–50 ms grid (plus the quiet gap when unterminated), giving the median and p90 time until /metrics counts a message. 380 gives 20 probes per delay."`
	QuietGap    time.Duration `name:"quiet-gap" default:"20ms" help:"The exporter's --quiet-gap (passed on with --exporter): an unterminated message's latency includes it."`
	Scrapes     int           `default:"5" help:"Full scrapes of /metrics (text and OpenMetrics each) timed after the load."`
	Warm        bool          `help:"Before the load, send every name once and wait until /metrics counts them: the load then updates series that exist."`
	WaitTimeout time.Duration `name:"wait-timeout" default:"120s" help:"After the last write, give up if /metrics has not counted every message within this long."`
	Poll        time.Duration `default:"1ms" help:"Shortest pause between two polls of /metrics while waiting for the counter."`
	Format      string        `default:"text" enum:"text,json,markdown" help:"Report as ${enum} (markdown: one table row for BENCHMARKS.md)."`
	Label       string        `help:"First cell of the markdown row (default: a description of the load)."`
	JSONOut     string        `name:"json-out" placeholder:"FILE" help:"Also write the full JSON report (every run) to this file."`

	// lean is set by the scaling modes: polls read only the head of
	// /metrics (the exporter's own metrics), timed scrapes keep nothing
	// and skip OpenMetrics.
	lean bool
}

// Validate implements kong's cross-field checks.
func (c *RunCmd) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case c.Exporter == "" && c.Target == "":
		bad("give --exporter PATH (start rexporter for every run) or --target HOST:PORT with --metrics-url (a running one)")
	case c.Exporter != "" && c.Target != "":
		bad("--exporter and --target exclude each other")
	}
	if c.Target != "" {
		if _, _, err := net.SplitHostPort(c.Target); err != nil {
			bad("--target %q: want HOST:PORT", c.Target)
		}
		if u, err := url.Parse(c.MetricsURL); c.MetricsURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--target needs --metrics-url http://HOST:PORT/metrics")
		}
	}
	if c.Exporter != "" && (c.MetricsURL != "" || c.PID != 0) {
		bad("--metrics-url and --pid go with --target; with --exporter the tool knows both")
	}
	if len(c.ExporterArgs) > 0 && c.Exporter == "" {
		bad("arguments after -- are for the exporter that --exporter starts")
	}
	if c.PID < 0 {
		bad("--pid must not be negative")
	}
	within := func(flag string, v, lo, hi int64) {
		if v < lo || v > hi {
			bad("%s must be between %d and %d", flag, lo, hi)
		}
	}
	within("--connections", int64(c.Connections), 1, maxConnections)
	within("--messages", c.Messages, 0, maxMessages)
	within("--names", int64(c.Names), 1, maxNames)
	within("--per-write", int64(c.PerWrite), 1, maxPerWrite)
	within("--runs", int64(c.Runs), 1, maxRuns)
	within("--latency", int64(c.Latency), 0, maxLatency)
	within("--scrapes", int64(c.Scrapes), 0, maxScrapes)
	if c.Messages == 0 && c.Latency == 0 {
		bad("nothing to measure: --messages and --latency are both 0")
	}
	if c.Duration <= 0 || c.Duration > maxDuration {
		bad("--duration must be positive and at most %v", maxDuration)
	}
	if c.WaitTimeout <= 0 || c.WaitTimeout > maxDuration {
		bad("--wait-timeout must be positive and at most %v", maxDuration)
	}
	if c.Rate < 0 {
		bad("--rate must not be negative")
	}
	if c.QuietGap < 0 {
		bad("--quiet-gap must not be negative")
	}
	if c.Poll < 0 || c.Poll > time.Second {
		bad("--poll must be between 0 and 1s")
	}
	return errors.Join(errs...)
}

// BaselineServerCmd is the bare TCP line counter that --baseline measures:
// accept, read into a 64 KiB buffer, count message ends (newlines) or record
// starts ('[' for unterminated messages), and nothing else. It serves the
// count as rexporter_messages_total on /metrics, so the tool measures it
// exactly as it measures the exporter.
type BaselineServerCmd struct {
	Listen  string `required:"" placeholder:"HOST:PORT" help:"Where clients connect."`
	Metrics string `required:"" placeholder:"HOST:PORT" help:"Where /metrics and /-/ready are served."`
	Count   string `default:"newline" enum:"newline,record" help:"What to count: newline bytes, or record starts '[' (unterminated messages)."`
}
