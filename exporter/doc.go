// Package exporter owns the metric state that R messages build up, and the
// exporter's own self-metrics.
//
// Each R name is bound, through the mapping (package mapping; without a file
// every name gets the defaults), to a metric named after the rule's name or
// the sanitized R name (parser.MetricName), with the unit's suffix and an
// optional namespace prefix. The first value of a name fixes the metric's
// kind:
//
//	number    <name> gauge, <name>_messages_total or <name>_total counter,
//	          <name>_values histogram (the families the mapping asks for)
//	progress  <name>_done, <name>_steps, <name>_ratio gauges
//	state     <name>{state="..."} gauges, 1 for the current state
//
// A series is one metric for one label set: the mapping's labels and, for a
// named job, r_job. Series expire after their TTL or with their job, and caps
// fold new series into one overflow series per metric.
//
// State is kept in compact per-series structures updated with atomics and is
// exposed by a custom prometheus.Collector that builds const metrics at scrape
// time: a GaugeVec/CounterVec/HistogramVec per name through the registry costs
// about twice the ingest time and a slow scrape at 10,000 names.
//
// # How a message becomes a series
//
// Session.Message (session.go) parses the message (package parser) and
// Session.apply updates the series of each field. Session.lookup finds a
// field's series in the session's recent slots, then in the lock-free name
// table (table.go), then in the session's cache of names without a series of
// their own; a name it knows nothing of goes on to Exporter.resolve
// (bind_resolve.go), under the lock, which walks down and never back up:
//
//	resolve              bind_resolve.go   the name's series, or the reason it is refused
//	  bindingOf          bind_binding.go   R name -> mapping rule and label values
//	  newSeriesLocked    bind_resolve.go   the caps; the new series entered in the table
//	    binding.misfit   bind_binding.go   a value of another kind or unit than the metric's
//	    metricFor        bind_names.go     base name -> family names -> reserved? taken?
//	      newMetric      bind_metric.go    the metric's families and descriptors
//	    newSeries        series.go         the series' state, its histogram (histogram.go)
//
// (A restored series takes the same walk from createSeries.) For a name
// never seen, prepare (bind_prepare.go) first does the walk's allocating
// work outside the lock; under it, each prepared part is taken only if it
// still fits.
//
// Session.observe then writes the value into the series with atomics. A
// scrape (Exporter.Expose in expose.go, or Collect) expires what is due
// (bind_expire.go) and writes every series. A name refused at a cap (or
// folded into an existing overflow series) is decided under the read lock,
// the same walk with write false; only what creates something takes the
// write lock.
//
// # Files
//
// Each file of the package, by area (TestDocFileMap keeps this list true):
//
// Core:
//
//	doc.go                 this map
//	exporter.go            Exporter, Options, New, Collect, SetMapper
//	self_metrics.go        the exporter's own metrics and the reason labels they count under
//
// Hot path (every message):
//
//	session.go             Session: Message, parse, apply, lookup, observe
//	session_job.go         a connection's job: naming, unnamed identities
//	session_recognise.go   lines the recognisers read instead of the parser
//	session_drops.go       dropped messages and fields: logged (rate-limited), RecentRefused
//	table.go               the lock-free name table: (job, R name) -> series
//	series.go              a series' state and its atomic updates, Collect's const metrics
//	histogram.go           a series' classic and native histogram
//
// Name binding (a name's first value, under the lock):
//
//	bind_resolve.go        resolve, createSeries, newSeriesLocked, overflow series, logRejected
//	bind_prepare.go        a never-seen name bound before the write lock: binding, names, metric, series
//	bind_binding.go        binding: an R name under the mapping; units, kind/unit misfits
//	bind_names.go          metricFor: base name, family names, reserved and taken names
//	bind_metric.go         metric: kind, families, descriptors, HELP texts
//	bind_expire.go         expiry by TTL and job retention; removing series, metrics, bindings
//	bind_info.go           Names: how each R name was bound, for rexporter parse
//
// Scrape (the text writer itself is package exporter/internal/textfmt):
//
//	expose.go              Expose: every family written straight from the series
//	expose_cache.go        the scrape's cache: families sorted once, extended with new series outside the lock
//
// Jobs:
//
//	jobs.go                job: attach, detach, lifecycle states
//	jobs_identity.go       unnamed connections' identities, job name bounds
//	jobs_families.go       the per-job families (rexporter_job_*), collected and exposed
//	jobs_run.go            run control messages (run: ...): how a job ended, its parameters
//	jobs_run_families.go   the families run messages add; info samples
//	jobs_stall.go          stall detection from the gaps between a job's messages
//
// State (--state.file and the hand-over):
//
//	state.go               SaveState, LoadState: series and jobs to a document and back
//	state_format.go        the versioned JSON document and its checks
//	state_file.go          saving to a file atomically, loading from one
//	state_session.go       a session carried over a hand-over (Suspend, ResumeSession)
//	state_tomb.go          tombstones: expired counters' totals kept for their return
//
// Status-page hooks:
//
//	status_snapshot.go     Snapshot: a copy of the series and jobs for the status page
//	status_tap.go          Tap: every handled message and what became of it, while watched
package exporter
