package status

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/rexporter/rexporter/exporter"
)

// clock is a fake clock that the sampler goroutine may read.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a real exporter with a page in front of it.
type fixture struct {
	clk  *clock
	exp  *exporter.Exporter
	self *prometheus.Registry
	page *Page
	mux  *http.ServeMux
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{clk: &clock{t: t0}, self: prometheus.NewRegistry()}
	exp, err := exporter.New(exporter.Options{MaxSeries: 50}, prometheus.NewRegistry(), f.self, slog.New(slog.DiscardHandler), f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	f.exp = exp
	opts.Source, opts.Gatherer, opts.Now = exp, f.self, f.clk.Now
	if opts.SampleInterval == 0 {
		opts.SampleInterval = time.Hour // tests sample by hand unless they ask
	}
	if opts.Version == "" {
		opts.Version = "1.2.3"
	}
	f.page, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.page.Close)
	f.mux = http.NewServeMux()
	f.page.Register(f.mux)
	return f
}

func (f *fixture) get(t *testing.T, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func (f *fixture) status(t *testing.T, target string) (Response, string) {
	t.Helper()
	rec := f.get(t, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, rec.Body)
	}
	return r, rec.Body.String()
}

// TestAPIShape sends messages through a real session and checks the JSON
// document field by field, as a client of the endpoint reads it.
func TestAPIShape(t *testing.T) {
	f := newFixture(t, Options{})
	f.status(t, "/api/status") // start watching
	s := f.exp.NewSession(netip.MustParseAddrPort("127.0.0.1:4000"))
	s.Message([]byte("job: fit"))
	s.Message([]byte("[2026-11-25 17:06:16] - Random Poisson: 11, wait: 1500 ms, step: 3/10, phase: fitting model"))
	s.Message([]byte("x: 0,5"))

	_, body := f.status(t, "/api/status")
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for n := range m {
			k = append(k, n)
		}
		slices.Sort(k)
		return k
	}
	wantTop := []string{"exporter", "history", "jobs", "messages", "messages_recorded", "now", "refused", "series", "series_matched", "series_total"}
	if got := keys(doc); !slices.Equal(got, wantTop) {
		t.Errorf("top-level keys %v, want %v", got, wantTop)
	}
	series := doc["series"].([]any)
	if len(series) != 4 {
		t.Fatalf("%d series, want 4:\n%s", len(series), body)
	}
	wantSeries := map[string]string{
		// r_name → the JSON of the fields that do not depend on time
		"Random Poisson": `"id":"random_poisson{r_job=\"fit\"}","r_name":"Random Poisson","metric":"random_poisson","kind":"number","types":["gauge","counter","histogram"],"unit":"","job":"fit","value":"11","messages":1`,
		"wait":           `"id":"wait_seconds{r_job=\"fit\"}","r_name":"wait","metric":"wait_seconds","kind":"number","types":["gauge","counter","histogram"],"unit":"seconds","job":"fit","value":"1.5","messages":1`,
		"step":           `"id":"step{r_job=\"fit\"}","r_name":"step","metric":"step","kind":"progress","types":["gauge"],"unit":"","job":"fit","value":"3","steps":"10","messages":1`,
		"phase":          `"id":"phase{r_job=\"fit\"}","r_name":"phase","metric":"phase","kind":"state","types":["gauge"],"unit":"","job":"fit","value":"","state":"fitting model","messages":1`,
	}
	for name, want := range wantSeries {
		if !strings.Contains(body, "{"+want+`,"messages_per_second":`) {
			t.Errorf("series %q: want %s in\n%s", name, want, body)
		}
	}
	if !strings.Contains(body, `"updated":"2026-11-25T17:06:16Z","history":[]`) {
		t.Errorf("updated and history missing:\n%s", body)
	}

	r, _ := f.status(t, "/api/status")
	if r.SeriesTotal != 4 || r.SeriesMatched != 4 || r.Exporter.Series != 4 || r.Exporter.MaxSeries != 50 ||
		r.Exporter.Jobs != 1 || !r.Exporter.Ready || r.Exporter.Version != "1.2.3" {
		t.Errorf("counts and health: %+v", r.Exporter)
	}
	if m, ok := r.Exporter.Metrics["rexporter_messages_total"]; !ok || m.Value != 2 {
		t.Errorf("rexporter_messages_total %+v, want 2 from the self registry", m)
	}
	if m := r.Exporter.Metrics["rexporter_parse_errors_total"]; m.Value != 1 {
		t.Errorf("rexporter_parse_errors_total %+v, want 1", m)
	}
	if len(r.Jobs) != 1 || r.Jobs[0].Name != "fit" || r.Jobs[0].State != "running" || r.Jobs[0].Connections != 1 ||
		r.Jobs[0].Messages != 2 || r.Jobs[0].End != nil || r.Jobs[0].LastMessage == nil {
		t.Errorf("jobs %+v", r.Jobs)
	}
	if len(r.Messages) != 3 || r.Messages[0].Outcome != "decimal_comma" || r.Messages[0].Error == "" ||
		r.Messages[2].Text != "job: fit" || r.Messages[2].Remote != "127.0.0.1:4000" {
		t.Errorf("messages %+v", r.Messages)
	}
	if r.History.Points != DefaultHistoryPoints || r.History.IntervalSeconds != 3600 || r.History.Since == nil {
		t.Errorf("history %+v", r.History)
	}
}

func TestAPIQuery(t *testing.T) {
	f := newFixture(t, Options{SeriesLimit: 2})
	s := f.exp.NewSession(netip.AddrPort{})
	s.Message([]byte("loss train: 1, loss test: 2, accuracy: 3, epoch: 4"))
	tests := map[string]struct {
		target        string
		names         []string
		matched, code int
	}{
		"default limit, sorted by R name": {target: "/api/status", names: []string{"accuracy", "epoch"}, matched: 4},
		"higher limit":                    {target: "/api/status?limit=10", names: []string{"accuracy", "epoch", "loss test", "loss train"}, matched: 4},
		"filter, case-insensitive":        {target: "/api/status?q=LOSS", names: []string{"loss test", "loss train"}, matched: 2},
		"filter on the metric name":       {target: "/api/status?q=loss_te", names: []string{"loss test"}, matched: 1},
		"no match":                        {target: "/api/status?q=nothing", names: nil, matched: 0},
		"bad limit":                       {target: "/api/status?limit=-1", code: http.StatusBadRequest},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.code != 0 {
				if rec := f.get(t, tc.target); rec.Code != tc.code {
					t.Errorf("status %d, want %d", rec.Code, tc.code)
				}
				return
			}
			r, _ := f.status(t, tc.target)
			var names []string
			for _, s := range r.Series {
				names = append(names, s.RName)
			}
			if !slices.Equal(names, tc.names) || r.SeriesMatched != tc.matched || r.SeriesTotal != 4 {
				t.Errorf("series %q (%d matched of %d), want %q (%d of 4)", names, r.SeriesMatched, r.SeriesTotal, tc.names, tc.matched)
			}
		})
	}
}

// TestWatched checks that messages are recorded only while someone watches,
// and that the sampler stops, drops the history and switches the tap off
// once no one has asked for WatchTimeout.
func TestWatched(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	f := newFixture(t, Options{SampleInterval: 5 * time.Millisecond, WatchTimeout: 30 * time.Second})
	s := f.exp.NewSession(netip.AddrPort{})
	s.Message([]byte("before: 1"))
	if f.page.Watched() {
		t.Fatal("watched before any request")
	}
	if rec := f.get(t, "/"); rec.Code != http.StatusOK || f.page.Watched() {
		t.Fatalf("the page itself (%d) must not count as watching", rec.Code)
	}

	r, _ := f.status(t, "/api/status")
	if !f.page.Watched() || len(r.Messages) != 0 {
		t.Fatalf("after a request: watched %v, messages %+v (want none from before)", f.page.Watched(), r.Messages)
	}
	s.Message([]byte("during: 2"))
	waitFor(t, "history of the series", func() bool { return len(f.page.hist.Values(`during{r_job="local"}`)) >= 2 })
	r, _ = f.status(t, "/api/status")
	if len(r.Messages) != 1 || r.Messages[0].Text != "during: 2" {
		t.Errorf("messages while watched %+v, want only during: 2", r.Messages)
	}

	f.clk.Advance(29 * time.Second)
	f.status(t, "/api/status") // keeps it watched
	f.clk.Advance(29 * time.Second)
	time.Sleep(20 * time.Millisecond) // several ticks: still within the timeout
	if !f.page.Watched() {
		t.Fatal("stopped although asked 29 s ago")
	}
	f.clk.Advance(2 * time.Second)
	waitFor(t, "the sampler to stop", func() bool { return !f.page.Watched() })
	if n := f.page.hist.Len(); n != 0 {
		t.Errorf("history holds %d tracks after the watch ended", n)
	}
	s.Message([]byte("after: 3"))
	if msgs, total := f.page.ring.Messages(); total != 1 || len(msgs) != 1 {
		t.Errorf("the ring recorded %d messages in all, want only the one sent while watched", total)
	}
	f.page.Close()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// TestHostileText sends markup wherever the sender controls text and checks
// that it never reaches the page as markup: the JSON escapes it, the page's
// script only ever sets text, and a content security policy forbids inline
// script anyway. (The browser test in e2e shows it as text.)
func TestHostileText(t *testing.T) {
	f := newFixture(t, Options{TelemetryPath: `/m"><script>alert(1)</script>`})
	f.status(t, "/api/status")
	s := f.exp.NewSession(netip.AddrPort{})
	s.Message([]byte("<script>alert(1)</script>: 1"))
	s.Message([]byte("phase: fitting <img src=x onerror=alert(1)>"))
	s.Message([]byte("é<b>: 1"))
	_, body := f.status(t, "/api/status")
	if strings.ContainsAny(body, "<>") {
		t.Errorf("JSON carries raw < or >:\n%s", body)
	}
	if !strings.Contains(body, `\u003cscript\u003ealert(1)\u003c/script\u003e: 1`) {
		t.Errorf("the hostile message is missing from the JSON:\n%s", body)
	}

	rec := f.get(t, "/")
	page := rec.Body.String()
	if strings.Contains(page, "<script>alert") {
		t.Errorf("the telemetry path reached the page unescaped:\n%s", page)
	}
	for _, target := range []string{"/", "/api/status", "/static/status.js"} {
		csp := f.get(t, target).Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q", target, csp)
		}
	}

	js, err := fs.ReadFile(files, "static/status.js")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`).Find(js); m != nil {
		t.Errorf("status.js uses %s: data must only ever be set as text", m)
	}
}

// TestIndex checks the page's static parts: links, version, real table
// headers, and the embedded assets it loads.
func TestIndex(t *testing.T) {
	f := newFixture(t, Options{TelemetryPath: "/custom-metrics"})
	rec := f.get(t, "/")
	page := rec.Body.String()
	for _, want := range []string{
		`<a href="/custom-metrics">Metrics</a>`, `<a href="/-/healthy">Health</a>`, `<a href="/-/ready">Readiness</a>`,
		"Version 1.2.3", `<html lang="en">`, `<meta name="viewport"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(page, `<th scope="col"`); n != 24 {
		t.Errorf("%d column headers, want 24", n)
	}
	for _, asset := range []string{"static/status.js", "static/status.css"} {
		if !strings.Contains(page, `"`+asset+`"`) {
			t.Errorf("page does not load %s", asset)
		}
		rec := f.get(t, "/"+asset)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusOK || len(body) < 1000 {
			t.Errorf("/%s: %d, %d bytes", asset, rec.Code, len(body))
		}
	}
	if rec := f.get(t, "/nothing"); rec.Code != http.StatusNotFound {
		t.Errorf("/nothing: %d, want 404", rec.Code)
	}
	if rec := f.get(t, "/static/"); rec.Code != http.StatusNotFound {
		t.Errorf("/static/: %d, want 404 rather than a listing", rec.Code)
	}
}

// TestRefusedListed checks that /api/status lists what was dropped, with
// its reason, although no one watched when it was dropped.
func TestRefusedListed(t *testing.T) {
	f := newFixture(t, Options{})
	s := f.exp.NewSession(netip.MustParseAddrPort("10.0.0.1:7"))
	s.Message([]byte("job: fit"))
	s.Message([]byte("hello world"))
	r, _ := f.status(t, "/api/status")
	if len(r.Refused) != 1 {
		t.Fatalf("refused %+v, want one", r.Refused)
	}
	if got := r.Refused[0]; got.Reason != "no_fields" || got.Text != "hello world" || got.Job != "fit" ||
		got.Remote != "10.0.0.1:7" || got.Field != "" || got.Error == "" {
		t.Errorf("refused %+v", got)
	}
}
