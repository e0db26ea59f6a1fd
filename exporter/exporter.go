package exporter

import (
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/mapping"
)

// Options configure an Exporter. The zero value of each field means its default.
type Options struct {
	// Mapper decides how R names become metrics. Default mapping.Default().
	Mapper *mapping.Mapper
	// MaxSeries caps the series across all metrics. Beyond it new series of
	// an existing metric fold into its overflow series, and new metrics are
	// rejected. Default 10,000.
	MaxSeries int
	// Namespace is an optional prefix for every user metric ("r" gives
	// r_random_poisson).
	Namespace string
	// Echo, when set, receives every message as a line, like the blog's server.R.
	Echo io.Writer
	// MaxJobs bounds the distinct jobs known at once (running, or ended
	// and retained), unnamed connections' identities included. A connection
	// that would make a new job beyond it joins the job "_overflow" and the
	// refusal is counted. Default DefaultMaxJobs.
	MaxJobs int
	// MaxSeriesPerJob caps the series of one job, so that a runaway job
	// cannot take every series --max-series allows; the fields it refuses
	// are counted per job. Default half of MaxSeries, but at least 100
	// (or MaxSeries, if smaller).
	MaxSeriesPerJob int
	// JobRetention is how long an ended job and its series stay visible.
	// Default DefaultJobRetention.
	JobRetention time.Duration
	// StallFactor, StallMin and StallMax say when a job that is up but
	// silent is stalled: after StallFactor times its usual gap between
	// messages, at least StallMin and at most StallMax (see stallAfter).
	// Defaults DefaultStallFactor, DefaultStallMin, DefaultStallMax.
	StallFactor        float64
	StallMin, StallMax time.Duration
	// Recognisers, when set, makes the recognisers of a connection (see
	// package recognise): a message that does not parse is offered to them
	// (serve --recognise), so that the output of R packages piped to
	// rexporter gives metrics as under rexporter run.
	Recognisers func() *recognise.Set
}

// DefaultMaxSeries is the default of Options.MaxSeries.
const DefaultMaxSeries = 10000

// rejectLogInterval is how often a kind of rejected name may be logged.
const rejectLogInterval = time.Minute

// nativeHistogramMinReset is how long a native histogram keeps its resolution
// before it may reset to regain it when it has too many buckets.
const nativeHistogramMinReset = time.Hour

var namespaceRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Exporter turns parsed messages into metrics. It implements
// prometheus.Collector for the user's metrics; sessions feed it.
type Exporter struct {
	opts   Options
	self   *selfMetrics
	logger *slog.Logger
	now    func() time.Time

	// gen changes whenever series are removed or the mapping changes, so
	// sessions know to drop their caches.
	gen atomic.Uint64
	// table finds series without the lock; seed hashes names for it.
	table atomic.Pointer[nameTable]
	seed  maphash.Seed
	// tap receives every message while the status page is watched; nil
	// otherwise, so that the hot path pays one atomic load per read (Session.Begin).
	tap atomic.Pointer[tapBox]

	mu       sync.RWMutex
	mapper   *mapping.Mapper
	names    map[string]*series  // seriesKey(job, raw R name) -> its series
	bindings map[string]*binding // raw R name -> how it maps, while it has series
	metrics  map[string]*metric  // base name -> metric
	taken    map[string]*metric  // every family and sample name -> the metric using it
	helps    map[string]string   // raw R name -> its `run: help` text, for metrics made later
	list     []*series           // for scraping
	jobs     map[string]*job     // job name -> job
	// identities are the job names of connections that have not named
	// themselves, while one holds them.
	identities map[string]*identity
	jobFams    []*jobFamily
	// quietUntil rate-limits the warning per reject reason: reason ->
	// *atomic.Int64, the Unix time in ns before which it is not logged
	// again. Lock-free: a flood of names is refused under e.mu's read lock
	// from many connections at once.
	quietUntil sync.Map

	overflowDesc *prometheus.Desc
	exposed      exposed

	drops dropLog
	// tombs keeps expired counters' totals (see tombstones).
	tombs tombstones

	echoMu  sync.Mutex
	echoBuf []byte
}

// New creates an Exporter. Its user metrics are registered with metrics and its
// self-metrics with self (keep them apart, node_exporter style, so the user's
// metrics never mix with the exporter's own).
func New(opts Options, metrics, self prometheus.Registerer, logger *slog.Logger, now func() time.Time) (*Exporter, error) {
	if opts.Mapper == nil {
		opts.Mapper = mapping.Default()
	}
	if opts.MaxSeries <= 0 {
		opts.MaxSeries = DefaultMaxSeries
	}
	if opts.MaxSeriesPerJob <= 0 {
		opts.MaxSeriesPerJob = max(opts.MaxSeries/2, min(opts.MaxSeries, 100))
	}
	if opts.MaxJobs <= 0 {
		opts.MaxJobs = DefaultMaxJobs
	}
	if opts.JobRetention <= 0 {
		opts.JobRetention = DefaultJobRetention
	}
	if opts.StallFactor <= 0 {
		opts.StallFactor = DefaultStallFactor
	}
	if opts.StallMin <= 0 {
		opts.StallMin = DefaultStallMin
	}
	if opts.StallMax <= 0 {
		opts.StallMax = DefaultStallMax
	}
	if opts.Namespace != "" && !namespaceRE.MatchString(opts.Namespace) {
		return nil, fmt.Errorf("namespace %q is not a valid metric name prefix", opts.Namespace)
	}
	if reserved([]string{opts.Namespace + "_x"}) {
		return nil, fmt.Errorf("namespace %q would shadow the exporter's own metrics", opts.Namespace)
	}
	e := &Exporter{
		opts:         opts,
		self:         newSelfMetrics(self, opts.MaxSeries, opts.Recognisers != nil),
		logger:       logger,
		now:          now,
		mapper:       opts.Mapper,
		names:        map[string]*series{},
		bindings:     map[string]*binding{},
		metrics:      map[string]*metric{},
		taken:        map[string]*metric{},
		helps:        map[string]string{},
		jobs:         map[string]*job{},
		identities:   map[string]*identity{},
		jobFams:      newJobFamilies(),
		overflowDesc: prometheus.NewDesc(overflowFamily, overflowHelp, []string{"metric"}, nil),
		seed:         maphash.MakeSeed(),
	}
	e.table.Store(newNameTable(minTableSlots))
	if err := metrics.Register(e); err != nil {
		return nil, fmt.Errorf("register user metrics: %w", err)
	}
	return e, nil
}

// Describe implements prometheus.Collector. It sends nothing: the set of user
// metrics changes at run time, so the collector is unchecked, and the
// exporter itself guarantees that no two names produce the same metric.
func (e *Exporter) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector. Expired series and jobs are
// forgotten here, so they vanish from the very scrape that follows their end.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	e.expire(e.now())
	e.collectJobs(ch)
	list := make([]*series, len(e.list))
	copy(list, e.list)
	for _, m := range e.metrics {
		if m.overflow != nil {
			ch <- prometheus.MustNewConstMetric(e.overflowDesc, prometheus.CounterValue, float64(m.folded.Load()), m.base)
		}
	}
	e.mu.Unlock()
	// Scraping the series works on a copy of the list so that a slow scrape
	// never holds the lock that a new name needs.
	for _, s := range list {
		s.collect(ch)
	}
}

// SetMapper switches to a new mapping, as a reload does. Names whose mapping
// changed lose their series, which are built anew under the new mapping by
// their next values (so changed buckets and types take effect at once; their
// counters restart, which Prometheus handles as a reset). It reports whether
// anything changed.
func (e *Exporter) SetMapper(m *mapping.Mapper) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mapper.Equal(m) {
		e.mapper = m // what Equal leaves out (its recognisers) still changes
		return false
	}
	e.mapper = m
	var gone []*series
	for _, b := range e.bindings {
		if !sameMapping(*b.mp, m.Map(b.display)) {
			gone = append(gone, b.series...)
		}
	}
	e.remove(gone)
	// Overflow series and negative results cached by sessions may depend on
	// the old mapping too.
	e.gen.Add(1)
	return true
}

// Mapper returns the mapping in force.
func (e *Exporter) Mapper() *mapping.Mapper {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.mapper
}

// seriesKey identifies the series of one R name from one job.
func seriesKey(job string, raw []byte) string {
	return job + "\x00" + string(raw)
}

// echo writes one message as a line to the echo writer.
func (e *Exporter) echo(msg []byte) {
	e.echoMu.Lock()
	defer e.echoMu.Unlock()
	// msg aliases the connection's read buffer: never append to it in place.
	e.echoBuf = append(append(e.echoBuf[:0], msg...), '\n')
	_, _ = e.opts.Echo.Write(e.echoBuf)
}
