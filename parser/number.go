package parser

import (
	"math"
	"strconv"
	"unsafe"
)

// This file reads numbers in R's syntax: where one ends (numberLen) and its
// value, correctly rounded and without allocating (parseNumber). scaled.go
// reads a number written with a unit.

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

	m, i := scanMantissa(b, i)
	if !m.digits {
		return 0, false
	}
	mant, nd, exp, dropped := m.mant, m.nd, m.exp, m.dropped
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

	if !m.slow {
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

// mantissa is what scanMantissa read: the significant digits of a number
// before its exponent, as far as a uint64 holds them.
type mantissa struct {
	mant    uint64 // the first maxMantDigits significant digits
	nd      int    // significant digits in mant
	exp     int    // decimal exponent to apply to mant
	slow    bool   // too many digits for mant: let strconv do it
	dropped bool   // a non-zero digit did not fit in mant
	digits  bool   // at least one digit, zero or not
}

// scanMantissa reads digits [ '.' digits ] from b[i:] and returns them and
// the index after them. parseNumber (which checks the syntax as it goes)
// and parseScaled (a number with a unit, syntax already checked) share it,
// so both read the same digits the same way.
func scanMantissa(b []byte, i int) (mantissa, int) {
	// Locals rather than the result's fields keep the loop in registers.
	var mant uint64
	nd, exp := 0, 0
	slow, dropped, digits := false, false, false
	for ; i < len(b) && isDigit(b[i]); i++ {
		digits = true
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
			digits = true
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
	return mantissa{mant: mant, nd: nd, exp: exp, slow: slow, dropped: dropped, digits: digits}, i
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
