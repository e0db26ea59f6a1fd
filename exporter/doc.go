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
package exporter
