package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are the server's self-metrics. Connection goroutines add to the
// counters once per read, not once per message.
type metrics struct {
	connections         prometheus.Gauge
	connectionsTotal    *prometheus.CounterVec
	rejectedMaxConns    prometheus.Counter
	rejectedNotAllowed  prometheus.Counter
	receivedBytes       *prometheus.CounterVec
	oversizedMessages   prometheus.Counter
	framedMessages      *prometheus.CounterVec
	connectionsRejected *prometheus.CounterVec
	waiting             prometheus.Gauge
	rejectedBytes       *prometheus.CounterVec
	udpDropped          *prometheus.CounterVec
	turnWait            prometheus.Counter
	turnWaiting         prometheus.Gauge
	transports          transportSet
}

// rejected counts a rejected connection with n bytes waiting in its socket.
func (m *metrics) rejected(reason string, n int) {
	switch reason {
	case "max_connections":
		m.rejectedMaxConns.Inc()
	default:
		m.rejectedNotAllowed.Inc()
	}
	if n > 0 {
		m.rejectedBytes.WithLabelValues(reason).Add(float64(n))
	}
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	m := &metrics{
		connections: f.NewGauge(prometheus.GaugeOpts{
			Namespace: "rexporter",
			Name:      "connections",
			Help:      "Open client connections.",
		}),
		connectionsTotal: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "connections_total",
			Help:      "Client connections accepted and served (rejected ones are not counted here), by transport (a UDP datagram and an HTTP request are one each).",
		}, []string{"transport"}),
		connectionsRejected: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "connections_rejected_total",
			Help:      "Client connections reset without being served (at once, or after waiting for a free slot), by reason.",
		}, []string{"reason"}),
		waiting: f.NewGauge(prometheus.GaugeOpts{
			Namespace: "rexporter",
			Name:      "connections_waiting",
			Help:      "Client connections accepted beyond the connection limit that wait for a free slot.",
		}),
		rejectedBytes: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "rejected_bytes_total",
			Help:      "Bytes that were waiting in the sockets of rejected client connections, by reason (where the platform tells).",
		}, []string{"reason"}),
		receivedBytes: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "received_bytes_total",
			Help:      "Bytes received from clients, by transport.",
		}, []string{"transport"}),
		oversizedMessages: f.NewCounter(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "oversized_messages_total",
			Help:      "Messages discarded because they were longer than the message size limit.",
		}),
		framedMessages: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "framed_messages_total",
			Help:      "Complete messages cut from the byte streams and handed on for parsing, by transport.",
		}, []string{"transport"}),
		udpDropped: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "udp_datagrams_dropped_total",
			Help:      "UDP datagrams dropped unread, by reason: not_allowed (outside the allowlist), receive_buffer (the socket's receive buffer was full; Linux), truncated (longer than the read buffer).",
		}, []string{"reason"}),
		turnWait: f.NewCounter(prometheus.CounterOpts{
			Namespace: "rexporter",
			Name:      "connection_turn_wait_seconds_total",
			Help:      "Time client connections with data to handle waited for their turn, beyond --max-busy-connections handling theirs (summed over connections).",
		}),
		turnWaiting: f.NewGauge(prometheus.GaugeOpts{
			Namespace: "rexporter",
			Name:      "connections_waiting_turn",
			Help:      "Client connections with data to handle that wait for their turn (see --max-busy-connections).",
		}),
	}
	// Pre-initialised so that the series exists (at 0) before the first
	// rejection and rate()/increase() see that first one.
	m.rejectedMaxConns = m.connectionsRejected.WithLabelValues("max_connections")
	m.rejectedNotAllowed = m.connectionsRejected.WithLabelValues("not_allowed")
	m.rejectedBytes.WithLabelValues("max_connections")
	m.rejectedBytes.WithLabelValues("not_allowed")
	return m
}
