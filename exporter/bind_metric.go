package exporter

import (
	"cmp"
	"slices"
	"strings"
	"sync"
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

// valueKind is what kind of values a metric holds; the first value of an R
// name decides it.
type valueKind uint8

const (
	kindNumber   valueKind = iota // gauge, counter, histogram
	kindProgress                  // done, steps, ratio
	kindState                     // one series per state, the current one at 1
)

func (k valueKind) String() string {
	return [...]string{"number", "progress", "state"}[k]
}

// kindOf maps a parsed value to the kind of metric it needs.
func kindOf(k parser.ValueKind) valueKind {
	switch k {
	case parser.ValueProgress:
		return kindProgress
	case parser.ValueState:
		return kindState
	}
	return kindNumber
}

// metric is one metric base name and its families. Several R names may share
// it when mapping rules give them the same name with different labels.
type metric struct {
	base       string
	kind       valueKind
	unit       parser.Unit
	mp         *mapping.Mapping // of the R name that created it (its binding's)
	labelNames []string         // the mapping's label names, sorted
	names      []string         // its names in Exporter.taken: every family and sample name but a histogram's samples (see takenName)
	display    string           // the R name that created it, for HELP texts
	described  string           // its `run: help` text when it was made, for HELP texts

	families []family // sorted by name
	// plain and withJob are the descriptors without and with the r_job
	// label, each made for the first series that needs it: series of jobs
	// (all but a few) need only withJob, and three descriptors cost about
	// 0.5 kB, an eighth of a new name's memory. Guarded by Exporter.mu.
	plain, withJob *descs

	// Guarded by Exporter.mu:
	live     int    // series, not counting the overflow one
	owners   owners // labelKey of each series -> the R name that owns it
	overflow *series

	folded atomic.Uint64 // updates that went to the overflow series
}

// famKind names one of the families a metric can have.
type famKind uint8

const (
	famGauge famKind = iota
	famCounter
	famHist
	famDone
	famSteps
	famRatio
	famState
	famKinds
)

// family is one metric family of a metric: its name, HELP text and type.
type family struct {
	kind    famKind
	name    string
	meaning string // its part of the HELP text (see helpParts)
	typ     string // "gauge", "counter" or "histogram"
}

// descs are a metric's descriptors for one label set, indexed by famKind.
// Only Collect needs them (a scrape in the protobuf format, Gather);
// Expose writes from the families. So they are made on first use: three
// prometheus.Desc cost about 1 kB and a few microseconds, much of a new
// name's cost.
type descs struct {
	labelNames []string // the label names of the series, in the order of their values
	has        [famKinds]bool
	m          *metric

	once sync.Once
	desc [famKinds]*prometheus.Desc
}

// get returns the descriptor of a family the metric has, making them all
// the first time.
func (d *descs) get(k famKind) *prometheus.Desc {
	d.once.Do(d.build)
	return d.desc[k]
}

func (d *descs) build() {
	for i := range d.m.families {
		f := &d.m.families[i]
		l := d.labelNames
		if f.kind == famState {
			l = append(slices.Clone(l), stateLabel)
		}
		d.desc[f.kind] = prometheus.NewDesc(f.name, d.m.helpText(f), l, nil)
	}
}

// newMetric makes a metric (its family names as nameSet.of gives them,
// which metricFor has checked).
func newMetric(base string, kind valueKind, unit parser.Unit, mp *mapping.Mapping, display, described string) *metric {
	m := &metric{
		base:      base,
		kind:      kind,
		unit:      unit,
		mp:        mp,
		display:   display,
		described: described,
	}
	for _, l := range mp.Labels {
		m.labelNames = append(m.labelNames, l.Name)
	}
	m.families = m.newFamilies()
	m.names = m.takenNames()
	return m
}

// histFamily is the name of the metric's histogram family, or "".
func (m *metric) histFamily() string {
	for i := range m.families {
		if m.families[i].kind == famHist {
			return m.families[i].name
		}
	}
	return ""
}

// takenNames are the names the metric holds in Exporter.taken: its families'
// names, and a counter's without _total (its OpenMetrics family name); a
// histogram's sample names are derived (Exporter.takenName). They are the
// families' own strings, so they cost no memory of their own.
func (m *metric) takenNames() []string {
	names := make([]string, 0, len(m.families)+1)
	for i := range m.families {
		f := &m.families[i]
		names = append(names, f.name)
		if f.kind == famCounter {
			names = append(names, strings.TrimSuffix(f.name, "_total"))
		}
	}
	return names
}

// helpParts are the parts of a family's HELP text: the rule's text if any,
// else the job's own description of the name (`run: help`), then the
// family's meaning, which ends with the word that leads to the R name
// ("Last value of"), the R name quoted, and what a state family adds. They
// are put together when written (helpText, or the scrape's writer), not
// kept: a HELP text per family is a few hundred bytes per name.
func (m *metric) helpParts(f *family) [8]string {
	var p [8]string
	if first := cmp.Or(m.mp.Help, m.described); first != "" {
		p[0], p[1] = strings.TrimSuffix(first, "."), ". "
	}
	p[2], p[3], p[4], p[5], p[6] = f.meaning, " R name \"", m.display, "\".", ""
	if f.kind == famState {
		p[7] = " 1 marks the current state, 0 earlier ones."
	}
	return p
}

// helpText is a family's HELP text in one string.
func (m *metric) helpText(f *family) string {
	p := m.helpParts(f)
	return strings.Join(p[:], "")
}

// newFamilies lists the families of the metric, sorted by name.
func (m *metric) newFamilies() []family {
	mp := m.mp
	fs := make([]family, 0, 3)
	add := func(kind famKind, name, meaning, typ string) {
		fs = append(fs, family{kind: kind, name: name, meaning: meaning, typ: typ})
	}
	switch m.kind {
	case kindProgress:
		add(famDone, m.base+"_done", "Steps done by", "gauge")
		add(famSteps, m.base+"_steps", "Steps in all of", "gauge")
		add(famRatio, m.base+"_ratio", "Share of steps done (0 to 1) by", "gauge")
	case kindState:
		add(famState, m.base, "State of", "gauge")
	default:
		g, c, h := mp.FamilyNames(m.base)
		if g != "" {
			add(famGauge, g, "Last value of", "gauge")
		}
		if c != "" {
			meaning := "Messages that carried a value for"
			switch mp.CounterMode {
			case mapping.CounterIncrement:
				meaning = "Sum of the increments sent for"
			case mapping.CounterTotal:
				meaning = "Running total (resets followed) of"
			}
			add(famCounter, c, meaning, "counter")
		}
		if h != "" {
			add(famHist, h, "Distribution of the finite values of", "histogram")
		}
	}
	slices.SortFunc(fs, func(a, b family) int { return strings.Compare(a.name, b.name) })
	return fs
}

// jobOnly is the label names of a metric without mapping labels, with the
// r_job label: most metrics', shared (label name lists are never changed).
var jobOnly = []string{jobLabel}

// plainDescs returns the descriptors without the r_job label, making them
// the first time. Called with Exporter.mu held.
func (m *metric) plainDescs() *descs {
	if m.plain == nil {
		m.plain = m.newDescs(m.labelNames)
	}
	return m.plain
}

// jobDescs returns the descriptors with the r_job label, making them the
// first time. Called with Exporter.mu held.
func (m *metric) jobDescs() *descs {
	if m.withJob == nil {
		names := jobOnly
		if len(m.labelNames) > 0 {
			names = append(slices.Clone(m.labelNames), jobLabel)
		}
		m.withJob = m.newDescs(names)
	}
	return m.withJob
}

func (m *metric) newDescs(labels []string) *descs {
	d := &descs{labelNames: labels, m: m}
	for _, f := range m.families {
		d.has[f.kind] = true
	}
	return d
}

// compatible reports whether an R name with this mapping, kind and unit can
// add series to m: everything but the label values must agree, or the
// exposition would mix types, buckets or label sets under one name.
func (m *metric) compatible(kind valueKind, unit parser.Unit, mp *mapping.Mapping) bool {
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

// owners maps the labelKey of each series of a metric to the R name that
// owns it. Nearly every metric has series of one R name only, often one
// series, so the first owner is held without a map (a small map costs
// about 250 bytes per metric).
type owners struct {
	key  string
	b    *binding
	more map[string]*binding
}

func (o *owners) get(key string) *binding {
	if o.b != nil && o.key == key {
		return o.b
	}
	return o.more[key]
}

func (o *owners) set(key string, b *binding) {
	if o.b != nil && o.key == key {
		o.b = b
		return
	}
	if _, ok := o.more[key]; ok {
		o.more[key] = b
		return
	}
	if o.b == nil {
		o.key, o.b = key, b
		return
	}
	if o.more == nil {
		o.more = map[string]*binding{}
	}
	o.more[key] = b
}

func (o *owners) delete(key string) {
	if o.b != nil && o.key == key {
		o.key, o.b = "", nil
		return
	}
	delete(o.more, key)
}
