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

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/internal/status"
)

// handlerOpts is what newHandler serves.
type handlerOpts struct {
	telemetryPath string               // --web.telemetry-path
	user          *prometheus.Registry // the user's metrics
	self          selfRegistry         // the exporter's own metrics
	// exp, when not nil, writes the user's metrics for text-format scrapes
	// (see metricsHandler); without it every scrape gathers user.
	exp    exposer
	ready  *atomic.Bool // /-/ready: false while an ingest listener is down
	reload func() error // when not nil, serves POST /-/reload (--web.enable-lifecycle)
	page   *status.Page // the status page at /; nil: the landing page
	push   http.Handler // when not nil, serves POST /api/v1/messages
	logger *slog.Logger
}

// newHandler builds the HTTP routes: metrics, health, readiness, and the
// status page at / (or, without one, the exporter-toolkit landing page).
// Every route is served through exporter-toolkit's web.Serve, so TLS and
// basic auth from --web.config.file apply to all of them.
func newHandler(o handlerOpts) (http.Handler, error) {
	self, logger, ready, reload := o.self, o.logger, o.ready, o.reload
	mux := http.NewServeMux()
	metrics := promhttp.HandlerFor(prometheus.Gatherers{self, o.user}, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
		// Serve whatever could be gathered rather than a 500: a scrape that
		// fails loses every series at once.
		ErrorHandling:       promhttp.ContinueOnError,
		EnableOpenMetrics:   true,
		MaxRequestsInFlight: 10,
		Timeout:             30 * time.Second,
	})
	if o.exp != nil {
		metrics = newMetricsHandler(self, o.exp, metrics, logger)
	}
	mux.Handle(o.telemetryPath, promhttp.InstrumentMetricHandler(self, metrics))
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
	mux.HandleFunc("POST /-/reload", func(w http.ResponseWriter, _ *http.Request) {
		if reload == nil {
			// As Prometheus does: say which flag turns it on, rather than 404.
			http.Error(w, "Lifecycle API is not enabled: start rexporter with --web.enable-lifecycle.", http.StatusForbidden)
			return
		}
		if err := reload(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("Reloaded\n"))
	})
	if o.push != nil {
		mux.Handle("POST /api/v1/messages", o.push)
	}
	if o.page != nil {
		o.page.Register(mux)
	} else if o.telemetryPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "rexporter",
			Description: "Status messages from R jobs as Prometheus metrics",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: o.telemetryPath, Text: "Metrics"},
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

// newStatusPage builds the live status page, or returns nil when it is
// disabled (--web.disable-status-page) or / serves the metrics.
func newStatusPage(c *ServeCmd, exp *exporter.Exporter, self prometheus.Gatherer, ready *atomic.Bool, logger *slog.Logger) (*status.Page, error) {
	if c.DisableStatusPage || c.TelemetryPath == "/" {
		return nil, nil
	}
	return status.New(status.Options{
		Source:        exp,
		Gatherer:      self,
		Ready:         ready.Load,
		Version:       versionText(),
		TelemetryPath: c.TelemetryPath,
		Logger:        logger,
		Now:           time.Now,
	})
}

// versionText is the version line of the status page.
func versionText() string {
	v := version.Version
	if v == "" || v == "(devel)" {
		v = "development build"
	}
	if r := version.GetRevision(); r != "" && r != "unknown" {
		v += ", revision " + r
	}
	return v + ", " + version.GoVersion
}
