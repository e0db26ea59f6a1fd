package exporter

import (
	"cmp"
	"io"
	"math"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/rexporter/rexporter/exporter/internal/textfmt"
)

// Format is an exposition format that the exporter writes itself, without
// building client_golang's protobuf messages first (see Exporter.Expose).
type Format uint8

const (
	// FormatText is the Prometheus text format 0.0.4.
	FormatText Format = iota
	// FormatOpenMetrics is OpenMetrics 1.0.0 text, without its final "# EOF"
	// (the caller writes that after every other family).
	FormatOpenMetrics
)

// scrapeWriter is the text writer of one scrape, with scratch space for
// histogram counts.
type scrapeWriter struct {
	textfmt.Writer
	cumulative []uint64
}

// Expose writes the user's metrics (and the per-job and overflow families)
// in a text format straight from the series, as Collect plus expfmt would
// but without building a protobuf message per sample: at 10,000 names that
// path spends most of a scrape allocating. Families come sorted by name and
// samples by label values, like Gather's. Expired series and jobs are
// forgotten first, as in Collect.
//
// Only what must be consistent is taken under the lock (the series appended
// since the last scrape's cache, the jobs); the sorting happens outside it,
// so that a scrape never holds up new names, and the write lock is taken
// only when something has expired.
func (e *Exporter) Expose(w io.Writer, f Format) error {
	e.mu.RLock()
	now := e.now()
	prev := e.exposed.cur.Load()
	if c := prev; c == nil || c.gen != e.gen.Load() || c.n > len(e.list) {
		prev = nil
	}
	var ttl []*series
	covered := 0
	if prev != nil {
		ttl, covered = prev.ttl, prev.n
	}
	if e.anyDue(now, ttl, covered) {
		e.mu.RUnlock()
		e.mu.Lock()
		e.expire(now)
		e.mu.Unlock()
		e.mu.RLock()
		if prev != nil && prev.gen != e.gen.Load() {
			prev = nil
		}
	}
	jobs := e.snapJobs()
	gen, n := e.gen.Load(), len(e.list)
	var fresh []*series
	if prev == nil {
		fresh = slices.Clone(e.list)
	} else if n > prev.n {
		fresh = slices.Clone(e.list[prev.n:])
	}
	e.mu.RUnlock()

	c := prev.extend(gen, n, fresh, e.jobFams)
	if c != prev {
		e.storeExposed(c)
	}
	var overflows []overflowSnap
	for _, m := range c.overflows {
		overflows = append(overflows, overflowSnap{m.base, float64(m.folded.Load())})
	}

	x := &scrapeWriter{}
	x.Reset(w, f == FormatOpenMetrics)
	for _, ent := range c.ents {
		switch {
		case ent.job != nil:
			if len(jobs) == 0 {
				continue
			}
			writeJobFamily(x, ent.job, jobs)
		case ent.fam == nil:
			if len(overflows) == 0 {
				continue
			}
			writeOverflows(x, overflows)
		default:
			writeFamily(x, ent.m, ent.fam, ent.series)
		}
		if err := x.Err(); err != nil {
			return err
		}
	}
	x.Flush()
	return x.Err()
}

// exposed is the cache of what scrapes write (see exposeCache).
type exposed struct {
	cur atomic.Pointer[exposeCache]
}

// exposeEntry is one family to write: a family of a metric (m) with its
// series sorted, a per-job family, or the overflow counter.
type exposeEntry struct {
	fam    *family
	m      *metric
	series []*series
	job    *jobFamily
}

// name is the entry's family name; an entry with neither a family nor a
// per-job family is the overflow counter. (Not kept: the cache holds an
// entry per family, 300,000 at 100,000 names.)
func (e *exposeEntry) name() string {
	switch {
	case e.fam != nil:
		return e.fam.name
	case e.job != nil:
		return e.job.name
	}
	return overflowFamily
}

// compareSeries orders the series of a metric as Gather orders samples:
// fewer labels first, then by label values taken in label name order.
func compareSeries(a, b *series) int {
	if c := cmp.Compare(len(a.sortKey), len(b.sortKey)); c != 0 {
		return c
	}
	return slices.Compare(a.sortKey, b.sortKey)
}

// writeFamily writes one family of a metric.
func writeFamily(x *scrapeWriter, m *metric, fam *family, list []*series) {
	if fam.kind == famState {
		writeStates(x, m, fam, list)
		return
	}
	writeHeader(x, m, fam)
	for _, s := range list {
		switch fam.kind {
		case famGauge, famDone:
			x.Sample(fam.name, "", s.rendered, math.Float64frombits(s.last.Load()))
		case famSteps:
			x.Sample(fam.name, "", s.rendered, math.Float64frombits(s.steps.Load()))
		case famRatio:
			x.Sample(fam.name, "", s.rendered, s.ratio())
		case famCounter:
			x.Sample(fam.name, "", s.rendered, math.Float64frombits(s.count.Load()))
		case famHist:
			h := s.hist
			x.cumulative = slices.Grow(x.cumulative[:0], len(h.counts))[:len(h.counts)]
			sum := h.read(x.cumulative)
			x.Buckets(fam.name, s.rendered, x.LeValues(h.bounds), x.cumulative)
			x.Sample(fam.name, "_sum", s.rendered, sum)
			x.Count(fam.name, "_count", s.rendered, x.cumulative[len(x.cumulative)-1])
		}
	}
}

// writeHeader writes a family's HELP and TYPE lines, the HELP text from its
// parts (see metric.helpParts).
func writeHeader(x *scrapeWriter, m *metric, fam *family) {
	x.HelpStart(fam.name, fam.typ)
	parts := m.helpParts(fam)
	for i := range parts {
		if parts[i] != "" {
			x.Help(parts[i])
		}
	}
	x.HelpEnd(fam.name, fam.typ)
}

// writeStates writes a state family: one sample per series and state, the
// state label sorted in among the others, samples in Gather's order.
func writeStates(x *scrapeWriter, m *metric, fam *family, list []*series) {
	type row struct {
		key      []string
		rendered string
		v        float64
	}
	var rows []row
	for _, s := range list {
		states, current := s.stateSnapshot()
		for i, st := range states {
			names, values := withLabel(s.d.labelNames, s.labels, stateLabel, st)
			rows = append(rows, row{key: values, rendered: textfmt.Labels(names, values), v: boolFloat(i == current)})
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := cmp.Compare(len(a.key), len(b.key)); c != 0 {
			return c
		}
		return slices.Compare(a.key, b.key)
	})
	if len(rows) == 0 {
		return
	}
	writeHeader(x, m, fam)
	for _, r := range rows {
		x.Sample(fam.name, "", r.rendered, r.v)
	}
}

// withLabel returns label names and values sorted by name, with one more
// label added.
func withLabel(names, values []string, name, value string) ([]string, []string) {
	n := append(slices.Clone(names), name)
	v := append(slices.Clone(values), value)
	sortLabels(n, v)
	return n, v
}

// sortLabels sorts label names, and their values alongside, by name.
func sortLabels(names, values []string) {
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
			values[j], values[j-1] = values[j-1], values[j]
		}
	}
}

// The counter of updates folded into overflow series, one sample per metric.
const (
	overflowFamily = "rexporter_series_overflow_total"
	overflowHelp   = "Updates folded into a metric's overflow series because its series cap or --max-series was reached."
)

// overflowSnap is a metric's overflow count read for one scrape.
type overflowSnap struct {
	metric string
	folded float64
}

func writeOverflows(x *scrapeWriter, list []overflowSnap) {
	slices.SortFunc(list, func(a, b overflowSnap) int { return strings.Compare(a.metric, b.metric) })
	x.Header(overflowFamily, overflowHelp, "counter")
	names := []string{"metric"}
	for _, o := range list {
		x.Sample(overflowFamily, "", textfmt.Labels(names, []string{o.metric}), o.folded)
	}
}
