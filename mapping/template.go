package mapping

import (
	"errors"
	"strconv"
	"strings"

	"github.com/rexporter/rexporter/parser"
)

// template is a metric name or label value that may refer to captures of the
// rule's pattern: $1 or ${1} (numbered), $name or ${name} (named regex
// groups), $0 (the whole match); $$ is a literal $. As in regexp.Expand, $name
// takes the longest run of letters, digits and '_', so write ${1}_x, not $1_x.
type template struct {
	segs []segment
}

// segment is literal text (group < 0) or a capture reference.
type segment struct {
	lit   string
	group int
	name  string // the group's name when referenced by name
}

// parseTemplate parses the template syntax; bind checks the references.
func parseTemplate(s string) (*template, error) {
	t := &template{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.segs = append(t.segs, segment{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			lit.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		var ref string
		switch {
		case strings.HasPrefix(rest, "$"):
			lit.WriteByte('$')
			i++
			continue
		case strings.HasPrefix(rest, "{"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, errors.New("unterminated ${ (write $$ for a literal $)")
			}
			ref = rest[1:end]
			if ref == "" || wordLen(ref) != len(ref) {
				return nil, errors.New("bad capture reference ${" + ref + "}: use ${1} or ${name}")
			}
			i += end + 1
		default:
			n := wordLen(rest)
			if n == 0 {
				return nil, errors.New("lone $: use $1, ${1} or ${name} for a capture, $$ for a literal $")
			}
			ref = rest[:n]
			i += n
		}
		flush()
		seg := segment{group: -1, name: ref}
		if g, err := strconv.Atoi(ref); err == nil && isDigits(ref) {
			seg.group, seg.name = g, ""
		}
		t.segs = append(t.segs, seg)
	}
	flush()
	return t, nil
}

// wordLen is the length of the leading run of letters, digits and '_'.
func wordLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return i
		}
	}
	return len(s)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// bind resolves named references with index (nil for globs, which have no
// named captures) and checks that every reference exists among the pattern's
// captures 0..groups.
func (t *template) bind(groups int, index func(name string) int) error {
	what := "the regular expression"
	if index == nil {
		what = "the glob"
	}
	for i := range t.segs {
		s := &t.segs[i]
		switch {
		case s.name != "":
			g := -1
			if index != nil {
				g = index(s.name)
			}
			if g >= 0 {
				s.group = g
				continue
			}
			msg := "$" + s.name + " names no capture of " + what
			if d := leadingDigits(s.name); d != "" {
				msg += " (write ${" + d + "}" + s.name[len(d):] + " to follow $" + d + " with text)"
			} else if index == nil {
				msg += " (globs capture by number: $1 is the text of the first *)"
			}
			return errors.New(msg)
		case s.group > groups:
			return errors.New("$" + strconv.Itoa(s.group) + " refers to no capture: " + what + " has " + plural(groups, "capture"))
		}
	}
	return nil
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// static reports whether the template is plain text.
func (t *template) static() bool {
	for _, s := range t.segs {
		if s.group >= 0 || s.name != "" {
			return false
		}
	}
	return true
}

// literal returns the text of a static template.
func (t *template) literal() string {
	var sb strings.Builder
	for _, s := range t.segs {
		sb.WriteString(s.lit)
	}
	return sb.String()
}

// String returns the canonical spelling: literal $ as $$, references as ${1}
// or ${name}.
func (t *template) String() string {
	var sb strings.Builder
	for _, s := range t.segs {
		switch {
		case s.name != "":
			sb.WriteString("${" + s.name + "}")
		case s.group >= 0:
			sb.WriteString("${" + strconv.Itoa(s.group) + "}")
		default:
			sb.WriteString(strings.ReplaceAll(s.lit, "$", "$$"))
		}
	}
	return sb.String()
}

// expand substitutes the captures of subject (caps holds start/end offsets
// per group, -1 for a group that did not take part). In metric names
// (asName) a capture is sanitized like an R name: lower-cased words joined
// with '_'.
func (t *template) expand(subject string, caps []int, asName bool) string {
	var sb strings.Builder
	for _, s := range t.segs {
		if s.group < 0 {
			sb.WriteString(s.lit)
			continue
		}
		start, end := caps[2*s.group], caps[2*s.group+1]
		if start < 0 {
			continue
		}
		if asName {
			sb.WriteString(nameWords(subject[start:end]))
		} else {
			sb.WriteString(subject[start:end])
		}
	}
	if asName {
		return cleanName(sb.String())
	}
	return sb.String()
}

// nameWords sanitizes captured text the way parser.NameWords sanitizes R
// names, but without the r_ prefix or hash fallback, which only make sense for
// a whole name: "Train Set" → "train_set", "2nd" → "2nd", "--" → "".
// NameWords sees "x " + c so that its result always starts with the word x.
func nameWords(c string) string {
	if c == "" {
		return ""
	}
	s := parser.NameWords([]byte("x " + c))
	return strings.TrimPrefix(s[1:], "_")
}

// cleanName tidies an expanded name: an empty capture leaves no doubled,
// leading or trailing '_', and a leading digit gets the prefix r_ as in R
// names. "" stays "" (the caller then uses the sanitized R name).
func cleanName(s string) string {
	var sb strings.Builder
	for _, w := range strings.Split(s, "_") {
		if w == "" {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('_')
		}
		sb.WriteString(w)
	}
	out := sb.String()
	if out != "" && out[0] >= '0' && out[0] <= '9' {
		out = "r_" + out
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
