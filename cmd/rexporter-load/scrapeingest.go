package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// ScrapeIngestCmd measures what a full scrape every --scrape-every does to
// ingest (issue 19): on one exporter with --names series, the batched
// load's rate and the message → /metrics latency of single newline
// messages, first without and then with a full scrape of /metrics running
// every --scrape-every.
type ScrapeIngestCmd struct {
	Exporter     string        `required:"" placeholder:"PATH" help:"rexporter binary to start for every run."`
	ExporterArgs []string      `arg:"" optional:"" name:"exporter-args" help:"Extra arguments for the exporter, after -- (after the tool's --max-series N --max-series-per-job N)."`
	Names        int           `default:"100000" help:"Names created before the measurements, each a gauge, a counter and a histogram."`
	Connections  int           `default:"64" help:"Client connections of the batched load."`
	PerWrite     int           `name:"per-write" default:"100" help:"Messages per write of the batched load."`
	Messages     int64         `default:"500000000" help:"Messages per load at most (the duration usually ends it first)."`
	Duration     time.Duration `default:"5s" help:"Sending time of each load."`
	ScrapeEvery  time.Duration `name:"scrape-every" default:"1s" help:"Start a full scrape this often (or as soon as the last one ended) during the second half."`
	Latency      int           `default:"380" placeholder:"N" help:"Latency probes without and with the scrapes (see the run command's --latency); 0: none."`
	Runs         int           `default:"1" help:"Repeat with a fresh exporter; the report gives the median and the min–max spread."`
	WaitTimeout  time.Duration `name:"wait-timeout" default:"120s" help:"Give up if /metrics has not counted every message within this long after the last write."`
	Format       string        `default:"text" enum:"text,json,markdown" help:"Report as ${enum} (markdown: a table for BENCHMARKS.md)."`
	JSONOut      string        `name:"json-out" placeholder:"FILE" help:"Also write the full JSON report to this file."`
}

// Validate implements kong's cross-field checks.
func (c *ScrapeIngestCmd) Validate() error {
	var errs []error
	if c.Names < 1 || c.Names > maxScalingNames {
		errs = append(errs, fmt.Errorf("--names must be between 1 and %d", maxScalingNames))
	}
	rc := c.runCmd()
	rc.Names = 1
	errs = append(errs, rc.Validate(), validPositive("--scrape-every", c.ScrapeEvery))
	return errors.Join(errs...)
}

func (c *ScrapeIngestCmd) runCmd() *RunCmd {
	n := strconv.Itoa(c.Names)
	return &RunCmd{
		Exporter: c.Exporter, ExporterArgs: append([]string{"--max-series", n, "--max-series-per-job", n}, c.ExporterArgs...),
		Connections: c.Connections, Messages: c.Messages, Duration: c.Duration, Names: c.Names, PerWrite: c.PerWrite,
		Newline: true, Runs: 1, Latency: c.Latency, QuietGap: 20 * time.Millisecond, WaitTimeout: c.WaitTimeout,
		Poll: time.Millisecond, Format: "text", Warm: true, lean: true,
	}
}

// ScrapeIngestResult is one run: the figures without and with the scrapes.
type ScrapeIngestResult struct {
	Without, With ingestFigures
	RateRatio     optFloat `json:"rate_ratio"`    // With.Rate ÷ Without.Rate
	Scrapes       int      `json:"scrapes"`       // full scrapes during the second half
	ScrapeSeconds optFloat `json:"scrape_median"` // their median duration
	ScrapeBytes   int      `json:"scrape_bytes"`
	PeakRSS       int64    `json:"peak_rss"`
}

// ingestFigures are the load's rate and CPU and the latency quantiles.
type ingestFigures struct {
	Rate          optFloat `json:"rate"`
	CPUPerMillion optFloat `json:"cpu_per_million"`
	LatencyP50    optFloat `json:"latency_p50"`
	LatencyP90    optFloat `json:"latency_p90"`
	LatencyP99    optFloat `json:"latency_p99"`
}

// Run measures --runs times and writes the report.
func (c *ScrapeIngestCmd) Run(e *env, logger *slog.Logger) error {
	rc := c.runCmd()
	p := BuildLargePayload(c.Names, c.PerWrite, true)
	var runs []ScrapeIngestResult
	for i := 1; i <= c.Runs; i++ {
		r, err := c.runOnce(e.ctx, rc, p, logger)
		if err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		logger.Info("scrape-ingest", "run", i, "rate_without", si(float64(r.Without.Rate)), "rate_with", si(float64(r.With.Rate)),
			"p99_without", millis(float64(r.Without.LatencyP99)), "p99_with", millis(float64(r.With.LatencyP99)), "scrapes", r.Scrapes)
		runs = append(runs, r)
	}
	return writeModeReport(e.stdout, c.Format, c.JSONOut, c, runs, scrapeIngestTable(c, runs))
}

func (c *ScrapeIngestCmd) runOnce(ctx context.Context, rc *RunCmd, p *Payload, logger *slog.Logger) (r ScrapeIngestResult, err error) {
	ep, err := startExporter(ctx, rc)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, ep.stop()) }()
	sc := newScraper(ep.metrics)
	sc.mode = scrapeHead
	var m Measurement
	if err := warmUp(ctx, rc, p, ep, sc, &m); err != nil {
		return r, err
	}
	if m.Series < float64(c.Names) {
		return r, fmt.Errorf("the exporter has %.0f series for %d names", m.Series, c.Names)
	}
	logger.Info("warmed up", "names", c.Names, "seconds", fmt.Sprintf("%.3f", m.WarmSeconds))
	if r.Without, err = c.measureHalf(ctx, rc, p, ep, sc); err != nil {
		return r, fmt.Errorf("without scrapes: %w", err)
	}
	bgCtx, stop := context.WithCancel(ctx)
	var durations []float64
	var bgErr error
	var wg sync.WaitGroup
	wg.Go(func() { durations, r.ScrapeBytes, bgErr = scrapeEvery(bgCtx, ep.metrics, c.ScrapeEvery) })
	r.With, err = c.measureHalf(ctx, rc, p, ep, sc)
	stop()
	wg.Wait()
	if err := errors.Join(err, bgErr); err != nil {
		return r, fmt.Errorf("with scrapes: %w", err)
	}
	r.Scrapes, r.ScrapeSeconds = len(durations), optFloat(median(durations))
	r.RateRatio = optFloat(ratio(float64(r.With.Rate), float64(r.Without.Rate)))
	r.PeakRSS, err = peakRSS(ep.pid)
	return r, err
}

// measureHalf is the batched load, then the latency probes.
func (c *ScrapeIngestCmd) measureHalf(ctx context.Context, rc *RunCmd, p *Payload, ep *endpoint, sc *scraper) (ingestFigures, error) {
	var f ingestFigures
	var m Measurement
	if err := measureLoad(ctx, rc, p, ep, sc, &m); err != nil {
		return f, err
	}
	f.Rate, f.CPUPerMillion = optFloat(m.Rate), optFloat(m.CPUPerMillion)
	if c.Latency > 0 {
		pr, err := measureLatency(ctx, c.Latency, 0, p, ep, sc)
		if err != nil {
			return f, err
		}
		f.LatencyP50, f.LatencyP90, f.LatencyP99 = optFloat(pr.quantile(0.5)), optFloat(pr.quantile(0.9)), optFloat(pr.quantile(0.99))
	}
	return f, nil
}

// scrapeEvery starts a full scrape of url every interval (or as soon as
// the last one ended) until ctx ends, and returns their durations and the
// page's size. A scrape cut off by the end is not counted.
func scrapeEvery(ctx context.Context, url string, interval time.Duration) ([]float64, int, error) {
	sc := newScraper(url)
	sc.mode = scrapeStream
	var durations []float64
	bytes := 0
	next := time.Now()
	for {
		s, err := sc.scrape(ctx, acceptText)
		if ctx.Err() != nil {
			return durations, bytes, nil
		}
		if err != nil {
			return durations, bytes, err
		}
		durations, bytes = append(durations, s.end.Sub(s.start).Seconds()), s.bytes
		next = next.Add(interval)
		select {
		case <-ctx.Done():
			return durations, bytes, nil
		case <-time.After(time.Until(next)):
		}
		if now := time.Now(); next.Before(now) {
			next = now
		}
	}
}

// scrapeIngestTable is the report's table: one row without and one with
// the scrapes, median (min–max) over runs.
func scrapeIngestTable(c *ScrapeIngestCmd, runs []ScrapeIngestResult) table {
	col := func(get func(ScrapeIngestResult) optFloat, format func(float64) string) string {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = float64(get(r))
		}
		return show(spreadOf(xs), format)
	}
	half := func(label string, h func(ScrapeIngestResult) ingestFigures, extra ...string) []string {
		return append([]string{label,
			col(func(r ScrapeIngestResult) optFloat { return h(r).Rate }, si),
			col(func(r ScrapeIngestResult) optFloat { return h(r).CPUPerMillion }, num),
			col(func(r ScrapeIngestResult) optFloat { return h(r).LatencyP50 }, millis),
			col(func(r ScrapeIngestResult) optFloat { return h(r).LatencyP90 }, millis),
			col(func(r ScrapeIngestResult) optFloat { return h(r).LatencyP99 }, millis),
		}, extra...)
	}
	return table{
		header: []string{fmt.Sprintf("%d names, %d conns × %d msgs/write", c.Names, c.Connections, c.PerWrite),
			"messages/s", "CPU-s / 1M msgs", "latency p50", "latency p90", "latency p99", "÷ without", "full scrapes (median time, size)"},
		rows: [][]string{
			half("without scrapes", func(r ScrapeIngestResult) ingestFigures { return r.Without }, "", ""),
			half(fmt.Sprintf("a full scrape every %v", c.ScrapeEvery), func(r ScrapeIngestResult) ingestFigures { return r.With },
				col(func(r ScrapeIngestResult) optFloat { return r.RateRatio }, num),
				fmt.Sprintf("%s, %s, %s", col(func(r ScrapeIngestResult) optFloat { return optFloat(r.Scrapes) }, num),
					col(func(r ScrapeIngestResult) optFloat { return r.ScrapeSeconds }, millis),
					col(func(r ScrapeIngestResult) optFloat { return optFloat(r.ScrapeBytes) }, size))),
		},
	}
}
