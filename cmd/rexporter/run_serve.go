package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/internal/status"
	"github.com/rexporter/rexporter/mapping"
)

// runServer is the exporter of `rexporter run` without --to: in process,
// serving /metrics and the status page while the job runs.
type runServer struct {
	exp  *exporter.Exporter
	http *http.Server
	page *status.Page
}

func startRunServer(c *RunCmd, m *mapping.Mapper, logger *slog.Logger) (*runServer, error) {
	self := prometheus.NewRegistry()
	self.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("rexporter"),
	)
	user := prometheus.NewRegistry()
	opts := exporter.Options{Mapper: m}
	c.StallFlags.options(&opts)
	exp, err := exporter.New(opts, user, self, logger, time.Now)
	if err != nil {
		return nil, err
	}
	ls, err := listenAll("--metrics", c.Metrics, listenAddress)
	if err != nil {
		return nil, err
	}
	sc := &ServeCmd{Metrics: c.Metrics, TelemetryPath: "/metrics"}
	var ready atomic.Bool
	ready.Store(true)
	page, err := newStatusPage(sc, exp, self, &ready, logger)
	if err != nil {
		closeAll(ls)
		return nil, err
	}
	handler, err := newHandler(handlerOpts{
		telemetryPath: sc.TelemetryPath, user: user, self: self, exp: exp,
		ready: &ready, page: page, logger: logger,
	})
	if err != nil {
		closeAll(ls)
		return nil, err
	}
	srv := &runServer{exp: exp, page: page, http: &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      60 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}}
	noConfig := ""
	flags := &web.FlagConfig{WebListenAddresses: &c.Metrics, WebSystemdSocket: new(bool), WebConfigFile: &noConfig}
	go func() {
		if err := web.ServeMultiple(ls, srv.http, flags, logger); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("serving metrics", "err", err)
		}
	}()
	return srv, nil
}

func (s *runServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	if s.page != nil {
		s.page.Close()
	}
}
