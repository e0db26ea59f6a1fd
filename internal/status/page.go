// Package status serves rexporter's live status page at / and the JSON
// document behind it at /api/status: every series with its value, rate and
// sparkline, the jobs, the last raw messages with their parse outcome, and
// the exporter's health.
//
// It costs the ingest hot path nothing while no one watches: the exporter's
// message tap is switched on only while /api/status has been requested in
// the last WatchTimeout, and a sampler goroutine that records history runs
// only then. History therefore starts when someone first looks, and is
// dropped when no one has looked for a while.
package status

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/exporter"
)

// Defaults of the Options.
const (
	DefaultSampleInterval = 5 * time.Second
	DefaultHistoryPoints  = 180 // 15 minutes at DefaultSampleInterval
	DefaultWatchTimeout   = 30 * time.Second
	DefaultSeriesLimit    = 500
)

//go:embed index.html static
var files embed.FS

// Source is what the page needs from the exporter: a snapshot of its state
// and a tap on its messages (*exporter.Exporter implements it).
type Source interface {
	Snapshot() exporter.Snapshot
	SetTap(exporter.Tap)
}

// Options configure a Page. Zero values mean the defaults.
type Options struct {
	Source        Source              // required
	Gatherer      prometheus.Gatherer // the exporter's own metrics, for health; optional
	Ready         func() bool         // readiness, as /-/ready answers; nil means ready
	Version       string              // shown on the page
	TelemetryPath string              // where /metrics is served; default /metrics
	Logger        *slog.Logger
	Now           func() time.Time
	// SampleInterval is how often the history records a point while
	// someone watches; HistoryPoints how many it keeps per series.
	SampleInterval time.Duration
	HistoryPoints  int
	// WatchTimeout is how long after the last /api/status request the
	// page still counts as watched.
	WatchTimeout time.Duration
	// SeriesLimit is how many series /api/status returns unless asked for
	// more with ?limit=.
	SeriesLimit int
}

// Page serves the status page. Close stops its sampler.
type Page struct {
	opts    Options
	ring    *Ring
	hist    *History
	index   *template.Template
	static  http.Handler
	started time.Time

	mu           sync.Mutex
	lastRequest  time.Time
	watchedSince time.Time // zero while no one watches
	done         chan struct{}
	quit         chan struct{}
	closed       bool
}

// New builds a page.
func New(opts Options) (*Page, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Ready == nil {
		opts.Ready = func() bool { return true }
	}
	if opts.TelemetryPath == "" {
		opts.TelemetryPath = "/metrics"
	}
	if opts.SampleInterval <= 0 {
		opts.SampleInterval = DefaultSampleInterval
	}
	if opts.HistoryPoints <= 0 {
		opts.HistoryPoints = DefaultHistoryPoints
	}
	if opts.WatchTimeout <= 0 {
		opts.WatchTimeout = DefaultWatchTimeout
	}
	if opts.SeriesLimit <= 0 {
		opts.SeriesLimit = DefaultSeriesLimit
	}
	index, err := template.ParseFS(files, "index.html")
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	return &Page{
		opts:    opts,
		ring:    NewRing(),
		hist:    NewHistory(opts.HistoryPoints),
		index:   index,
		static:  http.StripPrefix("/static/", noListing(http.FileServerFS(static))),
		started: opts.Now(),
		quit:    make(chan struct{}),
	}, nil
}

// Register adds the page's routes to mux: GET / (exactly), GET /api/status
// and GET /static/.
func (p *Page) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", secure(http.HandlerFunc(p.serveIndex)))
	mux.Handle("GET /api/status", secure(http.HandlerFunc(p.serveAPI)))
	mux.Handle("GET /static/", secure(p.static))
}

// Watched reports whether someone requested /api/status recently, so that
// messages are recorded and history sampled.
func (p *Page) Watched() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.watchedSince.IsZero()
}

// Close stops the sampler and the tap. The page keeps serving, as if no
// one watched.
func (p *Page) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.quit)
	done := p.done
	p.mu.Unlock()
	if done != nil {
		<-done
	}
	p.opts.Source.SetTap(nil)
}

// watch notes a request for the data; the first one after a quiet spell
// switches the tap on and starts the sampler.
func (p *Page) watch(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastRequest = now
	if !p.watchedSince.IsZero() || p.closed {
		return
	}
	p.watchedSince = now
	p.opts.Source.SetTap(p.ring)
	p.done = make(chan struct{})
	go p.sampler(p.done)
	p.opts.Logger.Debug("status page watched: recording messages and history")
}

// sampler records a history point every SampleInterval until no one has
// watched for WatchTimeout or the page is closed.
func (p *Page) sampler(done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(p.opts.SampleInterval)
	defer tick.Stop()
	for {
		p.sample()
		select {
		case <-p.quit:
			return
		case <-tick.C:
		}
		if p.unwatch() {
			return
		}
	}
}

// sample records one history point.
func (p *Page) sample() {
	snap := p.opts.Source.Snapshot()
	p.hist.Add(Sample{
		Time:   snap.Time,
		Series: snap.Series,
		Jobs:   snap.Jobs,
		Totals: counters(gatherHealth(p.opts.Gatherer)),
	})
}

// unwatch switches the tap off and forgets the history once no one has
// watched for WatchTimeout; it reports whether it did.
func (p *Page) unwatch() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opts.Now().Sub(p.lastRequest) < p.opts.WatchTimeout {
		return false
	}
	p.watchedSince = time.Time{}
	p.opts.Source.SetTap(nil)
	p.hist.Clear()
	p.opts.Logger.Debug("status page no longer watched: history dropped")
	return true
}

// secure adds headers that keep the page's data from ever running as code:
// only the page's own script and styles may load.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
			"connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// noListing answers 404 for directories rather than listing them.
func noListing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
