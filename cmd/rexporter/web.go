package main

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
)

// newHandler builds the HTTP routes: metrics, health, readiness and the
// landing page. exp, when not nil, writes the user's metrics for text-format
// scrapes (see metricsHandler); without it every scrape gathers user.
// reload, when not nil, serves POST /-/reload (--web.enable-lifecycle).
func newHandler(c *ServeCmd, user, self *prometheus.Registry, exp exposer, ready *atomic.Bool, reload func() error, logger *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	var metrics http.Handler = promhttp.HandlerFor(prometheus.Gatherers{self, user}, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
		// Serve whatever could be gathered rather than a 500: a scrape that
		// fails loses every series at once.
		ErrorHandling:       promhttp.ContinueOnError,
		EnableOpenMetrics:   true,
		MaxRequestsInFlight: 10,
		Timeout:             30 * time.Second,
	})
	if exp != nil {
		metrics = newMetricsHandler(self, exp, metrics, logger)
	}
	mux.Handle(c.TelemetryPath, promhttp.InstrumentMetricHandler(self, metrics))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("Healthy\n"))
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "Not ready: an ingest listener is down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("Ready\n"))
	})
	if reload != nil {
		mux.HandleFunc("POST /-/reload", func(w http.ResponseWriter, _ *http.Request) {
			if err := reload(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = w.Write([]byte("Reloaded\n"))
		})
	}
	if c.TelemetryPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "rexporter",
			Description: "Status messages from R jobs as Prometheus metrics",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: c.TelemetryPath, Text: "Metrics"},
				{Address: "/-/healthy", Text: "Health"},
				{Address: "/-/ready", Text: "Readiness"},
			},
		})
		if err != nil {
			return nil, err
		}
		mux.Handle("/{$}", landing)
	}
	return mux, nil
}
