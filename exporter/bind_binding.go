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
	mp           mapping.Mapping
	labelValues  []string // the values of mp.Labels
	metric       *metric  // fixed by the name's first value (its kind and unit)
	series       []*series
}

func newBinding(raw []byte, mapper *mapping.Mapper) *binding {
	display := parser.DisplayName(raw)
	b := &binding{raw: string(raw), display: display, mp: mapper.Map(display)}
	for _, l := range b.mp.Labels {
		b.labelValues = append(b.labelValues, l.Value)
	}
	return b
}

// unitOf is the unit a value has under the mapping: none when the rule
// switched that kind of conversion off.
func unitOf(units mapping.Units, f *parser.Field) parser.Unit {
	var need mapping.Units
	switch f.Unit {
	case parser.UnitSeconds:
		need = mapping.UnitsDuration
	case parser.UnitBytes:
		need = mapping.UnitsSize
	case parser.UnitRatio:
		need = mapping.UnitsPercent
	default:
		return parser.UnitNone
	}
	if units&need == 0 {
		return parser.UnitNone
	}
	return f.Unit
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
