package exporter

import (
	"testing"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

// TestUnitConversions checks that a restored series' unit is allowed exactly
// when a new value in that unit would keep it (unitAllowed against unitOf),
// for every unit and every mapping's choice of conversions.
func TestUnitConversions(t *testing.T) {
	units := []parser.Unit{parser.UnitNone, parser.UnitSeconds, parser.UnitBytes, parser.UnitRatio}
	for on := mapping.UnitsNone; on <= mapping.UnitsDuration|mapping.UnitsSize|mapping.UnitsPercent; on++ {
		for _, u := range units {
			f := &parser.Field{Unit: u}
			kept := unitOf(on, f) == u
			if got := unitAllowed(&mapping.Mapping{Units: on}, u); got != kept {
				t.Errorf("units %b, unit %v: unitAllowed = %v, unitOf keeps it: %v", on, u, got, kept)
			}
			if u != parser.UnitNone && kept != (on&conversion(u) != 0) {
				t.Errorf("units %b, unit %v: unitOf keeps it: %v", on, u, kept)
			}
		}
	}
}
