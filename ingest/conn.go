package ingest

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// conn is one served client connection. Its goroutine (serve) does all the
// reading, framing and Session calls; Shutdown only touches the read
// deadline, under mu.
type conn struct {
	srv    *Server
	nc     net.Conn
	remote netip.AddrPort
	framer *Framer
	sess   Session
	tm     *transportMetrics

	// Counts since the last flush to the prometheus counters, so the
	// per-message path only increments plain ints.
	msgs, oversized int
	// Totals for the close log.
	totalBytes, totalMsgs int64

	quiet quietGap // the pending tail's deadline (quiet.go)

	mu       sync.Mutex
	deadline time.Time // the read deadline in force (zero: none)
	drainEnd time.Time // set by Shutdown; deadlines never go beyond it
	// pz is the hand-over pause the connection is to park for (see
	// Server.Pause); pauseAcked says it told the pause it stopped.
	pz         *pause
	pauseAcked bool
	ended      bool // its session is closed
	// adopted: handed over by another process (see Server.Adopt).
	adopted bool
}

func newConn(s *Server, nc net.Conn, remote netip.AddrPort, t Transport) *conn {
	return &conn{
		srv:    s,
		nc:     nc,
		remote: remote,
		tm:     s.m.transport(t),
		framer: NewFramer(s.cfg.MaxMessageBytes),
	}
}

// Message implements Emitter: it forwards a framed message to the session.
func (c *conn) Message(msg []byte) {
	c.msgs++
	c.sess.Message(msg)
}

// Oversized implements Emitter.
func (c *conn) Oversized(dropped int) {
	c.oversized++
	c.sess.Oversized(dropped)
}

// flush ends a pending tail as a message (quiet gap, end of connection).
func (c *conn) flush() {
	if !c.framer.Pending() {
		return
	}
	c.sess.Begin(c.srv.now())
	c.framer.Flush(c)
	c.sess.End()
	c.account(0)
}

// account adds the counts of one read (n bytes) and what it framed to the
// self-metrics.
func (c *conn) account(n int) {
	m := c.srv.m
	if n > 0 {
		c.tm.bytes.Add(float64(n))
		c.totalBytes += int64(n)
	}
	if c.msgs > 0 {
		c.tm.framed.Add(float64(c.msgs))
		c.totalMsgs += int64(c.msgs)
		c.msgs = 0
	}
	if c.oversized > 0 {
		m.oversizedMessages.Add(float64(c.oversized))
		c.oversized = 0
	}
}

// setDeadline sets the read deadline, but never beyond the end of a
// shutdown drain (a zero t means none, i.e. the drain end if draining).
func (c *conn) setDeadline(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.drainEnd.IsZero() && (t.IsZero() || t.After(c.drainEnd)) {
		t = c.drainEnd
	}
	if c.pz != nil {
		t = pastDeadline // parking for a hand-over
	}
	c.deadline = t
	c.nc.SetReadDeadline(t)
}

// drain makes the connection stop reading at end (see Server.Shutdown).
func (c *conn) drain(end time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.drainEnd.IsZero() {
		return
	}
	c.drainEnd = end
	c.deadline = end
	c.nc.SetReadDeadline(end)
}

// drainOver reports whether the deadline that just expired was the end of
// a shutdown drain (rather than a quiet gap, which may come first).
func (c *conn) drainOver() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.drainEnd.IsZero() && c.deadline.Equal(c.drainEnd)
}

// serve reads the connection until EOF, an error or the end of a shutdown
// drain. It never stops reading early and never closes the connection
// because of its content: R kills its script with SIGPIPE when it writes to
// a connection the server closed, and blocks in write.socket when the
// server does not read.
func (c *conn) serve() {
	s := c.srv
	defer s.connDone(c)
	log := s.log.With("remote", c.remote.String())
	log.Debug("connection opened")

	buf := make([]byte, s.cfg.ReadBufferBytes)
	// costly says the session's last batch was costly (see Costly); a
	// session that cannot tell never is.
	costlyOf, _ := c.sess.(Costly)
	costly := false
	var closeErr error
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			now := s.now() // received now, handled in its turn
			began := s.turns.take(costly)
			c.sess.Begin(now)
			c.framer.Feed(buf[:n], c)
			c.sess.End()
			s.turns.give(costly, began)
			costly = costlyOf != nil && costlyOf.Costly()
			c.account(n)
			c.dataRead(now)
		}
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if p := c.pauseRequested(); p != nil {
				if c.park(p) {
					continue
				}
				// Handed over: the new process reads it from here on.
				// Closing this process's descriptor leaves the socket open
				// in the new one: close(2) sends nothing while another
				// descriptor refers to it.
				c.nc.Close()
				log.Debug("connection handed over", "received_bytes", c.totalBytes, "messages", c.totalMsgs)
				return
			}
			if c.drainOver() {
				closeErr = ErrShutdown
				break
			}
			c.quietExpired()
			continue
		}
		switch {
		case errors.Is(err, io.EOF):
			closeErr = nil
		case s.isStopping() && errors.Is(err, net.ErrClosed):
			// Shutdown's context expired and it closed the connection.
			closeErr = ErrShutdown
		default:
			closeErr = err
		}
		break
	}
	c.flush()
	c.sess.Close(closeErr)
	c.nc.Close()
	c.endPause() // a pause that came meanwhile need not wait for it
	if closeErr != nil {
		log.Debug("connection closed", "err", closeErr, "received_bytes", c.totalBytes, "messages", c.totalMsgs)
	} else {
		log.Debug("connection closed", "received_bytes", c.totalBytes, "messages", c.totalMsgs)
	}
}
