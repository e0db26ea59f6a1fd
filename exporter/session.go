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

// valueRefusal marks a reason as a refused value rather than a refused name.
func valueRefusal(reason string) bool {
	return reason == reasonKindMismatch || reason == reasonUnitMismatch || reason == reasonBadIncrement
}

// Session applies one connection's messages. It is used from that
// connection's goroutine only, so its scratch space and cache need no lock.
type Session struct {
	e      *Exporter
	remote netip.AddrPort
	msg    parser.Message
	start  time.Time

	// job is the job the connection belongs to, nil until its first
	// message: a connection that never says anything is not a job.
	job *job
	// seriesJob is the r_job label of the connection's values, "" while
	// it is unnamed.
	seriesJob string
	bye       bool
	// cache maps raw names to series of this session's job; it is cleared
	// when the job changes, and when the exporter's generation does (series
	// removed, mapping reloaded).
	cache map[string]cached
	gen   uint64
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
		s.tap(msg, err)
		return
	}
	now := e.now()
	switch s.msg.Kind {
	case parser.KindJob:
		s.name(parser.DisplayName(s.msg.Job), now)
	case parser.KindBye:
		s.bye = true
		s.ensureJob(now)
	default:
		s.ensureJob(now)
		s.apply(now)
	}
	if s.job != nil {
		s.job.messages.Add(1)
		s.job.lastMessage.Store(now.UnixNano())
	}
	e.self.messages.Inc()
	e.self.lastMessage.Set(unixSeconds(now))
	s.tap(msg, nil)
}

// apply updates the series of every field of a values message.
func (s *Session) apply(now time.Time) {
	e := s.e
	if g := e.gen.Load(); g != s.gen {
		clear(s.cache)
		s.gen = g
	}
	for i := range s.msg.Fields {
		f := &s.msg.Fields[i]
		if string(f.Name) == "job" {
			// "job" names the connection's job when it stands alone; among
			// other fields it is refused rather than made a metric, so it
			// means one thing only.
			e.self.rejected[reasonReserved].Inc()
			continue
		}
		if f.Kind == parser.ValueMissing {
			// NA: the series keeps its value and nothing else changes.
			e.self.missingValues.Inc()
			continue
		}
		ser := s.lookup(f)
		if ser == nil {
			continue
		}
		if reason := s.observe(ser, f); reason != "" {
			e.self.rejectedValues[reason].Inc()
			continue
		}
		ser.updated.Store(now.UnixNano())
		ser.applied.Add(1)
		if ser == ser.m.overflow {
			ser.m.folded.Add(1)
		}
	}
}

// observe applies one field to its series, or says why its value does not
// fit the series' metric.
func (s *Session) observe(ser *series, f *parser.Field) string {
	m := ser.m
	mp := &m.mp
	if ser.b != nil {
		mp = &ser.b.mp
	}
	if kindOf(f.Kind) != m.kind {
		return reasonKindMismatch
	}
	switch m.kind {
	case kindProgress:
		ser.observeProgress(f.Value, f.Total)
	case kindState:
		if ser.observeState(f.State) {
			s.e.self.foldedStates.Inc()
		}
	default:
		if unitOf(mp, f) != m.unit {
			return reasonUnitMismatch
		}
		finite, refused := ser.observeNumber(numberOf(mp, f))
		if refused != "" {
			return refused
		}
		if !finite {
			s.e.self.nonFiniteValues.Inc()
		}
	}
	return ""
}

// ensureJob makes a connection that sends values without naming itself a
// member of the unnamed job.
func (s *Session) ensureJob(now time.Time) {
	if s.job != nil {
		return
	}
	s.e.mu.Lock()
	s.job = s.e.attach(unnamedJob, now)
	s.e.mu.Unlock()
}

// name moves the connection to the named job. A job calling itself
// "unnamed" is the unnamed job. Beyond --max-jobs the connection keeps its
// current job and the refusal is counted.
func (s *Session) name(name string, now time.Time) {
	if s.job != nil && s.job.name == name {
		return
	}
	e := s.e
	e.mu.Lock()
	j := e.attach(name, now)
	if j == nil {
		e.logRejected(reasonMaxJobs, name, "", "")
		e.mu.Unlock()
		e.self.rejected[reasonMaxJobs].Inc()
		s.ensureJob(now)
		return
	}
	if s.job != nil {
		// Renaming is not an ending: the old job loses a connection cleanly.
		e.detach(s.job, true, now)
	}
	e.mu.Unlock()
	s.job = j
	s.seriesJob = name
	if name == unnamedJob {
		s.seriesJob = ""
	}
	clear(s.cache)
}

// lookup finds the series for a field through the session's cache, and
// counts a refusal every time a refused name is used.
func (s *Session) lookup(f *parser.Field) *series {
	c, ok := s.cache[string(f.Name)]
	if !ok {
		c.series, c.reason = s.e.resolve(s.job, s.seriesJob, f.Name, f)
		if valueRefusal(c.reason) {
			// The name is fine, only this value is not: do not remember.
			s.e.self.rejectedValues[c.reason].Inc()
			return nil
		}
		if len(s.cache) >= sessionCacheSize {
			clear(s.cache)
		}
		s.cache[string(f.Name)] = c
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

// Close ends the session when its connection ends. The job finished cleanly
// if the connection said "bye" before; otherwise it vanished.
func (s *Session) Close(err error) {
	e := s.e
	now := e.now()
	if s.job != nil {
		e.mu.Lock()
		e.detach(s.job, s.bye, now)
		e.mu.Unlock()
	}
	if e.logger.Enabled(context.Background(), slog.LevelDebug) {
		job := ""
		if s.job != nil {
			job = s.job.name
		}
		e.logger.Debug("connection closed", "remote", s.remote.String(), "r_job", job, "said_bye", s.bye,
			"duration", now.Sub(s.start).String(), "err", err)
	}
}
