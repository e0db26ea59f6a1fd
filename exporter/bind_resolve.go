package exporter

import (
	"hash/maphash"
	"slices"

	"github.com/rexporter/rexporter/parser"
)

// Binding a name is one walk down (drawn in doc.go): resolve or createSeries
// here, then bindingOf (bind_binding.go), then newSeriesLocked here, which
// calls metricFor (bind_names.go, then newMetric in bind_metric.go) and
// newSeries (series.go). None of them calls back up; logRejected below is
// the one helper they share.

// resolve returns the series a field of an R name from a job updates,
// creating what is missing, or the reason the field is refused. seriesJob is
// the r_job label value (the job's name).
func (e *Exporter) resolve(j *job, seriesJob string, raw []byte, f *parser.Field) (*series, string) {
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
	b := e.bindingOf(raw)
	if b.mp.Drop {
		return nil, reasonDropped
	}
	if j != nil && len(j.series) >= e.opts.MaxSeriesPerJob && len(e.list) < e.opts.MaxSeries {
		e.logRejected(reasonJobSeries, b.display, "", "")
		return nil, reasonJobSeries
	}
	return e.newSeriesLocked(b, j, seriesJob, raw, kindOf(f.Kind), unitOf(b.mp.Units, f))
}

// createSeries is resolve's creation path for a known kind and unit, for a
// restored series (see restoreSeries). Called with e.mu held.
func (e *Exporter) createSeries(j *job, seriesJob string, raw []byte, kind valueKind, unit parser.Unit) (*series, string) {
	b := e.bindingOf(raw)
	if b.mp.Drop {
		return nil, reasonDropped
	}
	if !unitAllowed(b.mp, unit) {
		return nil, reasonUnitMismatch
	}
	return e.newSeriesLocked(b, j, seriesJob, raw, kind, unit)
}

// newSeriesLocked creates the series of binding b for a job, of the given
// kind and unit, or returns the overflow series or the reason it cannot.
// Called with e.mu held.
func (e *Exporter) newSeriesLocked(b *binding, j *job, seriesJob string, raw []byte, kind valueKind, unit parser.Unit) (*series, string) {
	key := seriesKey(seriesJob, raw)
	m := b.metric
	if m == nil {
		var reason string
		if m, reason = e.metricFor(b, kind, unit); m == nil {
			return nil, reason
		}
	} else if reason := b.misfit(kind, unit); reason != "" {
		return nil, reason
	}

	labels := b.labelValues
	if seriesJob != "" {
		labels = append(slices.Clone(labels), seriesJob)
	}
	lk := labelKey(labels)
	if owner := m.owners[lk]; owner != nil && owner.raw != b.raw {
		e.logRejected(reasonCollision, b.display, m.base, owner.raw)
		return nil, reasonCollision
	}
	if m.live >= b.mp.MaxSeries || len(e.list) >= e.opts.MaxSeries {
		// Caps: rather than vanish, the update lands in one visible
		// overflow series of the metric. It is not entered in names, so
		// the name gets its own series once there is room again.
		e.logRejected(reasonOverflow, b.display, m.base, "")
		return e.overflowOf(m), ""
	}

	s := newSeries(m, b, j, key, labels, seriesJob != "")
	s.hash = nameHash(e.seed, maphash.String(e.seed, seriesJob), raw)
	e.table.Store(e.table.Load().insert(s))
	e.names[key] = s
	e.list = append(e.list, s)
	m.live++
	m.owners[lk] = b
	b.metric = m
	b.series = append(b.series, s)
	e.bindings[b.raw] = b
	j.series = append(j.series, s)
	e.self.series.Set(float64(len(e.list)))
	e.exhume(s)
	return s, ""
}

// overflowOf returns the metric's overflow series, creating it: every label
// value is overflowValue, r_job included. Called with e.mu held.
func (e *Exporter) overflowOf(m *metric) *series {
	if m.overflow == nil {
		labels := make([]string, len(m.labelNames)+1)
		for i := range labels {
			labels[i] = overflowValue
		}
		m.overflow = newSeries(m, nil, nil, "", labels, true)
		e.list = append(e.list, m.overflow)
		// It is exposed and counts towards --max-series like any other.
		e.self.series.Set(float64(len(e.list)))
	}
	return m.overflow
}

// logRejected warns about a refused name at most once a minute per reason;
// every refusal is counted regardless. Called with e.mu held.
func (e *Exporter) logRejected(reason, display, metric, other string) {
	now := e.now()
	if last, ok := e.lastLogged[reason]; ok && now.Sub(last) < rejectLogInterval {
		return
	}
	e.lastLogged[reason] = now
	args := []any{"reason", reason, "r_name", display}
	if metric != "" {
		args = append(args, "metric", metric)
	}
	if other != "" {
		args = append(args, "taken_by", parser.DisplayName([]byte(other)))
	}
	if reason == reasonMaxSeries {
		args = append(args, "max_series", e.opts.MaxSeries)
	}
	e.logger.Warn("rejected r name (logged at most once a minute per reason)", args...)
}
