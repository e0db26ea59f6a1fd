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
	start  time.Time

	// job is the job the connection belongs to, nil until its first
	// message: a connection that never says anything is not a job.
	job *job
	// seriesJob is the r_job label of the connection's values, "" while
	// it is unnamed.
	seriesJob string
	bye       bool
	// cache maps raw names to series of this session's job; it is cleared
	// when the job changes.
	cache map[string]cached
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
	now := e.now()
	switch s.msg.Kind {
	case parser.KindJob:
		s.name(parser.DisplayName(s.msg.Job), now)
	case parser.KindBye:
		s.bye = true
		s.ensureJob(now)
	default:
		s.ensureJob(now)
		s.apply()
	}
	if s.job != nil {
		s.job.messages.Add(1)
		s.job.lastMessage.Store(now.UnixNano())
	}
	e.self.messages.Inc()
	e.self.lastMessage.Set(unixSeconds(now))
}

// apply updates the series of every field of a values message.
func (s *Session) apply() {
	e := s.e
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

// lookup finds the series for a raw name through the session's cache, and
// counts a rejection every time a refused name is used.
func (s *Session) lookup(raw []byte) *series {
	c, ok := s.cache[string(raw)]
	if !ok {
		c.series, c.reason = s.e.lookup(s.job, s.seriesJob, raw)
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
