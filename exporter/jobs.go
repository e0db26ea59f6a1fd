package exporter

import (
	"sync/atomic"
	"time"
)

// overflowJob is the job of connections that name a new job, or need a new
// identity, while --max-jobs jobs are known: they share it rather than merge
// with a real job.
const overflowJob = overflowValue

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

// jobStates is the bounded set of states; failed, killed and oom_killed
// come from `run:` messages (see jobRun).
var jobStates = []string{stateRunning, stateFinished, stateFailed, stateKilled, stateOOMKilled, stateVanished}

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
	// refused counts the fields refused because the job had
	// --max-series-per-job series.
	refused atomic.Uint64

	run  jobRun // what `run:` messages said (jobs_run.go)
	gaps gaps   // recent gaps between its values, for stall detection
	// lastValues is when its last values arrived (Unix nanoseconds).
	lastValues atomic.Int64
}

// attach adds a connection to the named job, creating it if needed. It
// returns nil when the job is new and --max-jobs is reached; the overflow
// job is always there to fall back on. Called with e.mu held.
func (e *Exporter) attach(name string, now time.Time) *job {
	j := e.jobs[name]
	if j == nil {
		known := len(e.jobs)
		if e.jobs[overflowJob] != nil {
			known--
		}
		if name != overflowJob && known >= e.opts.MaxJobs {
			return nil
		}
		j = &job{name: name}
		e.jobs[name] = j
	}
	if j.connections == 0 {
		j.start, j.end, j.state = now, time.Time{}, stateRunning
		j.run.restart()
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
	if end := j.run.ending(); end != "" {
		// `rexporter run` said how the job ended: that beats bye.
		j.state = end
	}
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
