// Package exporter owns the metric state that R messages build up, and the
// exporter's own self-metrics.
//
// Every numeric R name becomes three metric families, all named after the
// sanitized name (parser.MetricName) with an optional namespace prefix:
//
//	<name>                  gauge      the last value received
//	<name>_messages_total   counter    messages that carried the name
//	<name>_values           histogram  the distribution of the finite values
//
// State is kept in compact per-name structures updated with atomics and is
// exposed by a custom prometheus.Collector that builds const metrics at scrape
// time: a GaugeVec/CounterVec/HistogramVec per name through the registry costs
// about twice the ingest time and a slow scrape at 10,000 names.
package exporter
