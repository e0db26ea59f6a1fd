package parser

import (
	"bytes"
	"math"
	"strconv"
	"unsafe"
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

// parseCompound reads a number followed by a unit (12 ms, 45%, NA secs) or
// a progress (45/100, 45 of 100). With difftime only a duration unit is
// allowed.
func parseCompound(b []byte, f *Field, difftime bool) error {
	n := numberLen(b)
	if n == 0 {
		return ErrBadValue
	}
	num := b[:n]
	rest := b[n:]
	spaced := len(rest) > 0 && isSpace(rest[0])
	rest = trimLeft(rest)
	if len(rest) == 0 {
		return ErrBadValue // a number parseNumber rejected: 1e999
	}
	if !difftime {
		var after []byte
		switch {
		case rest[0] == '/':
			after = trimLeft(rest[1:])
		case spaced && len(rest) > 3 && rest[0] == 'o' && rest[1] == 'f' && isSpace(rest[2]):
			after = trimLeft(rest[3:])
		}
		if after != nil {
			if len(after) == 0 {
				return ErrBadValue
			}
			done, dmiss, ok := parseNumberToken(num)
			if !ok {
				return ErrBadValue
			}
			total, tmiss, ok := parseNumberToken(after)
			if !ok {
				return ErrBadValue
			}
			if dmiss || tmiss {
				f.setMissing(unitDef{scale: 1})
				return nil
			}
			f.Value, f.Scale, f.Total, f.State = done, 1, total, nil
			f.Missing, f.Kind, f.Unit = false, ValueProgress, UnitNone
			return nil
		}
	}
	u, ok := lookupUnit(rest)
	if !ok || difftime && u.unit != UnitSeconds {
		for _, c := range rest {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80) {
				return ErrBadValue
			}
		}
		return errUnknownUnit
	}
	var v float64
	switch num[0] {
	case 'N':
		if num[1] == 'A' {
			f.setMissing(u)
			return nil
		}
		v = math.NaN()
	case 'I':
		v = math.Inf(1)
	case '+', '-':
		if num[1] == 'I' {
			v = signedInf(num[0])
			break
		}
		fallthrough
	default:
		if v, ok = parseScaled(num, u.mul, int(u.shift)); !ok {
			return ErrBadValue
		}
	}
	f.Value, f.Scale, f.Total, f.State = v, u.scale, 0, nil
	f.Missing, f.Kind, f.Unit = false, ValueNumber, u.unit
	return nil
}

// numberLen returns the length of the number at the start of b: NA, NaN,
// Inf, +Inf, -Inf, or the longest prefix in R's number syntax; 0 if none.
func numberLen(b []byte) int {
	switch {
	case hasPrefix(b, "NaN"), hasPrefix(b, "Inf"):
		return 3
	case hasPrefix(b, "NA"):
		return 2
	case len(b) > 1 && (b[0] == '+' || b[0] == '-') && hasPrefix(b[1:], "Inf"):
		return 4
	}
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		digits++
	}
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for ; j < len(b) && isDigit(b[j]); j++ {
			digits++
		}
		if digits > 0 {
			i = j
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for ; k < len(b) && isDigit(b[k]); k++ {
		}
		if k > j {
			i = k
		}
	}
	return i
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

// float64pow10 holds the powers of ten a float64 represents exactly.
var float64pow10 = [...]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	1e20, 1e21, 1e22,
}

// uint64pow10 holds the powers of ten that fit in a uint64.
var uint64pow10 = [...]uint64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

const (
	maxMantDigits = 19      // decimal digits that always fit in a uint64
	maxExactMant  = 1 << 53 // largest mantissa a float64 holds exactly
	expSaturate   = 100_000 // far beyond any float64; keeps the exponent from overflowing
)

// parseNumber validates b against R's number syntax
//
//	[+-]? ( digits [ '.' digits? ] | '.' digits ) ( [eE] [+-]? digits )?
//
// and converts it, correctly rounded. It does not allocate.
func parseNumber(b []byte) (float64, bool) {
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}

	var mant uint64
	nd := 0          // significant digits in mant
	exp := 0         // decimal exponent to apply to mant
	slow := false    // too many digits for mant: let strconv do it
	dropped := false // a non-zero digit did not fit in mant
	sawDigit := false
	for ; i < len(b) && isDigit(b[i]); i++ {
		sawDigit = true
		c := b[i] - '0'
		switch {
		case nd == 0 && c == 0:
			// Leading zeros add nothing.
		case nd < maxMantDigits:
			mant = mant*10 + uint64(c)
			nd++
		default:
			exp++
			slow = true
			dropped = dropped || c != 0
		}
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && isDigit(b[i]); i++ {
			sawDigit = true
			c := b[i] - '0'
			switch {
			case nd == 0 && c == 0:
				exp--
			case nd < maxMantDigits:
				mant = mant*10 + uint64(c)
				nd++
				exp--
			default:
				slow = true
				dropped = dropped || c != 0
			}
		}
	}
	if !sawDigit {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) || !isDigit(b[i]) {
			return 0, false
		}
		e := 0
		for ; i < len(b) && isDigit(b[i]); i++ {
			if e < expSaturate {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return 0, false
	}

	if !slow {
		if f, ok := exactFloat(mant, exp); ok {
			return sign(f, neg), true
		}
	}
	// Settle clear overflows here: strconv would allocate an error for them.
	if point := nd + exp; nd > 0 && point >= printedMaxPoint {
		if point > printedMaxPoint || mant*uint64pow10[maxMantDigits-nd] > maxFloat19 {
			if atMostPrintedMax(mant, nd, exp, dropped) {
				return sign(math.MaxFloat64, neg), true
			}
			return 0, false
		}
	}
	// strconv misreads literals with more than 800 digits before the point;
	// scaledSlow writes them in a form it reads right.
	if len(b) > maxSlowDigits {
		return scaledSlow(b, 1, 0)
	}
	// The syntax is checked, so strconv can only fail on overflow (1e999).
	// unsafe.String avoids copying b; strconv keeps no reference to it on
	// success and copies it into the error on failure.
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	if err != nil {
		if math.IsInf(f, 0) && atMostPrintedMax(mant, nd, exp, dropped) {
			return math.Copysign(math.MaxFloat64, f), true
		}
		return 0, false
	}
	return f, true
}

// R prints numbers with 15 significant digits, so the largest double
// (.Machine$double.xmax, 1.7976931348623157e308) reaches us rounded up as
// 1.79769313486232e+308, which is just above the float64 range. Such a value
// stands for a finite number, so it is clamped to math.MaxFloat64 rather than
// rejected like 1e999. printedMax19 is that literal as 19 digits of mantissa
// with the decimal point printedMaxPoint digits from the left.
const (
	printedMax19    = 1797693134862320000
	printedMaxPoint = 309
	// maxFloat19 is the first 19 digits of the midpoint between
	// math.MaxFloat64 and the next double, 1.797693134862315807937...e308:
	// a longer mantissa overflows.
	maxFloat19 = 1797693134862315807
)

// atMostPrintedMax reports whether mant·10^exp, followed by more digits when
// dropped, is at most 1.79769313486232e308.
func atMostPrintedMax(mant uint64, nd, exp int, dropped bool) bool {
	if nd == 0 {
		return true
	}
	if point := nd + exp; point != printedMaxPoint {
		return point < printedMaxPoint
	}
	m := mant * uint64pow10[maxMantDigits-nd]
	return m < printedMax19 || m == printedMax19 && !dropped
}

// exactFloat is Clinger's fast path: when mant and 10^|exp| are both exact
// float64s, one IEEE multiplication or division rounds correctly.
func exactFloat(mant uint64, exp int) (float64, bool) {
	if mant == 0 {
		return 0, true
	}
	if mant > maxExactMant {
		return 0, false
	}
	f := float64(mant)
	switch {
	case exp == 0:
		return f, true
	case exp > 0 && exp <= 22:
		return f * float64pow10[exp], true
	case exp < 0 && exp >= -22:
		return f / float64pow10[-exp], true
	case exp > 22 && exp <= 22+15:
		// 12e22 = 12000e19 = 1.2e23: move zeros into the mantissa while it
		// stays exact.
		p := uint64pow10[exp-22]
		if mant > maxExactMant/p {
			return 0, false
		}
		return float64(mant*p) * 1e22, true
	}
	return 0, false
}

func sign(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

func isDigit(c byte) bool { return c-'0' < 10 }

// parseScaled returns the float64 nearest to the number b × mul × 10^shift,
// where b is in R's number syntax (numberLen matched all of it). Like
// parseNumber, which it is for mul 1 and shift 0, it reads a result between
// the largest double and R's printing of it, 1.79769313486232e+308, as
// math.MaxFloat64 and rejects anything larger. It does not allocate.
func parseScaled(b []byte, mul uint64, shift int) (float64, bool) {
	if mul == 1 && shift == 0 {
		return parseNumber(b)
	}
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	var mant uint64
	nd, exp := 0, 0
	frac := false
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			frac = true
			continue
		}
		if !isDigit(c) {
			break
		}
		if frac {
			exp--
		}
		if nd == 0 && c == '0' {
			continue
		}
		if nd == maxMantDigits {
			return scaledSlow(b, mul, shift)
		}
		mant = mant*10 + uint64(c-'0')
		nd++
	}
	if i < len(b) { // the exponent; the syntax is already checked
		exp += readExponent(b[i+1:])
	}
	if mant <= maxExactMant/mul {
		if f, ok := exactFloat(mant*mul, exp+shift); ok {
			return sign(f, neg), true
		}
	}
	return scaledSlow(b, mul, shift)
}

// readExponent reads [+-]?digits, saturating far beyond any float64.
func readExponent(b []byte) int {
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		b = b[1:]
	}
	e := 0
	for _, c := range b {
		if e < maxExponent {
			e = e*10 + int(c-'0')
		}
	}
	if neg {
		return -e
	}
	return e
}

const (
	// maxSlowDigits is how many significant digits scaledSlow keeps. The
	// midpoints between adjacent doubles have at most 767 significant
	// digits, so the leading 800 and a sticky digit standing for any
	// non-zero rest round as the whole number would.
	maxSlowDigits = 800
	// slowHead is room for the digits a multiplication by mul (< 2^64)
	// adds and for the decimal point before them.
	slowHead = 21
	// maxExponent saturates exponents so sums of them cannot overflow an
	// int; a value that far from 1 is 0 or out of range either way.
	maxExponent = 100_000_000
)

// scaledSlow is parseScaled for the numbers exactFloat cannot do: it
// multiplies the decimal digits by mul, writes the product with its
// exponent into a buffer on the stack and lets strconv round it.
//
// The product is written as .DIGITSe<exp>: strconv (as of Go 1.26) misplaces
// the decimal point when more than 800 digits precede it, e.g. it reads
// "5" + 850 nines + "e-850" as 6e-51.
func scaledSlow(b []byte, mul uint64, shift int) (float64, bool) {
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	// Find the mantissa's significant digits, from the first non-zero one
	// to the end of the mantissa, and the exponent of the last one.
	first, end := -1, i
	exp, nsig := 0, 0
	frac := false
	for ; end < len(b); end++ {
		c := b[end]
		if c == '.' {
			frac = true
			continue
		}
		if !isDigit(c) {
			break
		}
		if frac {
			exp--
		}
		if first < 0 && c != '0' {
			first = end
		}
		if first >= 0 {
			nsig++
		}
	}
	if first < 0 {
		return sign(0, neg), true
	}
	if end < len(b) {
		exp += readExponent(b[end+1:])
	}

	// The digits beyond maxSlowDigits (the tail) only contribute the
	// carry of tail × mul into the kept digits and whether the rest of
	// that product is zero.
	var buf [slowHead + maxSlowDigits + 24]byte
	keep := min(nsig, maxSlowDigits)
	tail := nsig - keep
	exp += tail
	var carry uint64
	sticky := false
	pos := slowHead + keep // buf[pos:slowHead+keep] holds the product so far
	for j, seen := end-1, 0; j >= first; j-- {
		c := b[j]
		if c == '.' {
			continue
		}
		x := uint64(c-'0')*mul + carry
		carry = x / 10
		if seen < tail {
			sticky = sticky || x%10 != 0
		} else {
			pos--
			buf[pos] = byte('0' + x%10)
		}
		seen++
	}
	for ; carry > 0; carry /= 10 {
		pos--
		buf[pos] = byte('0' + carry%10)
	}
	last := slowHead + keep
	if sticky {
		buf[last] = '1'
		last++
		exp--
	}
	exp += shift

	// The value is in [10^(point-1), 10^point).
	point := last - pos + exp
	if point > printedMaxPoint {
		return 0, false
	}
	if point < -400 {
		return sign(0, neg), true
	}
	pos--
	buf[pos] = '.'
	out := append(buf[:last], 'e')
	out = strconv.AppendInt(out, int64(point), 10)
	// unsafe.String avoids copying buf; strconv keeps no reference to it on
	// success and copies it into the error on failure.
	f, err := strconv.ParseFloat(unsafe.String(&out[pos], len(out)-pos), 64)
	if err != nil {
		// Out of range: only R's printing of the largest double and the
		// numbers up to it stand for math.MaxFloat64.
		if point == printedMaxPoint && digitsAtMostPrintedMax(buf[pos+1:last]) {
			return sign(math.MaxFloat64, neg), true
		}
		return 0, false
	}
	return sign(f, neg), true
}

// digitsAtMostPrintedMax reports whether the digits d, with the decimal
// point after printedMaxPoint of them, are at most 1.79769313486232e308.
func digitsAtMostPrintedMax(d []byte) bool {
	const printed = "179769313486232"
	for k := 0; k < len(d); k++ {
		want := byte('0')
		if k < len(printed) {
			want = printed[k]
		}
		if d[k] != want {
			return d[k] < want
		}
	}
	return true
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
