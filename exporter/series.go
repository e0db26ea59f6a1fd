package exporter

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/exporter/internal/textfmt"
	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

// series is the state of one metric for one label set (the mapping's label
// values and, for a named job, r_job). Number updates are lock-free; the
// collector reads the state at scrape time.
type series struct {
	// key is the Exporter.names key: seriesKey(r_job, raw R name). A key
	// that fits is kept in keyBuf, so that the name table's compare (see
	// isName) reads this cache line and not another object's.
	key    string
	keyBuf [inlineKeyBytes]byte

	// What the update path needs of the metric and the mapping, copied so
	// that an update touches this struct and not those: the metric's kind,
	// unit and counter, and the units conversions of the R name's mapping.
	kind    valueKind
	unit    parser.Unit
	units   mapping.Units
	counter bool
	mode    mapping.CounterMode

	m      *metric
	b      *binding // the R name that created it (nil for an overflow series)
	job    *job     // the job it belongs to (nil for an overflow series)
	hash   uint64   // for the name table
	labels []string // label values in the order of the descs' label names
	d      *descs

	// For Expose: the label values in label name order (what samples are
	// sorted by), and the labels rendered as the exposition writes them.
	sortKey  []string
	rendered string

	updated atomic.Int64  // Unix nanoseconds of the last update, for the TTL
	applied atomic.Uint64 // fields applied to it, for the status page's messages per second
	last    atomic.Uint64 // float64 bits: the gauge, or the done count of a progress
	steps   atomic.Uint64 // float64 bits: the steps of a progress
	count   atomic.Uint64 // float64 bits of the counter
	hist    *histogram

	mu sync.Mutex // for counter totals, states, and the order of gauge updates
	// stamp is the receive stamp (see Session.stamp) of the update that set
	// the gauge, progress or state: an update stamped earlier, applied late
	// because its connection's goroutine ran late, does not overwrite it.
	// Guarded by mu, but for a number series with a histogram by the
	// histogram's lock (see applyNumbers).
	stamp     int64
	lastTotal float64
	states    []string // in order of first appearance, at most MaxStates + 1
	current   int

	dead bool // removed from the exporter; guarded by Exporter.mu
}

// inlineKeyBytes is the longest key kept inside its series: r_job, a NUL
// and the R name ("127.0.0.1#2" and a 36-byte name).
const inlineKeyBytes = 48

func newSeries(m *metric, b *binding, j *job, key string, labels []string, withJob bool) *series {
	s := &series{m: m, b: b, job: j, labels: labels,
		kind: m.kind, unit: m.unit, units: m.mp.Units, counter: m.mp.Counter, mode: m.mp.CounterMode}
	s.setKey(key)
	if b != nil {
		s.units = b.mp.Units
	}
	if withJob {
		s.d = m.jobDescs()
	} else {
		s.d = m.plainDescs()
	}
	if len(labels) <= 1 {
		// Sorted already (most series: r_job alone), and label lists are
		// never changed, so the key is the labels themselves.
		s.sortKey = labels
		s.rendered = textfmt.Labels(s.d.labelNames, labels)
	} else {
		names := slices.Clone(s.d.labelNames)
		s.sortKey = slices.Clone(labels)
		sortLabels(names, s.sortKey)
		s.rendered = textfmt.Labels(names, s.sortKey)
	}
	if s.d.has[famHist] {
		s.hist = newHistogram(nil, s.d, labels, m.mp.Buckets, m.mp.NativeFactor, m.mp.NativeMaxBuckets)
	}
	return s
}

// setKey sets the series' key, inside the series when it fits. A series is
// never copied (only pointers to it are), so its key may point into it.
func (s *series) setKey(key string) {
	if len(key) == 0 || len(key) > len(s.keyBuf) {
		s.key = key
		return
	}
	s.key = unsafe.String(&s.keyBuf[0], copy(s.keyBuf[:], key))
}

// addFloat adds d to a float64 stored as bits.
func addFloat(a *atomic.Uint64, d float64) {
	for {
		old := a.Load()
		if a.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// checkNumber says whether a number is finite, and refuses it (with a
// reason) when the series' counter adds values and v is negative, NaN or
// infinite. NaN and ±Inf otherwise set the gauge (R really sent them) but
// stay out of the histogram, whose sum they would poison forever.
func (s *series) checkNumber(v float64) (finite bool, refused string) {
	finite = !math.IsNaN(v) && !math.IsInf(v, 0)
	if s.counter && s.mode != mapping.CounterMessages && (!finite || v < 0) {
		return finite, reasonBadIncrement
	}
	return finite, ""
}

// applyNumbers applies checked numbers, in the order they came, received
// with stamp: the gauge takes the last unless a later stamp set it already,
// the counter and the histogram take all of them. A run of one connection's
// values for one series is applied at once, so that a counter and a
// histogram that every connection updates are written once per read rather
// than once per message.
func (s *series) applyNumbers(vs []float64, stamp int64) {
	if s.counter {
		switch s.mode {
		case mapping.CounterMessages:
			addFloat(&s.count, float64(len(vs)))
		case mapping.CounterIncrement:
			sum := 0.0
			for _, v := range vs {
				sum += v
			}
			addFloat(&s.count, sum)
		case mapping.CounterTotal:
			s.mu.Lock()
			for _, v := range vs {
				if v >= s.lastTotal {
					addFloat(&s.count, v-s.lastTotal)
				} else {
					addFloat(&s.count, v) // the total was reset: count from zero again
				}
				s.lastTotal = v
			}
			s.mu.Unlock()
		}
	}
	// The histogram's lock also orders the gauge, so that the usual series
	// (gauge, counter, histogram) takes one lock per run.
	if h := s.hist; h != nil {
		h.mu.Lock()
		h.observeLocked(vs)
		s.setLast(vs[len(vs)-1], stamp)
		h.mu.Unlock()
		return
	}
	s.mu.Lock()
	s.setLast(vs[len(vs)-1], stamp)
	s.mu.Unlock()
}

// setLast sets the gauge to v unless a later stamp set it already. Called
// with the histogram's lock held, or mu for a series without one.
func (s *series) setLast(v float64, stamp int64) {
	if stamp >= s.stamp {
		s.stamp = stamp
		s.last.Store(math.Float64bits(v))
	}
}

// observeProgress applies done out of steps, received with stamp.
func (s *series) observeProgress(done, steps float64, stamp int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stamp < s.stamp {
		return
	}
	s.stamp = stamp
	s.last.Store(math.Float64bits(done))
	s.steps.Store(math.Float64bits(steps))
}

// observeState makes text the current state. Beyond MaxStates distinct
// states, new ones fold into otherState so the label set stays bounded.
// A state that is not valid UTF-8 is latin1, decoded like a name: it becomes
// a label value, which must be UTF-8.
func (s *series) observeState(text []byte, stamp int64) (folded bool) {
	if !utf8.Valid(text) {
		text = []byte(parser.DisplayName(text))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if stamp < s.stamp {
		return false // a later state is current already
	}
	s.stamp = stamp
	for i, st := range s.states {
		if st == string(text) {
			s.current = i
			return false
		}
	}
	if len(s.states) < s.m.mp.MaxStates {
		s.states = append(s.states, string(text))
		s.current = len(s.states) - 1
		return false
	}
	for i, st := range s.states {
		if st == otherState {
			s.current = i
			return true
		}
	}
	s.states = append(s.states, otherState)
	s.current = len(s.states) - 1
	return true
}

// isOverflow reports whether this is a metric's overflow series.
func (s *series) isOverflow() bool { return s.b == nil }

// isName reports whether the series is the one of raw from the job whose
// r_job value is job, without building its key.
func (s *series) isName(job string, raw []byte) bool {
	k := s.key
	return len(k) == len(job)+1+len(raw) && k[len(job)] == 0 && k[:len(job)] == job && k[len(job)+1:] == string(raw)
}

// ratio is the share of a progress' steps done, NaN while it has no steps.
func (s *series) ratio() float64 {
	steps := math.Float64frombits(s.steps.Load())
	if steps > 0 {
		return math.Float64frombits(s.last.Load()) / steps
	}
	return math.NaN()
}

// stateSnapshot returns a state series' states (a copy) and the index of
// the current one.
func (s *series) stateSnapshot() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.states), s.current
}

// collect sends the series' metrics.
func (s *series) collect(ch chan<- prometheus.Metric) {
	d := s.d
	last := math.Float64frombits(s.last.Load())
	switch s.m.kind {
	case kindProgress:
		ch <- prometheus.MustNewConstMetric(d.get(famDone), prometheus.GaugeValue, last, s.labels...)
		ch <- prometheus.MustNewConstMetric(d.get(famSteps), prometheus.GaugeValue, math.Float64frombits(s.steps.Load()), s.labels...)
		ch <- prometheus.MustNewConstMetric(d.get(famRatio), prometheus.GaugeValue, s.ratio(), s.labels...)
	case kindState:
		states, current := s.stateSnapshot()
		for i, st := range states {
			ch <- prometheus.MustNewConstMetric(d.get(famState), prometheus.GaugeValue, boolFloat(i == current),
				append(s.labels[:len(s.labels):len(s.labels)], st)...)
		}
	default:
		if d.has[famGauge] {
			ch <- prometheus.MustNewConstMetric(d.get(famGauge), prometheus.GaugeValue, last, s.labels...)
		}
		if d.has[famCounter] {
			ch <- prometheus.MustNewConstMetric(d.get(famCounter), prometheus.CounterValue, math.Float64frombits(s.count.Load()), s.labels...)
		}
		if s.hist != nil {
			ch <- s.hist
		}
	}
}
