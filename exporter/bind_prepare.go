package exporter

import (
	"hash/maphash"
	"slices"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

// prepared is the work of binding a never-seen R name that needs no lock,
// done before resolve takes the write lock: the binding, the metric's names,
// the metric and the series, as they will be if nothing changes meanwhile.
// A flood of new names from many connections then builds them side by side
// and serialises only their entry into the exporter's maps. Under the lock
// each part is used only if it still fits (the same mapping, no binding or
// metric made by someone else in between, the same description); otherwise
// the walk makes its own, as without preparing.
type prepared struct {
	mapper    *mapping.Mapper
	described string
	b         *binding
	kind      valueKind
	unit      parser.Unit
	base      string
	m         *metric
	s         *series
	seriesJob string
}

// prepare binds raw as the walk under the lock would, from the mapping and
// description read under the read lock. It touches nothing shared.
func (e *Exporter) prepare(mapper *mapping.Mapper, described string, j *job, seriesJob string, raw []byte, f *parser.Field) *prepared {
	b := newBinding(raw, mapper)
	if b.mp.Drop {
		return nil
	}
	p := &prepared{mapper: mapper, described: described, b: b, kind: kindOf(f.Kind), unit: unitOf(b.mp.Units, f), seriesJob: seriesJob}
	p.base = baseName(e.opts.Namespace, b.mp, []byte(b.raw), p.unit)
	p.m = newMetric(p.base, p.kind, p.unit, b.mp, b.display, described)
	labels := b.labelValues
	if seriesJob != "" {
		labels = append(slices.Clone(labels), seriesJob)
	}
	p.s = newSeries(p.m, b, j, seriesKey(seriesJob, raw), labels, seriesJob != "")
	p.s.hash = nameHash(e.seed, maphash.String(e.seed, seriesJob), raw)
	return p
}

// binding returns the prepared binding if it is still the one to use: no
// binding of the name exists and the mapping is the same. Called with e.mu held.
func (p *prepared) binding(e *Exporter, raw []byte) *binding {
	if p == nil || p.mapper != e.mapper || e.bindings[string(raw)] != nil {
		return nil
	}
	return p.b
}

// metric returns the prepared metric for binding b's first value of this
// kind and unit, if it fits. Called with e.mu held.
func (p *prepared) metric(e *Exporter, b *binding, kind valueKind, unit parser.Unit) *metric {
	if p == nil || p.b != b || p.m == nil || p.kind != kind || p.unit != unit || e.helps[b.raw] != p.described {
		return nil
	}
	return p.m
}

// series returns the prepared series for metric m and the job's r_job
// value, if it fits. Called with e.mu held.
func (p *prepared) series(m *metric, b *binding, seriesJob string) *series {
	if p == nil || p.m != m || p.b != b || p.seriesJob != seriesJob {
		return nil
	}
	return p.s
}
