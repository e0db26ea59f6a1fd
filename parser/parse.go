package parser

import (
	"bytes"
	"errors"
)

// Message is one parsed status message. Its slices alias the input line, and
// the backing arrays of Fields and Bad are reused by the next Parse call into
// the same Message.
type Message struct {
	Kind      Kind
	Timestamp []byte  // raw text between a leading '[' and its ']' (trimmed), nil when the message has no bracket prefix
	Fields    []Field // the values of a KindValues message that parsed
	Job       []byte  // the job name of a KindJob message, trimmed
	// Verb and Arg are the verb and argument of a KindRun message (see
	// parseRun); Arg aliases the input.
	Verb RunVerb
	Arg  []byte
	// Bad lists, in order, the fragments of a KindValues message that were
	// dropped; the fields around them still apply.
	Bad []BadField
}

// BadField is one fragment of a message that was dropped.
type BadField struct {
	Name []byte // the raw name, trimmed; nil when the fragment had none
	Text []byte // the dropped fragment as received (aliases the input), trimmed
	Err  error  // wraps exactly one sentinel (errors.Is); its message quotes the name or value
}

// Kind tells what a message is for.
type Kind uint8

const (
	// KindValues carries `Name: value` fields.
	KindValues Kind = iota
	// KindJob names the sending connection's job: the message is exactly one
	// field named "job" (`job: fit-model`). Its value is a name, not a
	// number, so "job" is not available as an R value name. When Parse
	// refuses the job name it returns the error with Kind KindJob.
	KindJob
	// KindBye says goodbye: the message is exactly "bye". A job that says
	// it before its connection ends has finished cleanly.
	KindBye
	// KindRun is a run control message: `run: <verb> <argument>`, as
	// `rexporter run` sends to say how a job ended, its parameters and its
	// resource use (see RunVerb).
	KindRun
)

// Field is one `Name: value` pair. Kind says which of the value fields
// apply; see the package documentation for the value grammar.
type Field struct {
	Name []byte // raw name as received, surrounding spaces/tabs trimmed; may be latin1 (invalid UTF-8)
	// Value is the number (ValueNumber), converted to the base unit when
	// Unit is not UnitNone, or the done count (ValueProgress). It is 0 for
	// ValueMissing and ValueState.
	Value float64
	// Scale is the factor of the unit the number was written in:
	// Value = number as written × Scale (the product is computed exactly
	// and rounded once). It is 1 when Unit is UnitNone, so a caller that
	// does not want conversions divides Value by Scale.
	Scale float64
	Total float64 // the total of a ValueProgress, else 0
	// State is the text of a ValueState, spaces and tabs trimmed; it
	// aliases the input. nil for other kinds.
	State   []byte
	Missing bool      // R's NA; same as Kind == ValueMissing
	Kind    ValueKind // what the value is
	// Unit is the base unit Value was converted to. It is also set for a
	// missing value written with a unit (NA secs).
	Unit Unit
}

// MaxFields bounds the number of fields of one message, applied or dropped.
const MaxFields = 256

// prev* say what the last non-empty fragment of a message became, so a
// fragment without a colon after it can join it.
const (
	prevNone = iota // nothing yet
	prevGood        // the last element of Fields
	prevBad         // the last element of Bad, dropped for its own reason
	prevCut         // the last element of Bad, dropped because colonless fragments follow it
)

// Parse parses line into m, reusing the backing arrays of m.Fields and m.Bad.
// Fields are applied one by one: a bad field is listed in m.Bad and the
// others still parse.
//
// Parse returns nil when at least one field parsed (m.Fields is not empty;
// m.Bad may list dropped ones), and for a job or bye message. Otherwise it
// returns an error wrapping one of the sentinel errors (test with errors.Is)
// and m.Fields is empty: ErrNoFields for a message that is empty or has no
// ':' after its timestamp (m.Bad is then empty too), or else the error of the
// first dropped field, m.Bad[0].Err. A job message with a bad job name
// returns an error with m.Kind KindJob and m.Bad empty.
//
// Parse does not interpret the timestamp (see ParseTimestamp): a message whose
// bracket holds something that is not a time is still accepted. Errors are
// only built for dropped fragments, so a good message allocates nothing.
func Parse(line []byte, m *Message) error {
	m.Kind, m.Timestamp, m.Job, m.Verb, m.Arg = KindValues, nil, nil, RunNone, nil
	m.Fields, m.Bad = m.Fields[:0], m.Bad[:0]

	rest := trimLeft(line)
	// A '[' without its ']' stays part of the first name, which is then
	// refused: a truncated prefix is never guessed at.
	unclosed := false
	if len(rest) > 0 && rest[0] == '[' {
		if end := bytes.IndexByte(rest, ']'); end >= 0 {
			m.Timestamp = trimSpace(rest[1:end])
			rest = trimLeft(rest[end+1:])
			if len(rest) > 0 && rest[0] == '-' {
				rest = trimLeft(rest[1:])
			}
		} else {
			unclosed = true
		}
	}
	if len(rest) > 0 && (rest[0] == 'j' || rest[0] == 'b' || rest[0] == 'r') {
		if ok, err := parseControl(rest, m); ok {
			return err
		}
	}
	fs := m.Fields
	nbad := 0 // len(m.Bad); the dropped fields live in m.Bad, off the hot path
	prev := prevNone
	// The previous non-empty fragment ran from prevStart to its ',' or ';'
	// at prevEnd (offsets in line); a field's value ends there too.
	prevStart, prevEnd := 0, 0
	requote := false // the last element of Bad grew: its error must quote the new text

	for len(rest) > 0 {
		start := len(line) - len(rest)
		i, colon, nameAll, nameSome := scanName(rest)
		spaced := colon >= 0 && colon == i // the name ended at ": ", not at the last ':'

		if colon < 0 {
			empty := len(trimSpace(rest[:i])) == 0
			rest = rest[min(i+1, len(rest)):]
			if empty {
				continue // tolerate "x: 1," and "x: 1,,y: 2"
			}
			if prev == prevNone && bytes.IndexByte(rest, ':') < 0 {
				// Free text ("hello world"): no ':' before or after.
				return newError(ErrNoFields, "message", trimSpace(line[start:]), nil)
			}
			m.Fields = fs
			prev, prevStart, requote = m.colonless(line, start, start+i, prev, prevStart, prevEnd)
			fs, nbad = m.Fields, len(m.Bad)
			unclosed = false
			continue
		}

		if requote {
			m.requote()
			requote = false
		}
		if len(fs)+nbad == MaxFields {
			m.Bad = append(m.Bad, BadField{Text: trimSpace(line[start:]), Err: errTooManyFields})
			break
		}

		// The value runs from the ':' to the next ',' or ';', or further
		// when it is a number with big.mark groups (1,234,567). A ':' in it
		// is a sign of glued messages.
		j := i // the name ended at the last ':', so i is the value's end
		glued := false
		if spaced {
			j, glued = scanValue(rest, colon+2)
		}
		grouped := false
		if j+1 < len(rest) && rest[j] == ',' && isDigit(rest[j+1]) && isDigit(rest[j-1]) {
			j, grouped, glued = groupedValueEnd(rest, colon, j, glued)
		}
		decimal := false
		if !grouped && j+1 < len(rest) && rest[j] == ',' && isDigit(rest[j+1]) && isPlainInteger(trimSpace(rest[colon+1:j])) {
			// "0,5" that is no big.mark grouping: R's OutDec ",". The next
			// fragment belongs to this value even when it holds a ':' (the
			// glued "x: 0,5y: 2"), so that 0,5 is read neither as 0 nor as
			// a field "5y".
			j = decimalCommaEnd(rest, j)
			decimal = true
		}
		name := trimSpace(rest[:colon])
		raw := trimSpace(rest[colon+1 : j])
		rest = rest[min(j+1, len(rest)):]
		prevStart, prevEnd = start, start+j

		var err error
		if len(name) == 0 || unclosed || nameAll == 0 || nameSome&nameSignificant == 0 || glued {
			err = fieldError(line[start:prevEnd], name, raw, unclosed, nameAll, nameSome)
			unclosed = false
		} else if decimal {
			err = newError(errDecimalComma, "value", raw, name)
		}
		if err == nil {
			// Growing by hand and having parseValue store into the element
			// avoids building the Field on the stack and copying it, which
			// costs a store-forwarding stall on every field.
			n := len(fs)
			if n < cap(fs) {
				fs = fs[:n+1]
			} else {
				fs = append(fs, Field{})
			}
			f := &fs[n]
			f.Name = name
			// Plain numbers, by far the most common values, skip parseValue.
			if !grouped && len(raw) != 0 && (isDigit(raw[0]) || raw[0] == '-' || raw[0] == '.' || raw[0] == '+') {
				if v, ok := parseNumber(raw); ok {
					f.setNumber(v)
					prev = prevGood
					continue
				}
			}
			if grouped {
				err = parseGrouped(raw, f)
			} else {
				err = parseOther(raw, f)
			}
			if err == nil {
				prev = prevGood
				continue
			}
			fs = fs[:n]
			err = newError(err, "value", raw, name)
		}
		m.drop(name, line[start:prevEnd], err)
		nbad++
		prev = prevBad
	}

	if requote {
		m.requote()
	}
	m.Fields = fs
	switch {
	case len(fs) > 0:
		return nil
	case len(m.Bad) > 0:
		return m.Bad[0].Err
	}
	return ErrNoFields
}

// The functions below are the paths of dropped fields, kept out of Parse so
// its loop stays small.

// drop lists a dropped field: its trimmed name (nil when empty), the
// fragment and the error.
//
//go:noinline
func (m *Message) drop(name, frag []byte, err error) {
	if len(name) == 0 {
		name = nil
	}
	m.Bad = append(m.Bad, BadField{Name: name, Text: trimSpace(frag), Err: err})
}

// fieldError returns the error of a field whose name or value the byte
// classes flagged, or nil when it is fine after all (a ':' in a value that
// is not a sign of glued messages).
//
//go:noinline
func fieldError(frag, name, raw []byte, unclosed bool, nameAll, nameSome uint8) error {
	switch {
	case len(name) == 0:
		return newError(ErrEmptyName, "field", trimSpace(frag), nil)
	case unclosed:
		return newError(errUnclosed, "name", name, nil)
	case nameAll == 0:
		return newError(ErrBadName, "name", name, nil)
	case nameSome&nameSignificant == 0:
		return newError(errNoNameContent, "name", name, nil)
	case isGlued(raw):
		return newError(errGlued, "value", raw, name)
	}
	return nil
}

// colonless handles a non-empty fragment without a colon, line[start:end]:
// it joins the previous fragment, dropping that field if it parsed, or is
// dropped on its own before any field. It returns the new prev, prevStart
// and whether the last dropped field's error must quote a longer text.
//
//go:noinline
func (m *Message) colonless(line []byte, start, end, prev, prevStart, prevEnd int) (int, int, bool) {
	switch prev {
	case prevGood:
		// The value was cut by a ',' or ';' (x: 0,5): drop the field.
		n := len(m.Fields) - 1
		name := m.Fields[n].Name
		m.Fields = m.Fields[:n]
		text := trimSpace(line[prevStart:end])
		// R's options(OutDec = ",") prints 0.5 as 0,5.
		decimal := line[start-1] == ',' && isDigit(line[start]) &&
			isInteger(fieldValue(trimSpace(line[prevStart:prevEnd]), name))
		m.Bad = append(m.Bad, BadField{Name: name, Text: text, Err: cutError(text, name, decimal)})
		return prevCut, prevStart, false
	case prevCut, prevBad:
		m.Bad[len(m.Bad)-1].Text = trimSpace(line[prevStart:end])
		// The error quotes the value: build it again once the last
		// fragment has joined (per fragment would be quadratic in
		// "x: 0,5,5,5,...").
		return prev, prevStart, prev == prevCut
	}
	// A stray piece before the first field ("hello" in "hello, x: 1").
	frag := trimSpace(line[start:end])
	m.Bad = append(m.Bad, BadField{Text: frag, Err: cutError(frag, nil, false)})
	return prevCut, start, false
}

// requote builds the error of the last dropped field again, once colonless
// fragments have joined it.
//
//go:noinline
func (m *Message) requote() {
	b := &m.Bad[len(m.Bad)-1]
	b.Err = cutError(b.Text, b.Name, errors.Is(b.Err, ErrDecimalComma))
}

// groupedValueEnd extends the value of the fragment whose name ends at
// rest[colon] over big.mark groups when its ',' at rest[j] starts one
// (1,234,567). It returns the value's end and whether it has groups; glued
// stays true or becomes true when a ':' follows the groups.
//
//go:noinline
func groupedValueEnd(rest []byte, colon, j int, glued bool) (int, bool, bool) {
	g := groupedEnd(rest, colon+1, j)
	if g == 0 {
		return j, false, glued
	}
	j, sawColon := scanValue(rest, g)
	return j, true, glued || sawColon
}

// scanName scans the fragment at the start of rest up to its ',' or ';'
// (or the end of rest). A name ends at the first ':' followed by a space or
// a tab, else at the fragment's last ':'. scanName returns where it stopped
// (the ',' or ';', the end, or the ':' of ": "), the index of the ':' that
// ends the name (-1 when there is none) and the byte classes of the bytes
// before that ':': all is nameAllowed unless one of them is not allowed, some
// collects their classes. The bytes are classified on the way, one table
// load each, so a plain name needs no second pass.
//
// It is a function of its own so that its loop keeps its variables in
// registers; inside Parse they were spilled to the stack on every byte.
//
//go:noinline
func scanName(rest []byte) (i, colon int, nameAll, nameSome uint8) {
	all, some := uint8(nameAllowed), uint8(0)
	colon = -1
	for {
		// The inner loop carries only i, all and some, so they stay in
		// registers without shuffling.
		for i < len(rest) {
			k := byteClass[rest[i]]
			if k&(classColon|classSep) != 0 {
				break
			}
			all &= k
			some |= k
			i++
		}
		if i == len(rest) || rest[i] != ':' {
			return i, colon, nameAll, nameSome
		}
		colon, nameAll, nameSome = i, all, some
		if i+1 < len(rest) && isSpace(rest[i+1]) {
			return i, colon, nameAll, nameSome
		}
		i++ // a ':' is allowed in a name and adds no content
	}
}

// scanValue returns the index of the first ',' or ';' in rest from j on
// (len(rest) if none), and whether a ':' comes before it.
func scanValue(rest []byte, j int) (int, bool) {
	colon := false
	for {
		for j < len(rest) && byteClass[rest[j]]&(classSep|classColon) == 0 {
			j++
		}
		if j == len(rest) || rest[j] != ':' {
			return j, colon
		}
		colon = true
		j++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func trimLeft(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func trimSpace(b []byte) []byte {
	b = trimLeft(b)
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// nameColon returns the index of the ':' that ends the name of the fragment
// frag (no ',' or ';' in it): the first ':' followed by a space or a tab,
// else the last ':'; -1 when frag has none.
func nameColon(frag []byte) int {
	last := -1
	for i, c := range frag {
		if c == ':' {
			if i+1 < len(frag) && isSpace(frag[i+1]) {
				return i
			}
			last = i
		}
	}
	return last
}

// isPlainInteger reports whether b is digits with an optional sign.
func isPlainInteger(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// decimalCommaEnd returns the end of a value cut by a decimal comma at j:
// the end of the fragment after the comma.
func decimalCommaEnd(rest []byte, j int) int {
	for j++; j < len(rest) && rest[j] != ',' && rest[j] != ';'; j++ {
	}
	return j
}

// fieldValue returns the value of the trimmed fragment text whose trimmed
// name is name: the text after the first ':' that follows the name, trimmed.
func fieldValue(text, name []byte) []byte {
	after := text[len(name):]
	return trimSpace(after[bytes.IndexByte(after, ':')+1:])
}

// cutError is the error of text, a field (name is not nil) or a stray
// fragment before the first field, followed by fragments without a colon.
func cutError(text, name []byte, decimal bool) error {
	switch {
	case name == nil:
		return newError(ErrMissingColon, "field", text, nil)
	case decimal:
		return newError(errDecimalComma, "value", fieldValue(text, name), name)
	}
	return newError(errCutValue, "value", fieldValue(text, name), name)
}

// isGlued reports whether the value b holds a ':' followed by a space or a
// tab, or ends with ':': the start of another message.
func isGlued(b []byte) bool {
	for i, c := range b {
		if c == ':' && (i+1 == len(b) || isSpace(b[i+1])) {
			return true
		}
	}
	return false
}

// isInteger reports whether b is an optional sign and digits.
func isInteger(b []byte) bool {
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

// groupedEnd returns where the big.mark groups of a number end: rest[vs:j]
// must be spaces, an optional sign and 1 to 3 digits not starting with 0,
// and rest[j:] start with groups of ',' and exactly 3 digits (not followed
// by another digit or a ':', which would make them the name of the next
// field). It returns 0 when there is no such number.
func groupedEnd(rest []byte, vs, j int) int {
	if head := trimLeft(rest[vs:j]); groupLead(head) != len(head) {
		return 0
	}
	p := j
	for p+3 < len(rest) && rest[p] == ',' && isDigit(rest[p+1]) && isDigit(rest[p+2]) && isDigit(rest[p+3]) &&
		(p+4 == len(rest) || !isDigit(rest[p+4]) && rest[p+4] != ':') {
		p += 4
	}
	if p == j {
		return 0
	}
	return p
}

// parseControl recognises the job and bye messages. It reports whether rest
// was one; err is then the verdict on it.
func parseControl(rest []byte, m *Message) (bool, error) {
	rest = trimSpace(rest)
	if rest[0] == 'r' {
		return parseRun(rest, m)
	}
	if string(rest) == "bye" {
		m.Kind = KindBye
		return true, nil
	}
	if len(rest) < 4 || string(rest[:3]) != "job" || bytes.ContainsAny(rest, ",;") {
		// Several fields: "job" is then an ordinary (reserved) value name.
		return false, nil
	}
	c := nameColon(rest)
	if c < 0 || string(trimSpace(rest[:c])) != "job" {
		return false, nil // e.g. "jobs done: 3" or "job:hp: 2", ordinary fields
	}
	name := trimSpace(rest[c+1:])
	m.Kind = KindJob // also when the name is refused: the caller can tell why
	switch {
	case len(name) == 0:
		return true, newError(ErrEmptyValue, "job", rest, nil)
	case isGlued(name):
		return true, newError(errGlued, "job name", name, nil)
	}
	// Any other text is a job name: the caller makes a label value of it.
	m.Job = name
	return true, nil
}
