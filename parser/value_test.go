package parser

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// numberSyntax is R's number syntax, the language parseNumber accepts.
var numberSyntax = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func TestParseValue(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    float64
		missing bool
		err     error
	}{
		"integer":            {in: "11", want: 11},
		"negative":           {in: "-3", want: -3},
		"plus":               {in: "+3", want: 3},
		"decimal":            {in: "0.5", want: 0.5},
		"leading dot":        {in: ".5", want: 0.5},
		"trailing dot":       {in: "5.", want: 5},
		"negative decimal":   {in: "-0.25", want: -0.25},
		"exp plus":           {in: "1e+05", want: 1e5},
		"exp minus":          {in: "1e-04", want: 1e-4},
		"exp upper":          {in: "1.5E10", want: 1.5e10},
		"exp bare":           {in: "1e5", want: 1e5},
		"15 digits":          {in: "123456789012345", want: 123456789012345},
		"max float":          {in: "1.7976931348623157e308", want: math.MaxFloat64},
		"R's max float":      {in: "1.79769313486232e+308", want: math.MaxFloat64},
		"R's min float":      {in: "-1.79769313486232e+308", want: -math.MaxFloat64},
		"padded R max":       {in: "1.7976931348623200000e308", want: math.MaxFloat64},
		"above R max":        {in: "1.79769313486233e+308", err: ErrBadValue},
		"just above R max":   {in: "1.797693134862320000001e308", err: ErrBadValue},
		"R max times 10":     {in: "17.9769313486232e+308", err: ErrBadValue},
		"leading zeros":      {in: "000123.4500", want: 123.45},
		"small":              {in: "0.000000000000000000000000001", want: 1e-27},
		"underflow":          {in: "1e-400", want: 0},
		"zero huge exp":      {in: "0e999999999999999999999", want: 0},
		"many digits":        {in: "3.14159265358979323846264338327950288", want: math.Pi},
		"20 digit integer":   {in: "18446744073709551617", want: 18446744073709551617},
		"2^53+1":             {in: "9007199254740993", want: 9007199254740992},
		"extended fast":      {in: "12e22", want: 1.2e23},
		"851 integer digits": {in: "5" + strings.Repeat("9", 850) + "e-850", want: 6}, // strconv says 6e-51
		"Inf":                {in: "Inf", want: math.Inf(1)},
		"+Inf":               {in: "+Inf", want: math.Inf(1)},
		"-Inf":               {in: "-Inf", want: math.Inf(-1)},
		"NaN":                {in: "NaN", want: math.NaN()},
		"TRUE":               {in: "TRUE", want: 1},
		"FALSE":              {in: "FALSE", want: 0},
		"NA":                 {in: "NA", missing: true},
		"empty":              {in: "", err: ErrEmptyValue},
		"inf":                {in: "inf", err: ErrBadValue},
		"nan":                {in: "nan", err: ErrBadValue},
		"-NaN":               {in: "-NaN", err: ErrBadValue},
		"-NA":                {in: "-NA", err: ErrBadValue},
		"NAN":                {in: "NAN", err: ErrBadValue},
		"True":               {in: "True", err: ErrBadValue},
		"hex":                {in: "0x10", err: ErrBadValue},
		"underscore":         {in: "1_000", err: ErrBadValue},
		"comma":              {in: "0,5", err: ErrBadValue},
		"letters":            {in: "12abc", err: ErrBadValue},
		"dangling exponent":  {in: "1e", err: ErrBadValue},
		"exponent sign":      {in: "1e-", err: ErrBadValue},
		"dot exponent":       {in: ".e5", err: ErrBadValue},
		"dot":                {in: ".", err: ErrBadValue},
		"minus":              {in: "-", err: ErrBadValue},
		"plus only":          {in: "+", err: ErrBadValue},
		"two dots":           {in: "1.2.3", err: ErrBadValue},
		"overflow":           {in: "1e999", err: ErrBadValue},
		"negative overflow":  {in: "-1.8e308", err: ErrBadValue},
		"hex float":          {in: "0x1p-2", err: ErrBadValue},
		"space":              {in: "1 2", err: ErrBadValue},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var f Field
			err := parseValue([]byte(tc.in), &f)
			v, missing := f.Value, f.Missing
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("parseValue(%q) error = %v, want %v", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseValue(%q) error = %v", tc.in, err)
			}
			if missing != tc.missing || !tc.missing && !sameFloat(v, tc.want) {
				t.Errorf("parseValue(%q) = %v, %v; want %v, %v", tc.in, v, missing, tc.want, tc.missing)
			}
		})
	}
}

// printedMax is math.MaxFloat64 as R prints it with 15 significant digits.
var printedMax, _ = new(big.Rat).SetString("1.79769313486232e308")

// refNumber is the reference for parseNumber: strconv.ParseFloat, plus the
// clamping of overflowing literals up to R's printed maximum, decided exactly
// with math/big. known is false when s is too unwieldy for math/big; the
// caller then only checks that parseNumber does not panic.
func refNumber(s string) (v float64, ok, known bool) {
	if !numberSyntax.MatchString(s) {
		return 0, false, true
	}
	if len(s) > 800 {
		// strconv misreads more than 800 digits before the point.
		return refScaled(s, big.NewRat(1, 1))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err == nil {
		return v, true, true
	}
	if len(s) > 400 {
		return 0, false, false
	}
	if e := strings.IndexAny(s, "eE"); e >= 0 {
		if n, err := strconv.Atoi(s[e+1:]); err != nil || n > 1000 || n < -1000 {
			return 0, false, false
		}
	}
	r, rok := new(big.Rat).SetString(s)
	if !rok {
		panic("big.Rat rejects " + s)
	}
	if new(big.Rat).Abs(r).Cmp(printedMax) > 0 {
		return 0, false, true
	}
	return math.Copysign(math.MaxFloat64, v), true, true
}

// checkAgainstStrconv fails when parseNumber and the reference disagree on s.
func checkAgainstStrconv(t *testing.T, s string) {
	t.Helper()
	if s == "" {
		return
	}
	got, ok := parseNumber([]byte(s))
	want, wantOK, known := refNumber(s)
	if !known {
		return
	}
	if ok != wantOK || ok && !sameFloat(got, want) {
		t.Fatalf("parseNumber(%q) = %v, %v; reference %v, %v", s, got, ok, want, wantOK)
	}
}

func TestParseNumberAgreesWithStrconv(t *testing.T) {
	tests := []string{
		"0", "-0", "+0", "0.0", "00", ".0", "0.", "1", "9007199254740992", "9007199254740993",
		"9007199254740991", "18014398509481984", "1e22", "1e23", "9e22", "9007199254740992e22",
		"9007199254740993e-22", "1e-22", "1e-23", "4.9406564584124654e-324", "2.2250738585072014e-308",
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "0.1", "0.2",
		"0.3", "123456789012345678", "1234567890123456789", "12345678901234567890",
		"0.000000000000000000000000000000001", "100000000000000000000000", "1e+308", "1e-324",
		"2.5e-324", "2.4703282292062327e-324", "123.456e-5", "7.0e+15", "1e15", "999999999999999999999",
		"3e37", "1e37", "9e37", "1.79769313486232e308", "1.797693134862315807e308", "1.797693134862315808e308",
		"1.7976931348623158079e308", "1.79769313486231580793e308", "1.7976931348623158079372897140530341507993e308",
		"1.797693134862320000000000000000000001e308", "17976931348623200000000000000000000e273", "1e309", "1e310",
		"5" + strings.Repeat("9", 850) + "e-850", "1" + strings.Repeat("0", 900) + "1e-901", strings.Repeat("1", 801) + "e-800",
		"0." + strings.Repeat("0", 900) + "1e901", "1797693134862320" + strings.Repeat("0", 900) + "e-607",
		"0.000000000000000000000000000000000000000001e350", "179769313486232e294", "179769313486233e294", "90071992547409e23", "4503599627370497e22", "1.000000000000000000000001",
	}
	for _, s := range tests {
		checkAgainstStrconv(t, s)
		checkAgainstStrconv(t, "-"+s)
	}

	// Random numbers shaped like the ones R prints, concentrated on the
	// fast path's limits: 1 to 21 digits, a point anywhere, exponents
	// around ±22.
	r := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for range 300_000 {
		sb.Reset()
		nd := 1 + r.IntN(21)
		point := r.IntN(nd + 2)
		for i := range nd {
			if i == point {
				sb.WriteByte('.')
			}
			sb.WriteByte(byte('0' + r.IntN(10)))
		}
		if r.IntN(2) == 0 {
			sb.WriteString("e")
			sb.WriteString(strconv.Itoa(r.IntN(90) - 45))
		}
		checkAgainstStrconv(t, sb.String())
	}
}

func FuzzParseFloatAgreement(f *testing.F) {
	for _, s := range []string{
		"11", "-3", "0.5", ".5", "5.", "-0.25", "1e+05", "1e-04", "1.5E10", "1e5", "123456789012345",
		"1.79769313486232e+308", "1e999", "0x10", "1_000", "12abc", "1e", ".", "-", "1.2.3", "inf",
		"9007199254740993", "12e22", "1e-400",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkAgainstStrconv(t, s)
	})
}

// FuzzParseFloatParts builds numbers from their parts, which reaches the
// fast path's edge cases far more often than random strings do.
func FuzzParseFloatParts(f *testing.F) {
	f.Add(uint64(9007199254740993), int8(0), int8(0))
	f.Add(uint64(12), int8(22), int8(0))
	f.Add(uint64(1), int8(-23), int8(3))
	f.Fuzz(func(t *testing.T, mant uint64, exp int8, point int8) {
		digits := strconv.FormatUint(mant, 10)
		if p := int(point); p > 0 && p < len(digits) {
			digits = digits[:p] + "." + digits[p:]
		}
		checkAgainstStrconv(t, digits+"e"+strconv.Itoa(int(exp)))
		checkAgainstStrconv(t, digits)
	})
}
