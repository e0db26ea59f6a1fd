package exporter

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rexporter/rexporter/parser"
)

// sessionCacheSize bounds a session's private name cache; a client that sends
// more distinct names than this just goes back to the shared map more often.
const sessionCacheSize = 4096

// cached is what a session remembers about a raw name: its series, or why it
// has none.
type cached struct {
	series *series
	reason string
}

// Session applies one connection's messages. It is used from that
// connection's goroutine only, so its scratch space and cache need no lock.
type Session struct {
	e      *Exporter
	remote netip.AddrPort
	msg    parser.Message
	cache  map[string]cached
	start  time.Time
}

// NewSession starts a session for a client connection.
func (e *Exporter) NewSession(remote netip.AddrPort) *Session {
	return &Session{
		e:      e,
		remote: remote,
		msg:    parser.Message{Fields: make([]parser.Field, 0, 8)},
		cache:  map[string]cached{},
		start:  e.now(),
	}
}

// Message parses one message and applies it before returning, so that it is
// visible on the very next scrape. A bad message is counted and dropped; it
// never ends the connection (an R client dies of SIGPIPE when the server
// closes its socket).
func (s *Session) Message(msg []byte) {
	e := s.e
	if e.opts.Echo != nil {
		e.echo(msg)
	}
	if err := parser.Parse(msg, &s.msg); err != nil {
		reason := e.self.parseError(err)
		if e.logger.Enabled(context.Background(), slog.LevelDebug) {
			e.logger.Debug("dropped message", "remote", s.remote.String(), "reason", reason, "err", err)
		}
		return
	}
	for _, f := range s.msg.Fields {
		if f.Missing {
			// NA: the gauge keeps its last value and nothing else changes.
			e.self.missingValues.Inc()
			continue
		}
		ser := s.lookup(f.Name)
		if ser == nil {
			continue
		}
		if !ser.observe(f.Value) {
			e.self.nonFiniteValues.Inc()
		}
	}
	e.self.messages.Inc()
	e.self.lastMessage.Set(float64(e.now().UnixNano()) / 1e9)
}

// lookup finds the series for a raw name through the session's cache, and
// counts a rejection every time a refused name is used.
func (s *Session) lookup(raw []byte) *series {
	c, ok := s.cache[string(raw)]
	if !ok {
		c.series, c.reason = s.e.lookup(raw)
		if len(s.cache) >= sessionCacheSize {
			clear(s.cache)
		}
		s.cache[string(raw)] = c
	}
	if c.series == nil {
		s.e.self.rejected[c.reason].Inc()
	}
	return c.series
}

// Oversized notes a message that was too long and was discarded (the ingest
// server counts it).
func (s *Session) Oversized(dropped int) {
	if s.e.logger.Enabled(context.Background(), slog.LevelDebug) {
		s.e.logger.Debug("dropped oversized message", "remote", s.remote.String(), "bytes", dropped)
	}
}

// Close ends the session when its connection ends.
func (s *Session) Close(err error) {
	if s.e.logger.Enabled(context.Background(), slog.LevelDebug) {
		s.e.logger.Debug("connection closed", "remote", s.remote.String(),
			"duration", s.e.now().Sub(s.start).String(), "err", err)
	}
}
