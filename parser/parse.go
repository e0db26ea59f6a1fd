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
	m.Kind, m.Timestamp, m.Job = KindValues, nil, nil
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
	if len(rest) > 0 && (rest[0] == 'j' || rest[0] == 'b') {
		if ok, err := parseControl(rest, m); ok {
			return err
		}
	}
	fields := rest
	fs, bad := m.Fields, m.Bad
	prev := prevNone
	// The previous non-empty fragment ran from prevStart to its ',' or ';'
	// at prevEnd (offsets in line); a field's value ends there too.
	prevStart, prevEnd := 0, 0
	requote := false // the last element of Bad grew: its error must quote the new text

	for len(rest) > 0 {
		start := len(line) - len(rest)
		// The fragment runs to the first ',' or ';'. Its name ends at the
		// first ':' followed by a space or a tab, else at its last ':'. The
		// bytes before each ':' are classified on the way, so a plain name
		// needs no second pass.
		i := 0
		all, some := uint8(nameAllowed), uint8(0)
		colon, spaced := -1, false
		var nameAll, nameSome uint8
		for ; i < len(rest); i++ {
			k := byteClass[rest[i]]
			if k&(classColon|classSep) != 0 {
				if k&classSep != 0 {
					break
				}
				colon, nameAll, nameSome = i, all, some
				if i+1 < len(rest) && isSpace(rest[i+1]) {
					spaced = true
					break
				}
			}
			all &= k
			some |= k
		}

		if colon < 0 {
			frag := trimSpace(rest[:i])
			end := start + i
			rest = rest[min(i+1, len(rest)):]
			if len(frag) == 0 {
				continue // tolerate "x: 1," and "x: 1,,y: 2"
			}
			switch prev {
			case prevGood:
				// The value was cut by a ',' or ';' (x: 0,5): drop the field.
				n := len(fs) - 1
				f := &fs[n]
				text := trimSpace(line[prevStart:end])
				// R's options(OutDec = ",") prints 0.5 as 0,5.
				decimal := line[start-1] == ',' && isDigit(line[start]) &&
					isInteger(fieldValue(trimSpace(line[prevStart:prevEnd]), f.Name))
				bad = append(bad, BadField{Name: f.Name, Text: text, Err: cutError(text, f.Name, decimal)})
				fs = fs[:n]
				prev = prevCut
			case prevCut, prevBad:
				bad[len(bad)-1].Text = trimSpace(line[prevStart:end])
				// The error quotes the value: build it again once the
				// last fragment has joined (per fragment would be
				// quadratic in "x: 0,5,5,5,...").
				requote = prev == prevCut
			default:
				// Free text ("hello world") unless a ':' follows, then a
				// stray piece before the first field.
				if bytes.IndexByte(rest, ':') < 0 {
					return newError(ErrNoFields, "message", trimSpace(fields), nil)
				}
				unclosed = false
				bad = append(bad, BadField{Text: frag, Err: cutError(frag, nil, false)})
				prevStart, prev = start, prevCut
			}
			continue
		}

		if requote {
			b := &bad[len(bad)-1]
			b.Err = cutError(b.Text, b.Name, errors.Is(b.Err, ErrDecimalComma))
			requote = false
		}
		if len(fs)+len(bad) == MaxFields {
			bad = append(bad, BadField{Text: trimSpace(line[start:]), Err: errTooManyFields})
			break
		}

		// The value runs from the ':' to the next ',' or ';', or further
		// when it is a number with big.mark groups (1,234,567). A ':' in it
		// is a sign of glued messages.
		j := i // the name ended at the last ':', so i is the value's end
		glued := false
		if spaced {
			for j = colon + 2; j < len(rest); j++ {
				if k := byteClass[rest[j]]; k&(classSep|classColon) != 0 {
					if k&classSep != 0 {
						break
					}
					glued = true
				}
			}
		}
		grouped := false
		if j+1 < len(rest) && rest[j] == ',' && isDigit(rest[j+1]) && isDigit(rest[j-1]) {
			if g := groupedEnd(rest, colon+1, j); g > 0 {
				grouped = true
				for j = g; j < len(rest); j++ {
					if k := byteClass[rest[j]]; k&(classSep|classColon) != 0 {
						if k&classSep != 0 {
							break
						}
						glued = true
					}
				}
			}
		}
		name := trimSpace(rest[:colon])
		raw := trimSpace(rest[colon+1 : j])
		rest = rest[min(j+1, len(rest)):]
		prevStart, prevEnd = start, start+j

		var err error
		switch {
		case len(name) == 0:
			name = nil
			err = newError(ErrEmptyName, "field", trimSpace(line[start:prevEnd]), nil)
		case unclosed:
			err = newError(errUnclosed, "name", name, nil)
		case nameAll == 0:
			err = newError(ErrBadName, "name", name, nil)
		case nameSome&nameSignificant == 0:
			err = newError(errNoNameContent, "name", name, nil)
		case glued && isGlued(raw):
			err = newError(errGlued, "value", raw, name)
		}
		unclosed = false
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
		bad = append(bad, BadField{Name: name, Text: trimSpace(line[start:prevEnd]), Err: err})
		prev = prevBad
	}

	if requote {
		b := &bad[len(bad)-1]
		b.Err = cutError(b.Text, b.Name, errors.Is(b.Err, ErrDecimalComma))
	}
	m.Fields, m.Bad = fs, bad
	switch {
	case len(fs) > 0:
		return nil
	case len(bad) > 0:
		return bad[0].Err
	}
	return ErrNoFields
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
	head := trimLeft(rest[vs:j])
	if len(head) > 0 && (head[0] == '+' || head[0] == '-') {
		head = head[1:]
	}
	if len(head) == 0 || len(head) > 3 || head[0] == '0' {
		return 0
	}
	for _, c := range head {
		if !isDigit(c) {
			return 0
		}
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
	if err := checkJobName(name); err != nil {
		return true, newError(err, "job name", name, nil)
	}
	m.Job = name
	return true, nil
}
