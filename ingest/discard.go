package ingest

import (
	"encoding/binary"
	"math/bits"
)

// startDiscard switches to discarding the message whose first bytes are p
// (which may alias buf): they are dropped, except an undecided
// record-start prefix at their end, which may yet end the message.
func (f *Framer) startDiscard(p []byte) {
	u := undecidedPrefix(p)
	f.discarding = true
	f.dropped = len(p) - u
	f.droppedCR = f.dropped > 0 && p[f.dropped-1] == '\r'
	f.sp.Reset()
	pre := p[len(p)-u:]
	f.buf = f.buf[:0]
	f.push(pre) // append copies overlapping bytes correctly
	f.undecided = u
}

// undecidedPrefix returns the length of a '[' at the end of p followed by
// fewer than datePatternLen bytes that match a date so far, or 0.
func undecidedPrefix(p []byte) int {
	for k := 1; k <= datePatternLen && k <= len(p); k++ {
		if p[len(p)-k] == '[' {
			if isDatePrefix(p[len(p)-k+1:]) {
				return k
			}
			return 0
		}
	}
	return 0
}

// feedDiscard goes on discarding an oversized message with data and
// returns how much of data it consumed. While discarding, the message ends
// at a terminator or at any '[' followed by a date: the grammar is not
// followed through bytes that are not kept.
func (f *Framer) feedDiscard(data []byte, e Emitter) int {
	i := 0
	if f.undecided > 0 {
		// Decide the record-start prefix at the end of buf with data's
		// first bytes.
		matched := f.undecided - 1
		k := 0
		for matched+k < datePatternLen && k < len(data) && datePatternByte(matched+k, data[k]) {
			k++
		}
		switch {
		case matched+k == datePatternLen:
			// A record starts at buf[0]: the oversized message ends before
			// it, and the record is the pending tail.
			f.terminated = false
			d := f.dropped
			f.discarding, f.dropped, f.droppedCR, f.undecided = false, 0, false, 0
			e.Oversized(d)
			f.push(data[:k])
			return k
		case k == len(data):
			f.push(data)
			f.undecided += len(data)
			return len(data)
		default:
			// Not a record start: the prefix is dropped too. Scanning on
			// from k is fine: data[:k] are digits and '-'.
			f.undecided = 0
			f.dropped += len(f.buf)
			f.droppedCR = false
			f.buf = f.buf[:0]
			i = k
		}
	}
	pos, b := nextBoundary(data, i)
	switch b {
	case boundaryTerminator:
		d := f.dropped + pos
		cr := f.droppedCR
		if pos > 0 {
			cr = data[pos-1] == '\r'
		}
		if cr && data[pos] == '\n' {
			d--
		}
		f.reset()
		f.terminated = true
		e.Oversized(d)
		return pos + 1
	case boundaryRecord:
		d := f.dropped + pos
		f.reset()
		f.terminated = false
		e.Oversized(d)
		return pos
	case boundaryUndecided:
		f.dropped += pos
		if pos > 0 {
			f.droppedCR = data[pos-1] == '\r'
		}
		f.push(data[pos:])
		f.undecided = len(data) - pos
	default:
		f.dropped += len(data)
		f.droppedCR = data[len(data)-1] == '\r'
	}
	return len(data)
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

// isDatePrefix reports whether q (at most datePatternLen bytes) matches
// "DDDD-DD-DD" so far.
func isDatePrefix(q []byte) bool {
	for k, c := range q {
		if !datePatternByte(k, c) {
			return false
		}
	}
	return true
}

// isDate reports whether q is exactly datePatternLen bytes of "DDDD-DD-DD".
func isDate(q []byte) bool {
	return len(q) == datePatternLen && isDatePrefix(q)
}

type boundary uint8

const (
	// boundaryNone: no boundary, everything belongs to the current message.
	boundaryNone boundary = iota
	// boundaryTerminator: '\n' or NUL at pos.
	boundaryTerminator
	// boundaryRecord: a '[' and a date at pos.
	boundaryRecord
	// boundaryUndecided: p[pos:] is a record-start prefix too short to decide.
	boundaryUndecided
)

// nextBoundary returns the first terminator or '[' followed by a date in p
// at or after i, for a message being discarded.
func nextBoundary(p []byte, i int) (int, boundary) {
	for {
		i = nextSpecial(p, i)
		if i == len(p) {
			return i, boundaryNone
		}
		if p[i] != '[' {
			return i, boundaryTerminator
		}
		q := p[i+1:]
		n := min(len(q), datePatternLen)
		if isDatePrefix(q[:n]) {
			if n == datePatternLen {
				return i, boundaryRecord
			}
			return i, boundaryUndecided
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

// nextTerminator returns the index of the first '\n' or NUL in p at or
// after i, or len(p), eight bytes at a time like nextSpecial.
func nextTerminator(p []byte, i int) int {
	for ; i+8 <= len(p); i += 8 {
		w := binary.LittleEndian.Uint64(p[i:])
		nl := w ^ (lanes01 * '\n')
		m := (w-lanes01)&^w | (nl-lanes01)&^nl
		if m &= lanes80; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(p); i++ {
		if c := p[i]; c == '\n' || c == 0 {
			return i
		}
	}
	return len(p)
}
