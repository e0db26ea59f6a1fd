package exporter

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// unnamedJob is the r_job value under which connections that never name
// themselves are counted in the job metrics. Their values carry no r_job
// label, so the blog's unchanged client gives plain `random_poisson 11`.
const unnamedJob = "unnamed"

// Defaults for the job options.
const (
	DefaultJobRetention = time.Hour
	DefaultMaxJobs      = 100
)

// Job states, the values of the state label of rexporter_job_state.
const (
	stateRunning  = "running"  // a connection is open
	stateFinished = "finished" // the last connection said "bye" before it ended
	stateVanished = "vanished" // the last connection ended without "bye": crashed, killed or lost
)

var jobStates = []string{stateRunning, stateFinished, stateVanished}

// job is what rexporter knows about one job name. Fields without atomics are
// guarded by Exporter.mu.
type job struct {
	name        string // the r_job label value
	connections int
	start, end  time.Time
	state       string
	series      []*series // this job's series, which expire with it

	lastMessage atomic.Int64 // Unix nanoseconds of the last message, 0 before any
	messages    atomic.Uint64
}

// jobDescs are the descriptors of the per-job metrics.
type jobDescs struct {
	up, connections, start, last, end, state, messages *prometheus.Desc
}

func newJobDescs() jobDescs {
	l := []string{jobLabel}
	return jobDescs{
		up:          prometheus.NewDesc("rexporter_job_up", "1 while the R job has a connection open, else 0.", l, nil),
		connections: prometheus.NewDesc("rexporter_job_connections", "Connections the R job has open.", l, nil),
		start:       prometheus.NewDesc("rexporter_job_start_timestamp_seconds", "When the R job's first connection opened (Unix seconds).", l, nil),
		last:        prometheus.NewDesc("rexporter_job_last_message_timestamp_seconds", "When the R job's last message arrived (receive time, Unix seconds).", l, nil),
		end:         prometheus.NewDesc("rexporter_job_end_timestamp_seconds", "When the R job's last connection ended (Unix seconds); absent while it runs.", l, nil),
		state:       prometheus.NewDesc("rexporter_job_state", "The R job's state: running, finished (said bye) or vanished (ended without bye); 1 for the current one.", []string{jobLabel, "state"}, nil),
		messages:    prometheus.NewDesc("rexporter_job_messages_total", "Messages applied from the R job.", l, nil),
	}
}

// attach adds a connection to the named job, creating it if needed. It
// returns nil when the job is new and --max-jobs is reached; the unnamed job
// is always there to fall back on. Called with e.mu held.
func (e *Exporter) attach(name string, now time.Time) *job {
	j := e.jobs[name]
	if j == nil {
		named := len(e.jobs)
		if e.jobs[unnamedJob] != nil {
			named--
		}
		if name != unnamedJob && named >= e.opts.MaxJobs {
			return nil
		}
		j = &job{name: name}
		e.jobs[name] = j
	}
	if j.connections == 0 {
		j.start, j.end, j.state = now, time.Time{}, stateRunning
	}
	j.connections++
	return j
}

// detach removes a connection from its job; the last one to go decides how
// the job ended. Called with e.mu held.
func (e *Exporter) detach(j *job, clean bool, now time.Time) {
	j.connections--
	if j.connections > 0 {
		return
	}
	j.end = now
	j.state = stateVanished
	if clean {
		j.state = stateFinished
	}
}

// collectJobs sends the per-job metrics. Called with e.mu held.
func (e *Exporter) collectJobs(ch chan<- prometheus.Metric) {
	d := e.jobDescs
	for _, j := range e.jobs {
		up := 0.0
		if j.connections > 0 {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(d.up, prometheus.GaugeValue, up, j.name)
		ch <- prometheus.MustNewConstMetric(d.connections, prometheus.GaugeValue, float64(j.connections), j.name)
		ch <- prometheus.MustNewConstMetric(d.start, prometheus.GaugeValue, unixSeconds(j.start), j.name)
		if last := j.lastMessage.Load(); last != 0 {
			ch <- prometheus.MustNewConstMetric(d.last, prometheus.GaugeValue, float64(last)/1e9, j.name)
		}
		if j.connections == 0 {
			ch <- prometheus.MustNewConstMetric(d.end, prometheus.GaugeValue, unixSeconds(j.end), j.name)
		}
		for _, st := range jobStates {
			v := 0.0
			if st == j.state {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(d.state, prometheus.GaugeValue, v, j.name, st)
		}
		ch <- prometheus.MustNewConstMetric(d.messages, prometheus.CounterValue, float64(j.messages.Load()), j.name)
	}
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
