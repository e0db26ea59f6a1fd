package exporter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// LoadStats says what LoadState restored.
type LoadStats struct {
	Jobs, Series, Tombstones int
	// Skipped counts series the mapping in force no longer makes (a name
	// dropped or mapped to another kind, a cap reached): they start anew.
	Skipped int
	// HistogramsReset counts histograms whose buckets changed in the
	// mapping: their series are restored without their histogram.
	HistogramsReset int
}

// SaveState writes the series state (every series' counter, histogram,
// gauge with its receive time, progress and states, the jobs, the counter
// tombstones and rexporter_messages_total) as a versioned document, so that
// LoadState in a new process continues every counter where it was.
func (e *Exporter) SaveState(w io.Writer) error {
	doc := e.snapshot()
	enc := json.NewEncoder(w)
	return enc.Encode(doc)
}

// snapshot reads the state under the lock.
func (e *Exporter) snapshot() *stateDoc {
	e.mu.Lock()
	defer e.mu.Unlock()
	doc := &stateDoc{Format: StateFormat, Version: StateVersion, Saved: e.now().UnixNano()}
	var m dto.Metric
	if e.self.messages.Write(&m) == nil && m.Counter != nil {
		doc.Messages = jfloat(m.Counter.GetValue())
	}
	for _, j := range e.jobs {
		doc.Jobs = append(doc.Jobs, jobState{
			Name: j.name, Start: j.start.UnixNano(), End: unixNano(j.end), State: j.state,
			Messages: j.messages.Load(), LastMessage: j.lastMessage.Load(), Refused: j.refused.Load(),
			Run: j.run.state(),
		})
	}
	slices.SortFunc(doc.Jobs, func(a, b jobState) int { return cmpString(a.Name, b.Name) })
	// Overflow series last: LoadState needs their metrics first.
	for _, overflow := range []bool{false, true} {
		for _, s := range e.list {
			if s.isOverflow() != overflow {
				continue
			}
			doc.Series = append(doc.Series, s.record())
		}
	}
	for _, k := range e.tombKeys() {
		doc.Tombs = append(doc.Tombs, *e.tombs.byKey[k])
	}
	doc.Helps = e.helpsToSave()
	return doc
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// record reads one series. Called with Exporter.mu held.
func (s *series) record() seriesRec {
	r := seriesRec{Kind: kindNames[s.kind], Unit: s.unit.Suffix(), Updated: s.updated.Load()}
	if s.isOverflow() {
		r.OverflowOf = s.m.base
		r.Folded = s.m.folded.Load()
	} else {
		r.Job = s.job.name
		r.setRaw(s.b.raw)
	}
	s.mu.Lock()
	r.LastTotal = jfloat(s.lastTotal)
	r.States = slices.Clone(s.states)
	r.Current = s.current
	if s.hist == nil {
		r.Stamp = s.stamp
	}
	s.mu.Unlock()
	if h := s.hist; h != nil {
		h.mu.Lock()
		r.Stamp = s.stamp // guarded by the histogram's lock (see applyNumbers)
		r.Hist = h.state()
		r.Last = jfloat(math.Float64frombits(s.last.Load()))
		h.mu.Unlock()
	} else {
		r.Last = jfloat(math.Float64frombits(s.last.Load()))
	}
	r.Steps = jfloat(math.Float64frombits(s.steps.Load()))
	r.Count = jfloat(math.Float64frombits(s.count.Load()))
	return r
}

// state copies the histogram. Called with h.mu held.
func (h *histogram) state() *histState {
	st := &histState{Counts: slices.Clone(h.counts), Sum: jfloat(h.sum), Native: h.native, Schema: h.schema, Zero: h.zero,
		PosKeys: slices.Clone(h.pos.keys), PosCounts: slices.Clone(h.pos.counts),
		NegKeys: slices.Clone(h.neg.keys), NegCounts: slices.Clone(h.neg.counts)}
	st.Bounds = make([]jfloat, len(h.bounds))
	for i, b := range h.bounds {
		st.Bounds[i] = jfloat(b)
	}
	return st
}

// restore sets the histogram from st if its classic buckets are the same
// (the mapping did not change them), and reports whether it did. Native
// buckets are restored when both keep them and the saved schema is not
// finer than the one in force; otherwise they start anew.
func (h *histogram) restore(st *histState) bool {
	if len(st.Bounds) != len(h.bounds) {
		return false
	}
	for i, b := range st.Bounds {
		if float64(b) != h.bounds[i] {
			return false
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	copy(h.counts, st.Counts)
	h.sum = float64(st.Sum)
	if h.native && st.Native && st.Schema <= h.schema {
		h.schema, h.zero = st.Schema, st.Zero
		h.pos = nativeSide{keys: slices.Clone(st.PosKeys), counts: slices.Clone(st.PosCounts)}
		h.neg = nativeSide{keys: slices.Clone(st.NegKeys), counts: slices.Clone(st.NegCounts)}
	}
	return true
}

// LoadState restores what SaveState wrote into an exporter that has no
// series yet (call it before serving). The document is decoded and checked
// whole before anything is applied: a foreign, corrupt or too new document
// is an error (ErrStateForeign, ErrStateCorrupt, ErrStateVersion) and
// changes nothing. Series are rebuilt under the mapping in force; those it
// no longer makes are skipped and counted. Jobs that were running are
// restored as vanished, ended when the state was saved, until a connection
// names them again.
func (e *Exporter) LoadState(r io.Reader) (LoadStats, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return LoadStats{}, err
	}
	doc, err := decodeState(raw)
	if err != nil {
		return LoadStats{}, err
	}
	return e.apply(doc), nil
}

// decodeState decodes and checks a state document.
func decodeState(raw []byte) (*stateDoc, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Format != StateFormat {
		return nil, ErrStateForeign
	}
	if head.Version < 1 || head.Version > StateVersion {
		return nil, fmt.Errorf("%w: version %d; this build reads versions 1 to %d", ErrStateVersion, head.Version, StateVersion)
	}
	doc := &stateDoc{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStateCorrupt, err)
	}
	if err := doc.check(); err != nil {
		return nil, err
	}
	return doc, nil
}

// apply restores a checked document.
func (e *Exporter) apply(doc *stateDoc) LoadStats {
	var st LoadStats
	saved := time.Unix(0, doc.Saved)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.self.messages.Add(float64(doc.Messages))
	for name, text := range doc.Helps {
		e.setHelp(name, text)
	}
	for _, js := range doc.Jobs {
		if _, ok := e.jobs[js.Name]; ok {
			continue
		}
		j := &job{name: js.Name, start: time.Unix(0, js.Start), state: js.State, end: time.Unix(0, js.End)}
		if js.State == stateRunning || js.End == 0 {
			// Its connections are gone with the old process, as far as
			// this one knows; a hand-over gives them back (ResumeSession).
			j.state, j.end = stateVanished, saved
		}
		j.messages.Store(js.Messages)
		j.lastMessage.Store(js.LastMessage)
		j.refused.Store(js.Refused)
		j.run.restore(js.Run) // how a run ended, its parameters and use
		e.jobs[js.Name] = j
		st.Jobs++
	}
	for i := range doc.Series {
		r := &doc.Series[i]
		s := e.restoreSeries(r)
		if s == nil {
			st.Skipped++
			continue
		}
		st.Series++
		if r.Hist != nil && s.hist != nil && !s.hist.restore(r.Hist) {
			st.HistogramsReset++
		}
	}
	for i := range doc.Tombs {
		t := doc.Tombs[i]
		e.bury(seriesKey(t.Job, []byte(t.raw())), &t)
		st.Tombstones++
	}
	e.self.series.Set(float64(len(e.list)))
	e.gen.Add(1)
	return st
}

// restoreSeries rebuilds one series under the mapping in force, or returns
// nil if that no longer makes it. Called with e.mu held.
func (e *Exporter) restoreSeries(r *seriesRec) *series {
	kind, _ := kindByName(r.Kind)
	unit, _ := unitByName(r.Unit)
	var s *series
	if r.OverflowOf != "" {
		m := e.metrics[r.OverflowOf]
		if m == nil || m.kind != kind || m.unit != unit || m.overflow != nil {
			return nil
		}
		s = e.overflowOf(m)
		m.folded.Store(r.Folded)
	} else {
		j := e.jobs[r.Job]
		raw := []byte(r.raw())
		key := seriesKey(r.Job, raw)
		if j == nil || e.names[key] != nil {
			return nil
		}
		var reason string
		s, reason = e.createSeries(j, r.Job, raw, kind, unit)
		if s == nil || reason != "" || s.isOverflow() {
			return nil
		}
	}
	s.updated.Store(r.Updated)
	s.stamp = r.Stamp
	s.last.Store(math.Float64bits(float64(r.Last)))
	s.steps.Store(math.Float64bits(float64(r.Steps)))
	s.count.Store(math.Float64bits(float64(r.Count)))
	s.lastTotal = float64(r.LastTotal)
	if kind == kindState {
		s.states = slices.Clone(r.States)
		s.current = r.Current
	}
	return s
}

// helpsToSave lists the `run: help` descriptions a restore needs: each
// existing metric's as it was made (a description sent after a metric's
// first value only applies once the metric is made again), and the others.
// Called with e.mu held.
func (e *Exporter) helpsToSave() map[string]string {
	if len(e.helps) == 0 {
		return nil
	}
	helps := maps.Clone(e.helps)
	for raw, b := range e.bindings {
		if b.metric == nil {
			continue
		}
		if b.metric.described == "" {
			delete(helps, raw)
		} else {
			helps[raw] = b.metric.described
		}
	}
	return helps
}
