package exporter

import (
	"net/netip"
	"sync"
	"time"

	"github.com/rexporter/rexporter/parser"
)

// Drop logging: the first drop of each reason on each connection is a
// warning, so that an empty dashboard always has a log line that says why;
// all connections together log at most dropLogBurst such lines per
// dropLogWindow, and the next line that may be logged says how many were
// held back.
const (
	dropLogBurst  = 20
	dropLogWindow = time.Minute
)

// reasonOversized is the reason of a message longer than --max-message-bytes
// (counted by the ingest server in rexporter_oversized_messages_total).
const reasonOversized = "oversized"

// dropBits gives every drop reason a bit of Session.dropLogged.
var dropBits = func() map[string]uint64 {
	m := map[string]uint64{}
	add := func(r string) {
		if _, ok := m[r]; !ok {
			m[r] = 1 << len(m)
		}
	}
	for _, p := range parseReasons {
		add(p.reason)
	}
	add(otherParseReason)
	for _, r := range rejectReasons {
		add(r)
	}
	for _, r := range valueReasons {
		add(r)
	}
	add(reasonOversized)
	return m
}()

// MaxRefused is how many refused messages the exporter remembers for the
// status page.
const MaxRefused = 32

// maxRefusedText bounds the text kept of a refused message.
const maxRefusedText = 200

// Refused is a message, or a field of one, that was dropped, and why.
type Refused struct {
	Time   time.Time
	Remote netip.AddrPort
	Job    string // the connection's job; "" before it had one
	Field  string // the R name of the refused field; "" when the whole message was dropped
	Reason string // the reason label it was counted under
	Error  string // the explanation, when there is more to say than the reason
	Text   string // the start of the message, valid UTF-8
}

// dropLog keeps the last refused messages and rate-limits the warnings.
type dropLog struct {
	mu         sync.Mutex
	ring       [MaxRefused]Refused
	next, n    int
	window     time.Time // start of the current rate-limit window
	logged     int       // lines logged in it
	suppressed int       // first drops not logged since the last line
}

// RecentRefused returns the last refused messages and fields, newest first.
func (e *Exporter) RecentRefused() []Refused {
	d := &e.drops
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Refused, 0, d.n)
	for i := 1; i <= d.n; i++ {
		out = append(out, d.ring[(d.next-i+MaxRefused)%MaxRefused])
	}
	return out
}

// fieldJob is the field name of a refused "job" among other fields.
var fieldJob = []byte("job")

// drop notes a dropped message (field nil) or field (its raw R name) of
// the message being handled: the first drop of its reason on this
// connection is logged as a warning and listed for the status page, and
// so is the first drop of each read. The caller counts it. Other drops
// cost a map lookup: a flood of bad messages does not take the shared lock
// once per message.
func (s *Session) drop(reason string, field []byte, err error) {
	bit := dropBits[reason]
	first := s.dropLogged&bit == 0
	if !first && s.dropNoted {
		return
	}
	s.dropLogged |= bit
	s.dropNoted = true

	e := s.e
	r := Refused{Time: s.now, Remote: s.remote, Reason: reason, Text: refusedText(s.cur)}
	if field != nil {
		r.Field = parser.DisplayName(field)
	}
	if s.job != nil {
		r.Job = s.job.name
	}
	if err != nil {
		r.Error = err.Error()
	}

	d := &e.drops
	d.mu.Lock()
	d.ring[d.next] = r
	d.next = (d.next + 1) % MaxRefused
	d.n = min(d.n+1, MaxRefused)
	held := -1
	if first {
		if r.Time.Sub(d.window) >= dropLogWindow {
			d.window, d.logged = r.Time, 0
		}
		if d.logged < dropLogBurst {
			d.logged++
			held, d.suppressed = d.suppressed, 0
		} else {
			d.suppressed++
		}
	}
	d.mu.Unlock()
	if held < 0 {
		return
	}
	args := []any{"remote", s.remote.String(), "r_job", r.Job, "reason", reason}
	if r.Field != "" {
		args = append(args, "r_name", r.Field)
	}
	args = append(args, "message", r.Text)
	if held > 0 {
		args = append(args, "warnings_held_back", held)
	}
	if err != nil {
		args = append(args, "err", err)
	}
	e.logger.Warn("dropped "+dropWhat(field)+" (first of its reason on this connection; see /metrics and the status page for the rest)", args...)
}

func dropWhat(field []byte) string {
	if field == nil {
		return "message"
	}
	return "field"
}

// refusedText is the start of a message as valid UTF-8.
func refusedText(msg []byte) string {
	if len(msg) > maxRefusedText {
		n := maxRefusedText
		for n > 0 && msg[n]&0xc0 == 0x80 {
			n--
		}
		return parser.DisplayName(msg[:n]) + "..."
	}
	return parser.DisplayName(msg)
}
