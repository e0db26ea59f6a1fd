package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// ScalingCmd measures the batched load at several numbers of names (issue
// 19): for each, a fresh exporter with --max-series and
// --max-series-per-job raised to it, every name sent once first, then the
// timed load, then the timed full scrapes.
type ScalingCmd struct {
	Exporter     string        `required:"" placeholder:"PATH" help:"rexporter binary to start for every size and run."`
	ExporterArgs []string      `arg:"" optional:"" name:"exporter-args" help:"Extra arguments for the exporter, after -- (after the tool's --max-series N --max-series-per-job N)."`
	Names        []int         `default:"1000,10000,100000" help:"Numbers of names to measure, each a gauge, a counter and a histogram."`
	Connections  int           `default:"64" help:"Client connections, all sending at once."`
	PerWrite     int           `name:"per-write" default:"100" help:"Messages per write call."`
	Messages     int64         `default:"500000000" help:"Messages to send in all per run (the duration usually ends the run first)."`
	Duration     time.Duration `default:"5s" help:"Sending time per run."`
	Runs         int           `default:"1" help:"Runs per size; the report gives the median and the min–max spread."`
	Scrapes      int           `default:"3" help:"Timed full text scrapes after the load."`
	SizeTimeout  time.Duration `name:"size-timeout" default:"3m" help:"Give up on a size after this long (start, warm-up, load, scrapes, every run); the report says so and the next size runs."`
	RSSLimit     int64         `name:"rss-limit" default:"8192" placeholder:"MiB" help:"Stop a size whose exporter's resident memory exceeds this many MiB."`
	WaitTimeout  time.Duration `name:"wait-timeout" default:"120s" help:"After the last write (and after the warm-up), give up if /metrics has not counted every message within this long."`
	Statsd       string        `name:"statsd-exporter" placeholder:"PATH" help:"Also measure this statsd_exporter binary at every size, in the same run, doing rexporter's work: each message three StatsD lines over TCP (a gauge, a counter and a histogram of the name); a size it cannot finish within --wait-timeout is reported as such."`
	Format       string        `default:"text" enum:"text,json,markdown" help:"Report as ${enum} (markdown: a table for BENCHMARKS.md)."`
	JSONOut      string        `name:"json-out" placeholder:"FILE" help:"Also write the full JSON report to this file."`
}

// maxScalingNames bounds --names: the load's ring of messages and the
// exporter's memory grow with it.
const maxScalingNames = 10_000_000

// Validate implements kong's cross-field checks.
func (c *ScalingCmd) Validate() error {
	var errs []error
	for _, n := range c.Names {
		if n < 1 || n > maxScalingNames {
			errs = append(errs, fmt.Errorf("--names: %d is not between 1 and %d", n, maxScalingNames))
		}
	}
	errs = append(errs, c.runCmd(1).Validate(), validPositive("--size-timeout", c.SizeTimeout), validPositive("--wait-timeout", c.WaitTimeout))
	if c.RSSLimit < 1 {
		errs = append(errs, errors.New("--rss-limit must be at least 1 MiB"))
	}
	return errors.Join(errs...)
}

// validPositive checks a duration flag: positive and at most maxDuration.
func validPositive(flag string, d time.Duration) error {
	if d <= 0 || d > maxDuration {
		return fmt.Errorf("%s must be positive and at most %v", flag, maxDuration)
	}
	return nil
}

// runCmd is the run of one size (RunCmd's own bound on names does not
// apply: Validate checks RunCmd's other options with one name).
func (c *ScalingCmd) runCmd(names int) *RunCmd {
	n := strconv.Itoa(names)
	return &RunCmd{
		Exporter: c.Exporter, ExporterArgs: append([]string{"--max-series", n, "--max-series-per-job", n}, c.ExporterArgs...),
		Connections: c.Connections, Messages: c.Messages, Duration: c.Duration, Names: names,
		PerWrite: c.PerWrite, Newline: true, Runs: 1, Scrapes: max(c.Scrapes, 1), QuietGap: 20 * time.Millisecond,
		WaitTimeout: c.WaitTimeout, Poll: time.Millisecond, Format: "text", Warm: true, lean: true,
	}
}

// sizeResult is every run at one number of names, or why it stopped.
type sizeResult struct {
	Names    int               `json:"names"`
	Exporter string            `json:"exporter"` // rexporter or statsd_exporter
	Runs     []Measurement     `json:"runs"`
	Summary  map[string]spread `json:"summary"`
	Error    string            `json:"error,omitempty"`
}

// Run measures each size in turn; a size that fails or runs out of time
// or memory is reported as such and the next one runs.
func (c *ScalingCmd) Run(e *env, logger *slog.Logger) error {
	var results []sizeResult
	for _, names := range c.Names {
		rc := c.runCmd(names)
		logger.Info("scaling", "names", names, "load", describe(rc))
		for _, exporter := range c.exporters() {
			res := sizeResult{Names: names, Exporter: exporter}
			err := c.measureSize(e.ctx, rc, logger, &res)
			if err != nil {
				res.Error = err.Error()
				logger.Warn("size stopped", "names", names, "exporter", exporter, "err", err)
			}
			res.Summary = summarizeMeasurements(res.Runs)
			results = append(results, res)
			if e.ctx.Err() != nil {
				break
			}
		}
		if e.ctx.Err() != nil {
			break
		}
	}
	return writeModeReport(e.stdout, c.Format, c.JSONOut, c, results, scalingTable(results))
}

// The exporters a size is measured on.
const (
	rexporterName = "rexporter"
	statsdName    = "statsd_exporter"
)

// exporters are the exporters measured at every size: rexporter, and
// statsd_exporter with --statsd-exporter.
func (c *ScalingCmd) exporters() []string {
	if c.Statsd != "" {
		return []string{rexporterName, statsdName}
	}
	return []string{rexporterName}
}

// measureSize runs one size on one exporter --runs times within
// --size-timeout, watching the exporter's memory.
func (c *ScalingCmd) measureSize(ctx context.Context, rc *RunCmd, logger *slog.Logger, res *sizeResult) error {
	ctx, cancel := context.WithTimeoutCause(ctx, c.SizeTimeout, fmt.Errorf("--size-timeout %v passed", c.SizeTimeout))
	defer cancel()
	statsd := res.Exporter == statsdName
	var p *Payload
	start := func(ctx context.Context) (*endpoint, error) { return startExporter(ctx, rc) }
	if statsd {
		dir, err := os.MkdirTemp("", "rexporter-load-statsd")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		p = BuildStatsdPayload(rc.Names, rc.PerWrite)
		start = func(ctx context.Context) (*endpoint, error) { return startStatsd(ctx, c.Statsd, dir) }
	} else {
		p = BuildLargePayload(rc.Names, rc.PerWrite, true)
	}
	for i := 1; i <= c.Runs; i++ {
		runCtx, stop := context.WithCancelCause(ctx)
		m, err := rc.measureStarted(runCtx, p, logger, func(ctx context.Context) (*endpoint, error) {
			ep, err := start(ctx)
			if err == nil && !overRSS(ep, c.RSSLimit<<20, stop) {
				go watchRSS(runCtx, ep, c.RSSLimit<<20, stop)
			}
			return ep, err
		})
		cause := context.Cause(runCtx)
		stop(nil)
		if err == nil && cause != nil {
			err = cause
		}
		if err != nil {
			if cause != nil && !errors.Is(cause, context.Canceled) {
				return fmt.Errorf("run %d: %w (%v)", i, cause, err)
			}
			return fmt.Errorf("run %d: %w", i, err)
		}
		if !statsd && m.Series < float64(rc.Names) {
			return fmt.Errorf("run %d: the exporter has %.0f series for %d names", i, m.Series, rc.Names)
		}
		logMeasurement(logger, i, res.Exporter, m)
		res.Runs = append(res.Runs, m)
	}
	return nil
}

// watchRSS stops the run (through stop) once the endpoint's resident
// memory exceeds limit bytes; it checks every 200 ms until ctx ends.
func watchRSS(ctx context.Context, ep *endpoint, limit int64, stop context.CancelCauseFunc) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if overRSS(ep, limit, stop) {
			return
		}
	}
}

// overRSS stops the run (through stop) and says so if the endpoint's
// resident memory exceeds limit bytes, or it cannot be read (it exited).
func overRSS(ep *endpoint, limit int64, stop context.CancelCauseFunc) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", ep.pid))
	if err != nil {
		return true
	}
	if rss, err := parseStatusKB(b, "VmRSS"); err == nil && rss > limit {
		stop(fmt.Errorf("the exporter's RSS %s passed --rss-limit %s", size(float64(rss)), size(float64(limit))))
		return true
	}
	return false
}

// scalingTable is the report's table: one row per size.
func scalingTable(results []sizeResult) table {
	t := table{header: []string{"names", "messages/s", "CPU-s / 1M msgs", "peak RSS", "scrape (text)", "CPU-s / scrape", "/metrics size", "warm-up (new series/s)", "note"}}
	for _, r := range results {
		s := r.Summary
		note := ""
		if r.Error != "" {
			note = r.Error
		}
		names := fmt.Sprintf("%d", r.Names)
		if r.Exporter == statsdName {
			names += ", " + statsdName
		}
		t.rows = append(t.rows, []string{
			names, show(s["rate"], si), show(s["cpu_per_million"], num), show(s["peak_rss"], size),
			show(s["scrape_text"], millis), show(s["scrape_cpu"], num), show(s["scrape_text_bytes"], size), show(s["warm_rate"], si), note,
		})
	}
	return t
}
