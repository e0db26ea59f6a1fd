package exporter

import (
	"slices"
	"strings"
)

// exposeCache is what Expose writes for the first n series of Exporter.list
// in generation gen: every family sorted by name with its series sorted.
// Series are only ever appended to the list, and removing any changes the
// generation, so a cache of the same generation is still right for its n
// series, and the next one is built from it and the series appended since
// (extend) rather than by sorting everything again. A cache is never
// changed once built: scrapes write from it without the lock while the next
// is built, so extend copies whatever it changes.
type exposeCache struct {
	gen uint64
	n   int
	// ents holds every family, the per-job ones and the overflow counter
	// included: Expose skips those when there is nothing to write in them.
	ents []exposeEntry
	// overflows are the metrics with an overflow series among the n, and
	// ttl the series among them that can expire (see anyDue).
	overflows []*metric
	ttl       []*series
}

// extend returns the cache for the n series of generation gen, given those
// beyond c.n (fresh). A nil c, or one of another generation, starts from
// nothing: fresh must then be all n series.
func (c *exposeCache) extend(gen uint64, n int, fresh []*series, jobFams []*jobFamily) *exposeCache {
	if c != nil && c.gen != gen {
		c = nil
	}
	if c != nil && len(fresh) == 0 {
		return c
	}
	next := &exposeCache{gen: gen, n: n}
	var old []exposeEntry
	if c != nil {
		old, next.overflows, next.ttl = c.ents, c.overflows, c.ttl
	}
	// Sized up front: the first scrape of 100,000 names builds all of this
	// at once, and growing it step by step doubled the garbage.
	byMetric := make(map[*metric][]*series, len(fresh))
	var overflows []*metric
	ttl := make([]*series, 0, len(fresh))
	for _, s := range fresh {
		byMetric[s.m] = append(byMetric[s.m], s)
		if s.isOverflow() {
			overflows = append(overflows, s.m)
		}
		if seriesTTL(s) > 0 {
			ttl = append(ttl, s)
		}
	}
	// Clip: never append into a slice an older cache shares.
	next.overflows = append(slices.Clip(next.overflows), overflows...)
	next.ttl = append(slices.Clip(next.ttl), ttl...)
	for _, ss := range byMetric {
		slices.SortFunc(ss, compareSeries)
	}

	// The families of metrics known before get their new series merged in;
	// the others are new entries, sorted, then merged into the list.
	merged := map[*metric][]*series{}
	families := 0
	for m := range byMetric {
		families += len(m.families)
	}
	added := make([]exposeEntry, 0, families+len(jobFams)+1)
	for m, ss := range byMetric {
		if ent := findEntry(old, m.families[0].name); ent != nil && ent.m == m {
			merged[m] = mergeSeries(ent.series, ss)
			continue
		}
		for i := range m.families {
			added = append(added, exposeEntry{fam: &m.families[i], m: m, series: ss})
		}
	}
	if c == nil {
		for _, f := range jobFams {
			added = append(added, exposeEntry{job: f})
		}
		added = append(added, exposeEntry{})
	}
	slices.SortFunc(added, compareEntries)
	ents := mergeEntries(old, added)
	if len(merged) > 0 {
		for i := range ents {
			if ss, ok := merged[ents[i].m]; ok {
				ents[i].series = ss
			}
		}
	}
	next.ents = ents
	return next
}

// newer reports whether c covers more than other: a later generation, or
// more series of the same one.
func (c *exposeCache) newer(other *exposeCache) bool {
	return other == nil || c.gen > other.gen || c.gen == other.gen && c.n > other.n
}

// storeExposed keeps c for later scrapes unless a newer cache is kept
// already (another scrape may have built one meanwhile).
func (e *Exporter) storeExposed(c *exposeCache) {
	for {
		cur := e.exposed.cur.Load()
		if cur == c || !c.newer(cur) || e.exposed.cur.CompareAndSwap(cur, c) {
			return
		}
	}
}

// findEntry returns the entry named name in ents (sorted by name), or nil.
func findEntry(ents []exposeEntry, name string) *exposeEntry {
	i, ok := slices.BinarySearchFunc(ents, name, func(e exposeEntry, name string) int { return strings.Compare(e.name(), name) })
	if !ok {
		return nil
	}
	return &ents[i]
}

func compareEntries(a, b exposeEntry) int { return strings.Compare(a.name(), b.name()) }

// mergeSeries merges two sorted lists of series into a new one.
func mergeSeries(a, b []*series) []*series {
	out := make([]*series, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareSeries(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// mergeEntries merges two lists of entries sorted by name into a new one.
func mergeEntries(ents, added []exposeEntry) []exposeEntry {
	if len(ents) == 0 {
		return added // nothing to merge: added is new and sorted
	}
	out := make([]exposeEntry, 0, len(ents)+len(added))
	for len(ents) > 0 && len(added) > 0 {
		if compareEntries(added[0], ents[0]) < 0 {
			out, added = append(out, added[0]), added[1:]
		} else {
			out, ents = append(out, ents[0]), ents[1:]
		}
	}
	return append(append(out, ents...), added...)
}
