package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are the server's self-metrics. Connection goroutines add to the
// counters once per read, not once per message.
type metrics struct {
	connections         prometheus.Gauge
	connectionsTotal    prometheus.Counter
	rejectedMaxConns    prometheus.Counter
	rejectedNotAllowed  prometheus.Counter
	receivedBytes       prometheus.Counter
	oversizedMessages   prometheus.Counter
	framedMessages      prometheus.Counter
	connectionsRejected *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	m := &metrics{
		connections: f.NewGauge(prometheus.GaugeOpts{
			Namespace: "rexporter",
			Name:      "connections",
			Help:      "Open client connections.",
		}),
		connectionsTotal: f.NewCounter(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "connections_total",
			Help:      "Client connections accepted and served (rejected ones are not counted here).",
		}),
		connectionsRejected: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "connections_rejected_total",
			Help:      "Client connections closed right after accepting them, by reason.",
		}, []string{"reason"}),
		receivedBytes: f.NewCounter(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "received_bytes_total",
			Help:      "Bytes received from clients.",
		}),
		oversizedMessages: f.NewCounter(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "oversized_messages_total",
			Help:      "Messages discarded because they were longer than the message size limit.",
		}),
		framedMessages: f.NewCounter(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "framed_messages_total",
			Help:      "Complete messages cut from the byte streams and handed on for parsing.",
		}),
	}
	// Pre-initialised so that the series exists (at 0) before the first
	// rejection and rate()/increase() see that first one.
	m.rejectedMaxConns = m.connectionsRejected.WithLabelValues("max_connections")
	m.rejectedNotAllowed = m.connectionsRejected.WithLabelValues("not_allowed")
	return m
}
