package ingest

import (
	"encoding/binary"
	"math/bits"
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
//     date "DDDD-DD-DD" (D an ASCII digit), when that '[' is not the first
//     byte of the current message. The '[' belongs to the new message. This
//     is how R's write.socket messages, which carry no terminator at all, are
//     told apart when several arrive glued together:
//     "[2026-11-25 17:06:16] - a: 11[2026-11-25 17:06:17] - a: 13" is two
//     messages.
//   - If the data ends too early to decide whether a '[' starts a record but
//     what is there matches so far (e.g. it ends with "11[2026-1"), the
//     Framer waits for more data. At Flush such an undecided prefix is not a
//     record start: it stays part of the message.
//   - Flush ends the pending tail as if a '\n' had arrived (the caller uses it
//     at EOF and after a quiet gap), so a trailing '\r' is stripped there too.
//   - Messages that are empty or consist only of spaces, tabs and carriage
//     returns are not emitted. So cat()'s separate writes "a: 1", " ", "\n"
//     give one message, and a "\n" arriving after a quiet-gap Flush gives
//     nothing.
//   - A message longer than the limit (not counting its terminator, nor the
//     '\r' of a CRLF) is discarded up to its end (terminator, record start
//     or Flush);
//     Emitter.Oversized is called once for it and framing carries on
//     normally after it. Memory per Framer stays below the limit plus a few
//     bytes whatever arrives, even a gigabyte without a terminator.
//
// Messages that lie wholly inside the data given to Feed are handed over as
// subslices of it, without copying; only an unterminated tail is copied into
// the Framer's buffer, and the message completing it is assembled there.
type Framer struct {
	max int
	// buf holds the pending tail of the current message. While discarding,
	// it holds at most an undecided record-start prefix.
	buf []byte
	// undecided is the length of the undecided record-start prefix ('['
	// and the date bytes that matched so far) at the end of buf, or 0.
	undecided int
	// discarding is set while the rest of an oversized message is skipped;
	// dropped counts its bytes so far.
	discarding bool
	dropped    int
	// droppedCR records that the last dropped byte was '\r' (a terminating
	// '\n' then makes it part of the terminator, not of the message).
	droppedCR bool
	// terminated records that the last message ended at '\n' or NUL, not
	// at a record start.
	terminated bool
}

// Terminated reports whether the last message of this stream ended at '\n'
// or NUL: its sender ends its messages, so a pending tail is the start of a
// message still arriving. A write.socket stream's messages end where the
// next record starts, or by the quiet gap.
func (f *Framer) Terminated() bool {
	return f.terminated
}

// bufSlack is how far the pending buffer may exceed the limit: a trailing
// '\r' that may yet turn out to be half of a CRLF (1 byte) or an undecided
// record-start prefix ('[' + 9 date bytes).
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
	i := 0
	if f.Pending() {
		if i = f.feedPending(data, e); i < 0 {
			return
		}
	}
	// Nothing is pending from here on: messages inside data are emitted as
	// subslices of it.
	start := i
	for {
		pos, b := nextBoundary(data, i, start)
		switch b {
		case boundaryTerminator:
			f.terminated = true
			f.emit(data[start:pos], data[pos] == '\n', e)
			start = pos + 1
			i = start
		case boundaryRecord:
			f.terminated = false
			f.emit(data[start:pos], false, e)
			start = pos
			// The date bytes after '[' cannot hold a boundary.
			i = pos + 1 + datePatternLen
		case boundaryUndecided:
			f.appendTail(data[start:pos], data[pos:])
			return
		default:
			if start < len(data) {
				f.appendTail(data[start:], nil)
			}
			return
		}
	}
}

// Flush ends the pending tail as a complete message, as if a '\n' had
// arrived. An undecided record-start prefix is part of that message.
func (f *Framer) Flush(e Emitter) {
	switch {
	case f.discarding:
		d := f.dropped + len(f.buf)
		if len(f.buf) == 0 && f.droppedCR {
			d--
		}
		e.Oversized(d)
	case len(f.buf) > 0:
		f.emit(f.buf, true, e)
	}
	f.reset()
}

func (f *Framer) reset() {
	f.buf = f.buf[:0]
	f.undecided = 0
	f.discarding = false
	f.dropped = 0
	f.droppedCR = false
}

// feedPending continues the pending message with data. It returns the index
// in data where the next message starts, after which nothing is pending, or
// -1 when all of data went into the pending state.
func (f *Framer) feedPending(data []byte, e Emitter) int {
	// The pending message continues with data[base:]; the scan for its end
	// starts at i.
	base, i := 0, 0
	if f.undecided > 0 {
		// Decide the record-start prefix at the end of buf with data's
		// first bytes.
		ps := len(f.buf) - f.undecided
		matched := f.undecided - 1
		k := 0
		for matched+k < datePatternLen && k < len(data) && datePatternByte(matched+k, data[k]) {
			k++
		}
		switch {
		case matched+k == datePatternLen:
			// A record starts at buf[ps]: the current message ends before it.
			f.terminated = false
			if f.discarding {
				d := f.dropped
				f.discarding, f.dropped, f.droppedCR = false, 0, false
				e.Oversized(d)
			} else {
				f.emit(f.buf[:ps], false, e)
			}
			n := copy(f.buf, f.buf[ps:])
			f.buf = f.buf[:n]
			f.undecided = 0
			f.push(data[:k])
			base, i = k, k
		case k == len(data):
			// Still undecided.
			f.push(data)
			f.undecided += len(data)
			return -1
		default:
			// Not a record start: the prefix is ordinary message bytes.
			f.undecided = 0
			if f.discarding {
				f.dropped += len(f.buf)
				f.droppedCR = false
				f.buf = f.buf[:0]
			}
			// Scanning on from k is fine: data[:k] are digits and '-'.
			i = k
		}
	}
	// The current message started before data, so any '[' in data may
	// start a record.
	pos, b := nextBoundary(data, i, -1)
	switch b {
	case boundaryTerminator:
		f.terminated = true
		f.finish(data[base:pos], data[pos] == '\n', e)
		return pos + 1
	case boundaryRecord:
		f.terminated = false
		f.finish(data[base:pos], false, e)
		return pos
	case boundaryUndecided:
		f.appendTail(data[base:pos], data[pos:])
	default:
		f.appendTail(data[base:], nil)
	}
	return -1
}

// finish ends the pending message with body, its last bytes. nl reports
// that it ended at '\n' (so a final '\r' is stripped).
func (f *Framer) finish(body []byte, nl bool, e Emitter) {
	cr := nl && f.endsWithCR(body)
	if f.discarding {
		d := f.dropped + len(body)
		if cr {
			d--
		}
		f.reset()
		e.Oversized(d)
		return
	}
	n := len(f.buf) + len(body)
	if cr {
		n--
	}
	if n > f.max {
		f.reset()
		e.Oversized(n)
		return
	}
	f.push(body)
	f.emit(f.buf, nl, e)
	f.reset()
}

// endsWithCR reports whether the pending message continued by body ends
// with '\r'.
func (f *Framer) endsWithCR(body []byte) bool {
	if len(body) > 0 {
		return body[len(body)-1] == '\r'
	}
	if f.discarding {
		return f.droppedCR
	}
	return len(f.buf) > 0 && f.buf[len(f.buf)-1] == '\r'
}

// appendTail continues the pending message with body, which holds no
// boundary, followed by pre, an undecided record-start prefix (or nil).
// Once the message is known to exceed the limit it switches to discarding,
// so that buf stays bounded.
func (f *Framer) appendTail(body, pre []byte) {
	if f.discarding {
		f.dropped += len(body)
		if len(body) > 0 {
			f.droppedCR = body[len(body)-1] == '\r'
		}
	} else {
		n := len(f.buf) + len(body)
		cr := f.endsWithCR(body)
		limit := f.max
		if pre == nil && cr {
			// The '\r' may be the first half of a CRLF.
			limit++
		}
		if n > limit {
			f.discarding = true
			f.dropped = n
			f.droppedCR = cr
			f.buf = f.buf[:0]
		} else {
			f.push(body)
		}
	}
	if len(pre) > 0 {
		f.push(pre)
		f.undecided = len(pre)
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

// datePatternLen is the length of "DDDD-DD-DD", the date after a record's '['.
const datePatternLen = 10

// datePatternByte reports whether c may be byte i of "DDDD-DD-DD".
func datePatternByte(i int, c byte) bool {
	if i == 4 || i == 7 {
		return c == '-'
	}
	return c-'0' < 10
}

type boundary uint8

const (
	// boundaryNone: no boundary, everything belongs to the current message.
	boundaryNone boundary = iota
	// boundaryTerminator: '\n' or NUL at pos.
	boundaryTerminator
	// boundaryRecord: a record starts with the '[' at pos.
	boundaryRecord
	// boundaryUndecided: p[pos:] is a record-start prefix too short to decide.
	boundaryUndecided
)

// nextBoundary returns the first boundary in p at or after i. msgStart is
// the index of the current message's first byte (-1 if it began before p):
// a '[' there starts the current record and does not end it.
func nextBoundary(p []byte, i, msgStart int) (int, boundary) {
	for {
		i = nextSpecial(p, i)
		if i == len(p) {
			return i, boundaryNone
		}
		if p[i] != '[' {
			return i, boundaryTerminator
		}
		if i != msgStart {
			q := p[i+1:]
			n := min(len(q), datePatternLen)
			k := 0
			for k < n && datePatternByte(k, q[k]) {
				k++
			}
			switch {
			case k == datePatternLen:
				return i, boundaryRecord
			case k == len(q):
				return i, boundaryUndecided
			}
		}
		i++
	}
}

// SWAR constants: a byte 0x01 resp. 0x80 in every lane of a uint64.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// nextSpecial returns the index of the first '\n', NUL or '[' in p at or
// after i, or len(p). It tests eight bytes at a time: (v-0x01..)&^v&0x80..
// flags the zero bytes of v exactly up to the first one (higher lanes may be
// false positives, which is why only the lowest flag is used).
func nextSpecial(p []byte, i int) int {
	for ; i+8 <= len(p); i += 8 {
		w := binary.LittleEndian.Uint64(p[i:])
		nl := w ^ (lanes01 * '\n')
		br := w ^ (lanes01 * '[')
		m := (w-lanes01)&^w | (nl-lanes01)&^nl | (br-lanes01)&^br
		if m &= lanes80; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(p); i++ {
		if c := p[i]; c == '\n' || c == 0 || c == '[' {
			return i
		}
	}
	return len(p)
}
