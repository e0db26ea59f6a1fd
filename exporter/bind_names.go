package exporter

import (
	"strings"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

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
	// A gauge ending in a reserved suffix would fail `promtool check metrics`
	// and confuse PromQL.
	if mapping.ReservedSuffix(base) != "" {
		return base + "_value"
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

// reserved reports whether any of the names belongs to someone else (see
// mapping.ReservedName).
func reserved(names []string) bool {
	for _, n := range names {
		if mapping.ReservedName(n) != "" {
			return true
		}
	}
	return false
}
