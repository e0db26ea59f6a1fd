package exporter

import "strings"

// reservedPrefixes are metric names that belong to the exporter itself, to the
// Go and process collectors, to promhttp, or to the series Prometheus adds to
// every scrape. A user metric there would shadow or break them.
var reservedPrefixes = []string{"rexporter_", "go_", "process_", "promhttp_", "scrape_"}

// reservedNames are whole names Prometheus writes for every target.
var reservedNames = []string{"up"}

// reservedSuffixes are what Prometheus and OpenMetrics reserve for counters,
// histograms and summaries. A gauge ending in one would fail `promtool check
// metrics` and confuse PromQL, so such a base name gets "_value" appended.
var reservedSuffixes = []string{"_total", "_count", "_sum", "_bucket", "_created"}

// families are the metric family names one R name produces.
type families struct {
	gauge, counter, histogram string
}

// familiesFor returns the family names for the sanitized name, with the
// namespace prefix applied and reserved suffixes avoided.
func familiesFor(namespace, sanitized string) families {
	base := sanitized
	if namespace != "" {
		base = namespace + "_" + sanitized
	}
	for _, s := range reservedSuffixes {
		if strings.HasSuffix(base, s) {
			base += "_value"
			break
		}
	}
	return families{gauge: base, counter: base + "_messages", histogram: base + "_values"}
}

// names returns every family and sample name the families occupy in the
// exposition: two names must not share any of them.
func (f families) names() []string {
	return []string{
		f.gauge,
		f.counter, f.counter + "_total",
		f.histogram, f.histogram + "_bucket", f.histogram + "_sum", f.histogram + "_count",
	}
}

// reserved reports whether any of the names belongs to someone else.
func (f families) reserved() bool {
	for _, n := range f.names() {
		for _, p := range reservedPrefixes {
			if strings.HasPrefix(n, p) {
				return true
			}
		}
		for _, r := range reservedNames {
			if n == r {
				return true
			}
		}
	}
	return false
}
