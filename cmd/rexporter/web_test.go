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
			h, err := newHandler(c, prometheus.NewRegistry(), prometheus.NewRegistry(), nil, &ready, nil, nil, slog.New(slog.DiscardHandler))
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
