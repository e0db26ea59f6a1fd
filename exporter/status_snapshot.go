package exporter

import (
	"math"
	"time"
)

// Snapshot is a copy of the exporter's series and jobs at one moment, for
// the status page. Nothing in it aliases the exporter's state.
type Snapshot struct {
	Time      time.Time
	Series    []SeriesStatus // in no particular order
	Jobs      []JobStatus    // in no particular order
	MaxSeries int            // the --max-series cap
	// Refused are the last messages and fields dropped, newest first
	// (kept always, not only while the status page is watched).
	Refused []Refused
}

// SeriesStatus describes one series.
type SeriesStatus struct {
	RName    string   // the R name as valid UTF-8; "" for an overflow series
	Metric   string   // the metric base name
	Kind     string   // number, progress or state
	Types    []string // the families' types: gauge, counter, histogram
	Unit     string   // seconds, bytes, ratio, or "" for a plain number
	Job      string   // the r_job label value; "" for an unnamed connection
	Labels   []Label  // the mapping's labels (r_job aside)
	Overflow bool     // the series that updates fold into beyond a cap
	Value    float64  // the gauge value, or the steps done of a progress
	Steps    float64  // the steps of a progress
	State    string   // the current state of a state series
	// Applied counts the fields applied to the series while the status
	// page's tap was on (it costs nothing otherwise): the difference of
	// two snapshots taken while watched gives messages per second.
	Applied uint64
	Updated time.Time // the last applied field's receive time; zero before any
}

// Label is one label name and value.
type Label struct{ Name, Value string }

// JobStatus describes one job.
type JobStatus struct {
	Name        string
	State       string // running, finished, failed, killed, oom_killed or vanished (see jobStates)
	Connections int    // open now
	Start       time.Time
	End         time.Time // when the last connection ended; zero while running
	LastMessage time.Time // zero before any
	Messages    uint64    // messages applied from the job

	// What `run:` messages said (rexporter run): the exit status, the
	// signal that killed it, its last error line, its parameters (label
	// names param_<key>, sorted) and resource use; nil or empty when unknown.
	ExitCode      *int
	Signal        string
	Error         string
	Params        []Label
	CPUSeconds    *float64
	ResidentBytes *float64
	// Stalled: up but silent for longer than StallAfter.
	Stalled    bool
	StallAfter time.Duration
}

// Snapshot copies the state the status page shows. Expired series and jobs
// are forgotten first, as a scrape does, so the page agrees with /metrics
// even when nothing scrapes. The exporter's lock is held only to copy the
// list of series and the jobs; the series' values are read afterwards, the
// way Collect reads them.
func (e *Exporter) Snapshot() Snapshot {
	now := e.now()
	e.mu.Lock()
	e.expire(now)
	list := make([]*series, len(e.list))
	copy(list, e.list)
	jobs := make([]JobStatus, 0, len(e.jobs))
	for _, j := range e.jobs {
		js := JobStatus{Name: j.name, State: j.state, Connections: j.connections, Start: j.start, Messages: j.messages.Load()}
		if j.connections == 0 {
			js.End = j.end
		}
		if last := j.lastMessage.Load(); last != 0 {
			js.LastMessage = time.Unix(0, last)
		}
		e.runStatus(j, &js, now)
		jobs = append(jobs, js)
	}
	e.mu.Unlock()

	snap := Snapshot{Time: now, Series: make([]SeriesStatus, 0, len(list)), Jobs: jobs, MaxSeries: e.opts.MaxSeries,
		Refused: e.RecentRefused()}
	for _, s := range list {
		snap.Series = append(snap.Series, s.status())
	}
	return snap
}

// status describes the series. Everything it reads is immutable after the
// series was created, atomic, or guarded by the series' own lock.
func (s *series) status() SeriesStatus {
	m := s.m
	st := SeriesStatus{
		Metric:   m.base,
		Kind:     m.kind.String(),
		Unit:     m.unit.Suffix(),
		Overflow: s.b == nil,
		Value:    math.Float64frombits(s.last.Load()),
		Applied:  s.applied.Load(),
	}
	if s.b != nil {
		st.RName = s.b.display
	}
	if u := s.updated.Load(); u != 0 {
		st.Updated = time.Unix(0, u)
	}
	for i, n := range m.labelNames {
		st.Labels = append(st.Labels, Label{Name: n, Value: s.labels[i]})
	}
	if len(s.labels) > len(m.labelNames) {
		st.Job = s.labels[len(m.labelNames)]
	}
	switch m.kind {
	case kindProgress:
		st.Types = []string{"gauge"}
		st.Steps = math.Float64frombits(s.steps.Load())
	case kindState:
		st.Types = []string{"gauge"}
		s.mu.Lock()
		if s.current < len(s.states) {
			st.State = s.states[s.current]
		}
		s.mu.Unlock()
	default:
		if s.d.has[famGauge] {
			st.Types = append(st.Types, "gauge")
		}
		if s.d.has[famCounter] {
			st.Types = append(st.Types, "counter")
		}
		if s.hist != nil {
			st.Types = append(st.Types, "histogram")
		}
	}
	return st
}
