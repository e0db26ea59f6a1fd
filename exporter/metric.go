package exporter

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

// jobLabel is the label that tells named jobs' series apart. It is not "job":
// Prometheus sets job and instance on every target.
const jobLabel = "r_job"

// stateLabel holds the state of a state metric.
const stateLabel = "state"

// Label values of the series that new series fold into when a cap is hit,
// and of the state that new states fold into.
const (
	overflowValue = "_overflow"
	otherState    = "_other"
)

// metric is one metric base name and its families. Several R names may share
// it when mapping rules give them the same name with different labels.
type metric struct {
	base       string
	kind       valueKind
	unit       parser.Unit
	mp         mapping.Mapping // of the R name that created it
	labelNames []string        // the mapping's label names, sorted
	names      []string        // every family and sample name it occupies
	display    string          // the R name that created it, for HELP texts

	plain, withJob descs // without and with the r_job label

	// Guarded by Exporter.mu:
	live     int                 // series, not counting the overflow one
	owners   map[string]*binding // labelKey of each series -> the R name that owns it
	overflow *series

	folded atomic.Uint64 // updates that went to the overflow series
}

// descs are a metric's descriptors for one label set.
type descs struct {
	gauge, counter            *prometheus.Desc
	done, steps, ratio, state *prometheus.Desc
	constLabels               []string // label names of the histogram's const labels, for building it
}

func newMetric(base string, kind valueKind, unit parser.Unit, mp mapping.Mapping, display string) *metric {
	m := &metric{
		base:    base,
		kind:    kind,
		unit:    unit,
		mp:      mp,
		names:   familyNames(base, kind, mp),
		display: display,
		owners:  map[string]*binding{},
	}
	for _, l := range mp.Labels {
		m.labelNames = append(m.labelNames, l.Name)
	}
	m.plain = m.newDescs(display, m.labelNames)
	m.withJob = m.newDescs(display, append(slices.Clone(m.labelNames), jobLabel))
	return m
}

// help builds a HELP text: the rule's text if any, then the family's meaning,
// which ends with the word that leads to the R name ("Last value of").
func help(mp mapping.Mapping, meaning, display string) string {
	h := meaning + " R name " + quote(display) + "."
	if mp.Help != "" {
		h = strings.TrimSuffix(mp.Help, ".") + ". " + h
	}
	return h
}

func (m *metric) newDescs(display string, labels []string) descs {
	d := descs{constLabels: labels}
	mp := m.mp
	switch m.kind {
	case kindProgress:
		d.done = prometheus.NewDesc(m.base+"_done", help(mp, "Steps done by", display), labels, nil)
		d.steps = prometheus.NewDesc(m.base+"_steps", help(mp, "Steps in all of", display), labels, nil)
		d.ratio = prometheus.NewDesc(m.base+"_ratio", help(mp, "Share of steps done (0 to 1) by", display), labels, nil)
	case kindState:
		d.state = prometheus.NewDesc(m.base, help(mp, "State of", display)+" 1 marks the current state, 0 earlier ones.",
			append(slices.Clone(labels), stateLabel), nil)
	default:
		g, c, _ := mp.FamilyNames(m.base)
		if g != "" {
			d.gauge = prometheus.NewDesc(g, help(mp, "Last value of", display), labels, nil)
		}
		if c != "" {
			meaning := "Messages that carried a value for"
			switch mp.CounterMode {
			case mapping.CounterIncrement:
				meaning = "Sum of the increments sent for"
			case mapping.CounterTotal:
				meaning = "Running total (resets followed) of"
			}
			d.counter = prometheus.NewDesc(c, help(mp, meaning, display), labels, nil)
		}
	}
	return d
}

// compatible reports whether an R name with this mapping, kind and unit can
// add series to m: everything but the label values must agree, or the
// exposition would mix types, buckets or label sets under one name.
func (m *metric) compatible(kind valueKind, unit parser.Unit, mp mapping.Mapping) bool {
	if m.kind != kind || m.unit != unit || len(m.mp.Labels) != len(mp.Labels) {
		return false
	}
	for i, l := range mp.Labels {
		if m.mp.Labels[i].Name != l.Name {
			return false
		}
	}
	a, b := m.mp, mp
	return a.Gauge == b.Gauge && a.Counter == b.Counter && a.Histogram == b.Histogram &&
		a.CounterMode == b.CounterMode && slices.Equal(a.Buckets, b.Buckets) &&
		a.NativeFactor == b.NativeFactor && a.NativeMaxBuckets == b.NativeMaxBuckets &&
		a.Help == b.Help
}

// quote puts an R name in double quotes for HELP texts; the exposition format
// escapes backslashes and newlines itself.
func quote(s string) string { return `"` + s + `"` }
