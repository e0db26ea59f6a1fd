package parser

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Byte classes, looked up in byteClass.
const (
	nameAllowed     = 1 << iota // may appear in a name: anything but a control byte
	nameSignificant             // letter, digit or non-ASCII: gives a name some content
	classSep                    // ',' or ';': ends a field
	classColon                  // ':': may end a name
	stateAllowed                // may appear in a state or a job name
)

// byteClass classifies every byte once, so Parse finds the end of a name
// and checks its characters with a single table load per byte.
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
			t[c] = nameAllowed | nameSignificant | stateAllowed
		case c == ' ', c == '_', c == '.', c == '-', c == '/':
			t[c] = nameAllowed | stateAllowed
		case c == ',', c == ';':
			t[c] = classSep
		case c == ':':
			t[c] = nameAllowed | classColon
		case c == '\t', c > ' ' && c < 0x7f:
			// The rest of printable ASCII, so R's coef() names such as
			// (Intercept), factor(cyl)6 and beta[1] pass; MetricName
			// makes word separators of them.
			t[c] = nameAllowed
		}
	}
	return t
}()

// checkName applies the name rule to a trimmed name: no control bytes
// (tab excepted), and at least one letter, digit or non-ASCII byte.
func checkName(name []byte) error {
	return checkClass(name, nameAllowed)
}

func checkClass(name []byte, allowed uint8) error {
	if len(name) == 0 {
		return ErrEmptyName
	}
	all := allowed // cleared by any byte that is not allowed
	var some uint8 // collects the classes of all bytes
	for _, c := range name {
		k := byteClass[c]
		all &= k
		some |= k
	}
	if all == 0 || some&nameSignificant == 0 {
		return ErrBadName
	}
	return nil
}

// DisplayName returns raw as valid UTF-8: raw itself if it is valid UTF-8, else raw decoded as latin1
// (ISO-8859-1: every byte is the code point of the same value). Used in HELP texts and logs.
func DisplayName(raw []byte) string {
	if utf8.Valid(raw) {
		return string(raw)
	}
	var sb strings.Builder
	sb.Grow(2 * len(raw))
	for _, c := range raw {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// MetricName turns an R name into a Prometheus metric name following the
// rules in the package documentation: decode (UTF-8, else latin1), lower-case,
// transliterate Latin diacritics, spell other non-ASCII characters as u<hex>,
// join the ASCII letter/digit words with '_', prefix "r_" before a leading
// digit, and fall back to "r_<fnv1a32>" when nothing is left. It never returns
// "" and the result always matches ^[a-z][a-z0-9_]*$ with no "__" and no
// trailing '_'.
func MetricName(raw []byte) string {
	return lintClean(NameWords(raw))
}

// NameWords is MetricName without the last step, the rewriting of words
// promtool's linter would flag: the sanitised words of raw joined with
// '_'. A mapping template uses it for a captured piece of a name, which
// is only a part of the metric name.
func NameWords(raw []byte) string {
	w := nameWriter{}
	w.sb.Grow(len(raw) + 8)
	if utf8.Valid(raw) {
		for _, r := range string(raw) {
			w.rune(r)
		}
	} else {
		for _, c := range raw {
			w.rune(rune(c))
		}
	}
	s := w.sb.String()
	switch {
	case s == "":
		h := fnv.New32a()
		h.Write(raw)
		return "r_" + hex8(h.Sum32())
	case isDigit(s[0]):
		return "r_" + s
	}
	return s
}

// unitAbbreviations are the words Prometheus' linter (promtool check
// metrics) refuses after the first word of a metric name, and
// nonBaseUnits those it refuses anywhere, in favour of base units (with
// the SI prefixes it knows: milliseconds, kilobytes, ...).
var (
	unitAbbreviations = map[string]string{"s": "secs", "sec": "secs", "ms": "msecs", "us": "usecs", "ns": "nsecs",
		"kb": "kbytes", "mb": "mbytes", "gb": "gbytes", "tb": "tbytes", "pb": "pbytes",
		"b": "", "m": "", "h": "", "d": ""} // "": ambiguous, joins the word before
	nonBaseUnits = map[string]string{"minutes": "minute", "hours": "hour", "days": "day", "weeks": "week",
		"kelvins": "kelvin", "fahrenheit": "degf", "rankine": "degr", "inches": "inch", "yards": "yard",
		"miles": "mile", "bits": "bit", "calories": "calorie", "pounds": "pound", "ounces": "ounce"}
	baseUnits  = []string{"amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "metres", "seconds", "volts"}
	unitPrefix = []string{"pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega", "mebi", "giga", "gibi", "tera", "tebi", "peta", "pebi"}
)

// lintClean rewrites the words of a metric name that promtool's linter
// would flag, so that what rexporter exposes stays `promtool check metrics`
// clean whatever the R names (the HELP text keeps the R name as sent):
//   - a unit abbreviation after the first word is spelled so that it is
//     none ("Time (s)" gives time_secs, "Size (MB)" size_mbytes); b, m, h
//     and d, which may mean anything, join the word before ("a b c" gives
//     ab_c);
//   - a unit that is not a base unit, or a prefixed unit, loses its plural
//     ("Runtime hours" gives runtime_hour, "Size kilobytes" size_kilobyte),
//     fahrenheit and rankine become degf and degr.
func lintClean(s string) string {
	if !lintFlags(s) {
		return s // the common case, without splitting s
	}
	return lintRewrite(s)
}

// lintRewrite is lintClean's rewriting of the words.
func lintRewrite(s string) string {
	words := strings.Split(s, "_")
	changed := false
	out := words[:0:0]
	for i, w := range words {
		to, join, ok := lintWord(i, w)
		if !ok {
			out = append(out, w)
			continue
		}
		changed = true
		if join {
			out[len(out)-1] += w
		} else {
			out = append(out, to)
		}
	}
	if !changed {
		return s
	}
	return strings.Join(out, "_")
}

// lintFlags reports whether lintClean would change any word of s.
func lintFlags(s string) bool {
	for i := 0; s != ""; i++ {
		w, rest, _ := strings.Cut(s, "_")
		if _, _, ok := lintWord(i, w); ok {
			return true
		}
		s = rest
	}
	return false
}

// lintWord says what lintClean does with w, the i-th word (from 0): ok
// false, nothing; join, append it to the word before (an ambiguous
// one-letter abbreviation); else replace it by to.
func lintWord(i int, w string) (to string, join, ok bool) {
	if len(w) <= 3 { // the abbreviations have 1 to 3 letters, the other units 4 or more
		if i == 0 {
			return w, false, false
		}
		v, abbrev := unitAbbreviations[w]
		return v, abbrev && v == "", abbrev
	}
	if v := nonBaseUnits[w]; v != "" {
		return v, false, true
	}
	if v, ok := unprefixedUnit(w); ok {
		return v, false, true
	}
	return w, false, false
}

// unprefixedUnit turns a prefixed unit ("milliseconds", "kilobytes") into
// its singular, which the linter does not take for a unit.
func unprefixedUnit(w string) (string, bool) {
	if len(w) < 8 { // the shortest prefix (4) and unit (4)
		return w, false
	}
	for _, p := range unitPrefix {
		rest, ok := strings.CutPrefix(w, p)
		if !ok {
			continue
		}
		if slices.Contains(baseUnits, rest) || nonBaseUnits[rest] != "" {
			return strings.TrimSuffix(w, "s"), true
		}
	}
	return w, false
}

// nameWriter builds a metric name word by word; separators are only written
// between words, which collapses runs and trims both ends for free.
type nameWriter struct {
	sb  strings.Builder
	sep bool // a separator is pending before the next word byte
}

func (w *nameWriter) byte(c byte) {
	if w.sep && w.sb.Len() > 0 {
		w.sb.WriteByte('_')
	}
	w.sep = false
	w.sb.WriteByte(c)
}

func (w *nameWriter) rune(r rune) {
	r = unicode.ToLower(r)
	if r < utf8.RuneSelf {
		c := byte(r)
		if c >= 'a' && c <= 'z' || isDigit(c) {
			w.byte(c)
		} else {
			w.sep = true // '_' too: it is the separator itself
		}
		return
	}
	if t := transliterate(r); t != "" {
		for i := 0; i < len(t); i++ {
			w.byte(t[i])
		}
		return
	}
	w.sep = true
	w.byte('u')
	for _, c := range strconv.FormatInt(int64(r), 16) {
		w.byte(byte(c))
	}
	w.sep = true
}

func hex8(v uint32) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
