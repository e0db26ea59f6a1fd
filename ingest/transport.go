package ingest

import (
	"net"
	"net/netip"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Transport names how messages arrived; it is the transport label of the
// per-transport self-metrics.
type Transport string

// The transports. Each is served through the same Framer and Sink.
const (
	TransportTCP   Transport = "tcp"
	TransportUnix  Transport = "unix"
	TransportUDP   Transport = "udp"
	TransportHTTP  Transport = "http"
	TransportStdin Transport = "stdin"
)

// listenerTransport tells a stream listener's transport by its network.
func listenerTransport(l net.Listener) Transport {
	if l.Addr().Network() == "unix" {
		return TransportUnix
	}
	return TransportTCP
}

// connTransport tells a stream connection's transport by its network (for
// a connection handed over by another process).
func connTransport(c net.Conn) Transport {
	if c.LocalAddr().Network() == "unix" {
		return TransportUnix
	}
	return TransportTCP
}

// checksAllow reports whether Config.Allow applies to clients of t: it
// matches IP addresses, and a Unix socket or stdin has none (a Unix
// socket's file mode decides who may connect).
func (t Transport) checksAllow() bool {
	return t == TransportTCP || t == TransportUDP || t == TransportHTTP
}

// transportMetrics are one transport's children of the labelled counters.
type transportMetrics struct {
	connections, bytes, framed prometheus.Counter
}

// transportSet creates each transport's series the first time the
// transport is served (a listener starts, or the first HTTP request), so
// that only the transports in use show on /metrics.
type transportSet struct {
	mu sync.Mutex
	m  map[Transport]*transportMetrics
}

// transport returns t's counters, creating their series at 0.
func (m *metrics) transport(t Transport) *transportMetrics {
	m.transports.mu.Lock()
	defer m.transports.mu.Unlock()
	if tm, ok := m.transports.m[t]; ok {
		return tm
	}
	if m.transports.m == nil {
		m.transports.m = map[Transport]*transportMetrics{}
	}
	tm := &transportMetrics{
		connections: m.connectionsTotal.WithLabelValues(string(t)),
		bytes:       m.receivedBytes.WithLabelValues(string(t)),
		framed:      m.framedMessages.WithLabelValues(string(t)),
	}
	m.transports.m[t] = tm
	return tm
}

// openSession makes a session for a short-lived or stdin "connection"
// (a UDP datagram, an HTTP request, standard input) and counts it as an
// open connection of t. NewSession is called under s.mu, like for accepted
// connections, so that the sink sees its calls one at a time (see Sink).
// Shutdown waits for it to be closed. It returns nil when the server is
// shutting down, except for UDP, whose listener reads what has arrived
// until the drain ends (see ServeUDP).
func (s *Server) openSession(remote netip.AddrPort, t Transport) (Session, *transportMetrics) {
	tm := s.m.transport(t)
	s.mu.Lock()
	if s.stopping && t != TransportUDP {
		s.mu.Unlock()
		return nil, nil
	}
	sess := s.sink.NewSession(remote)
	s.wg.Add(1)
	s.mu.Unlock()
	s.m.connections.Inc()
	tm.connections.Inc()
	return sess, tm
}

// closeSession ends a session made by openSession.
func (s *Server) closeSession(sess Session, err error) {
	sess.Close(err)
	s.m.connections.Dec()
	s.wg.Done()
}

// counter is an Emitter that forwards to a session and counts what it
// forwarded, for the transports that frame a whole input at once.
type counter struct {
	sess            Session
	msgs, oversized int
}

// Message implements Emitter.
func (c *counter) Message(msg []byte) {
	c.msgs++
	c.sess.Message(msg)
}

// Oversized implements Emitter.
func (c *counter) Oversized(dropped int) {
	c.oversized++
	c.sess.Oversized(dropped)
}

// account adds n bytes and what c counted to the self-metrics and resets
// c's counts.
func (s *Server) account(tm *transportMetrics, n int, c *counter) {
	if n > 0 {
		tm.bytes.Add(float64(n))
	}
	if c.msgs > 0 {
		tm.framed.Add(float64(c.msgs))
	}
	if c.oversized > 0 {
		s.m.oversizedMessages.Add(float64(c.oversized))
	}
	c.msgs, c.oversized = 0, 0
}

// ServeConn serves one connection that was not accepted from a listener
// (standard input, through a net.Pipe) like an accepted one, from the
// client address remote (an invalid one for none), and returns when it has
// ended. It is not subject to Config.MaxConnections nor Config.Allow.
func (s *Server) ServeConn(nc net.Conn, remote netip.AddrPort, t Transport) {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		nc.Close()
		return
	}
	c := s.startLocked(nc, remote, t)
	s.mu.Unlock()
	s.m.connections.Inc()
	c.tm.connections.Inc()
	c.serve()
}
