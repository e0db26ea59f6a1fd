package status

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// healthMetrics are the exporter's own metrics the page shows, summed over
// their labels; counters also get a rate.
var healthMetrics = []struct {
	name    string
	counter bool
}{
	{"rexporter_connections", false},
	{"rexporter_messages_total", true},
	{"rexporter_parse_errors_total", true},
	{"rexporter_oversized_messages_total", true},
	{"rexporter_received_bytes_total", true},
	{"rexporter_connections_rejected_total", true},
	{"process_resident_memory_bytes", false},
}

// Health is the exporter's own state.
type Health struct {
	Version   string    `json:"version"`
	Started   time.Time `json:"started"`
	Ready     bool      `json:"ready"` // every ingest listener accepts connections
	Series    int       `json:"series"`
	MaxSeries int       `json:"max_series"`
	Jobs      int       `json:"jobs"`
	// Metrics holds some of the exporter's own metrics by name (see
	// healthMetrics): those the self registry has.
	Metrics map[string]HealthMetric `json:"metrics"`
	// Transports holds each transport's connections, bytes and framed
	// messages, by transport label (tcp, unix, udp, http, stdin).
	Transports map[string]TransportStats `json:"transports"`
}

// HealthMetric is one of the exporter's own metrics.
type HealthMetric struct {
	Value float64 `json:"value"`
	// Rate is per second, for counters once two samples exist.
	Rate *float64 `json:"per_second,omitempty"`
}

// gatherHealth reads healthMetrics from the gatherer. A gathering error
// leaves out what could not be read: the page shows the rest.
func gatherHealth(g prometheus.Gatherer) map[string]float64 {
	out := map[string]float64{}
	if g == nil {
		return out
	}
	mfs, _ := g.Gather()
	for _, mf := range mfs {
		for _, h := range healthMetrics {
			if mf.GetName() == h.name {
				out[h.name] = sum(mf)
			}
		}
	}
	return out
}

// sum adds up a family's samples.
func sum(mf *dto.MetricFamily) float64 {
	total := 0.0
	for _, m := range mf.GetMetric() {
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Untyped != nil:
			total += m.GetUntyped().GetValue()
		}
	}
	return total
}

// counters keeps the counters among gathered values, for the history.
func counters(vals map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, h := range healthMetrics {
		if v, ok := vals[h.name]; ok && h.counter {
			out[h.name] = v
		}
	}
	return out
}
