package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// selfPage is the exporter's own metrics, as /metrics writes them first.
const selfPage = "# HELP go_goroutines Goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 9\n" +
	"# TYPE rexporter_messages_total counter\nrexporter_messages_total 1000\n" +
	"# TYPE rexporter_parse_errors_total counter\nrexporter_parse_errors_total{reason=\"bad_value\"} 2\n" +
	"# TYPE rexporter_rejected_names_total counter\n" +
	"rexporter_rejected_names_total{reason=\"max_series\"} 30\nrexporter_rejected_names_total{reason=\"max_series_per_job\"} 4\n" +
	"rexporter_rejected_names_total{reason=\"reserved\"} 500\n" +
	"# TYPE rexporter_series gauge\nrexporter_series 77\n"

func TestScrapeModes(t *testing.T) {
	user := strings.Repeat("# HELP random_poisson_1 x\n# TYPE random_poisson_1 gauge\nrandom_poisson_1{r_job=\"j\"} 3\n", 1000) +
		"# TYPE rexporter_job_up gauge\nrexporter_job_up{r_job=\"j\"} 1\n"
	page := selfPage + user
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, page) }))
	t.Cleanup(srv.Close)
	tests := map[string]struct {
		mode      scrapeMode
		wantBytes int
		wantKept  int
	}{
		"full keeps the page":                 {scrapeFull, len(page), len(page)},
		"stream reads the page, keeps a head": {scrapeStream, len(page), len(selfPage)},
		"head reads the head only":            {scrapeHead, len(selfPage), len(selfPage)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sc := newScraper(srv.URL)
			sc.mode = tc.mode
			for range 2 { // the second over a new or kept-alive connection
				s, err := sc.scrape(t.Context(), acceptText)
				if err != nil {
					t.Fatal(err)
				}
				if s.bytes != tc.wantBytes || sc.body.Len() != tc.wantKept {
					t.Errorf("bytes %d, kept %d; want %d, %d", s.bytes, sc.body.Len(), tc.wantBytes, tc.wantKept)
				}
				if s.messages != 1000 || s.parseErrors != 2 || s.series != 77 || s.refused != 34 {
					t.Errorf("counters %+v", s)
				}
			}
		})
	}
}

func TestIsUserFamily(t *testing.T) {
	tests := map[string]bool{
		"# HELP random_poisson_1 x\n":                             true,
		"# TYPE foo_values histogram\n":                           true,
		"# HELP rexporter_series Series.\n":                       false,
		"# TYPE go_goroutines gauge\n":                            false,
		"# TYPE process_cpu_seconds_total counter\n":              false,
		"# TYPE promhttp_metric_handler_requests_total counter\n": false,
		"random_poisson_1 3\n":                                    false,
		"# EOF\n":                                                 false,
	}
	for line, want := range tests {
		if got := isUserFamily([]byte(line)); got != want {
			t.Errorf("%q: %v, want %v", line, got, want)
		}
	}
}

func TestSamplesLabels(t *testing.T) {
	var got []string
	for labels, v := range samples([]byte(selfPage), "rexporter_rejected_names_total") {
		got = append(got, fmt.Sprintf("%s=%v", labels, v))
	}
	want := `{reason="max_series"}=30 {reason="max_series_per_job"}=4 {reason="reserved"}=500`
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}
