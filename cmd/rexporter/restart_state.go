package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/rexporter/rexporter/exporter"
)

// stateKeeper writes --state.file every --state.interval and on shutdown,
// and counts the writes in the self-metrics.
type stateKeeper struct {
	path     string
	interval time.Duration
	exp      *exporter.Exporter
	logger   *slog.Logger
	now      func() time.Time

	mu          sync.Mutex // one write at a time; off once handed over
	off         bool
	saves       *prometheus.CounterVec
	lastSuccess prometheus.Gauge
}

func newStateKeeper(c *ServeCmd, exp *exporter.Exporter, reg prometheus.Registerer, logger *slog.Logger, now func() time.Time) *stateKeeper {
	f := promauto.With(reg)
	k := &stateKeeper{
		path: c.StateFile, interval: c.StateInterval, exp: exp, logger: logger, now: now,
		saves: f.NewCounterVec(prometheus.CounterOpts{
			Name: "rexporter_state_saves_total",
			Help: "Writes of --state.file, by result (success, failure).",
		}, []string{"result"}),
		lastSuccess: f.NewGauge(prometheus.GaugeOpts{
			Name: "rexporter_state_last_save_success_timestamp_seconds",
			Help: "When --state.file was last written (Unix seconds); 0 before the first write or without --state.file.",
		}),
	}
	k.saves.WithLabelValues("success")
	k.saves.WithLabelValues("failure")
	return k
}

// load restores --state.file at start. A file that cannot be used stops
// the start, unless --state.ignore-errors says to start empty.
func (k *stateKeeper) load(ignoreErrors bool) error {
	if k.path == "" {
		return nil
	}
	st, err := k.exp.LoadStateFile(k.path)
	switch {
	case err == nil:
		k.logger.Info("loaded series state", "file", k.path, "series", st.Series, "jobs", st.Jobs,
			"tombstones", st.Tombstones, "skipped", st.Skipped, "histograms_reset", st.HistogramsReset)
		return nil
	case ignoreErrors && stateFileError(err):
		k.logger.Warn("ignoring the state file, starting empty (--state.ignore-errors)", "file", k.path, "err", err)
		return nil
	case stateFileError(err):
		return fmt.Errorf("%w (start with --state.ignore-errors to start empty; the file is then overwritten)", err)
	}
	return err
}

func stateFileError(err error) bool {
	return errors.Is(err, exporter.ErrStateForeign) || errors.Is(err, exporter.ErrStateCorrupt) || errors.Is(err, exporter.ErrStateVersion)
}

// save writes the file now, unless the state belongs to a new process.
func (k *stateKeeper) save() error {
	if k.path == "" {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.off {
		return nil
	}
	if err := k.exp.SaveStateFile(k.path); err != nil {
		k.saves.WithLabelValues("failure").Inc()
		k.logger.Error("cannot write the state file", "file", k.path, "err", err)
		return err
	}
	k.saves.WithLabelValues("success").Inc()
	k.lastSuccess.Set(float64(k.now().UnixNano()) / 1e9)
	return nil
}

// stop makes save do nothing from now on: after a hand-over the new process
// owns the file, and an old write would go back in time.
func (k *stateKeeper) stop() {
	k.mu.Lock()
	k.off = true
	k.mu.Unlock()
}

// run saves every interval until ctx ends.
func (k *stateKeeper) run(ctx context.Context) {
	if k.path == "" || k.interval <= 0 {
		return
	}
	t := time.NewTicker(k.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = k.save() // logged and counted
		}
	}
}
