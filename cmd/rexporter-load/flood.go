package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
)

// FloodCmd measures a flood of new names (issue 19): --connections send
// only never-seen names into an exporter whose --max-series is --cap,
// while one more connection sends names that exist. It reports new series
// per second until the cap, refused names per second after it (from
// rexporter_series and rexporter_rejected_names_total), and the existing
// names' connection's rate during the flood against the same connection
// alone just before.
type FloodCmd struct {
	Exporter     string        `required:"" placeholder:"PATH" help:"rexporter binary to start for every run."`
	ExporterArgs []string      `arg:"" optional:"" name:"exporter-args" help:"Extra arguments for the exporter, after -- (after the tool's --max-series CAP --max-series-per-job CAP)."`
	Connections  int           `default:"64" help:"Flood connections, each sending only never-seen names."`
	Cap          int           `default:"100000" help:"The exporter's --max-series (and --max-series-per-job): series it takes before it refuses names."`
	Existing     int           `default:"1000" help:"Names created before the flood (they count against --cap) and sent during it by one more connection."`
	PerWrite     int           `name:"per-write" default:"100" help:"Messages per write call, flood and existing names alike."`
	Messages     int64         `default:"1000000000" help:"Flood messages in all per run at most (the duration usually ends the run first)."`
	Duration     time.Duration `default:"5s" help:"Sending time of the flood, and of the existing names' connection alone before it."`
	PollInterval time.Duration `name:"poll-interval" default:"100ms" help:"Pause between polls of the counters during the flood (each poll reads only the head of /metrics)."`
	Runs         int           `default:"1" help:"Repeat with a fresh exporter; the report gives the median and the min–max spread."`
	WaitTimeout  time.Duration `name:"wait-timeout" default:"120s" help:"After the last write, give up if /metrics has not counted every message within this long."`
	Format       string        `default:"text" enum:"text,json,markdown" help:"Report as ${enum} (markdown: a table for BENCHMARKS.md)."`
	JSONOut      string        `name:"json-out" placeholder:"FILE" help:"Also write the full JSON report to this file."`
}

// Validate implements kong's cross-field checks.
func (c *FloodCmd) Validate() error {
	var errs []error
	within := func(flag string, v, lo, hi int64) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s must be between %d and %d", flag, lo, hi))
		}
	}
	within("--connections", int64(c.Connections), 1, maxConnections-1)
	within("--cap", int64(c.Cap), 2, maxScalingNames)
	within("--existing", int64(c.Existing), 1, int64(c.Cap)-1)
	within("--per-write", int64(c.PerWrite), 1, maxPerWrite)
	within("--messages", c.Messages, 1, maxMessages)
	within("--runs", int64(c.Runs), 1, maxRuns)
	errs = append(errs, validPositive("--duration", c.Duration), validPositive("--wait-timeout", c.WaitTimeout))
	if c.PollInterval < time.Millisecond || c.PollInterval > 10*time.Second {
		errs = append(errs, errors.New("--poll-interval must be between 1ms and 10s"))
	}
	return errors.Join(errs...)
}

// FloodResult is one run.
type FloodResult struct {
	NewSeriesPerSecond optFloat `json:"new_series_per_second"`
	NewIsLowerBound    bool     `json:"new_is_lower_bound,omitempty"` // the first poll already saw the cap full
	CapSeconds         float64  `json:"cap_seconds"`                  // flood start → the first poll that saw the cap full; -1: never
	RefusedPerSecond   optFloat `json:"refused_per_second"`
	FloodSent          int64    `json:"flood_sent"`
	FloodSendRate      optFloat `json:"flood_send_rate"` // flood messages written per second
	NewSeries          float64  `json:"new_series"`      // in all, once everything was counted
	Refused            float64  `json:"refused"`
	ExistingAlone      optFloat `json:"existing_alone"`  // the existing names' connection alone, messages/s
	ExistingDuring     optFloat `json:"existing_during"` // the same during the flood
	ExistingRatio      optFloat `json:"existing_ratio"`
	Polls              int      `json:"polls"`
	CPUPerMillion      optFloat `json:"cpu_per_million"` // the exporter's CPU over the flood phase, per million messages (flood and existing)
	PeakRSS            int64    `json:"peak_rss"`
}

// Run measures --runs floods and writes the report.
func (c *FloodCmd) Run(e *env, logger *slog.Logger) error {
	var runs []FloodResult
	for i := 1; i <= c.Runs; i++ {
		r, err := c.runOnce(e.ctx, logger)
		if err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		logger.Info("flood", "run", i, "new_series_per_second", si(float64(r.NewSeriesPerSecond)), "refused_per_second", si(float64(r.RefusedPerSecond)),
			"existing_ratio", num(float64(r.ExistingRatio)), "polls", r.Polls)
		runs = append(runs, r)
	}
	return writeModeReport(e.stdout, c.Format, c.JSONOut, c, runs, floodTable(c, runs))
}

// runOnce starts an exporter, creates the existing names, measures their
// connection alone, then with the flood, and stops the exporter.
func (c *FloodCmd) runOnce(ctx context.Context, logger *slog.Logger) (r FloodResult, err error) {
	n := strconv.Itoa(c.Cap)
	rc := &RunCmd{Exporter: c.Exporter, QuietGap: 20 * time.Millisecond,
		ExporterArgs: append([]string{"--max-series", n, "--max-series-per-job", n}, c.ExporterArgs...)}
	ep, err := startExporter(ctx, rc)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, ep.stop()) }()
	sc := newScraper(ep.metrics)
	sc.mode = scrapeHead
	p := BuildPayload(c.Existing, c.PerWrite, true)
	existing := func(total int64, duration time.Duration) loadPlan {
		return loadPlan{addr: ep.ingest, conns: 1, total: total, duration: duration, grace: c.WaitTimeout}
	}
	// Create the existing names, then send them alone.
	if _, err := c.sendAndCount(ctx, sc, func() (int64, error) {
		res, err := sendLoad(ctx, p, existing(int64(c.Existing), c.WaitTimeout))
		return res.sent + res.control, err
	}); err != nil {
		return r, fmt.Errorf("existing names: %w", err)
	}
	var alone loadResult
	if _, err := c.sendAndCount(ctx, sc, func() (int64, error) {
		var err error
		alone, err = sendLoad(ctx, p, existing(maxMessages, c.Duration))
		return alone.sent + alone.control, err
	}); err != nil {
		return r, fmt.Errorf("existing names alone: %w", err)
	}
	r.ExistingAlone = optFloat(ratio(float64(alone.sent), alone.last.Sub(alone.first).Seconds()))
	logger.Info("existing names alone", "messages_per_second", si(float64(r.ExistingAlone)))

	// The flood, the existing names' connection and the polls, at once.
	base, err := sc.scrape(ctx, acceptText)
	if err != nil {
		return r, err
	}
	cpu0, err := cpuSeconds(ep.pid)
	if err != nil {
		return r, err
	}
	pollCtx, stopPolls := context.WithCancel(ctx)
	var polls []floodSample
	var pollErr error
	var wg sync.WaitGroup
	wg.Go(func() { polls, pollErr = pollFlood(pollCtx, sc, c.PollInterval) })
	var during, flood loadResult
	var duringErr, floodErr error
	wg.Go(func() { during, duringErr = sendLoad(ctx, p, existing(maxMessages, c.Duration)) })
	t0 := time.Now()
	flood, floodErr = sendFlood(ctx, floodPlan{addr: ep.ingest, conns: c.Connections, perWrite: c.PerWrite,
		total: c.Messages, duration: c.Duration, grace: c.WaitTimeout})
	stopPolls()
	wg.Wait()
	if err := errors.Join(floodErr, duringErr, pollErr); err != nil {
		return r, err
	}
	want := base.processed() + float64(flood.sent+flood.control+during.sent+during.control)
	done, _, err := sc.waitFor(ctx, want, c.WaitTimeout, time.Millisecond)
	if err != nil {
		return r, fmt.Errorf("after the flood: %w", err)
	}
	cpu1, err := cpuSeconds(ep.pid)
	if err != nil {
		return r, err
	}
	if r.PeakRSS, err = peakRSS(ep.pid); err != nil {
		return r, err
	}
	newRate, refusedRate, capAt, lower := floodRates(polls, t0, base.series, float64(c.Cap))
	r.NewSeriesPerSecond, r.RefusedPerSecond, r.CapSeconds, r.NewIsLowerBound = optFloat(newRate), optFloat(refusedRate), capAt.Seconds(), lower
	r.FloodSent, r.Polls = flood.sent, len(polls)
	r.FloodSendRate = optFloat(ratio(float64(flood.sent), flood.last.Sub(flood.first).Seconds()))
	r.NewSeries, r.Refused = done.series-base.series, done.refused-base.refused
	r.ExistingDuring = optFloat(ratio(float64(during.sent), during.last.Sub(during.first).Seconds()))
	r.ExistingRatio = optFloat(ratio(float64(r.ExistingDuring), float64(r.ExistingAlone)))
	r.CPUPerMillion = optFloat(ratio(cpu1-cpu0, float64(flood.sent+during.sent)) * 1e6)
	if got := r.NewSeries + r.Refused; got != float64(flood.sent) {
		logger.Warn("new series and refused names do not add up to the flood's names", "new", r.NewSeries, "refused", r.Refused, "flood", flood.sent)
	}
	return r, nil
}

// sendAndCount sends (send returns how many messages the exporter is to
// count) and waits until /metrics counts them.
func (c *FloodCmd) sendAndCount(ctx context.Context, sc *scraper, send func() (int64, error)) (sample, error) {
	base, err := sc.scrape(ctx, acceptText)
	if err != nil {
		return sample{}, err
	}
	n, err := send()
	if err != nil {
		return sample{}, err
	}
	done, _, err := sc.waitFor(ctx, base.processed()+float64(n), c.WaitTimeout, time.Millisecond)
	return done, err
}

// pollFlood polls the counters every interval until ctx ends.
func pollFlood(ctx context.Context, sc *scraper, interval time.Duration) ([]floodSample, error) {
	var polls []floodSample
	for {
		select {
		case <-ctx.Done():
			return polls, nil
		case <-time.After(interval):
		}
		s, err := sc.scrape(ctx, acceptText)
		if ctx.Err() != nil {
			return polls, nil
		}
		if err != nil {
			return polls, err
		}
		polls = append(polls, floodSample{at: s.header, series: s.series, refused: s.refused})
	}
}

// floodTable is the report's table: one row, median (min–max) over runs.
func floodTable(c *FloodCmd, runs []FloodResult) table {
	col := func(get func(FloodResult) optFloat, format func(float64) string) string {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = float64(get(r))
		}
		return show(spreadOf(xs), format)
	}
	newRate := col(func(r FloodResult) optFloat { return r.NewSeriesPerSecond }, si)
	for _, r := range runs {
		if r.NewIsLowerBound {
			newRate = "≥ " + newRate
			break
		}
	}
	capAt := col(func(r FloodResult) optFloat {
		if r.CapSeconds < 0 {
			return optFloat(math.NaN())
		}
		return optFloat(r.CapSeconds)
	}, func(v float64) string { return num(v) + " s" })
	return table{
		header: []string{"flood", "new series/s", "cap full after", "refused names/s", "flood sent/s", "existing names alone", "during the flood", "÷ alone", "CPU-s / 1M msgs", "peak RSS"},
		rows: [][]string{{
			fmt.Sprintf("%d conns × %d new names/write, cap %d (%d existing)", c.Connections, c.PerWrite, c.Cap, c.Existing),
			newRate, capAt,
			col(func(r FloodResult) optFloat { return r.RefusedPerSecond }, si),
			col(func(r FloodResult) optFloat { return r.FloodSendRate }, si),
			col(func(r FloodResult) optFloat { return r.ExistingAlone }, si),
			col(func(r FloodResult) optFloat { return r.ExistingDuring }, si),
			col(func(r FloodResult) optFloat { return r.ExistingRatio }, num),
			col(func(r FloodResult) optFloat { return r.CPUPerMillion }, num),
			col(func(r FloodResult) optFloat { return optFloat(r.PeakRSS) }, size),
		}},
	}
}
