package main

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/rexporter/rexporter/exporter"
)

// Reconnection backoff and write deadline of `rexporter run --to`.
const (
	runBackoffMin   = 100 * time.Millisecond
	runBackoffMax   = 5 * time.Second
	runDialTimeout  = 2 * time.Second
	runWriteTimeout = 5 * time.Second
)

// sendTCP delivers the outbox to an exporter at addr until the outbox is
// closed and empty, reconnecting with backoff; each connection starts with
// the preamble. Lines on a connection that fails are counted as dropped.
// It returns when done or when ctx ends (the flush timeout).
func sendTCP(ctx context.Context, addr string, o *outbox, logger *slog.Logger) {
	backoff := runBackoffMin
	warned := false
	for {
		d := net.Dialer{Timeout: runDialTimeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !warned {
				warned = true
				logger.Warn("cannot reach the exporter; the job runs on and its messages are buffered (the oldest dropped when full)", "to", addr, "err", unwrapOp(err))
			}
			if !waitBackoff(ctx, backoff, o) {
				return
			}
			backoff = min(2*backoff, runBackoffMax)
			continue
		}
		backoff = runBackoffMin
		if warned {
			logger.Info("connected to the exporter", "to", addr)
			warned = false
		}
		done := serveConn(ctx, conn, o)
		_ = conn.Close()
		if done || ctx.Err() != nil {
			return
		}
	}
}

// serveConn writes the preamble and then the outbox to one connection. It
// reports whether everything was delivered and the outbox is closed.
func serveConn(ctx context.Context, conn net.Conn, o *outbox) bool {
	w := bufio.NewWriter(conn)
	write := func(lines []string) bool {
		_ = conn.SetWriteDeadline(time.Now().Add(runWriteTimeout))
		for _, l := range lines {
			_, _ = w.WriteString(l)
			_ = w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			o.lost(len(lines))
			return false
		}
		return true
	}
	if !write(o.preambleLines()) {
		return false
	}
	for {
		lines, closed := o.take()
		if len(lines) > 0 && !write(lines) {
			return false
		}
		if closed {
			if len(lines) > 0 {
				continue // take once more: lines may have come meanwhile
			}
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-o.notify:
		}
	}
}

// sendLocal applies the outbox to an exporter in this process, through a
// session of its own, until the outbox is closed and empty.
func sendLocal(exp *exporter.Exporter, o *outbox) {
	s := exp.NewSession(netip.AddrPort{})
	apply := func(lines []string) {
		s.Begin(time.Now())
		for _, l := range lines {
			s.Message([]byte(l))
		}
		s.End()
	}
	apply(o.preambleLines())
	for {
		lines, closed := o.take()
		if len(lines) > 0 {
			apply(lines)
		}
		if closed && len(lines) == 0 {
			s.Close(nil)
			return
		}
		<-o.notify
	}
}

// waitBackoff waits before the next connection attempt: backoff, or less
// when the outbox closes (the job ended: one last attempt at once). It
// returns false when ctx ended.
func waitBackoff(ctx context.Context, backoff time.Duration, o *outbox) bool {
	timer := time.NewTimer(backoff)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-o.notify:
			if _, closed := o.peekClosed(); closed {
				return true
			}
		}
	}
}
