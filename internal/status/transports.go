package status

import (
	"github.com/prometheus/client_golang/prometheus"
)

// TransportStats is one transport's share of the ingest counters (see
// rexporter_connections_total{transport} and its siblings).
type TransportStats struct {
	Connections float64 `json:"connections"`
	Bytes       float64 `json:"received_bytes"`
	Messages    float64 `json:"framed_messages"`
}

// gatherTransports reads each transport's connections, bytes and framed
// messages from the gatherer: only the transports in use have series. A
// gathering error leaves out what could not be read.
func gatherTransports(g prometheus.Gatherer) map[string]TransportStats {
	out := map[string]TransportStats{}
	if g == nil {
		return out
	}
	mfs, _ := g.Gather()
	for _, mf := range mfs {
		var field func(*TransportStats) *float64
		switch mf.GetName() {
		case "rexporter_connections_total":
			field = func(s *TransportStats) *float64 { return &s.Connections }
		case "rexporter_received_bytes_total":
			field = func(s *TransportStats) *float64 { return &s.Bytes }
		case "rexporter_framed_messages_total":
			field = func(s *TransportStats) *float64 { return &s.Messages }
		default:
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() != "transport" {
					continue
				}
				s := out[lp.GetValue()]
				*field(&s) += m.GetCounter().GetValue()
				out[lp.GetValue()] = s
			}
		}
	}
	return out
}
