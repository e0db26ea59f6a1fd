package mapping

import (
	"sort"
	"strings"
)

// reservedPrefixes are metric name prefixes that belong to the exporter, to
// the Go and process collectors, to promhttp, or to what Prometheus adds to
// every scrape. A rule's name may not produce a metric starting with one,
// whatever --namespace is.
var reservedPrefixes = []string{"rexporter_", "go_", "process_", "promhttp_", "scrape_"}

// reservedNames are whole metric names Prometheus writes for every target.
var reservedNames = []string{"up"}

// reservedSuffixes are what Prometheus and OpenMetrics reserve for counters,
// histograms and summaries. A rule's static name may not end in one (the
// families add their own suffixes); a name built from captures that does gets
// _value appended by the caller, like a sanitized R name.
var reservedSuffixes = []string{"_total", "_count", "_sum", "_bucket", "_created"}

// reservedLabels are label names a rule may not set: Prometheus sets job and
// instance on every scraped series, rexporter sets r_job, and histograms and
// summaries use le and quantile, state metrics state. Names starting with
// __ are reserved too.
var reservedLabels = []string{"job", "instance", "r_job", "le", "quantile", "state"}

// validName reports whether s is a classic Prometheus metric or label name
// ([a-zA-Z_][a-zA-Z0-9_]*).
func validName(s string) bool {
	return s != "" && wordLen(s) == len(s) && !(s[0] >= '0' && s[0] <= '9')
}

// checkLabelName returns why name cannot be a label name, or "".
func checkLabelName(name string) string {
	switch {
	case !validName(name):
		return "is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)"
	case strings.HasPrefix(name, "__"):
		return "is reserved (names starting with __ belong to Prometheus)"
	case contains(reservedLabels, name):
		return "is reserved (job, instance, r_job, le, quantile and state are set by Prometheus or rexporter)"
	}
	return ""
}

// checkNameText returns why the literal text of a metric name (a static name,
// or the literal parts of a template) is not acceptable, or "". first says
// whether text starts the name.
func checkNameText(text string, first bool) string {
	switch {
	case wordLen(text) != len(text):
		return "may only contain letters, digits and _"
	case first && text[0] >= '0' && text[0] <= '9':
		return "must not start with a digit"
	case strings.Contains(text, "__"):
		return "must not contain __ (reserved by Prometheus, and never produced from R names)"
	}
	return ""
}

// ReservedName returns the reserved prefix or name that the metric name
// starts with or is, or "": such a name belongs to the exporter, the Go and
// process collectors, promhttp or Prometheus. The exporter checks the names
// it derives from R names with it, as this package checks rules' names.
func ReservedName(name string) string {
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p) {
			return p
		}
	}
	if contains(reservedNames, name) {
		return name
	}
	return ""
}

// ReservedSuffix returns the suffix Prometheus and OpenMetrics reserve
// (_total, _count, _sum, _bucket, _created) that the metric name ends in,
// or "". A base name ending in one gets _value appended.
func ReservedSuffix(name string) string {
	for _, suf := range reservedSuffixes {
		if strings.HasSuffix(name, suf) {
			return suf
		}
	}
	return ""
}

func sortLabels(ls []labelSpec) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].name < ls[j].name })
}

// suggest returns ` (did you mean "x"?)` for the known key closest to key, if
// one is close enough to be a typo.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return ` (did you mean "` + best + `"?)`
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
