package recognise

import (
	"bytes"
	"math"
	"strconv"
)

// number parses one token the way R prints a number: decimals, scientific
// notation, Inf, -Inf and NaN. NA and anything else is refused: a recogniser
// that cannot read a value gives no update rather than a wrong one.
func number(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 64 {
		return 0, false
	}
	switch string(b) {
	case "Inf":
		return math.Inf(1), true
	case "-Inf":
		return math.Inf(-1), true
	case "NaN":
		return math.NaN(), true
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false // rejects hex, "inf", "1_000" and friends that ParseFloat takes
		}
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

// percent parses "7.43%" as 0.0743 (the parser's reading of '%').
func percent(b []byte) (float64, bool) {
	if len(b) < 2 || b[len(b)-1] != '%' {
		return 0, false
	}
	v, ok := number(b[:len(b)-1])
	return v / 100, ok
}

// isInt reports whether b is one or more ASCII digits.
func isInt(b []byte) bool {
	if len(b) == 0 || len(b) > 18 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// atoi parses digits checked by isInt.
func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// trim removes spaces and tabs around b.
func trim(b []byte) []byte { return bytes.Trim(b, " \t") }

// fields splits b at runs of spaces and tabs into dst (reused), at most max
// fields; ok is false when there are more.
func fields(b []byte, dst [][]byte, max int) ([][]byte, bool) {
	dst = dst[:0]
	i := 0
	for i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			break
		}
		j := i
		for j < len(b) && !isSpace(b[j]) {
			j++
		}
		if len(dst) == max {
			return dst, false
		}
		dst = append(dst, b[i:j])
		i = j
	}
	return dst, true
}

// cutPrefix returns b after prefix, and whether b starts with it.
func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return b, false
	}
	return b[len(prefix):], true
}

// duration reads the times progress bars print, all as seconds: "2s", "1m",
// "1h" and "3d" (progress's pretty_dt), "01s", "01m 05s", "01h 02m 03s" and
// "1d 02h 03m 04s" (pbapply's timer), "1m 5s"-style mixes and cli's "ETA:
// 2m". ok is false unless every part has a known unit.
func duration(b []byte) (float64, bool) {
	b = trim(b)
	if len(b) == 0 || len(b) > 32 {
		return 0, false
	}
	total := 0.0
	for len(b) > 0 {
		i := 0
		for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, false
		}
		v, ok := number(b[:i])
		if !ok {
			return 0, false
		}
		j := i
		for j < len(b) && b[j] >= 'a' && b[j] <= 'z' {
			j++
		}
		switch string(b[i:j]) {
		case "s":
		case "m":
			v *= 60
		case "h":
			v *= 3600
		case "d":
			v *= 86400
		default:
			return 0, false
		}
		total += v
		b = trim(b[j:])
	}
	return total, true
}
