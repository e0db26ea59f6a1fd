package exporter

import (
	"slices"
	"strings"
)

// NameInfo tells how one R name was mapped, for `rexporter parse`.
type NameInfo struct {
	RName  string // the R name, as valid UTF-8
	Metric string // the metric base name
	Kind   string // number, progress or state
	Rule   string // the mapping rule that decided it, or "defaults"
}

// Names lists the R names that have series, sorted by R name.
func (e *Exporter) Names() []NameInfo {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []NameInfo
	for _, b := range e.bindings {
		if b.metric == nil {
			continue
		}
		out = append(out, NameInfo{RName: b.display, Metric: b.metric.base, Kind: b.metric.kind.String(), Rule: b.mp.Rule})
	}
	slices.SortFunc(out, func(a, b NameInfo) int { return strings.Compare(a.RName, b.RName) })
	return out
}
