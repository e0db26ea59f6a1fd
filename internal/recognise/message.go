package recognise

import (
	"math"
	"strconv"
)

// Message writes the update as a message in rexporter's grammar
// (docs/messages.md), with Name as the R name: "optim_value: 52.38583",
// "txt_progress: 45/100", "stan_chain_1_phase: warmup".
func (u Update) Message() string {
	switch u.Kind {
	case Progress:
		return u.Name + ": " + formatValue(u.Value) + "/" + formatValue(u.Total)
	case State:
		return u.Name + ": " + u.State
	}
	return u.Name + ": " + formatValue(u.Value)
}

// formatValue writes a number the way R prints the special values.
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
