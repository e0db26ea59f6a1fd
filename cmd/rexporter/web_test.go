package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestReadiness(t *testing.T) {
	tests := map[string]struct {
		ready bool
		want  int
	}{
		"every listener up": {ready: true, want: http.StatusOK},
		"a listener down":   {ready: false, want: http.StatusServiceUnavailable},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var ready atomic.Bool
			ready.Store(tc.ready)
			c := &ServeCmd{TelemetryPath: "/metrics"}
			h, err := newHandler(handlerOpts{
				telemetryPath: c.TelemetryPath, user: prometheus.NewRegistry(), self: prometheus.NewRegistry(),
				ready: &ready, logger: slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/ready", nil))
			if rec.Code != tc.want {
				t.Errorf("/-/ready = %d, want %d", rec.Code, tc.want)
			}
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/healthy", nil))
			if rec.Code != http.StatusOK {
				t.Errorf("/-/healthy = %d, want 200", rec.Code)
			}
		})
	}
}

// TestReloadWithoutLifecycle checks that POST /-/reload without
// --web.enable-lifecycle answers 403 with one line naming the flag.
func TestReloadWithoutLifecycle(t *testing.T) {
	var ready atomic.Bool
	c := &ServeCmd{TelemetryPath: "/metrics"}
	h, err := newHandler(handlerOpts{
		telemetryPath: c.TelemetryPath, user: prometheus.NewRegistry(), self: prometheus.NewRegistry(),
		ready: &ready, logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
	if body := rec.Body.String(); rec.Code != http.StatusForbidden || body != "Lifecycle API is not enabled: start rexporter with --web.enable-lifecycle.\n" {
		t.Errorf("POST /-/reload = %d %q, want 403 naming --web.enable-lifecycle", rec.Code, body)
	}
}
