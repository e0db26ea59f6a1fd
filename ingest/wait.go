package ingest

import (
	"net"
	"net/netip"
	"slices"
	"time"
)

// Connections beyond Config.MaxConnections wait here for a slot (see
// Config.ConnWait).

// waiter is a connection waiting for a slot.
type waiter struct {
	nc     net.Conn
	remote netip.AddrPort
	tr     Transport
	timer  *time.Timer
}

// popWaiterLocked removes waiting[i] and wakes the listeners. The caller
// holds s.mu.
func (s *Server) popWaiterLocked(i int) *waiter {
	w := s.waiting[i]
	s.waiting = slices.Delete(s.waiting, i, i+1)
	w.timer.Stop() // if it already fired, expire finds w gone
	s.m.waiting.Dec()
	close(s.queueRoom)
	s.queueRoom = make(chan struct{})
	return w
}

// expire refuses a connection that waited Config.ConnWait for a slot.
func (s *Server) expire(w *waiter) {
	s.mu.Lock()
	i := slices.Index(s.waiting, w)
	if i < 0 {
		s.mu.Unlock()
		return
	}
	s.popWaiterLocked(i)
	logged := s.maxConnsLog.note(s.now())
	s.mu.Unlock()
	s.refuseMaxConns(w.nc, w.remote, logged)
}

// waitQueueRoom blocks while MaxConnections connections wait for a slot,
// so that further ones stay in the kernel's backlog. It reports false when
// the server is shutting down.
func (s *Server) waitQueueRoom() bool {
	for {
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			return false
		}
		if len(s.waiting) < s.cfg.MaxConnections {
			s.mu.Unlock()
			return true
		}
		room := s.queueRoom
		s.mu.Unlock()
		select {
		case <-room:
		case <-s.done:
			return false
		}
	}
}

// startLocked registers a connection to serve; the caller holds s.mu and
// calls c.start after releasing it.
func (s *Server) startLocked(nc net.Conn, remote netip.AddrPort, t Transport) *conn {
	c := newConn(s, nc, remote, t)
	// The session is made here, in the order connections were accepted
	// (waiting ones get their slots first come, first served), not when the
	// connection's goroutine first runs: the sink may order what
	// connections send by it (see Sink).
	c.sess = s.sink.NewSession(remote)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c
}

// start starts serving a connection registered by startLocked.
func (c *conn) start() {
	c.srv.m.connections.Inc()
	if !c.adopted { // counted by the process that accepted it
		c.tm.connections.Inc()
	}
	go c.serve()
}

// refuseMaxConns resets a connection that found no slot, counts it and logs
// it (logged is what the rate limiter said).
func (s *Server) refuseMaxConns(nc net.Conn, remote netip.AddrPort, logged int) {
	s.refuse(nc, "max_connections")
	if logged > 0 {
		s.log.Warn("connection rejected: too many open connections",
			"remote", remote.String(), "max_connections", s.cfg.MaxConnections,
			"conn_wait", s.cfg.ConnWait.String(), "rejected_since_last_log", logged)
	}
}

// refuse resets a rejected connection and counts it, and the bytes that
// were waiting in its socket, under reason.
func (s *Server) refuse(nc net.Conn, reason string) {
	n, _ := bytesWaiting(nc)
	reset(nc)
	s.m.rejected(reason, n)
}
