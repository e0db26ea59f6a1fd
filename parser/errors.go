package parser

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors. Every error returned by Parse and ParseTimestamp, and
// every BadField.Err, wraps exactly one of them; test with errors.Is. The
// concrete errors also quote the offending name or value (at most 64 bytes,
// always valid UTF-8), e.g.
//
//	bad value "0x10" for "x": not a number
//	bad value "12 parsecs" for "x": unknown unit
var (
	// ErrNoFields: nothing of the form name: value (blank after the timestamp, or text without ':').
	ErrNoFields = errors.New("no fields")
	// ErrMissingColon: a fragment has no colon. Before any field it is dropped on its own
	// ("hello" in "hello, x: 1"); after a field it is the rest of that field's value, cut by a
	// ',' or ';' (`state: fitting, then stopping`), and that field is dropped.
	ErrMissingColon = errors.New("field without ':'")
	// ErrDecimalComma: an integer value is directly followed by ',' and a digit, the way R
	// prints 0.5 under options(OutDec = ","): "0,5" is neither 0 nor 5, so the field is
	// dropped.
	ErrDecimalComma = errors.New("decimal comma")
	// ErrGlued: a value holds a ':' followed by a space or a tab, or ends with ':'
	// (`status: runningphase: fit`): two messages arrived glued together without the newline
	// or the timestamp that separates them.
	ErrGlued = errors.New("glued messages")
	// ErrEmptyName: a field has nothing before its ':'.
	ErrEmptyName = errors.New("empty name")
	// ErrBadName: a name has a control byte (other than tab), or has no letter, digit or
	// non-ASCII byte at all (`(): 1`), or is the first name of a message whose leading '['
	// has no ']'. A job name is refused as well when it has a character outside letters,
	// digits, space, '_', '.', '-', '/' and bytes >= 0x80.
	ErrBadName = errors.New("invalid character in name")
	// ErrEmptyValue: a field has nothing after its ':'.
	ErrEmptyValue = errors.New("empty value")
	// ErrBadValue: a value is none of a number as R prints it (within the float64 range), a
	// number with a known unit, a progress or a state (see the package documentation). The
	// concrete error may say more: unknown unit, invalid character in state, ...
	ErrBadValue = errors.New("not a number")
	// ErrTooManyFields: a message has more than MaxFields fields; the ones after the first
	// MaxFields are dropped together.
	ErrTooManyFields = errors.New("too many fields")
	// ErrBadTimestamp: ParseTimestamp does not recognise the text. Parse never returns it.
	ErrBadTimestamp = errors.New("unrecognised timestamp")
)

// errTooManyFields is preformatted: it carries no message-specific data.
var errTooManyFields = &parseError{err: ErrTooManyFields, subject: "message", text: "more than " + strconv.Itoa(MaxFields) + " fields"}

// reasonError is a sentinel with a more precise reason, or with the fix the
// sender needs.
type reasonError struct {
	reason string
	err    error // the sentinel
}

func (e *reasonError) Error() string { return e.reason }
func (e *reasonError) Unwrap() error { return e.err }

var (
	errUnknownUnit = &reasonError{"unknown unit", ErrBadValue}
	errBadState    = &reasonError{"invalid character in state", ErrBadValue}
	errLongState   = &reasonError{"state longer than " + strconv.Itoa(MaxStateLen) + " bytes", ErrBadValue}
	errMiscased    = &reasonError{"not a number (R writes NA, NaN, Inf, TRUE, FALSE)", ErrBadValue}
	errBadDifftime = &reasonError{"not a time difference", ErrBadValue}

	errNoNameContent = &reasonError{"name without a letter or digit", ErrBadName}
	errUnclosed      = &reasonError{"invalid character in name (the '[' of a timestamp needs its ']')", ErrBadName}
	errCutValue      = &reasonError{"field without ':' (',' and ';' end a value)", ErrMissingColon}
	errDecimalComma  = &reasonError{`decimal comma (R's options(OutDec = ",")): send numbers with OutDec "."`, ErrDecimalComma}
	errGlued         = &reasonError{"messages glued together: end each message with a newline (writeLines) " +
		"or start it with a timestamp ([Sys.time()])", ErrGlued}
)

// excerptLen bounds how much of an offending name or value an error quotes.
const excerptLen = 64

// parseError tells which part of a message was rejected and why. It copies
// the offending text because the message buffer is reused after Parse returns.
type parseError struct {
	err     error  // one of the sentinels
	subject string // "value", "name", "field" or "message"
	text    string // offending text, valid UTF-8, truncated
	name    string // name of the field a bad value belongs to
}

func newError(err error, subject string, text, name []byte) *parseError {
	e := &parseError{err: err, subject: subject, text: excerpt(text)}
	if name != nil {
		e.name = excerpt(name)
	}
	return e
}

func (e *parseError) Error() string {
	if e.err == ErrTooManyFields {
		return e.err.Error() + ": " + e.text
	}
	s := "bad " + e.subject + " " + strconv.Quote(e.text)
	if e.name != "" {
		s += " for " + strconv.Quote(e.name)
	}
	return s + ": " + e.err.Error()
}

func (e *parseError) Unwrap() error { return e.err }

// timestampError reports a timestamp ParseTimestamp could not read.
type timestampError struct {
	text   string // offending text, valid UTF-8, truncated
	reason string
}

func (e *timestampError) Error() string {
	return ErrBadTimestamp.Error() + " " + strconv.Quote(e.text) + ": " + e.reason
}

func (e *timestampError) Unwrap() error { return ErrBadTimestamp }

// excerpt returns at most about excerptLen bytes of b as valid UTF-8 (latin1
// decoded when b is not UTF-8), marking a cut with "...".
func excerpt(b []byte) string {
	cut := false
	if utf8.Valid(b) {
		if len(b) > excerptLen {
			n := excerptLen
			for n > 0 && !utf8.RuneStart(b[n]) {
				n--
			}
			b, cut = b[:n], true
		}
	} else if len(b) > excerptLen {
		b, cut = b[:excerptLen], true
	}
	s := DisplayName(b)
	if cut {
		s += "..."
	}
	return s
}
