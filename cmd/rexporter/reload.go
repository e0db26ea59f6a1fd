package main

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/mapping"
)

// reloader re-reads --config.file on SIGHUP or POST /-/reload. A file that
// does not load keeps the mapping in force and reports the failure in the
// self-metrics and the log (and to the HTTP caller).
type reloader struct {
	path   string
	exp    *exporter.Exporter
	logger *slog.Logger
	now    func() time.Time

	mu          sync.Mutex // one reload at a time
	successful  prometheus.Gauge
	lastSuccess prometheus.Gauge
	reloads     *prometheus.CounterVec
}

func newReloader(path string, exp *exporter.Exporter, reg prometheus.Registerer, logger *slog.Logger, now func() time.Time) *reloader {
	f := promauto.With(reg)
	r := &reloader{
		path:   path,
		exp:    exp,
		logger: logger,
		now:    now,
		successful: f.NewGauge(prometheus.GaugeOpts{
			Name: "rexporter_config_last_reload_successful",
			Help: "1 if the last load of --config.file succeeded (also 1 without a file), else 0.",
		}),
		lastSuccess: f.NewGauge(prometheus.GaugeOpts{
			Name: "rexporter_config_last_reload_success_timestamp_seconds",
			Help: "When the mapping in force was loaded (Unix seconds).",
		}),
		reloads: f.NewCounterVec(prometheus.CounterOpts{
			Name: "rexporter_config_reloads_total",
			Help: "Reloads of --config.file, by result (success, failure).",
		}, []string{"result"}),
	}
	r.reloads.WithLabelValues("success")
	r.reloads.WithLabelValues("failure")
	r.successful.Set(1)
	r.lastSuccess.Set(float64(now().UnixNano()) / 1e9)
	return r
}

// loadMapper reads a mapping file; without one it is the built-in default.
func loadMapper(path string) (*mapping.Mapper, error) {
	if path == "" {
		return mapping.Default(), nil
	}
	return mapping.Load(path)
}

// reload loads the file and switches the exporter to it.
func (r *reloader) reload(trigger string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, err := loadMapper(r.path)
	if err != nil {
		r.successful.Set(0)
		r.reloads.WithLabelValues("failure").Inc()
		r.logger.Error("reload failed; keeping the mapping in force", "trigger", trigger, "file", r.path, "err", err)
		return fmt.Errorf("reload %s: %w", r.path, err)
	}
	changed := r.exp.SetMapper(m)
	r.successful.Set(1)
	r.lastSuccess.Set(float64(r.now().UnixNano()) / 1e9)
	r.reloads.WithLabelValues("success").Inc()
	r.logger.Info("reloaded mapping", "trigger", trigger, "file", r.path, "rules", m.Rules(), "changed", changed)
	return nil
}
