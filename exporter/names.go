package exporter

import (
	"strings"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

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

// valueKind is what kind of values a metric holds; the first value of an R
// name decides it.
type valueKind uint8

const (
	kindNumber   valueKind = iota // gauge, counter, histogram
	kindProgress                  // done, steps, ratio
	kindState                     // one series per state, the current one at 1
)

func (k valueKind) String() string {
	return [...]string{"number", "progress", "state"}[k]
}

// kindOf maps a parsed value to the kind of metric it needs.
func kindOf(k parser.ValueKind) valueKind {
	switch k {
	case parser.ValueProgress:
		return kindProgress
	case parser.ValueState:
		return kindState
	}
	return kindNumber
}

// baseName builds a metric's base name: the rule's name or the sanitized R
// name, the unit suffix, the namespace, and "_value" after a reserved suffix.
func baseName(namespace string, mp mapping.Mapping, raw []byte, unit parser.Unit) string {
	base := mp.Name
	if base == "" {
		base = parser.MetricName(raw)
	}
	if s := unit.Suffix(); s != "" && !strings.HasSuffix(base, "_"+s) {
		base += "_" + s
	}
	if namespace != "" {
		base = namespace + "_" + base
	}
	for _, s := range reservedSuffixes {
		if strings.HasSuffix(base, s) {
			return base + "_value"
		}
	}
	return base
}

// familyNames returns every family and sample name a metric of the kind and
// mapping occupies in the exposition: two metrics must not share any.
func familyNames(base string, kind valueKind, mp mapping.Mapping) []string {
	switch kind {
	case kindProgress:
		return []string{base + "_done", base + "_steps", base + "_ratio"}
	case kindState:
		return []string{base}
	}
	var names []string
	g, c, h := mp.FamilyNames(base)
	if g != "" {
		names = append(names, g)
	}
	if c != "" {
		names = append(names, strings.TrimSuffix(c, "_total"), c)
	}
	if h != "" {
		names = append(names, h, h+"_bucket", h+"_sum", h+"_count")
	}
	return names
}

// reserved reports whether any of the names belongs to someone else.
func reserved(names []string) bool {
	for _, n := range names {
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
