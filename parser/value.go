package parser

import (
	"bytes"
	"math"
)

// MaxStateLen bounds the length of a state value, in bytes.
const MaxStateLen = 64

// difftimePrefix starts R's printing of a difftime: Time difference of 3.2 secs.
const difftimePrefix = "Time difference of"

// parseValue reads one trimmed value into f (all of f but Name). It returns
// a sentinel error, or an error wrapping ErrBadValue, so the caller decides
// how to report it.
func parseValue(b []byte, f *Field) error {
	if len(b) != 0 {
		if v, ok := parseNumber(b); ok {
			f.setNumber(v)
			return nil
		}
	}
	return parseOther(b, f)
}

// parseOther is parseValue for a value parseNumber rejected.
func parseOther(b []byte, f *Field) error {
	if len(b) == 0 {
		return ErrEmptyValue
	}
	// The special spellings are matched exactly: R never prints "inf" or
	// "nan", so those are more likely garbage than numbers.
	switch c := b[0]; c {
	case 'N':
		switch string(b) {
		case "NA":
			f.setMissing(unitDef{scale: 1})
			return nil
		case "NaN":
			f.setNumber(math.NaN())
			return nil
		}
	case 'I':
		if string(b) == "Inf" {
			f.setNumber(math.Inf(1))
			return nil
		}
	case 'T':
		if string(b) == "TRUE" {
			f.setNumber(1)
			return nil
		}
	case 'F':
		if string(b) == "FALSE" {
			f.setNumber(0)
			return nil
		}
	case '+', '-':
		if string(b[1:]) == "Inf" {
			f.setNumber(signedInf(c))
			return nil
		}
		return parseCompound(b, f, false)
	default:
		if isDigit(c) || c == '.' {
			return parseCompound(b, f, false)
		}
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80) {
			return ErrBadValue
		}
	}
	return parseWords(b, f)
}

// parseWords reads a value that starts with a letter or a non-ASCII byte
// and is not exactly one of R's special constants.
func parseWords(b []byte, f *Field) error {
	if hasPrefix(b, difftimePrefix) {
		rest := b[len(difftimePrefix):]
		if len(rest) == 0 || !isSpace(rest[0]) {
			return errBadDifftime
		}
		if parseCompound(trimLeft(rest), f, true) != nil {
			return errBadDifftime
		}
		return nil
	}
	// NA, NaN and Inf may carry a unit (NA secs) or be part of a progress
	// (NA/100); anything else starting with them is a state (NAME, Inf loop).
	if (b[0] == 'N' || b[0] == 'I') && parseCompound(b, f, false) == nil {
		return nil
	}
	if isMiscasedConstant(b) {
		return errMiscased
	}
	if len(b) > MaxStateLen {
		return errLongState
	}
	for _, c := range b {
		if byteClass[c]&stateAllowed == 0 {
			return errBadState
		}
	}
	f.Value, f.Scale, f.Total, f.State = 0, 1, 0, b
	f.Missing, f.Kind, f.Unit = false, ValueState, UnitNone
	return nil
}

// parseNumberToken reads a whole number of a progress: R's number syntax,
// NaN, Inf, +Inf, -Inf, or NA (missing).
func parseNumberToken(b []byte) (v float64, missing, ok bool) {
	if isDigit(b[0]) {
		v, ok = parseNumber(b)
		return v, false, ok
	}
	switch string(b) {
	case "NA":
		return 0, true, true
	case "NaN":
		return math.NaN(), false, true
	case "Inf", "+Inf":
		return math.Inf(1), false, true
	case "-Inf":
		return math.Inf(-1), false, true
	}
	v, ok = parseNumber(b)
	return v, false, ok
}

func (f *Field) setNumber(v float64) {
	f.Value, f.Scale, f.Total, f.State = v, 1, 0, nil
	f.Missing, f.Kind, f.Unit = false, ValueNumber, UnitNone
}

func (f *Field) setMissing(u unitDef) {
	f.Value, f.Scale, f.Total, f.State = 0, u.scale, 0, nil
	f.Missing, f.Kind, f.Unit = true, ValueMissing, u.unit
}

// isMiscasedConstant reports whether b is na, nan, inf, infinity, true or
// false in any case but R's: a typo rather than a state.
func isMiscasedConstant(b []byte) bool {
	switch len(b) {
	case 2:
		return bytes.EqualFold(b, []byte("na"))
	case 3:
		return bytes.EqualFold(b, []byte("nan")) || bytes.EqualFold(b, []byte("inf"))
	case 4:
		return bytes.EqualFold(b, []byte("true"))
	case 5:
		return bytes.EqualFold(b, []byte("false"))
	case 8:
		return bytes.EqualFold(b, []byte("infinity"))
	}
	return false
}

// signedInf returns -Inf for the sign '-', +Inf otherwise.
func signedInf(sign byte) float64 {
	if sign == '-' {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// parseGrouped reads a number written with big.mark groups, 1,234,567.5 or
// 1,234 ms: every ',' in b is a group separator (Parse checked the groups).
func parseGrouped(b []byte, f *Field) error {
	// R prints at most 309 digits before the point, 411 bytes with their
	// groups; anything longer may allocate.
	var buf [512]byte
	d := buf[:0]
	if len(b) > len(buf) {
		d = make([]byte, 0, len(b))
	}
	for _, c := range b {
		if c != ',' {
			d = append(d, c)
		}
	}
	if v, ok := parseNumber(d); ok {
		f.setNumber(v)
		return nil
	}
	if err := parseCompound(d, f, false); err != nil {
		return err
	}
	if f.Kind != ValueNumber {
		return ErrBadValue // 1,234/5000: only a number may have groups
	}
	return nil
}
