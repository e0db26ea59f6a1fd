package ingest

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"time"
)

// MaxDatagramBytes is the read buffer of a UDP listener: the largest UDP
// payload over IPv4 or IPv6 without jumbograms, so no datagram is cut.
const MaxDatagramBytes = 65535

// ServeUDP reads datagrams from pc until Shutdown, then returns nil; on any
// other read error it returns that error. It closes pc when it returns.
//
// A datagram is a whole "connection": one or more messages in the same
// grammar and framings as a stream (newline, CRLF, NUL, glued), framed
// alone and ended by an implicit Flush, with a session of its own (see
// Sink) made from its source address. So `job:` applies to the values of
// its own datagram only, and a datagram that names no job is the job of
// its host's identity; datagrams one after another from one host share it.
// Datagrams are read one at a time into one buffer of MaxDatagramBytes, so
// memory stays bounded whatever arrives; what the kernel could not queue
// because the socket's receive buffer was full is counted, on Linux, in
// rexporter_udp_datagrams_dropped_total{reason="receive_buffer"} (read from
// the kernel with SO_RXQ_OVFL, so it is known when the next datagram
// arrives). A datagram from an address outside Config.Allow is dropped
// unread, reason="not_allowed".
//
// On Shutdown it goes on reading what has already arrived for
// Config.DrainTimeout.
func (s *Server) ServeUDP(pc net.PacketConn) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		pc.Close()
		return nil
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer pc.Close()

	for _, r := range []string{"not_allowed", "receive_buffer", "truncated"} {
		s.m.udpDropped.WithLabelValues(r)
	}
	s.m.transport(TransportUDP)
	ovfl := enableOverflowCount(pc)

	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-s.done:
			s.mu.Lock()
			end := s.drainEnd
			s.mu.Unlock()
			pc.SetReadDeadline(end)
		case <-stop:
		}
	}()

	buf := make([]byte, MaxDatagramBytes)
	oob := make([]byte, 64)
	framer := NewFramer(s.cfg.MaxMessageBytes)
	var drops uint32 // the kernel's overflow count seen last
	for {
		n, oobn, truncated, remote, err := readDatagram(pc, buf, oob)
		if ovfl {
			if total, ok := overflowCount(oob[:oobn]); ok && total != drops {
				s.m.udpDropped.WithLabelValues("receive_buffer").Add(float64(total - drops))
				drops = total
			}
		}
		if err != nil {
			if s.isStopping() && (errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed)) {
				return nil
			}
			if isTemporary(err) {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		switch {
		case truncated:
			s.m.udpDropped.WithLabelValues("truncated").Inc()
			continue
		case !Allowed(s.cfg.Allow, remote.Addr()):
			s.m.udpDropped.WithLabelValues("not_allowed").Inc()
			s.mu.Lock()
			logged := s.notAllowedLog.note(s.now())
			s.mu.Unlock()
			if logged > 0 {
				s.log.Warn("udp datagram dropped: address not in the allowlist",
					"remote", remote.String(), "rejected_since_last_log", logged)
			}
			continue
		}
		sess, tm := s.openSession(remote, TransportUDP)
		c := counter{sess: sess}
		sess.Begin(s.now())
		framer.Feed(buf[:n], &c)
		framer.Flush(&c)
		sess.End()
		s.account(tm, n, &c)
		s.closeSession(sess, nil)
	}
}

// readDatagram reads one datagram, with its control messages when pc is a
// UDP socket, and its source address (IPv4-mapped IPv6 addresses unmapped,
// as a dual-stack socket reports IPv4 senders).
func readDatagram(pc net.PacketConn, buf, oob []byte) (n, oobn int, truncated bool, from netip.AddrPort, err error) {
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		n, a, err := pc.ReadFrom(buf)
		return n, 0, false, addrPort(a), err
	}
	n, oobn, flags, ap, err := uc.ReadMsgUDPAddrPort(buf, oob)
	if err != nil {
		return 0, 0, false, netip.AddrPort{}, err
	}
	return n, oobn, flags&msgTrunc != 0, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
