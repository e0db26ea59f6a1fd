package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
)

// RunResult is one run: the exporter's measurement and, with --baseline, the
// baseline's under the identical load just before it.
type RunResult struct {
	Exporter Measurement  `json:"exporter"`
	Baseline *Measurement `json:"baseline,omitempty"`
}

// Run measures --runs times and writes the report.
func (c *RunCmd) Run(e *env, logger *slog.Logger) error {
	p := BuildPayload(c.Names, c.PerWrite, c.Newline)
	self := ""
	if c.Baseline {
		var err error
		if self, err = os.Executable(); err != nil {
			return fmt.Errorf("--baseline re-executes this binary: %w", err)
		}
	}
	logger.Info("load", "load", describe(c), "runs", c.Runs, "baseline", c.Baseline)
	runs := make([]RunResult, 0, c.Runs)
	for i := 1; i <= c.Runs; i++ {
		var r RunResult
		if c.Baseline {
			m, err := c.measureStarted(e.ctx, p, logger, func(ctx context.Context) (*endpoint, error) {
				return startBaseline(ctx, self, c.Newline)
			})
			if err != nil {
				return fmt.Errorf("run %d, baseline: %w", i, err)
			}
			logMeasurement(logger, i, "baseline", m)
			r.Baseline = &m
		}
		start := func(ctx context.Context) (*endpoint, error) { return startExporter(ctx, c) }
		if c.Target != "" {
			start = func(context.Context) (*endpoint, error) { return attach(c), nil }
		}
		m, err := c.measureStarted(e.ctx, p, logger, start)
		if err != nil {
			return fmt.Errorf("run %d, exporter: %w", i, err)
		}
		logMeasurement(logger, i, "exporter", m)
		r.Exporter = m
		runs = append(runs, r)
	}
	return writeReport(e.stdout, c, runs)
}

// measureStarted starts (or attaches to) an endpoint, measures it and stops
// it again, and checks that it counted exactly what was sent.
func (c *RunCmd) measureStarted(ctx context.Context, p *Payload, logger *slog.Logger, start func(context.Context) (*endpoint, error)) (Measurement, error) {
	ep, err := start(ctx)
	if err != nil {
		return Measurement{}, err
	}
	m, err := measure(ctx, c, p, ep, logger)
	if serr := ep.stop(); serr != nil {
		err = errors.Join(err, serr)
	}
	if err == nil && (m.Counted != m.Sent || m.ParseErrors != 0) {
		err = fmt.Errorf("%s counted %d messages and %d parse errors, %d were sent", ep.name, m.Counted, m.ParseErrors, m.Sent)
	}
	return m, err
}

func logMeasurement(logger *slog.Logger, run int, name string, m Measurement) {
	logger.Info("measured", "run", run, "endpoint", name, "sent", m.Sent, "messages_per_second", int64(m.Rate),
		"seconds", fmt.Sprintf("%.3f", m.Seconds), "cpu_per_million", fmt.Sprintf("%.3g", m.CPUPerMillion),
		"peak_rss_mb", m.PeakRSS>>20, "polls", m.Polls)
}
