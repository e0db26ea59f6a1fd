package exporter

import (
	"strings"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

// The names a binding's first value gives it, in the order metricFor works
// them out: the R name (or the rule's name) becomes a base name, the base
// name the family and sample names of the metric's kind, and those must be
// neither reserved nor taken by another metric.

// metricFor finds or creates the metric a binding's first value needs, or
// returns the reason it cannot. Called with e.mu held; with write false
// (held for reading) it gives needsWrite rather than create the metric.
func (e *Exporter) metricFor(b *binding, kind valueKind, unit parser.Unit, write bool, pre *prepared) (*metric, string) {
	made := pre.metric(e, b, kind, unit)
	var base string
	if made != nil {
		base = made.base
	} else {
		base = baseName(e.opts.Namespace, b.mp, []byte(b.raw), unit)
	}
	if m := e.metrics[base]; m != nil {
		if !m.compatible(kind, unit, b.mp) {
			e.logRejected(reasonClash, b.display, base, m.display)
			return nil, reasonClash
		}
		return m, ""
	}
	var set nameSet
	names := set.of(base, kind, b.mp)
	if reserved(names) {
		e.logRejected(reasonReserved, b.display, base, "")
		return nil, reasonReserved
	}
	if other, reason := e.takenBy(base, names); other != nil {
		e.logRejected(reason, b.display, base, other.display)
		return nil, reason
	}
	if len(e.list) >= e.opts.MaxSeries {
		e.logRejected(reasonMaxSeries, b.display, base, "")
		return nil, reasonMaxSeries
	}
	if !write {
		return nil, needsWrite
	}
	m := made
	if m == nil {
		m = newMetric(base, kind, unit, b.mp, b.display, e.helps[b.raw])
	}
	e.metrics[base] = m
	for _, n := range m.names {
		e.taken[n] = m
	}
	return m, ""
}

// baseName builds a metric's base name: the rule's name or the sanitized R
// name, the unit suffix, the namespace, and "_value" after a reserved suffix.
func baseName(namespace string, mp *mapping.Mapping, raw []byte, unit parser.Unit) string {
	base := mp.Name
	if base == "" {
		base = parser.MetricName(raw)
	}
	if s := unit.Suffix(); s != "" && !strings.HasSuffix(base, "_"+s) {
		base += "_" + s
	}
	if namespace != "" {
		base = namespace + "_" + base
	}
	// A gauge ending in a reserved suffix would fail `promtool check metrics`
	// and confuse PromQL.
	if mapping.ReservedSuffix(base) != "" {
		return base + "_value"
	}
	return base
}

// nameSet holds every family and sample name a metric of a kind and mapping
// occupies in the exposition (two metrics must not share any) while they
// are checked, in the caller's memory: checking the names of a name that is
// then refused (a flood beyond the cap) allocates no slice for them.
type nameSet struct {
	n int
	a [7]string
}

// of returns the names, held in s.
func (s *nameSet) of(base string, kind valueKind, mp *mapping.Mapping) []string {
	s.n = 0
	switch kind {
	case kindProgress:
		s.add(base+"_done", base+"_steps", base+"_ratio")
		return s.a[:s.n]
	case kindState:
		s.add(base)
		return s.a[:s.n]
	}
	g, c, h := mp.FamilyNames(base)
	if g != "" {
		s.add(g)
	}
	if c != "" {
		s.add(strings.TrimSuffix(c, "_total"), c)
	}
	if h != "" {
		s.add(h, h+"_bucket", h+"_sum", h+"_count")
	}
	return s.a[:s.n]
}

func (s *nameSet) add(names ...string) {
	s.n += copy(s.a[s.n:], names)
}

// reserved reports whether any of the names belongs to someone else (see
// mapping.ReservedName).
func reserved(names []string) bool {
	for _, n := range names {
		if mapping.ReservedName(n) != "" {
			return true
		}
	}
	return false
}

// takenBy returns the metric that already uses one of the names of a new
// metric with this base name, and the reason: a collision when it has the
// same base name, else a clash. Called with e.mu held.
func (e *Exporter) takenBy(base string, names []string) (*metric, string) {
	for _, n := range names {
		if other := e.takenName(n); other != nil {
			if other.base == base {
				return other, reasonCollision
			}
			return other, reasonClash
		}
	}
	return nil, ""
}

// histSamples are the suffixes of a histogram family's sample names.
var histSamples = [...]string{"_bucket", "_sum", "_count"}

// takenName returns the metric using a family or sample name. e.taken holds
// every name but a histogram's sample names (<h>_bucket, _sum, _count), which
// are derived from its family name here instead of kept: three strings and
// map entries per name. Called with e.mu held.
func (e *Exporter) takenName(n string) *metric {
	if m := e.taken[n]; m != nil {
		return m
	}
	for _, suffix := range histSamples {
		if h, ok := strings.CutSuffix(n, suffix); ok {
			if m := e.taken[h]; m != nil && m.histFamily() == h {
				return m
			}
		}
	}
	return nil
}
