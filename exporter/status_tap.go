package exporter

import (
	"net/netip"
	"time"

	"github.com/rexporter/rexporter/parser"
)

// OutcomeOK is the outcome of a message that was parsed and applied.
const OutcomeOK = "ok"

// MaxTappedRefusals bounds the refused fields a TappedMessage lists.
const MaxTappedRefusals = 4

// Tap receives the messages sessions handle, while someone watches the
// status page. Record is called from every connection's goroutine,
// concurrently, on the ingest hot path: it must be quick and must not keep
// m.Text.
type Tap interface {
	Record(m TappedMessage)
}

// TappedMessage is one handled message and what became of it.
type TappedMessage struct {
	Time   time.Time
	Remote netip.AddrPort
	Job    string // the connection's job after the message; "" before it has one
	// Text is the message as received, without its terminator. It aliases
	// the connection's buffer: valid only during Record.
	Text []byte
	// Outcome is OutcomeOK, or the reason label of
	// rexporter_parse_errors_total for a message the parser rejected.
	Outcome string
	Error   string // the parser's explanation when it rejected the message
	// Refused lists fields of an applied message that changed nothing, and
	// why: the reason label of rexporter_rejected_names_total or
	// rexporter_rejected_values_total, or "overflow" for a value folded into
	// the overflow series. A refused job name is listed as the field "job".
	Refused     [MaxTappedRefusals]Refusal
	NRefused    int // entries of Refused in use
	MoreRefused int // refusals beyond those listed
}

// Refusal is a field that was refused and why.
type Refusal struct{ Name, Reason string }

// refuse notes a refused field.
func (m *TappedMessage) refuse(name, reason string) {
	if m.NRefused == len(m.Refused) {
		m.MoreRefused++
		return
	}
	m.Refused[m.NRefused] = Refusal{Name: name, Reason: reason}
	m.NRefused++
}

// tapBox holds a Tap for the atomic pointer.
type tapBox struct{ t Tap }

// SetTap starts handing every message to t; nil stops it. The status page
// sets it while someone watches.
func (e *Exporter) SetTap(t Tap) {
	if t == nil {
		e.tap.Store(nil)
		return
	}
	e.tap.Store(&tapBox{t: t})
}

// tap hands a handled message to the tap, if there was one when the batch
// began (Session.Begin reads it once per read). err is the parse error, nil
// for an applied message. While no one watches, a message pays a branch.
func (s *Session) tap(msg []byte, err error) {
	if s.watched {
		s.record(msg, err)
	}
}

// record builds the TappedMessage after the message was handled. The refused
// fields are found again from what handling left behind (the session's name
// cache, the series' metrics), so that the hot path keeps no notes for the
// page.
func (s *Session) record(msg []byte, err error) {
	b := s.e.tap.Load()
	if b == nil {
		return // switched off meanwhile
	}
	m := TappedMessage{Time: s.now, Remote: s.remote, Text: msg, Outcome: OutcomeOK}
	if s.job != nil {
		m.Job = s.job.name
	}
	switch {
	case err != nil:
		m.Outcome, m.Error = parseReason(err), err.Error()
	case s.msg.Kind == parser.KindJob:
		if n := jobName(s.msg.Job); n != "" && (s.job == nil || s.job.name != n) {
			m.refuse("job", reasonMaxJobs)
		}
	case s.msg.Kind == parser.KindValues:
		for i := range s.msg.Bad {
			b := &s.msg.Bad[i]
			m.refuse(parser.DisplayName(b.Name), parseReason(b.Err))
		}
		for i := range s.msg.Fields {
			f := &s.msg.Fields[i]
			if r := s.refusal(f); r != "" {
				m.refuse(parser.DisplayName(f.Name), r)
			}
		}
	}
	b.t.Record(m)
}

// refusal says why a field of the message just applied changed nothing, or
// "" if it was applied (or was NA).
func (s *Session) refusal(f *parser.Field) string {
	if string(f.Name) == "job" {
		return reasonReserved
	}
	if f.Kind == parser.ValueMissing {
		return ""
	}
	e := s.e
	if ser := e.table.Load().find(nameHash(e.seed, s.jobHash, f.Name), s.seriesJob, f.Name); ser != nil {
		return fitRefusal(ser, f)
	}
	c, ok := s.cache[string(f.Name)]
	switch {
	case !ok:
		// lookup does not cache a value that does not fit an existing
		// name's metric.
		return e.bindingRefusal(f)
	case c.series == nil:
		return c.reason
	case c.series.b == nil:
		return reasonOverflow
	}
	return fitRefusal(c.series, f)
}

// bindingRefusal says whether a field's value does not fit the metric its
// name is bound to.
func (e *Exporter) bindingRefusal(f *parser.Field) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	b := e.bindings[string(f.Name)]
	if b == nil {
		return ""
	}
	return b.misfit(kindOf(f.Kind), unitOf(b.mp.Units, f))
}

// fitRefusal repeats the checks of Session.observe (with series.checkNumber):
// why the value does not fit its series, or "".
func fitRefusal(ser *series, f *parser.Field) string {
	m := ser.m
	mp := m.mp
	if ser.b != nil {
		mp = ser.b.mp
	}
	if kindOf(f.Kind) != m.kind {
		return reasonKindMismatch
	}
	if m.kind != kindNumber {
		return ""
	}
	if unitOf(mp.Units, f) != m.unit {
		return reasonUnitMismatch
	}
	_, refused := ser.checkNumber(numberOf(mp.Units, f))
	return refused
}
