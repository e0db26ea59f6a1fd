package exporter

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/parser"
)

// slowCacheSize bounds a session's cache of names that the name table does
// not hold (refused names, names folded into an overflow series); a client
// that sends more such names just resolves them under the lock more often.
const slowCacheSize = 1024

// cached is what a session remembers about a raw name that has no series of
// its own: the overflow series it folds into, or why it has none.
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
	// seriesJob is the r_job label of the connection's values (the job's
	// name); jobHash is its hash for the name table.
	seriesJob string
	jobHash   uint64
	bye       bool
	// ident is the identity of a connection that has not named itself (nil
	// once it has); established says it holds it as a long-lived connection
	// (see IdentityHold).
	ident       *identity
	established bool
	// dropLogged has a bit for every drop reason already logged for this
	// connection (see drop); cur is the message being handled, for drop.
	dropLogged uint64
	cur        []byte
	// dropNoted says a drop of the current batch is in the status page's
	// list already.
	dropNoted bool
	// cache maps raw names that the name table does not hold to their
	// overflow series or refusal; it is cleared when the job changes, and
	// when the exporter's generation does (series removed, mapping reloaded).
	cache map[string]cached
	gen   uint64
	// rec reads what R packages print in lines that are no message (made
	// at the first such line, with Options.Recognisers); recognising says
	// its updates are being applied.
	rec         *recognise.Set
	recognising bool
	// recent holds series this session used lately, by a cheap hash of
	// the name: a connection sends the same few names over and over, and
	// checking a candidate costs less than hashing for the name table.
	// Cleared with cache.
	recent [recentSlots]recentEntry

	// The batch: the receive time of the messages between Begin and End,
	// and how many were applied, published to the counters in flushCounts.
	inBatch bool
	now     time.Time
	nowNano int64
	// stamp orders the batch's updates against other connections' (see
	// Begin); begun says a batch has begun before.
	stamp   int64
	begun   bool
	pending uint64
	// spoke says a message of the batch was the job's own (not `run:`).
	spoke bool
	// values says one of them was a values message.
	values bool
	// watched: the status page is watching (its tap is on) for this message.
	watched bool
	// resolves counts the batch's names that went to Exporter.resolve
	// (new or refused); costly says the last batch had costlyResolves.
	resolves int
	costly   bool
	// run is the numbers for runSeries held back until the run ends (see
	// queue), in the order they came.
	runSeries *series
	run       []float64
}

// NewSession starts a session for a client connection.
func (e *Exporter) NewSession(remote netip.AddrPort) *Session {
	return &Session{
		e:       e,
		remote:  remote,
		msg:     parser.Message{Fields: make([]parser.Field, 0, 8)},
		run:     make([]float64, 0, maxRun),
		cache:   map[string]cached{},
		start:   e.now(),
		jobHash: maphash.String(e.seed, ""),
	}
}

// Begin starts a batch of messages received at now (ingest.Session). The
// per-message bookkeeping (messages applied, last message times) is kept
// in the session and published by End, so that connections do not contend
// on shared counters for every message.
func (s *Session) Begin(now time.Time) {
	s.inBatch = true
	s.dropNoted = false
	s.watched = s.e.tap.Load() != nil
	s.now = now
	s.nowNano = now.UnixNano()
	// Updates are ordered by when they arrived, not by when their
	// connection's goroutine got to apply them: a gauge keeps the value
	// that arrived last. Later batches are stamped with their receive time;
	// a connection's first batch with the time the connection was accepted
	// (when it came within IdentityHold of it), which orders a burst of
	// short connections, one message each, as they were made, whichever
	// goroutine runs first.
	s.stamp = s.nowNano
	if !s.begun {
		s.begun = true
		if now.Sub(s.start) < IdentityHold {
			s.stamp = s.start.UnixNano()
		}
	}
	if s.ident != nil && !s.established && now.Sub(s.start) >= IdentityHold {
		s.establish(now)
	}
}

// End applies the numbers held back and publishes the batch's bookkeeping
// (ingest.Session): everything a read brought is visible before the next
// read.
func (s *Session) End() {
	s.flushRun()
	s.flushCounts()
	s.inBatch = false
	s.costly = s.resolves >= costlyResolves
	s.resolves = 0
}

// costlyResolves is how many names a batch must resolve (create, or refuse
// for the first time on the connection) to be costly: a job's first message
// is not, a flood of new names is.
const costlyResolves = 32

// Costly reports whether the last batch was costly (ingest.Costly): the
// ingest server then lets it take only some of the turns, so that a flood
// of new names from many connections leaves the CPU to the others.
func (s *Session) Costly() bool { return s.costly }

// flushCounts adds the messages applied since the last flush to the
// counters of the exporter and of the session's job.
func (s *Session) flushCounts() {
	if s.pending == 0 {
		return
	}
	e := s.e
	e.self.messages.Add(float64(s.pending))
	e.self.lastMessage.Set(unixSeconds(s.now))
	if s.job != nil {
		s.job.messages.Add(s.pending)
		if s.spoke {
			s.job.spoke(s.nowNano, s.values)
		}
	}
	s.pending, s.spoke, s.values = 0, false, false
}

// Message parses one message and applies it: states and progress at once,
// numbers when their series' run of values ends (see queue), at the latest
// when the batch ends, before the connection is read again. So a message is
// visible on the first scrape after the read that brought it, with no flush
// interval. A bad message is counted and dropped; it never ends the
// connection (an R client dies of SIGPIPE when the server closes its
// socket). Outside a batch, a message is a batch of its own, received now.
func (s *Session) Message(msg []byte) {
	if !s.inBatch {
		s.Begin(s.e.now())
		s.message(msg)
		s.End()
		return
	}
	s.message(msg)
}

func (s *Session) message(msg []byte) {
	e := s.e
	if e.opts.Echo != nil {
		e.echo(msg)
	}
	s.cur = msg
	if e.opts.Recognisers != nil && s.recognise(msg) {
		return // read by a recogniser: no message as well, as under rexporter run
	}
	if err := parser.Parse(msg, &s.msg); err != nil {
		s.drop(e.self.parseError(err), nil, err)
		s.tap(msg, err)
		return
	}
	now := s.now
	switch s.msg.Kind {
	case parser.KindJob:
		s.name(s.msg.Job, now)
	case parser.KindBye:
		s.bye = true
		s.ensureJob(now)
	case parser.KindRun:
		s.ensureJob(now)
		s.applyRun(&s.msg)
		s.pending++
		s.tap(msg, nil)
		return // not the job's own voice: no spoke (see flushCounts)
	default:
		s.ensureJob(now)
		s.values = true
		s.apply()
		for i := range s.msg.Bad {
			b := &s.msg.Bad[i]
			s.drop(e.self.fieldError(b.Err), b.Name, b.Err)
		}
	}
	s.pending++
	s.spoke = true
	s.tap(msg, nil)
}

// apply updates the series of every field of a values message.
func (s *Session) apply() {
	e := s.e
	if g := e.gen.Load(); g != s.gen {
		s.forget()
		s.gen = g
	}
	for i := range s.msg.Fields {
		f := &s.msg.Fields[i]
		if string(f.Name) == "job" {
			// "job" names the connection's job when it stands alone; among
			// other fields it is refused rather than made a metric, so it
			// means one thing only.
			e.self.rejected[reasonReserved].Inc()
			s.drop(reasonReserved, fieldJob, nil)
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
			s.drop(reason, f.Name, nil)
			continue
		}
		// Messages of one read share their time: skip the store (a write
		// to a line other connections read) when it would change nothing.
		if ser.updated.Load() != s.nowNano {
			ser.updated.Store(s.nowNano)
		}
		if s.watched {
			// Only the status page reads it, and only while it is watched.
			ser.applied.Add(1)
		}
		if ser.isOverflow() {
			ser.m.folded.Add(1)
		}
	}
}

// observe applies one field to its series, or says why its value does not
// fit the series' metric.
func (s *Session) observe(ser *series, f *parser.Field) string {
	// Only the series is read here (its copies of the metric's kind, unit
	// and counter): with many names, every other struct is a cache miss.
	if kindOf(f.Kind) != ser.kind {
		return reasonKindMismatch
	}
	switch ser.kind {
	case kindProgress:
		ser.observeProgress(f.Value, f.Total, s.stamp)
	case kindState:
		if ser.observeState(f.State, s.stamp) {
			s.e.self.foldedStates.Inc()
		}
	default:
		if unitOf(ser.units, f) != ser.unit {
			return reasonUnitMismatch
		}
		v := numberOf(ser.units, f)
		finite, refused := ser.checkNumber(v)
		if refused != "" {
			return refused
		}
		if !finite {
			s.e.self.nonFiniteValues.Inc()
		}
		s.queue(ser, v)
	}
	return ""
}

// maxRun bounds the values a session holds back for one series.
const maxRun = 256

// queue holds a number back until the run of values for its series ends:
// at another series' value, at maxRun values, or at the end of the batch.
func (s *Session) queue(ser *series, v float64) {
	if ser != s.runSeries || len(s.run) == maxRun {
		s.flushRun()
		s.runSeries = ser
	}
	s.run = append(s.run, v)
}

// flushRun applies the values held back.
func (s *Session) flushRun() {
	if len(s.run) > 0 {
		s.runSeries.applyNumbers(s.run, s.stamp)
		s.run = s.run[:0]
	}
	s.runSeries = nil
}

// recentSlots is the size of a session's recent-series cache; a power of two.
const recentSlots = 16

// recentEntry is a series this session used lately, with a copy of its R
// name in the session's own memory: checking it touches nothing shared.
// Names longer than the copy are not remembered.
type recentEntry struct {
	n    uint8
	name [39]byte
	ser  *series
}

func (r *recentEntry) is(name []byte) bool {
	return int(r.n) == len(name) && string(r.name[:r.n]) == string(name)
}

func (r *recentEntry) set(name []byte, ser *series) {
	if len(name) > len(r.name) {
		return
	}
	r.n = uint8(copy(r.name[:], name))
	r.ser = ser
}

// recentSlot picks a name's slot in the recent-series cache from its length
// and two of its bytes: no real hash, a wrong guess only costs a compare.
func recentSlot(name []byte) int {
	n := len(name)
	if n == 0 {
		return 0
	}
	return (n + int(name[0]) + 7*int(name[n-1])) & (recentSlots - 1)
}

// forget drops what the session remembers about names.
func (s *Session) forget() {
	clear(s.cache)
	s.recent = [recentSlots]recentEntry{}
}

// lookup finds the series for a field: in the shared name table, or else
// through the session's cache of names without a series of their own. It
// counts a refusal every time a refused name is used.
func (s *Session) lookup(f *parser.Field) *series {
	e := s.e
	slot := recentSlot(f.Name)
	if r := &s.recent[slot]; r.ser != nil && r.is(f.Name) {
		return r.ser
	}
	if ser := e.table.Load().find(nameHash(e.seed, s.jobHash, f.Name), s.seriesJob, f.Name); ser != nil {
		s.recent[slot].set(f.Name, ser)
		return ser
	}
	c, ok := s.cache[string(f.Name)]
	if !ok {
		s.resolves++
		c.series, c.reason = e.resolve(s.job, s.seriesJob, f.Name, f)
		if valueRefusal(c.reason) {
			// The name is fine, only this value is not: do not remember.
			e.self.rejectedValues[c.reason].Inc()
			s.drop(c.reason, f.Name, nil)
			return nil
		}
		if c.series != nil && !c.series.isOverflow() {
			s.recent[slot].set(f.Name, c.series) // a new series: the name table has it too
			return c.series
		}
		if len(s.cache) >= slowCacheSize {
			clear(s.cache)
		}
		s.cache[string(f.Name)] = c
	}
	if c.series == nil {
		e.self.rejected[c.reason].Inc()
		if c.reason == reasonJobSeries {
			s.job.refused.Add(1)
		}
		s.drop(c.reason, f.Name, nil)
	}
	return c.series
}

// Oversized notes a message that was too long and was discarded (the ingest
// server counts it).
func (s *Session) Oversized(dropped int) {
	if !s.inBatch {
		s.now, s.dropNoted = s.e.now(), false
	}
	s.cur = nil
	s.drop(reasonOversized, nil, fmt.Errorf("a message of %d bytes, longer than --max-message-bytes: end messages with a newline", dropped))
}

// Close ends the session when its connection ends. The job finished cleanly
// if the connection said "bye" before; otherwise it vanished.
func (s *Session) Close(err error) {
	s.flushRun()
	s.flushCounts()
	e := s.e
	now := e.now()
	if s.job != nil {
		e.mu.Lock()
		e.detach(s.job, s.bye, now)
		if s.ident != nil {
			e.releaseIdentity(s.ident, s.established)
			s.ident = nil
		}
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
