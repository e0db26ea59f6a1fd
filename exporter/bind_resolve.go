package exporter

import (
	"hash/maphash"
	"slices"
	"sync/atomic"

	"github.com/rexporter/rexporter/mapping"
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
	reason := needsWrite
	var mapper *mapping.Mapper
	var described string
	if s != nil {
		reason = ""
	} else if e.full(j, raw) {
		// A flood of new names beyond a cap is refused (or folded into an
		// existing overflow series) under the read lock, so it neither
		// waits for nor holds up anyone else.
		s, reason = e.decide(j, seriesJob, raw, f, false, nil)
	} else if e.bindings[string(raw)] == nil {
		mapper, described = e.mapper, e.helps[string(raw)]
	}
	e.mu.RUnlock()
	if reason != needsWrite {
		return s, reason
	}
	var pre *prepared
	if mapper != nil {
		// A name never seen: bind it before taking the write lock.
		pre = e.prepare(mapper, described, j, seriesJob, raw, f)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.names[key]; s != nil {
		return s, ""
	}
	return e.decide(j, seriesJob, raw, f, true, pre)
}

// needsWrite is the reason decide gives, under the read lock only, when the
// answer needs a change: a new metric, series or overflow series.
const needsWrite = "\x00needs the write lock"

// full reports whether a new series of raw from job j would meet a cap:
// --max-series, the job's, or its metric's with an overflow series already.
// Called with e.mu held (read or write).
func (e *Exporter) full(j *job, raw []byte) bool {
	if len(e.list) >= e.opts.MaxSeries || j != nil && len(j.series) >= e.opts.MaxSeriesPerJob {
		return true
	}
	b := e.bindings[string(raw)]
	return b != nil && b.metric != nil && b.metric.overflow != nil
}

// decide returns the series for a name without one, creating what is
// missing, or the reason the field is refused. With write false (e.mu held
// for reading) it changes nothing but the warning's rate limit, and gives
// needsWrite where a change is needed. With write true e.mu is held.
func (e *Exporter) decide(j *job, seriesJob string, raw []byte, f *parser.Field, write bool, pre *prepared) (*series, string) {
	if !write {
		if reason := e.refuseNew(raw, f); reason != "" {
			return nil, reason
		}
	}
	b := pre.binding(e, raw)
	if b == nil {
		b = e.bindingOf(raw)
	}
	if b.mp.Drop {
		return nil, reasonDropped
	}
	if j != nil && len(j.series) >= e.opts.MaxSeriesPerJob && len(e.list) < e.opts.MaxSeries {
		e.logRejected(reasonJobSeries, b.display, "", "")
		return nil, reasonJobSeries
	}
	return e.seriesFor(b, j, seriesJob, raw, kindOf(f.Kind), unitOf(b.mp.Units, f), write, pre)
}

// refuseNew is decide's short way for the common case of a flood beyond
// --max-series: a name never seen (no binding) whose metric does not exist
// either. It is refused for max_series (or dropped by its rule) without
// making a binding or the metric's names, and without asking whether those
// names would be reserved or taken: at the cap, max_series is the reason
// that counts. It returns "" when the long walk must decide (below the cap,
// a known name, or a metric that exists, whose overflow series the name may
// fold into). Called with e.mu held (read or write).
func (e *Exporter) refuseNew(raw []byte, f *parser.Field) string {
	if len(e.list) < e.opts.MaxSeries || e.bindings[string(raw)] != nil {
		return ""
	}
	display := parser.DisplayName(raw)
	mp := e.mapper.Map(display)
	if mp.Drop {
		return reasonDropped
	}
	base := baseName(e.opts.Namespace, &mp, raw, unitOf(mp.Units, f))
	if e.metrics[base] != nil {
		return ""
	}
	e.logRejected(reasonMaxSeries, display, base, "")
	return reasonMaxSeries
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
	return e.seriesFor(b, j, seriesJob, raw, kind, unit, true, nil)
}

// seriesFor is newSeriesLocked; with write false (e.mu held for reading)
// it changes nothing but the warning's rate limit and returns needsWrite
// where it would.
func (e *Exporter) seriesFor(b *binding, j *job, seriesJob string, raw []byte, kind valueKind, unit parser.Unit, write bool, pre *prepared) (*series, string) {
	m := b.metric
	if m == nil {
		var reason string
		if m, reason = e.metricFor(b, kind, unit, write, pre); m == nil {
			return nil, reason
		}
	} else if reason := b.misfit(kind, unit); reason != "" {
		return nil, reason
	}

	made := pre.series(m, b, seriesJob)
	labels := b.labelValues
	switch {
	case made != nil:
		labels = made.labels
	case seriesJob != "":
		labels = append(slices.Clone(labels), seriesJob)
	}
	lk := labelKey(labels)
	if owner := m.owners.get(lk); owner != nil && owner.raw != b.raw {
		e.logRejected(reasonCollision, b.display, m.base, owner.raw)
		return nil, reasonCollision
	}
	if m.live >= b.mp.MaxSeries || len(e.list) >= e.opts.MaxSeries {
		// Caps: rather than vanish, the update lands in one visible
		// overflow series of the metric. It is not entered in names, so
		// the name gets its own series once there is room again.
		if !write && m.overflow == nil {
			return nil, needsWrite
		}
		e.logRejected(reasonOverflow, b.display, m.base, "")
		return e.overflowOf(m), ""
	}
	if !write {
		return nil, needsWrite
	}

	s := made
	if s == nil {
		s = newSeries(m, b, j, seriesKey(seriesJob, raw), labels, seriesJob != "")
		s.hash = nameHash(e.seed, maphash.String(e.seed, seriesJob), raw)
	}
	e.table.Store(e.table.Load().insert(s))
	e.names[s.key] = s
	e.list = append(e.list, s)
	m.live++
	m.owners.set(lk, b)
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
// every refusal is counted regardless. Called with e.mu held (read or write).
func (e *Exporter) logRejected(reason, display, metric, other string) {
	now := e.now().UnixNano()
	q, ok := e.quietUntil.Load(reason)
	if !ok {
		q, _ = e.quietUntil.LoadOrStore(reason, new(atomic.Int64))
	}
	quiet := q.(*atomic.Int64)
	until := quiet.Load()
	if until != 0 && now < until || !quiet.CompareAndSwap(until, now+int64(rejectLogInterval)) {
		return
	}
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
