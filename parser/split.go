package parser

import "bytes"

// Finding where glued messages start.
//
// R's write.socket sends a message with no terminator, so messages that
// reach the server together arrive glued: "Mean: 1.5Mean: 2.25". The
// Splitter reads the bytes of one message-so-far and tells where a second
// message evidently starts, from the message grammar alone:
//
//   - A record start: '[' followed by a date "DDDD-DD-DD", where a message
//     can start: after a complete value (the text since the current
//     field's name/value ':' is not blank), or, in a message that began
//     with its own "[...]" timestamp, after some text of a name (so that a
//     bad record without fields, "[ts] - garbage[ts] - x: 1", does not eat
//     the next one). In value position right after the ':' (empty value so
//     far), right after ',' or ';', inside the message's own timestamp, and
//     inside a name of a message without a leading timestamp it is text of
//     the current message: "Checkpoint: [2026-12-01] saved",
//     "x: 1, [2026-12-01] y: 2" and "Saved [2026-12-01] ckpt: 1" are one
//     message each.
//   - A repeat of the first name: a later "name:" (spaces allowed before
//     the ':') in value position, with a non-blank value before it, where
//     name is the message's first field name: "status: runningstatus: done"
//     is cut before the second "status". Names longer than maxRepeatName
//     are not looked for.
//   - A name after a complete number: in a field's value, a number as R
//     prints it (with big.mark grouping, or NA, NaN, Inf, TRUE, FALSE),
//     optionally a unit word, then a name and ':': "loss: 0.5acc: 0.9" is
//     cut before "acc", "elapsed: 12 msLoss: 0.5" before "Loss" (a unit
//     glued to the next name is recognised when the name starts with an
//     upper-case letter, or after '%').
//
// Fields are separated by ',' and ';' (a ',' between a digit and exactly
// three digits is R's big.mark and stays in the value). A field's
// name/value separator is its first ':' followed by a space or tab; the two
// glue rules only apply in fields that have one, so a name with ':' in it
// (R's "wt:hp: 0.5") is never cut, nor is a field without a space after
// its ':' ("a:b:c"), which the parser reads with the last ':' as the
// separator. For record starts, a field without such a ':' has its value
// after its last ':' so far.

// splitSpecial marks the bytes that change a Splitter's state in the
// fields once the current value has begun.
var splitSpecial = [256]bool{' ': true, '\t': true, ':': true, ',': true, ';': true, '[': true}

// maxRepeatName bounds the first-name repeat rule, so that a colon costs
// at most this many comparisons.
const maxRepeatName = 128

// dateLen is the length of "DDDD-DD-DD", the date after a record's '['.
const dateLen = 10

// Splitter phases: the optional "[timestamp] - " prefix, then the fields.
const (
	phaseLead  uint8 = iota // spaces before the message
	phaseStamp              // inside the leading '[' ... ']'
	phaseDash               // after ']': spaces and one optional '-'
	phaseDash2              // after the '-': spaces
	phaseBody               // the fields
)

// Splitter finds where a second message starts in the bytes of a message
// that has no terminator yet, incrementally: the bytes given to Scan only
// grow, and each is examined once, so a message arriving in many pieces
// costs no more than one arriving whole. The zero value is ready for the
// start of a message; Reset makes it so again. The rules are those of
// NextMessage.
type Splitter struct {
	pos   int // bytes of the message examined so far
	phase uint8
	// first name: msg[nameStart:nameEnd], known once nameKnown.
	nameKnown          bool
	nameStart, nameEnd int
	firstFrag          bool // the current field is the message's first
	// The current field: it starts at frag; sep is its name/value ':'
	// (one followed by a space or tab) or -1; lastColon its last ':' or -1.
	frag, sep, lastColon int
	// valStart is where the current value starts (after sep, else after
	// lastColon; -1 while in a name), firstVal its first non-blank byte
	// (-1 while blank), valColons the ':' seen in it after sep.
	valStart, firstVal, valColons int
	// fieldFirst is the current field's first non-blank byte, or -1;
	// stamped is set when the message began with a '[' timestamp.
	fieldFirst int
	stamped    bool
	// undecided: the last Scan stopped before the end of its input.
	undecided bool
}

// Reset prepares s for the start of a new message.
func (s *Splitter) Reset() { *s = Splitter{} }

// Scanned returns how many bytes of the message Scan has examined. Bytes
// after it are undecided: their meaning depends on bytes still to come (a
// '[' followed by part of a date, a ',' followed by fewer than four bytes).
func (s *Splitter) Scanned() int { return s.pos }

// EndsInValue reports whether the bytes examined so far end in a field
// with a non-blank value, that is, the message so far would be complete
// (as opposed to ending in a name, right after a ':', after ',' or ';', or
// inside the timestamp prefix).
func (s *Splitter) EndsInValue() bool {
	return s.phase == phaseBody && s.valStart >= 0 && s.firstVal >= 0 && !s.undecided
}

// Scan continues examining msg, the message so far (its first Scanned()
// bytes must be those given before), and returns the index at which a
// second message evidently starts, or -1 if there is none up to Scanned().
// With glue false only record starts are looked for (the caller knows
// where the message ends and only wants date-stamped records apart). After
// a cut the Splitter must be Reset before the next message.
func (s *Splitter) Scan(msg []byte, glue bool) int {
	if s.pos == 0 && s.phase == phaseLead && !s.firstFrag {
		s.firstFrag = true
		s.sep, s.lastColon, s.valStart, s.firstVal, s.fieldFirst = -1, -1, -1, -1, -1
	}
	s.undecided = false
	i := s.pos
	for ; i < len(msg); i++ {
		if s.phase == phaseBody && s.fieldFirst >= 0 && (s.valStart < 0 || s.firstVal >= 0) {
			// Only a few bytes change the state: skip the others.
			for i < len(msg) && !splitSpecial[msg[i]] {
				i++
			}
			if i == len(msg) {
				break
			}
		}
		c := msg[i]
		switch s.phase {
		case phaseLead:
			if isSpace(c) {
				continue
			}
			if c == '[' {
				s.phase, s.stamped = phaseStamp, true
				continue
			}
			s.startBody(i)
		case phaseStamp:
			if k := bytes.IndexByte(msg[i:], ']'); k >= 0 {
				i += k
				s.phase = phaseDash
			} else {
				i = len(msg) - 1
			}
			continue
		case phaseDash:
			if isSpace(c) {
				continue
			}
			if c == '-' {
				s.phase = phaseDash2
				continue
			}
			s.startBody(i)
		case phaseDash2:
			if isSpace(c) {
				continue
			}
			s.startBody(i)
		}
		// phaseBody
		switch c {
		case ' ', '\t':
			if s.sep < 0 && s.lastColon == i-1 && i > 0 {
				s.sep = i - 1
				if s.firstFrag {
					s.setFirstName(msg, s.sep)
				}
			}
		case ':':
			if s.sep >= 0 {
				s.valColons++
				if glue {
					if k := s.glueCut(msg, i); k >= 0 {
						s.pos = i
						return k
					}
				}
			} else {
				s.lastColon = i
				s.valStart, s.firstVal = i+1, -1
			}
		case ',', ';':
			if c == ',' && s.valStart >= 0 && i > 0 && isDigit(msg[i-1]) {
				mark := markUndecided // the next byte decides (a decimal comma?)
				if i+1 < len(msg) {
					mark = markNo
				}
				if groupHead(trimSpace(msg[s.valStart:i])) {
					mark = bigMark(msg[i+1:])
				}
				switch mark {
				case markYes:
					i += 3 // R's grouping: the value goes on
					continue
				case markUndecided:
					s.pos, s.undecided = i, true
					return -1
				}
				if isDigit(msg[i+1]) && s.firstVal >= 0 && isPlainInteger(trimSpace(msg[s.firstVal:i])) {
					// R's decimal comma (OutDec ","): as for the parser, the
					// value goes on, so that the first name repeated after
					// it ("x: 0,5x: 0,7") still starts the next message.
					continue
				}
			}
			if s.firstFrag {
				if !s.nameKnown && s.lastColon >= 0 {
					s.setFirstName(msg, s.lastColon)
				}
				s.firstFrag = false
			}
			s.frag, s.sep, s.lastColon = i+1, -1, -1
			s.valStart, s.firstVal, s.valColons, s.fieldFirst = -1, -1, 0, -1
			continue
		case '[':
			// Only where a message can start, and only when it is known
			// to be a date: otherwise the '[' is text of this message.
			afterValue := s.valStart >= 0 && s.firstVal >= 0
			inStampedName := s.stamped && s.valStart < 0 && s.fieldFirst >= 0
			if !afterValue && !inStampedName || !isDateBytes(msg[i+1:]) {
				break
			}
			s.pos = i
			if len(msg)-i-1 < dateLen {
				s.undecided = true
				return -1
			}
			return i
		}
		if !isSpace(c) {
			if s.fieldFirst < 0 {
				s.fieldFirst = i
			}
			if s.valStart >= 0 && s.firstVal < 0 && i >= s.valStart {
				s.firstVal = i
			}
		}
	}
	s.pos = i
	return -1
}

func (s *Splitter) startBody(i int) {
	s.phase = phaseBody
	s.frag = i
}

// setFirstName records msg[frag:colon], trimmed, as the first name.
func (s *Splitter) setFirstName(msg []byte, colon int) {
	a, b := s.frag, colon
	for a < b && isSpace(msg[a]) {
		a++
	}
	for b > a && isSpace(msg[b-1]) {
		b--
	}
	s.nameKnown, s.nameStart, s.nameEnd = true, a, b
}

// groupLead returns the length of the lead of a number written with R's
// big.mark at the start of v: an optional sign and one to three digits not
// starting with 0; -1 when v does not start with one. The parser
// (groupedEnd) and the splitter (groupHead) share it.
func groupLead(v []byte) int {
	i := 0
	if len(v) > 0 && (v[0] == '+' || v[0] == '-') {
		i++
	}
	d := 0
	for i+d < len(v) && isDigit(v[i+d]) {
		d++
	}
	if d == 0 || d > 3 || v[i] == '0' {
		return -1
	}
	return i + d
}

// groupHead reports whether v, a value up to a ',', can go on with R's
// big.mark: its lead (groupLead) and then groups of ',' and three digits
// (the splitter reads one group at a time). "A0" or "0" before ",000" is
// no grouped number, for the splitter as for the parser, so the ','
// separates fields for both.
func groupHead(v []byte) bool {
	n := groupLead(v)
	if n < 0 {
		return false
	}
	for v = v[n:]; len(v) > 0; v = v[4:] {
		if len(v) < 4 || v[0] != ',' || !isDigit(v[1]) || !isDigit(v[2]) || !isDigit(v[3]) {
			return false
		}
	}
	return true
}

// Answers of bigMark.
const (
	markNo = iota
	markYes
	markUndecided
)

// bigMark tells whether q, the bytes after a ',' that follows a digit,
// makes the ',' R's big.mark: exactly three digits follow it, and then the
// end of the number (the end, a space, a tab, ',', ';', '.', '%' or '/').
// Three digits followed by a letter start the next field's name, as in
// "n: 1,234x: 1".
func bigMark(q []byte) int {
	for k := range 4 {
		switch {
		case k == len(q):
			return markUndecided
		case k < 3 && !isDigit(q[k]):
			return markNo
		}
	}
	switch q[3] {
	case ' ', '\t', ',', ';', '.', '%', '/':
		return markYes
	}
	return markNo
}

// isDateBytes reports whether q, at most dateLen bytes of it, matches
// "DDDD-DD-DD" so far.
func isDateBytes(q []byte) bool {
	for k, c := range q[:min(len(q), dateLen)] {
		if k == 4 || k == 7 {
			if c != '-' {
				return false
			}
		} else if !isDigit(c) {
			return false
		}
	}
	return true
}

// glueCut applies the two glue rules at the ':' msg[c], which is in the
// value of a field with a name/value separator. It returns where the next
// message starts, or -1.
func (s *Splitter) glueCut(msg []byte, c int) int {
	if s.firstVal < 0 {
		return -1 // blank value so far: "x:  :"
	}
	// The name before this ':' ends before any spaces.
	e := c
	for e > s.firstVal && isSpace(msg[e-1]) {
		e--
	}
	cut := -1
	if s.valColons == 1 {
		if k := nameAfterNumber(msg[s.firstVal:e]); k > 0 {
			cut = s.firstVal + k
		}
	}
	if s.nameKnown {
		n := s.nameEnd - s.nameStart
		if occ := e - n; n > 0 && n <= maxRepeatName && occ > s.firstVal && (cut < 0 || occ < cut) &&
			string(msg[occ:e]) == string(msg[s.nameStart:s.nameEnd]) {
			cut = occ
		}
	}
	return cut
}

// nameAfterNumber returns where a name starts in v, the text of a value
// from its first byte to a ':' (spaces before the ':' trimmed), when v is
// a complete number, optionally a unit, then that name; else 0.
func nameAfterNumber(v []byte) int {
	n := gluedNumberLen(v)
	if n == 0 || n == len(v) {
		return 0
	}
	j := n
	for j < len(v) && isSpace(v[j]) {
		j++
	}
	w := j // the word after the number
	for w < len(v) && !isSpace(v[w]) {
		w++
	}
	k := j
	if _, ok := lookupUnit(v[j:w]); ok && w < len(v) {
		// A unit word, then the name after spaces.
		for k = w; isSpace(v[k]); k++ {
		}
	} else {
		// A unit glued to the name: "12 msLoss", "50%loss".
		for l := w - j - 1; l > 0; l-- {
			if _, ok := lookupUnit(v[j : j+l]); ok {
				if next := v[j+l]; v[j+l-1] == '%' || next >= 'A' && next <= 'Z' {
					k = j + l
					break
				}
			}
		}
	}
	if !nameStartByte(v[k]) {
		return 0
	}
	for _, c := range v[k:] {
		if c < 0x20 || c == 0x7f {
			return 0
		}
	}
	return k
}

// nameStartByte reports whether c may start a glued name: a letter, a
// non-ASCII byte or '(' (R's "(Intercept)").
func nameStartByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || c == '('
}

// gluedNumberLen returns the length of the complete number at the start of
// v: R's number syntax (through numberLen), with big.mark grouping
// (1,234,567.5), or NA, NaN, Inf, +Inf, -Inf, TRUE, FALSE followed by a
// space, a tab or the end. 0 if there is none.
func gluedNumberLen(v []byte) int {
	switch {
	case hasPrefix(v, "TRUE"):
		return wordEnd(v, 4)
	case hasPrefix(v, "FALSE"):
		return wordEnd(v, 5)
	}
	n := numberLen(v)
	if n == 0 {
		return 0
	}
	if c := v[n-1]; !isDigit(c) && c != '.' {
		return wordEnd(v, n) // NA, NaN, Inf
	}
	// big.mark: 1-3 digits, then groups of ',' and three digits.
	i := 0
	if v[0] == '+' || v[0] == '-' {
		i++
	}
	d := 0
	for i+d < len(v) && isDigit(v[i+d]) {
		d++
	}
	if d == 0 || d > 3 {
		return n
	}
	g := i + d
	for g+4 <= len(v) && v[g] == ',' && (g+4 == len(v) || bigMark(v[g+1:]) == markYes) &&
		isDigit(v[g+1]) && isDigit(v[g+2]) && isDigit(v[g+3]) {
		g += 4
	}
	if g == i+d {
		return n
	}
	// The fraction and exponent after the last group.
	if rest := numberLen(v[g-3:]); rest > 3 {
		return g - 3 + rest
	}
	return g
}

// wordEnd returns n if v[:n] is followed by a space, a tab or nothing,
// else 0.
func wordEnd(v []byte, n int) int {
	if n == len(v) || isSpace(v[n]) {
		return n
	}
	return 0
}

// NextMessage returns the index in b, the bytes of one message-so-far
// without a terminator, at which a second message glued to it evidently
// starts, or len(b) if none does. The result is at least 1 for a non-empty
// b. The rules (see Splitter) are: a '[' date where a message can start
// (after a complete value), a repeat of the message's first name after a
// value, and a name after a complete number value:
//
//	"Mean: 1.5Mean: 2.25"                          → 9
//	"loss: 0.5acc: 0.9"                            → 9
//	"elapsed: 12 ms Loss: 0.5"                     → 15
//	"Poisson: 11[2026-11-25 17:06:16] - Poisson: 9" → 11
//	"Checkpoint: [2026-12-01] saved"               → len(b)
//	"a: 1, ba: 2", "wt:hp: 0.5, (Intercept): 2"    → len(b)
func NextMessage(b []byte) int {
	var s Splitter
	if k := s.Scan(b, true); k >= 0 {
		return k
	}
	return len(b)
}
