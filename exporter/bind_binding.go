package exporter

import (
	"slices"
	"strings"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

// binding is how one R name maps to metrics under the current mapping.
type binding struct {
	raw, display string
	mp           *mapping.Mapping // &mapped; its metric shares it
	mapped       mapping.Mapping
	labelValues  []string // the values of mp.Labels
	metric       *metric  // fixed by the name's first value (its kind and unit)
	series       []*series
}

// bindingOf returns the binding of an R name: the one it has while it has
// series, else a new one under the mapping in force (entered in e.bindings
// with the name's first series). Called with e.mu held.
func (e *Exporter) bindingOf(raw []byte) *binding {
	if b := e.bindings[string(raw)]; b != nil {
		return b
	}
	return newBinding(raw, e.mapper)
}

// newBinding maps an R name: its display form, its mapping rule and the
// values of the rule's labels.
func newBinding(raw []byte, mapper *mapping.Mapper) *binding {
	display := parser.DisplayName(raw)
	b := &binding{raw: string(raw), display: display, mapped: mapper.Map(display)}
	b.mp = &b.mapped
	for _, l := range b.mp.Labels {
		b.labelValues = append(b.labelValues, l.Value)
	}
	return b
}

// misfit says why a value of the kind and unit cannot update the binding's
// metric, or "" when it can or the binding has no metric yet.
func (b *binding) misfit(kind valueKind, unit parser.Unit) string {
	switch m := b.metric; {
	case m == nil:
		return ""
	case m.kind != kind:
		return reasonKindMismatch
	case m.unit != unit:
		return reasonUnitMismatch
	}
	return ""
}

// conversion is the mapping's switch for converting values to unit; none for
// a plain number.
func conversion(unit parser.Unit) mapping.Units {
	switch unit {
	case parser.UnitSeconds:
		return mapping.UnitsDuration
	case parser.UnitBytes:
		return mapping.UnitsSize
	case parser.UnitRatio:
		return mapping.UnitsPercent
	}
	return mapping.UnitsNone
}

// unitOf is the unit a value has under the mapping: none when the rule
// switched that kind of conversion off.
func unitOf(units mapping.Units, f *parser.Field) parser.Unit {
	need := conversion(f.Unit)
	if need == mapping.UnitsNone || units&need == 0 {
		return parser.UnitNone
	}
	return f.Unit
}

// unitAllowed reports whether the mapping still converts values to unit (a
// plain number always fits).
func unitAllowed(mp *mapping.Mapping, unit parser.Unit) bool {
	need := conversion(unit)
	return need == mapping.UnitsNone || mp.Units&need != 0
}

// numberOf is a number field's value under the mapping: in the base unit, or
// as written when the conversion is off.
func numberOf(units mapping.Units, f *parser.Field) float64 {
	if f.Unit != parser.UnitNone && unitOf(units, f) == parser.UnitNone {
		return f.Value / f.Scale
	}
	return f.Value
}

// labelKey identifies a series within its metric.
func labelKey(labels []string) string { return strings.Join(labels, "\xff") }

// sameMapping reports whether two mappings make the same metrics (the rule
// that decided them aside), so a reload keeps the series of unchanged names.
func sameMapping(a, b mapping.Mapping) bool {
	return a.Drop == b.Drop && a.Name == b.Name && a.Help == b.Help &&
		a.Gauge == b.Gauge && a.Counter == b.Counter && a.Histogram == b.Histogram &&
		a.CounterMode == b.CounterMode && slices.Equal(a.Buckets, b.Buckets) &&
		a.NativeFactor == b.NativeFactor && a.NativeMaxBuckets == b.NativeMaxBuckets &&
		slices.Equal(a.Labels, b.Labels) && a.TTL == b.TTL && a.Units == b.Units &&
		a.MaxSeries == b.MaxSeries && a.MaxStates == b.MaxStates
}
