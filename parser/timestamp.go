package parser

import "time"

// ParseTimestamp parses the raw text of a timestamp (Message.Timestamp) in the forms R and other
// tools print. Times without a zone are read in loc.
//
// Accepted forms (surrounding spaces and tabs are ignored):
//
//	2026-11-25 17:09:07              R's Sys.time(), read in loc
//	2026-11-25 17:09:07.123456       with 1 to 9 fraction digits
//	2026-11-25 17:09:07 CET          with a zone name, see below
//	2026-11-25 17:09:07 +0100        with an offset: +01, +0100 or +01:00
//	2026-11-25                       R prints exact midnight as the date alone
//	2026-11-25T17:09:07Z             RFC 3339, also 2026-11-25T17:09:07.5+01:00
//	1764090547, 1764090547.25        seconds since the Unix epoch, returned in UTC
//
// Zone names: "UTC", "GMT", "UT" and "Z" mean UTC. Any other name (letters,
// '/', '_' and '-', such as "CET" or "Europe/Paris") is not looked up, since
// abbreviations are ambiguous and loading zones costs I/O: the time is read in
// loc, which should be the zone the R jobs run in. A numeric offset is always
// honoured. A nil loc means UTC.
//
// Ranges are checked (month 1-12, the day exists in that month, hour < 24,
// minute and second < 60, offset below 24h); anything else yields an error
// wrapping ErrBadTimestamp.
func ParseTimestamp(raw []byte, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := trimSpace(raw)
	if len(s) == 0 {
		return time.Time{}, tsError(raw, "empty")
	}
	if len(s) < 5 || s[4] != '-' {
		return parseEpoch(raw, s)
	}

	// Date: YYYY-MM-DD.
	if len(s) < 10 || s[7] != '-' {
		return time.Time{}, tsError(raw, "want YYYY-MM-DD")
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, tsError(raw, "want YYYY-MM-DD")
	}
	if month < 1 || month > 12 {
		return time.Time{}, tsError(raw, "month out of range")
	}
	if day < 1 || day > daysIn(month, year) {
		return time.Time{}, tsError(raw, "day out of range")
	}

	var hour, minute, sec, nsec int
	rest := s[10:]
	spaced := false // the zone, if any, is a separate word
	if len(rest) > 0 {
		switch rest[0] {
		case 'T':
			rest = rest[1:]
			if len(rest) == 0 || !isDigit(rest[0]) {
				return time.Time{}, tsError(raw, "want a time after 'T'")
			}
		case ' ', '\t':
			// Either a time or, at midnight, directly a zone.
			rest = trimLeft(rest)
			spaced = true
		default:
			return time.Time{}, tsError(raw, "unexpected text after the date")
		}
	}
	if len(rest) > 0 && isDigit(rest[0]) {
		var reason string
		hour, minute, sec, nsec, rest, reason = parseClock(rest)
		if reason != "" {
			return time.Time{}, tsError(raw, reason)
		}
		spaced = false
	}

	zone, reason := parseZone(rest, loc, spaced)
	if reason != "" {
		return time.Time{}, tsError(raw, reason)
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, zone), nil
}

// parseClock reads HH:MM:SS with an optional fraction and returns what follows.
func parseClock(s []byte) (hour, minute, sec, nsec int, rest []byte, reason string) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return 0, 0, 0, 0, nil, "want HH:MM:SS"
	}
	var ok1, ok2, ok3 bool
	hour, ok1 = digits(s[0:2])
	minute, ok2 = digits(s[3:5])
	sec, ok3 = digits(s[6:8])
	switch {
	case !ok1 || !ok2 || !ok3:
		return 0, 0, 0, 0, nil, "want HH:MM:SS"
	case hour > 23:
		return 0, 0, 0, 0, nil, "hour out of range"
	case minute > 59:
		return 0, 0, 0, 0, nil, "minute out of range"
	case sec > 59:
		return 0, 0, 0, 0, nil, "second out of range"
	}
	rest = s[8:]
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 1 || n > 10 {
			return 0, 0, 0, 0, nil, "want 1 to 9 fraction digits"
		}
		nsec = fraction(rest[1:n])
		rest = rest[n:]
	}
	return hour, minute, sec, nsec, rest, ""
}

// parseZone reads what follows the time: nothing, Z, a numeric offset or a
// zone name. spaced tells whether spaces preceded it; a zone name must be a
// separate word.
func parseZone(s []byte, loc *time.Location, spaced bool) (*time.Location, string) {
	if len(s) > 0 && isSpace(s[0]) {
		s = trimLeft(s)
		spaced = true
	}
	if len(s) == 0 {
		return loc, ""
	}
	switch c := s[0]; {
	case c == '+' || c == '-':
		return parseOffset(s)
	case string(s) == "Z":
		return time.UTC, ""
	case !spaced:
		return nil, "unexpected text after the time"
	case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		if len(s) > 64 {
			return nil, "zone name too long"
		}
		for _, c := range s {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '/' || c == '_' || c == '-') {
				return nil, "bad zone name"
			}
		}
		switch string(s) {
		case "UTC", "GMT", "UT":
			return time.UTC, ""
		}
		return loc, ""
	}
	return nil, "bad zone"
}

// parseOffset reads +HH, +HHMM or +HH:MM (or with '-').
func parseOffset(s []byte) (*time.Location, string) {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	s = s[1:]
	var h, m int
	var ok bool
	switch {
	case len(s) == 2:
		h, ok = digits(s)
	case len(s) == 4:
		h, ok = digits(s[:2])
		if ok {
			m, ok = digits(s[2:])
		}
	case len(s) == 5 && s[2] == ':':
		h, ok = digits(s[:2])
		if ok {
			m, ok = digits(s[3:])
		}
	}
	if !ok {
		return nil, "want an offset like +01, +0100 or +01:00"
	}
	if h > 23 || m > 59 {
		return nil, "offset out of range"
	}
	off := sign * (h*3600 + m*60)
	if off == 0 {
		return time.UTC, ""
	}
	return time.FixedZone("", off), ""
}

// parseEpoch reads seconds since the Unix epoch with an optional fraction.
func parseEpoch(raw, s []byte) (time.Time, error) {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	// 11 digits reach the year 5138: more is not a timestamp R produced.
	if n == 0 || n > 11 {
		return time.Time{}, tsError(raw, "not a date or epoch seconds")
	}
	secs, _ := digits(s[:n])
	nsec := 0
	if n < len(s) {
		if s[n] != '.' {
			return time.Time{}, tsError(raw, "not a date or epoch seconds")
		}
		f := s[n+1:]
		k := 0
		for k < len(f) && isDigit(f[k]) {
			k++
		}
		// R may print more digits than a nanosecond resolves: keep nine.
		if k == 0 || k < len(f) {
			return time.Time{}, tsError(raw, "bad epoch fraction")
		}
		nsec = fraction(f[:min(k, 9)])
	}
	return time.Unix(int64(secs), int64(nsec)).UTC(), nil
}

// digits converts an all-digit slice; ok is false if any byte is not a digit.
func digits(b []byte) (n int, ok bool) {
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// fraction converts 1 to 9 fraction digits to nanoseconds.
func fraction(b []byte) int {
	n, _ := digits(b)
	for i := len(b); i < 9; i++ {
		n *= 10
	}
	return n
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func tsError(raw []byte, reason string) error {
	return &timestampError{text: excerpt(raw), reason: reason}
}
