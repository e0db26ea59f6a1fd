package exporter

import "math"

// Tombstones: when a series that counts (a counter or a histogram) expires
// by its TTL or with its job, its totals are kept under its key, so that
// when the name comes back its counter continues from where it was instead
// of starting at zero: Prometheus would take a quiet series that returns
// from zero for a reset. At most --max-series tombstones are kept; the
// oldest go first.

// tombstones holds the totals of expired counting series. Guarded by
// Exporter.mu.
type tombstones struct {
	byKey map[string]*seriesRec
	order []string // keys, oldest first; may hold keys exhumed since
}

// bury keeps the totals of an expired series. Called with e.mu held.
func (e *Exporter) bury(key string, r *seriesRec) {
	t := &e.tombs
	if t.byKey == nil {
		t.byKey = map[string]*seriesRec{}
	}
	if _, ok := t.byKey[key]; !ok {
		t.order = append(t.order, key)
	}
	t.byKey[key] = r
	for len(t.byKey) > e.opts.MaxSeries && len(t.order) > 0 {
		delete(t.byKey, t.order[0])
		t.order = t.order[1:]
	}
	// Exhumed keys linger in order; compact when they dominate.
	if len(t.order) > 2*len(t.byKey)+16 {
		kept := t.order[:0]
		for _, k := range t.order {
			if _, ok := t.byKey[k]; ok {
				kept = append(kept, k)
			}
		}
		t.order = kept
	}
}

// buryExpired keeps the totals of the counting series among gone. Called
// with e.mu held, before they are removed.
func (e *Exporter) buryExpired(gone []*series) {
	for _, s := range gone {
		if s.dead || s.isOverflow() || (!s.counter && s.hist == nil) {
			continue
		}
		r := s.record()
		e.bury(s.key, &seriesRec{Job: r.Job, Name: r.Name, NameRaw: r.NameRaw, Kind: r.Kind, Unit: r.Unit,
			Count: r.Count, LastTotal: r.LastTotal, Hist: r.Hist})
	}
}

// exhume continues a new series from its tombstone, if it has one of the
// same kind and unit. Called with e.mu held.
func (e *Exporter) exhume(s *series) {
	t := &e.tombs
	r := t.byKey[s.key]
	if r == nil {
		return
	}
	delete(t.byKey, s.key)
	if r.Kind != kindNames[s.kind] || r.Unit != s.unit.Suffix() {
		return
	}
	if s.counter {
		s.count.Store(math.Float64bits(float64(r.Count)))
		s.lastTotal = float64(r.LastTotal)
	}
	if s.hist != nil && r.Hist != nil {
		s.hist.restore(r.Hist)
	}
}

// tombKeys lists the keys of the tombstones, oldest first. Called with
// e.mu held.
func (e *Exporter) tombKeys() []string {
	var keys []string
	for _, k := range e.tombs.order {
		if _, ok := e.tombs.byKey[k]; ok {
			keys = append(keys, k)
		}
	}
	return keys
}
