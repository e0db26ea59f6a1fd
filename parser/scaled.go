package parser

import (
	"math"
	"strconv"
	"unsafe"
)

// This file converts a number written with a unit (12 ms, 3 GiB) to the
// unit's base, exactly and rounded once: parseScaled, and scaledSlow for
// the numbers the fast path cannot do.

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
	m, i := scanMantissa(b, i)
	if m.slow {
		return scaledSlow(b, mul, shift)
	}
	exp := m.exp
	if i < len(b) { // the exponent; the syntax is already checked
		exp += readExponent(b[i+1:])
	}
	if m.mant <= maxExactMant/mul {
		if f, ok := exactFloat(m.mant*mul, exp+shift); ok {
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
