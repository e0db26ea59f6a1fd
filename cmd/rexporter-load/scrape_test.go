package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseCounters(t *testing.T) {
	tests := map[string]struct {
		page                  string
		messages, parseErrors float64
		ok                    bool
	}{
		"text format": {
			page: "# HELP rexporter_messages_total Messages parsed successfully and applied to metrics.\n" +
				"# TYPE rexporter_messages_total counter\nrexporter_messages_total 1.234567e+06\n" +
				"# HELP rexporter_parse_errors_total Messages dropped, by reason.\n# TYPE rexporter_parse_errors_total counter\n" +
				"rexporter_parse_errors_total{reason=\"bad_value\"} 3\nrexporter_parse_errors_total{reason=\"no_fields\"} 4\n",
			messages: 1234567, parseErrors: 7, ok: true,
		},
		"OpenMetrics": {
			page: "# TYPE rexporter_messages counter\n# HELP rexporter_messages Messages.\nrexporter_messages_total 42.0\n" +
				"# TYPE rexporter_parse_errors counter\nrexporter_parse_errors_total{reason=\"a b}\"} 1.0\n# EOF\n",
			messages: 42, parseErrors: 1, ok: true,
		},
		"among 10,000 user names": {
			page:     strings.Repeat("random_poisson_1_messages_total 5\n", 10000) + "rexporter_messages_total 99\nrexporter_series 1\n",
			messages: 99, ok: true,
		},
		"similar names are not it": {
			page:     "rexporter_messages_total_value 5\nx_rexporter_messages_total 6\nrexporter_messages_total 7\n",
			messages: 7, ok: true,
		},
		"a sample with a timestamp": {page: "rexporter_messages_total 8 1764090547000\n", messages: 8, ok: true},
		"the baseline's page":       {page: "# TYPE rexporter_messages_total counter\nrexporter_messages_total 0\n", ok: true},
		"absent":                    {page: "rexporter_series 1\n", ok: false},
		"last line unterminated":    {page: "rexporter_messages_total 3", messages: 3, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, pe, ok := parseCounters([]byte(tc.page))
			if m != tc.messages || pe != tc.parseErrors || ok != tc.ok {
				t.Errorf("got %v, %v, %v; want %v, %v, %v", m, pe, ok, tc.messages, tc.parseErrors, tc.ok)
			}
		})
	}
}

// TestParseStatsdCounters reads statsd_exporter's page as it is (events
// by type, sample errors by reason; the user's names come first).
func TestParseStatsdCounters(t *testing.T) {
	for name, tc := range map[string]struct {
		page           string
		messages, errs float64
	}{
		"three events a message": {
			page: "random_poisson_1 3\nrandom_poisson_1_total 1\n" +
				"statsd_exporter_events_total{type=\"counter\"} 100\nstatsd_exporter_events_total{type=\"gauge\"} 100\n" +
				"statsd_exporter_events_total{type=\"observer\"} 100\nstatsd_exporter_lines_total 300\n",
			messages: 100,
		},
		"errors": {
			page: "statsd_exporter_events_total{type=\"gauge\"} 3\nstatsd_exporter_sample_errors_total{reason=\"malformed_line\"} 2\n" +
				"statsd_exporter_sample_errors_total{reason=\"illegal_event\"} 1\nstatsd_exporter_events_conflict_total{type=\"gauge\"} 4\n",
			messages: 1, errs: 7,
		},
		"before the first event": {page: "statsd_exporter_lines_total 0\n"},
	} {
		t.Run(name, func(t *testing.T) {
			if m, errs := parseStatsdCounters([]byte(tc.page)); m != tc.messages || errs != tc.errs {
				t.Errorf("got %v messages, %v errors; want %v, %v", m, errs, tc.messages, tc.errs)
			}
		})
	}
}

// counterServer serves a counter that grows by perMilli every millisecond,
// and one parse error.
func counterServer(t *testing.T, perMilli int64) (*httptest.Server, *atomic.Int64) {
	var scrapes atomic.Int64
	start := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scrapes.Add(1)
		n := perMilli * time.Since(start).Milliseconds()
		fmt.Fprintf(w, "rexporter_messages_total %d\nrexporter_parse_errors_total{reason=\"x\"} 1\n", n)
	}))
	t.Cleanup(srv.Close)
	return srv, &scrapes
}

func TestWaitFor(t *testing.T) {
	// 200 ms until the counter gets there.
	srv, scrapes := counterServer(t, 10)
	sc := newScraper(srv.URL + "/metrics")
	smp, polls, err := sc.waitFor(t.Context(), 2001, 10*time.Second, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if smp.processed() < 2001 || smp.parseErrors != 1 || int64(polls) != scrapes.Load() {
		t.Errorf("sample %+v after %d polls (%d scrapes)", smp, polls, scrapes.Load())
	}
	// Polling closes in on the end rather than polling every millisecond.
	if polls > 60 {
		t.Errorf("%d polls for 200 ms", polls)
	}
	if !smp.start.Before(smp.header) || smp.end.Before(smp.header) {
		t.Errorf("times out of order: %+v", smp)
	}

	stuck, _ := counterServer(t, 0)
	sc = newScraper(stuck.URL)
	start := time.Now()
	_, _, err = sc.waitFor(t.Context(), 5, 100*time.Millisecond, time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "counted 1 of 5 messages (1 of them parse errors)") {
		t.Errorf("a counter that never gets there: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("waitFor ran %v past a 100ms timeout", took)
	}
}

func TestScrapeErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty" {
			fmt.Fprintln(w, "up 1")
			return
		}
		http.Error(w, "nope", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	for path, want := range map[string]string{"/empty": "no rexporter_messages_total", "/down": "503"} {
		if _, err := newScraper(srv.URL+path).scrape(t.Context(), acceptText); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
}
