package exporter

import (
	"math"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

// series is the state of one metric for one label set (the mapping's label
// values and, for a named job, r_job). Number updates are lock-free; the
// collector reads the state at scrape time.
type series struct {
	m      *metric
	b      *binding // the R name that created it (nil for an overflow series)
	job    *job     // the job it belongs to (nil for an overflow series)
	key    string   // Exporter.names key
	labels []string // label values in the order of the descs' label names
	d      *descs

	updated atomic.Int64  // Unix nanoseconds of the last update, for the TTL
	applied atomic.Uint64 // fields applied to it, for the status page's messages per second
	last    atomic.Uint64 // float64 bits: the gauge, or the done count of a progress
	steps   atomic.Uint64 // float64 bits: the steps of a progress
	count   atomic.Uint64 // float64 bits of the counter
	hist    prometheus.Histogram

	mu        sync.Mutex // for counter totals and states
	lastTotal float64
	states    []string // in order of first appearance, at most MaxStates + 1
	current   int

	dead bool // removed from the exporter; guarded by Exporter.mu
}

func newSeries(m *metric, b *binding, j *job, key string, labels []string, withJob bool) *series {
	s := &series{m: m, b: b, job: j, key: key, labels: labels, d: &m.plain}
	if withJob {
		s.d = &m.withJob
	}
	if m.kind == kindNumber && m.mp.Histogram {
		constLabels := prometheus.Labels{}
		for i, n := range s.d.constLabels {
			constLabels[n] = labels[i]
		}
		s.hist = prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:                            m.base + "_values",
			Help:                            help(m.mp, "Distribution of the finite values of", m.display),
			ConstLabels:                     constLabels,
			Buckets:                         m.mp.Buckets,
			NativeHistogramBucketFactor:     m.mp.NativeFactor,
			NativeHistogramMaxBucketNumber:  m.mp.NativeMaxBuckets,
			NativeHistogramMinResetDuration: nativeHistogramMinReset,
		})
	}
	return s
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

// observeNumber applies a number. NaN and ±Inf set the gauge (R really sent
// them) but would poison a histogram's sum forever, so they stay out of it;
// an increment must be a finite number >= 0. It returns a reason when the
// value was refused.
func (s *series) observeNumber(v float64) (finite bool, refused string) {
	finite = !math.IsNaN(v) && !math.IsInf(v, 0)
	mp := &s.m.mp
	if mp.Counter {
		switch mp.CounterMode {
		case mapping.CounterMessages:
			addFloat(&s.count, 1)
		case mapping.CounterIncrement:
			if !finite || v < 0 {
				return finite, reasonBadIncrement
			}
			addFloat(&s.count, v)
		case mapping.CounterTotal:
			if !finite || v < 0 {
				return finite, reasonBadIncrement
			}
			s.mu.Lock()
			if v >= s.lastTotal {
				addFloat(&s.count, v-s.lastTotal)
			} else {
				addFloat(&s.count, v) // the total was reset: count from zero again
			}
			s.lastTotal = v
			s.mu.Unlock()
		}
	}
	s.last.Store(math.Float64bits(v))
	if finite && s.hist != nil {
		s.hist.Observe(v)
	}
	return finite, ""
}

// observeProgress applies done out of steps.
func (s *series) observeProgress(done, steps float64) {
	s.last.Store(math.Float64bits(done))
	s.steps.Store(math.Float64bits(steps))
}

// observeState makes text the current state. Beyond MaxStates distinct
// states, new ones fold into otherState so the label set stays bounded.
// A state that is not valid UTF-8 is latin1, decoded like a name: it becomes
// a label value, which must be UTF-8.
func (s *series) observeState(text []byte) (folded bool) {
	if !utf8.Valid(text) {
		text = []byte(parser.DisplayName(text))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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

// collect sends the series' metrics.
func (s *series) collect(ch chan<- prometheus.Metric) {
	d := s.d
	last := math.Float64frombits(s.last.Load())
	switch s.m.kind {
	case kindProgress:
		steps := math.Float64frombits(s.steps.Load())
		ratio := math.NaN()
		if steps > 0 {
			ratio = last / steps
		}
		ch <- prometheus.MustNewConstMetric(d.done, prometheus.GaugeValue, last, s.labels...)
		ch <- prometheus.MustNewConstMetric(d.steps, prometheus.GaugeValue, steps, s.labels...)
		ch <- prometheus.MustNewConstMetric(d.ratio, prometheus.GaugeValue, ratio, s.labels...)
	case kindState:
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, st := range s.states {
			v := 0.0
			if i == s.current {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(d.state, prometheus.GaugeValue, v, append(s.labels[:len(s.labels):len(s.labels)], st)...)
		}
	default:
		if d.gauge != nil {
			ch <- prometheus.MustNewConstMetric(d.gauge, prometheus.GaugeValue, last, s.labels...)
		}
		if d.counter != nil {
			ch <- prometheus.MustNewConstMetric(d.counter, prometheus.CounterValue, math.Float64frombits(s.count.Load()), s.labels...)
		}
		if s.hist != nil {
			ch <- s.hist
		}
	}
}
