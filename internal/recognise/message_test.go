package recognise

import (
	"math"
	"testing"

	"github.com/rexporter/rexporter/parser"
)

// TestUpdateMessage checks that every kind of update writes a message the
// parser reads back as the same value.
func TestUpdateMessage(t *testing.T) {
	tests := map[string]struct {
		u     Update
		want  string
		kind  parser.ValueKind
		value float64
	}{
		"gauge":      {u: Update{Name: "optim_value", Value: 52.38583}, want: "optim_value: 52.38583", kind: parser.ValueNumber, value: 52.38583},
		"tiny gauge": {u: Update{Name: "x", Value: 1e-300}, want: "x: 1e-300", kind: parser.ValueNumber, value: 1e-300},
		"infinite":   {u: Update{Name: "optim_value", Value: math.Inf(1)}, want: "optim_value: Inf", kind: parser.ValueNumber, value: math.Inf(1)},
		"minus inf":  {u: Update{Name: "x", Value: math.Inf(-1)}, want: "x: -Inf", kind: parser.ValueNumber, value: math.Inf(-1)},
		"progress":   {u: Update{Name: "txt_progress", Value: 45, Total: 100, Kind: Progress}, want: "txt_progress: 45/100", kind: parser.ValueProgress, value: 45},
		"state":      {u: Update{Name: "caret_phase", State: "final model", Kind: State}, want: "caret_phase: final model", kind: parser.ValueState},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := tc.u.Message()
			if got != tc.want {
				t.Fatalf("Message() = %q, want %q", got, tc.want)
			}
			var m parser.Message
			if err := parser.Parse([]byte(got), &m); err != nil || len(m.Fields) != 1 {
				t.Fatalf("parse %q: %v, %d fields", got, err, len(m.Fields))
			}
			f := m.Fields[0]
			if f.Kind != tc.kind || (tc.kind != parser.ValueState && f.Value != tc.value) {
				t.Errorf("parsed kind %v value %v, want %v %v", f.Kind, f.Value, tc.kind, tc.value)
			}
		})
	}
}
