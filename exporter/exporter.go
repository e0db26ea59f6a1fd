package exporter

import (
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/parser"
)

// Options configure an Exporter. The zero value of each field means its default.
type Options struct {
	// MaxSeries caps the number of R names; new names beyond it are rejected
	// and counted. Default 10,000.
	MaxSeries int
	// Namespace is an optional prefix for every user metric ("r" gives
	// r_random_poisson).
	Namespace string
	// Buckets are the classic histogram buckets. Default DefaultBuckets.
	Buckets []float64
	// Echo, when set, receives every message as a line, like the blog's server.R.
	Echo io.Writer
	// MaxJobs bounds the distinct job names known at once (running, or
	// ended and retained), not counting "unnamed". A connection naming a new
	// job beyond it stays unnamed. Default DefaultMaxJobs.
	MaxJobs int
	// JobRetention is how long an ended job and its series stay visible.
	// Default DefaultJobRetention.
	JobRetention time.Duration
}

// DefaultMaxSeries is the default of Options.MaxSeries.
const DefaultMaxSeries = 10000

// rejectLogInterval is how often a kind of rejected name may be logged.
const rejectLogInterval = time.Minute

var namespaceRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Exporter turns parsed messages into metrics. It implements
// prometheus.Collector for the user's metrics; sessions feed it.
type Exporter struct {
	opts   Options
	self   *selfMetrics
	logger *slog.Logger
	now    func() time.Time

	mu       sync.RWMutex
	names    map[string]*series // seriesKey(job, raw R name) -> its series
	fams     map[string]*family // raw R name -> the family it owns
	taken    map[string]*family // every family and sample name -> the family using it
	list     []*series          // in creation order, for scraping
	jobs     map[string]*job    // job name -> job
	jobDescs jobDescs
	// lastLogged rate-limits the warning per reject reason.
	lastLogged map[string]time.Time

	echoMu  sync.Mutex
	echoBuf []byte
}

// New creates an Exporter. Its user metrics are registered with metrics and its
// self-metrics with self (keep them apart, node_exporter style, so the user's
// metrics never mix with the exporter's own).
func New(opts Options, metrics, self prometheus.Registerer, logger *slog.Logger, now func() time.Time) (*Exporter, error) {
	if opts.MaxSeries <= 0 {
		opts.MaxSeries = DefaultMaxSeries
	}
	if opts.MaxJobs <= 0 {
		opts.MaxJobs = DefaultMaxJobs
	}
	if opts.JobRetention <= 0 {
		opts.JobRetention = DefaultJobRetention
	}
	if opts.Buckets == nil {
		opts.Buckets = DefaultBuckets
	}
	if opts.Namespace != "" && !namespaceRE.MatchString(opts.Namespace) {
		return nil, fmt.Errorf("namespace %q is not a valid metric name prefix", opts.Namespace)
	}
	if f := familiesFor(opts.Namespace, "x"); f.reserved() {
		return nil, fmt.Errorf("namespace %q would shadow the exporter's own metrics", opts.Namespace)
	}
	e := &Exporter{
		opts:       opts,
		self:       newSelfMetrics(self, opts.MaxSeries),
		logger:     logger,
		now:        now,
		names:      map[string]*series{},
		fams:       map[string]*family{},
		taken:      map[string]*family{},
		jobs:       map[string]*job{},
		jobDescs:   newJobDescs(),
		lastLogged: map[string]time.Time{},
	}
	if err := metrics.Register(e); err != nil {
		return nil, fmt.Errorf("register user metrics: %w", err)
	}
	return e, nil
}

// Describe implements prometheus.Collector. It sends nothing: the set of user
// metrics changes at run time, so the collector is unchecked, and the
// exporter itself guarantees that no two names produce the same metric.
func (e *Exporter) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector. Expired jobs are forgotten here,
// so they vanish from the very scrape that follows their retention.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	e.expireJobs(e.now())
	e.collectJobs(ch)
	list := make([]*series, len(e.list))
	copy(list, e.list)
	e.mu.Unlock()
	// Scraping works on a copy of the list so that a slow scrape never holds
	// the lock that a new name needs.
	for _, s := range list {
		s.collect(ch)
	}
}

// seriesKey identifies the series of one R name from one job.
func seriesKey(job string, raw []byte) string {
	return job + "\x00" + string(raw)
}

// lookup returns the series for a raw R name sent by a job ("" for unnamed
// connections), creating it if it is new, or the reason it cannot have one.
func (e *Exporter) lookup(j *job, seriesJob string, raw []byte) (*series, string) {
	key := seriesKey(seriesJob, raw)
	e.mu.RLock()
	s := e.names[key]
	e.mu.RUnlock()
	if s != nil {
		return s, ""
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.names[key]; s != nil {
		return s, ""
	}
	fam := e.fams[string(raw)]
	if fam == nil {
		display := parser.DisplayName(raw)
		f := familiesFor(e.opts.Namespace, parser.MetricName(raw))
		if reason, other := e.refuse(f); reason != "" {
			e.logRejected(reason, display, f.gauge, other)
			return nil, reason
		}
		fam = newFamily(string(raw), display, f)
		e.fams[fam.raw] = fam
		for _, n := range f.names() {
			e.taken[n] = fam
		}
	}
	if len(e.list) >= e.opts.MaxSeries {
		e.logRejected(reasonMaxSeries, parser.DisplayName(raw), fam.families.gauge, "")
		return nil, reasonMaxSeries
	}
	s = newSeries(fam, seriesJob, e.opts.Buckets)
	fam.refs++
	e.names[key] = s
	e.list = append(e.list, s)
	j.series = append(j.series, s)
	e.self.series.Set(float64(len(e.list)))
	return s, ""
}

// refuse says why f cannot be created, and which R name is in the way. It is
// called with e.mu held. First come, first served: the order in which names
// arrive decides who owns a metric name, and the loser is counted and logged
// with both R names. A name keeps its metric name until all its series have
// expired with their jobs.
func (e *Exporter) refuse(f families) (reason, other string) {
	if f.reserved() {
		return reasonReserved, ""
	}
	for _, n := range f.names() {
		if owner := e.taken[n]; owner != nil {
			if owner.families.gauge == f.gauge {
				return reasonCollision, owner.raw
			}
			return reasonClash, owner.raw
		}
	}
	if len(e.list) >= e.opts.MaxSeries {
		return reasonMaxSeries, ""
	}
	return "", ""
}

// logRejected warns about a refused name at most once a minute per reason;
// every refusal is counted regardless.
func (e *Exporter) logRejected(reason, display, metric, other string) {
	now := e.now()
	if last, ok := e.lastLogged[reason]; ok && now.Sub(last) < rejectLogInterval {
		return
	}
	e.lastLogged[reason] = now
	args := []any{"reason", reason, "r_name", display, "metric", metric}
	if other != "" {
		args = append(args, "taken_by", parser.DisplayName([]byte(other)))
	}
	if reason == reasonMaxSeries {
		args = append(args, "max_series", e.opts.MaxSeries)
	}
	e.logger.Warn("rejected r name (logged at most once a minute per reason)", args...)
}

// echo writes one message as a line to the echo writer.
func (e *Exporter) echo(msg []byte) {
	e.echoMu.Lock()
	defer e.echoMu.Unlock()
	// msg aliases the connection's read buffer: never append to it in place.
	e.echoBuf = append(append(e.echoBuf[:0], msg...), '\n')
	_, _ = e.opts.Echo.Write(e.echoBuf)
}
