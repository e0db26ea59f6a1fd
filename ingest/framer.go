package ingest

import (
	"github.com/rexporter/rexporter/parser"
)

// Emitter receives what a Framer cuts from a byte stream.
type Emitter interface {
	// Message receives one complete message without its terminator. The
	// slice is only valid during the call: it may point into the data passed
	// to Feed or into the Framer's own buffer, both of which are reused.
	Message(msg []byte)
	// Oversized is called once for every message longer than the limit,
	// which was discarded, with the number of bytes dropped (the message
	// without its terminator).
	Oversized(dropped int)
}

// DefaultMaxMessageBytes is the message size limit used when none is given.
const DefaultMaxMessageBytes = 65536

// Framer cuts the byte stream of one connection into messages. It is pure
// (no I/O, no clock) and not safe for concurrent use. The rules:
//
//   - A message ends at '\n' or at NUL (0x00). A '\r' right before the '\n'
//     is stripped, so CRLF line ends work.
//   - A message also ends where a new record starts: at a '[' followed by a
//     date "DDDD-DD-DD" (D an ASCII digit) where a message can start, that
//     is after a complete value (the text since the current field's
//     name/value ':' is not blank) or, in a message that began with its
//     own "[...]" timestamp, after some text of a name (a bad record
//     without fields must not eat the next record). The '[' belongs to the
//     new message. "[2026-11-25 17:06:16] - a: 11[2026-11-25 17:06:17] -
//     a: 13" is two messages; "Checkpoint: [2026-12-01] saved" (right
//     after ':'), "x: 1, [2026-12-01] y: 2" (right after ',') and
//     "Saved [2026-12-01] n: 1" (in a name, no leading timestamp) are one
//     each.
//   - Bytes that are still waiting for their end (an unterminated tail:
//     what follows the last terminator, until a terminator arrives) are
//     also cut where the message grammar shows that a glued message starts
//     (parser.Splitter): a repeat of the message's first name after a value
//     ("Mean: 1.5Mean: 2.25" is two messages) and a name after a complete
//     number ("loss: 0.5acc: 0.9", "elapsed: 12 ms Loss: 0.5"). This is how
//     R's write.socket messages, which carry no terminator, are told apart
//     when they arrive glued. Every message before an evident next-message
//     start is emitted at once; only the last stays pending. A message that
//     arrives whole with its terminator in one Feed is only cut at record
//     starts (that keeps newline traffic on the fast path), so a line that
//     itself holds two glued messages may come out whole or cut depending
//     on how it arrived; a valid message is never cut.
//   - If the data ends too early to decide (a '[' followed by part of a
//     date, a ',' that may be R's big.mark), the Framer waits for more
//     data. At Flush such undecided bytes stay part of the message.
//   - Flush ends the pending tail as if a '\n' had arrived (the caller uses it
//     at EOF and after a quiet gap), so a trailing '\r' is stripped there too.
//   - Messages that are empty or consist only of spaces, tabs and carriage
//     returns are not emitted. So cat()'s separate writes "a: 1", " ", "\n"
//     give one message, and a "\n" arriving after a quiet-gap Flush gives
//     nothing.
//   - A message longer than the limit (not counting its terminator, nor the
//     '\r' of a CRLF) is discarded up to its end: a terminator, Flush, or
//     any '[' followed by a date (the grammar is not followed through
//     discarded bytes). Emitter.Oversized is called once for it and framing
//     carries on normally after it. The pending bytes may exceed the limit
//     by bufSlack while a cut may still come; a message within the limit
//     whose glued successor is only recognised further on than that is
//     discarded with it. Memory per Framer stays below the limit plus
//     bufSlack whatever arrives, even a gigabyte without a terminator.
//
// Messages that lie wholly inside the data given to Feed are handed over as
// subslices of it, without copying; only an unterminated tail is copied into
// the Framer's buffer, and the message completing it is assembled there.
// Each byte is examined by the grammar a bounded number of times, however
// it is chunked.
type Framer struct {
	max int
	// buf holds the pending tail of the current message. While
	// discarding, it holds at most an undecided record-start prefix.
	buf []byte
	// sp has examined buf (glue rules on) while a tail is pending; in
	// Feed's fast path it examines the message being framed in data.
	sp parser.Splitter
	// undecided is the length of the undecided record-start prefix ('['
	// and the date bytes that matched so far) at the end of buf while
	// discarding, or 0.
	undecided int
	// discarding is set while the rest of an oversized message is skipped;
	// dropped counts its bytes so far.
	discarding bool
	dropped    int
	// droppedCR records that the last dropped byte was '\r' (a terminating
	// '\n' then makes it part of the terminator, not of the message).
	droppedCR bool
	// terminated records that the last message ended at '\n' or NUL (not
	// at a record start, a glued message or Flush).
	terminated bool
}

// Terminated reports whether the last message of this stream ended at '\n'
// or NUL. It describes that one message: a record start, a glued message
// or Flush ends the next one and clears it.
func (f *Framer) Terminated() bool {
	return f.terminated
}

// TailComplete reports whether the pending tail looks like a whole
// message: it ends in a field with a value (not in a name, right after
// ':', after ',' or ';', or in undecided bytes), and the message before it
// did not end at '\n' or NUL (a sender that ends its messages is likely
// still sending this one). It is false when nothing is pending.
func (f *Framer) TailComplete() bool {
	return len(f.buf) > 0 && !f.discarding && !f.terminated && f.sp.EndsInValue()
}

// bufSlack is how far the pending buffer may exceed the limit: a trailing
// '\r' that may yet turn out to be half of a CRLF (1 byte) and an undecided
// record-start prefix ('[' + 9 date bytes), or a glued message start of
// that length that may yet be recognised.
const bufSlack = 1 + datePatternLen

// NewFramer returns a Framer that discards messages longer than
// maxMessageBytes. Values below 1 select DefaultMaxMessageBytes.
func NewFramer(maxMessageBytes int) *Framer {
	if maxMessageBytes < 1 {
		maxMessageBytes = DefaultMaxMessageBytes
	}
	return &Framer{max: maxMessageBytes}
}

// Pending reports whether an unterminated tail, or the rest of a message
// being discarded, is pending; Flush would end it.
func (f *Framer) Pending() bool {
	return len(f.buf) > 0 || f.discarding
}

// Feed consumes data and hands every complete message in it to e. An
// unterminated tail is kept (bounded by the limit) until more data or Flush
// completes it. data is not retained after Feed returns.
func (f *Framer) Feed(data []byte, e Emitter) {
	for len(data) > 0 {
		var n int
		switch {
		case f.discarding:
			n = f.feedDiscard(data, e)
		case len(f.buf) > 0:
			n = f.feedPending(data, e)
		default:
			n = f.feedFresh(data, e)
		}
		data = data[n:]
	}
}

// Flush ends the pending tail as a complete message, as if a '\n' had
// arrived. Undecided bytes are part of that message.
func (f *Framer) Flush(e Emitter) {
	switch {
	case f.discarding:
		d := f.dropped + len(f.buf)
		if len(f.buf) == 0 && f.droppedCR {
			d--
		}
		e.Oversized(d)
		f.terminated = false
	case len(f.buf) > 0:
		f.emit(f.buf, true, e)
		f.terminated = false
	}
	f.reset()
}

func (f *Framer) reset() {
	f.buf = f.buf[:0]
	f.sp.Reset()
	f.undecided = 0
	f.discarding = false
	f.dropped = 0
	f.droppedCR = false
}

// feedFresh frames data when nothing is pending and returns how much of it
// it consumed (all of it, unless it started discarding).
func (f *Framer) feedFresh(data []byte, e Emitter) int {
	f.sp.Reset()
	start, i := 0, 0
	term := -1 // the next terminator at or after i, once looked for
	for {
		j := nextSpecial(data, i)
		if j == len(data) {
			break
		}
		if data[j] != '[' {
			f.terminated = true
			f.emit(data[start:j], data[j] == '\n', e)
			start, i = j+1, j+1
			f.sp.Reset()
			continue
		}
		i = j + 1
		if j == start || j+1+datePatternLen > len(data) || !isDate(data[j+1:j+1+datePatternLen]) {
			continue // the message's own record, or no date
		}
		if term < j {
			term = nextTerminator(data, j)
		}
		if term == len(data) {
			break // the rest is an unterminated tail: the glue rules apply
		}
		// Is the message so far a complete value, so that a record
		// starts here?
		if k := f.sp.Scan(data[start:j+1+datePatternLen], false); k >= 0 {
			f.terminated = false
			f.emit(data[start:start+k], false, e)
			start = start + k
			f.sp.Reset()
		}
		i = j + 1 + datePatternLen // the date holds no special byte
	}
	// data[start:] has no terminator: emit the glued messages in it and
	// keep the last one.
	f.sp.Reset()
	for start < len(data) {
		k := f.sp.Scan(data[start:], true)
		if k < 0 {
			break
		}
		f.terminated = false
		f.emit(data[start:start+k], false, e)
		start += k
		f.sp.Reset()
	}
	f.keep(data[start:])
	return len(data)
}

// keep makes p, the start of a message that the Splitter has examined,
// the pending tail, or starts discarding it if it is too long already.
func (f *Framer) keep(p []byte) {
	if len(p) == 0 {
		return
	}
	if len(p) > f.max+bufSlack {
		f.startDiscard(p)
		return
	}
	f.push(p)
}

// pendingStep is how many bytes feedPending copies at a time.
const pendingStep = 256

// feedPending continues the pending tail with data and returns how much of
// data it consumed: up to and including a terminator, up to the start of
// a glued message, or all of it.
func (f *Framer) feedPending(data []byte, e Emitter) int {
	t := nextTerminator(data, 0)
	off := 0 // data[:off] is in buf
	for {
		old := len(f.buf)
		// Copied in steps, so that the buffer holds about the message,
		// not the whole read, when a glued message starts early in it.
		n := min(t-off, f.max+bufSlack-old, pendingStep)
		f.push(data[off : off+n])
		if k := f.sp.Scan(f.buf, true); k >= 0 {
			f.terminated = false
			f.emit(f.buf[:k], false, e)
			if k >= old {
				// The next message starts in data: frame it from there.
				f.buf = f.buf[:0]
				f.sp.Reset()
				return off + k - old
			}
			// It starts in the pending bytes (at most a name): keep those
			// and continue them with data[off:] again.
			f.buf = f.buf[:copy(f.buf, f.buf[k:old])]
			f.sp.Reset()
			continue
		}
		off += n
		if off == t {
			break
		}
		if len(f.buf) < f.max+bufSlack {
			continue
		}
		// Full, and no message start in sight: too long.
		f.startDiscard(f.buf)
		return off
	}
	if t == len(data) {
		return t
	}
	f.terminated = true
	f.emit(f.buf, data[t] == '\n', e)
	f.reset()
	return t + 1
}

// emit hands msg to e, stripping a final '\r' if it ended at '\n',
// reporting it as oversized if too long and skipping it if blank.
func (f *Framer) emit(msg []byte, nl bool, e Emitter) {
	if nl && len(msg) > 0 && msg[len(msg)-1] == '\r' {
		msg = msg[:len(msg)-1]
	}
	if len(msg) > f.max {
		e.Oversized(len(msg))
		return
	}
	for _, c := range msg {
		if c != ' ' && c != '\t' && c != '\r' {
			e.Message(msg)
			return
		}
	}
}

// push appends p to buf, growing it geometrically but never beyond the
// limit plus bufSlack, which the callers guarantee is enough.
func (f *Framer) push(p []byte) {
	need := len(f.buf) + len(p)
	if need > cap(f.buf) {
		c := max(2*cap(f.buf), need, 512)
		c = max(min(c, f.max+bufSlack), need)
		nb := make([]byte, len(f.buf), c)
		copy(nb, f.buf)
		f.buf = nb
	}
	f.buf = append(f.buf, p...)
}
