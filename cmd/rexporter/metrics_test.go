package main

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rexporter/rexporter/exporter"
)

// Accept headers real scrapers send.
const (
	acceptPrometheus2 = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
	acceptProtobuf    = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3"
)

// newScrapeFixture is an exporter fed with numbers, a job, a state and a
// progress, its registries and both handlers: promhttp over the registries
// (the reference) and metricsHandler.
func newScrapeFixture(t *testing.T) (ours, reference http.Handler, h *metricsHandler) {
	t.Helper()
	user, self := prometheus.NewRegistry(), prometheus.NewRegistry()
	e, err := exporter.New(exporter.Options{}, user, self, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.MustParseAddrPort("127.0.0.1:40000"))
	for _, m := range []string{"[2026-11-25 17:06:16] - Random Poisson: 11", "loss: 0.25", "loss: NaN", `we"ird\name: 3`} {
		s.Message([]byte(m))
	}
	named := e.NewSession(netip.MustParseAddrPort("127.0.0.1:40001"))
	for _, m := range []string{"job: fit", "phase: load", "phase: train", "progress: 3/10", "Random Poisson: 9"} {
		named.Message([]byte(m))
	}
	reference = promhttp.HandlerFor(prometheus.Gatherers{self, user}, promhttp.HandlerOpts{EnableOpenMetrics: true})
	h = newMetricsHandler(self, e, reference, slog.New(slog.DiscardHandler))
	return h, reference, h
}

// TestMetricsHandlerServesWhatPromhttpServes compares, for the Accept headers
// of real scrapers, with and without gzip, the response of metricsHandler
// with promhttp's over the same registries: same status, content type and
// lines (families may come in another order: self-metrics first).
func TestMetricsHandlerServesWhatPromhttpServes(t *testing.T) {
	tests := map[string]struct {
		accept string
		gzip   bool
	}{
		"curl":                       {accept: ""},
		"prometheus 2 (openmetrics)": {accept: acceptPrometheus2, gzip: true},
		"text 0.0.4 only":            {accept: "text/plain;version=0.0.4"},
		"openmetrics without gzip":   {accept: "application/openmetrics-text;version=1.0.0"},
		"protobuf goes to promhttp":  {accept: acceptProtobuf, gzip: true},
		"gzip refused with q=0":      {accept: "text/plain", gzip: false},
	}
	ours, reference, _ := newScrapeFixture(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := scrapeWith(t, ours, tc.accept, tc.gzip)
			want := scrapeWith(t, reference, tc.accept, tc.gzip)
			if got.code != http.StatusOK || want.code != http.StatusOK {
				t.Fatalf("status %d, promhttp %d", got.code, want.code)
			}
			if got.contentType != want.contentType {
				t.Errorf("Content-Type %q, promhttp %q", got.contentType, want.contentType)
			}
			if tc.gzip != (got.encoding == "gzip") {
				t.Errorf("Content-Encoding %q with gzip accepted = %v", got.encoding, tc.gzip)
			}
			if strings.HasPrefix(got.contentType, "application/vnd.google.protobuf") {
				if got.body != want.body {
					t.Errorf("protobuf bodies differ")
				}
				return
			}
			if g, w := sortedLines(got.body), sortedLines(want.body); !slices.Equal(g, w) {
				t.Errorf("bodies differ:\nours:\n%s\npromhttp:\n%s", got.body, want.body)
			}
			if strings.HasPrefix(got.contentType, "application/openmetrics-text") && !strings.HasSuffix(got.body, "# EOF\n") {
				t.Errorf("OpenMetrics body does not end with # EOF")
			}
		})
	}
}

// TestMetricsHandlerLimitsScrapesInFlight fills every in-flight slot: the next
// scrape gets 503 rather than another buffer.
func TestMetricsHandlerLimitsScrapesInFlight(t *testing.T) {
	_, _, h := newScrapeFixture(t)
	for range maxScrapesInFlight {
		h.inFlight <- struct{}{}
	}
	if got := scrapeWith(t, h, "", false); got.code != http.StatusServiceUnavailable {
		t.Errorf("status %d with every slot taken, want 503", got.code)
	}
	<-h.inFlight
	if got := scrapeWith(t, h, "", false); got.code != http.StatusOK {
		t.Errorf("status %d with a slot free, want 200", got.code)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := map[string]bool{
		"":                     false,
		"gzip":                 true,
		"GZIP":                 true,
		"deflate, gzip;q=1.0":  true,
		"gzip;q=0":             false,
		"gzip; q=0.000":        false,
		"identity":             false,
		"zstd,gzip;q=0.5,br":   true,
		"x-gzip":               false,
		"*":                    false,
		"deflate , gzip ; q=1": true,
	}
	for header, want := range tests {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

type scrapeResult struct {
	code                        int
	contentType, encoding, body string
}

func scrapeWith(t *testing.T, h http.Handler, accept string, gz bool) scrapeResult {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	} else {
		req.Header.Set("Accept-Encoding", "gzip;q=0")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := scrapeResult{code: rec.Code, contentType: rec.Header().Get("Content-Type"), encoding: rec.Header().Get("Content-Encoding")}
	var body io.Reader = rec.Body
	if res.encoding == "gzip" {
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	res.body = string(b)
	return res
}

func sortedLines(s string) []string {
	lines := strings.Split(s, "\n")
	slices.Sort(lines)
	return lines
}
