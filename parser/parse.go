package parser

import "bytes"

// Message is one parsed status message. Its slices alias the input line and the Fields
// backing array is reused by the next Parse call into the same Message.
type Message struct {
	Kind      Kind
	Timestamp []byte  // raw text between a leading '[' and its ']' (trimmed), nil when the message has no bracket prefix
	Fields    []Field // the values of a KindValues message
	Job       []byte  // the job name of a KindJob message, trimmed
}

// Kind tells what a message is for.
type Kind uint8

const (
	// KindValues carries `Name: value` fields.
	KindValues Kind = iota
	// KindJob names the sending connection's job: the message is exactly one
	// field named "job" (`job: fit-model`). Its value is a name, not a
	// number, so "job" is not available as an R value name.
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

// MaxFields bounds the number of fields in one message.
const MaxFields = 256

// Parse parses line into m, reusing m.Fields' backing array. It returns an error wrapping one of
// the sentinel errors above (test with errors.Is); on error m's contents are unspecified.
// The whole message is rejected if any field is bad (all-or-nothing).
//
// Parse does not interpret the timestamp (see ParseTimestamp): a message whose
// bracket holds something that is not a time is still accepted.
func Parse(line []byte, m *Message) error {
	m.Kind, m.Timestamp, m.Job = KindValues, nil, nil
	m.Fields = m.Fields[:0]

	rest := trimLeft(line)
	if len(rest) > 0 && rest[0] == '[' {
		// Without a closing ']' the '[' stays part of the first name, which
		// then fails the name check: a truncated prefix is never guessed at.
		if end := bytes.IndexByte(rest, ']'); end >= 0 {
			m.Timestamp = trimSpace(rest[1:end])
			rest = trimLeft(rest[end+1:])
			if len(rest) > 0 && rest[0] == '-' {
				rest = trimLeft(rest[1:])
			}
		}
	}
	if len(rest) > 0 && (rest[0] == 'j' || rest[0] == 'b') {
		if ok, err := parseControl(rest, m); ok {
			return err
		}
	}
	fields := rest
	fs := m.Fields

	for len(rest) > 0 {
		// The name runs to the first ':', ',' or ';'. Its bytes are
		// classified on the way, so a plain name needs no second pass.
		i := 0
		all, some := uint8(nameAllowed), uint8(0)
		for ; i < len(rest); i++ {
			k := byteClass[rest[i]]
			if k&(classColon|classSep) != 0 {
				break
			}
			all &= k
			some |= k
		}

		if i == len(rest) || rest[i] != ':' {
			frag := trimSpace(rest[:i])
			rest = rest[min(i+1, len(rest)):]
			if len(frag) == 0 {
				continue // tolerate "x: 1," and "x: 1,,y: 2"
			}
			// Any ':' in the message belongs to another fragment, so the
			// sender did write fields and this fragment is a stray piece
			// of one (e.g. the "5" of "x: 0,5"); otherwise it is free text.
			if bytes.IndexByte(fields, ':') >= 0 {
				return newError(ErrMissingColon, "field", frag, nil)
			}
			return newError(ErrNoFields, "message", trimSpace(fields), nil)
		}

		// The value runs from the ':' to the next ',' or ';'.
		j := i + 1
		for ; j < len(rest); j++ {
			if byteClass[rest[j]]&classSep != 0 {
				break
			}
		}
		name := trimSpace(rest[:i])
		raw := trimSpace(rest[i+1 : j])
		frag := rest[:j]
		rest = rest[min(j+1, len(rest)):]

		// A tab at either end of the name is trimmed but fails the
		// byte-class test, so look again before rejecting.
		if all == 0 || some&nameSignificant == 0 {
			if err := checkName(name); err != nil {
				if err == ErrEmptyName {
					return newError(err, "field", trimSpace(frag), nil)
				}
				return newError(err, "name", name, nil)
			}
		}
		n := len(fs)
		if n == MaxFields {
			// A bad value still takes precedence over the count.
			var spare Field
			if err := parseValue(raw, &spare); err != nil {
				return newError(err, "value", raw, name)
			}
			return errTooManyFields
		}
		// Growing by hand and having parseValue store into the element
		// avoids building the Field on the stack and copying it, which
		// costs a store-forwarding stall on every field.
		if n < cap(fs) {
			fs = fs[:n+1]
		} else {
			fs = append(fs, Field{})
		}
		f := &fs[n]
		f.Name = name
		// Plain numbers, by far the most common values, skip parseValue.
		if len(raw) != 0 && (isDigit(raw[0]) || raw[0] == '-' || raw[0] == '.' || raw[0] == '+') {
			if v, ok := parseNumber(raw); ok {
				f.setNumber(v)
				continue
			}
		}
		if err := parseOther(raw, f); err != nil {
			return newError(err, "value", raw, name)
		}
	}

	m.Fields = fs
	if len(fs) == 0 {
		return ErrNoFields
	}
	return nil
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

// parseControl recognises the job and bye messages. It reports whether rest
// was one; err is then the verdict on it.
func parseControl(rest []byte, m *Message) (bool, error) {
	rest = trimSpace(rest)
	if string(rest) == "bye" {
		m.Kind = KindBye
		return true, nil
	}
	if len(rest) < 4 || string(rest[:3]) != "job" {
		return false, nil
	}
	after := trimLeft(rest[3:])
	if len(after) == 0 || after[0] != ':' {
		return false, nil // e.g. "jobs done: 3", an ordinary field
	}
	name := trimSpace(after[1:])
	if bytes.ContainsAny(name, ",;") {
		return false, nil // several fields: "job" is then an ordinary (bad) value name
	}
	if len(name) == 0 {
		return true, newError(ErrEmptyValue, "job", rest, nil)
	}
	if err := checkName(name); err != nil {
		return true, newError(err, "job name", name, nil)
	}
	m.Kind, m.Job = KindJob, name
	return true, nil
}
