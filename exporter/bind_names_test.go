package exporter

import (
	"testing"

	"github.com/rexporter/rexporter/mapping"
	"github.com/rexporter/rexporter/parser"
)

func TestBaseName(t *testing.T) {
	tests := map[string]struct {
		namespace string
		mp        mapping.Mapping
		raw       string
		unit      parser.Unit
		want      string
	}{
		"plain":              {raw: "Random Poisson", want: "random_poisson"},
		"namespace":          {namespace: "r", raw: "loss", want: "r_loss"},
		"counter suffix":     {raw: "Iterations total", want: "iterations_total_value"},
		"count suffix":       {raw: "Item count", want: "item_count_value"},
		"bucket suffix":      {raw: "x bucket", want: "x_bucket_value"},
		"suffix mid-name":    {raw: "total loss", want: "total_loss"},
		"unit suffix":        {raw: "Elapsed", unit: parser.UnitSeconds, want: "elapsed_seconds"},
		"unit already there": {raw: "elapsed seconds", unit: parser.UnitSeconds, want: "elapsed_seconds"},
		"ratio":              {raw: "CPU", unit: parser.UnitRatio, want: "cpu_ratio"},
		"rule name":          {raw: "Random Poisson", mp: mapping.Mapping{Name: "draw"}, unit: parser.UnitBytes, want: "draw_bytes"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := baseName(tc.namespace, &tc.mp, []byte(tc.raw), tc.unit); got != tc.want {
				t.Errorf("baseName = %q, want %q", got, tc.want)
			}
		})
	}
}
