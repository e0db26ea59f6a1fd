package exporter

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/exporter/internal/textfmt"
)

// jobSnap is a job's state read under Exporter.mu, for one scrape.
type jobSnap struct {
	name        string
	connections int
	start, end  float64 // Unix seconds
	state       string
	last        float64 // Unix seconds, 0 before any message
	messages    float64
	series      int
	refused     float64
	run         runSnap
	stalled     bool
}

// snapJobs copies the jobs' state, sorted by name. Called with e.mu held.
func (e *Exporter) snapJobs() []jobSnap {
	snaps := make([]jobSnap, 0, len(e.jobs))
	now := e.now()
	for _, j := range e.jobs {
		s := jobSnap{
			name:        j.name,
			connections: j.connections,
			start:       unixSeconds(j.start),
			end:         unixSeconds(j.end),
			state:       j.state,
			messages:    float64(j.messages.Load()),
			series:      len(j.series),
			refused:     float64(j.refused.Load()),
			run:         j.snapRun(),
		}
		s.stalled, _ = e.stalled(j, now)
		if last := j.lastMessage.Load(); last != 0 {
			s.last = float64(last) / 1e9
		}
		snaps = append(snaps, s)
	}
	slices.SortFunc(snaps, func(a, b jobSnap) int { return strings.Compare(a.name, b.name) })
	return snaps
}

// jobFamily is one per-job metric family. value says what a job's sample is,
// and whether it has one (a running job has no end time).
type jobFamily struct {
	name, help, typ string
	perState        bool // one sample per job state, labelled state
	// info, when set, makes an info family (value 1): the labels besides
	// r_job of a job's sample, sorted by name, and whether it has one.
	info  func(j *jobSnap) ([]Label, bool)
	value func(j *jobSnap) (float64, bool)
	desc  *prometheus.Desc
}

// newJobFamilies returns the per-job families, sorted by name.
func newJobFamilies() []*jobFamily {
	fams := []*jobFamily{
		{name: "rexporter_job_connections", help: "Connections the R job has open.", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return float64(j.connections), true }},
		{name: "rexporter_job_end_timestamp_seconds", help: "When the R job's last connection ended (Unix seconds); absent while it runs.", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return j.end, j.connections == 0 }},
		{name: "rexporter_job_last_message_timestamp_seconds", help: "When the R job's last message arrived (receive time, Unix seconds).", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return j.last, j.last != 0 }},
		{name: "rexporter_job_messages_total", help: "Messages applied from the R job.", typ: "counter",
			value: func(j *jobSnap) (float64, bool) { return j.messages, true }},
		{name: "rexporter_job_series", help: "Series the R job has, at most --max-series-per-job.", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return float64(j.series), true }},
		{name: "rexporter_job_series_refused_total", help: "Fields of the R job refused because it had --max-series-per-job series already.", typ: "counter",
			value: func(j *jobSnap) (float64, bool) { return j.refused, true }},
		{name: "rexporter_job_start_timestamp_seconds", help: "When the R job's first connection opened (Unix seconds).", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return j.start, true }},
		{name: "rexporter_job_state", help: "The R job's state: running, finished (said bye or exited 0), failed (exited non-zero), killed (by a signal), oom_killed or vanished (ended without bye); 1 for the current one.", typ: "gauge",
			perState: true},
		{name: "rexporter_job_up", help: "1 while the R job has a connection open, else 0.", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return boolFloat(j.connections > 0), true }},
	}
	fams = append(fams, runJobFamilies()...)
	for _, f := range fams {
		if f.info != nil {
			continue // its label names vary by job: a Desc per sample
		}
		labels := []string{jobLabel}
		if f.perState {
			labels = append(labels, stateLabel)
		}
		f.desc = prometheus.NewDesc(f.name, f.help, labels, nil)
	}
	return fams
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// collectJobs sends the per-job metrics. Called with e.mu held.
func (e *Exporter) collectJobs(ch chan<- prometheus.Metric) {
	jobs := e.snapJobs()
	for _, f := range e.jobFams {
		typ := prometheus.GaugeValue
		if f.typ == "counter" {
			typ = prometheus.CounterValue
		}
		for i := range jobs {
			j := &jobs[i]
			if f.info != nil {
				if labels, ok := f.info(j); ok {
					names, values := infoLabels(labels, j.name)
					ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(f.name, f.help, names, nil), typ, 1, values...)
				}
				continue
			}
			if f.perState {
				for _, st := range jobStates {
					ch <- prometheus.MustNewConstMetric(f.desc, typ, boolFloat(st == j.state), j.name, st)
				}
				continue
			}
			if v, ok := f.value(j); ok {
				ch <- prometheus.MustNewConstMetric(f.desc, typ, v, j.name)
			}
		}
	}
}

// writeJobFamily writes one per-job family, samples sorted by job name (and
// state). Like Gather, it writes nothing for a family without samples.
func writeJobFamily(x *scrapeWriter, f *jobFamily, jobs []jobSnap) {
	names := []string{jobLabel, stateLabel}
	states := slices.Sorted(slices.Values(jobStates))
	header := false
	if f.info != nil {
		writeInfoFamily(x, f, jobs)
		return
	}
	for i := range jobs {
		j := &jobs[i]
		if f.perState {
			if !header {
				x.Header(f.name, f.help, f.typ)
				header = true
			}
			for _, st := range states {
				x.Sample(f.name, "", textfmt.Labels(names, []string{j.name, st}), boolFloat(st == j.state))
			}
			continue
		}
		if v, ok := f.value(j); ok {
			if !header {
				x.Header(f.name, f.help, f.typ)
				header = true
			}
			x.Sample(f.name, "", textfmt.Labels(names[:1], []string{j.name}), v)
		}
	}
}
