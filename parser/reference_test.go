package parser

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// refBad is a BadField as the reference sees it; name "" means none.
type refBad struct {
	name, text string
	err        error
}

var (
	// refGroupRE is the start of a value with big.mark groups; the groups
	// may still give some back (see refGroups).
	refGroupRE = regexp.MustCompile(`^([ \t]*[+-]?[1-9][0-9]{0,2})((?:,[0-9]{3})+)`)
	refIntRE   = regexp.MustCompile(`^[+-]?[0-9]+$`)
)

// refGroups returns the length of the big.mark number at the start of v,
// or 0: the regexp takes as many groups as it can, then gives back a group
// followed by a digit or a ':'.
func refGroups(v string) int {
	m := refGroupRE.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	head, groups := m[1], m[2]
	for groups != "" {
		n := len(head) + len(groups)
		if n == len(v) || !strings.ContainsRune("0123456789:", rune(v[n])) {
			return n
		}
		groups = groups[:len(groups)-4]
	}
	return 0
}

// refNameColon is where the name of a fragment ends: the first ": " or
// ":\t", else the last ':'.
func refNameColon(frag string) int {
	c := -1
	for _, sep := range []string{": ", ":\t"} {
		if i := strings.Index(frag, sep); i >= 0 && (c < 0 || i < c) {
			c = i
		}
	}
	if c < 0 {
		c = strings.LastIndex(frag, ":")
	}
	return c
}

// refGlued is the glued-messages rule for a trimmed value.
func refGlued(v string) bool {
	return strings.Contains(v, ": ") || strings.Contains(v, ":\t") || strings.HasSuffix(v, ":")
}

// refParse is a deliberately naive implementation of the grammar, built from
// strings functions and regexps, that FuzzParse compares Parse against. It
// returns the timestamp, the fields that apply, the dropped fragments and
// what Parse returns.
//
// known is false when a value holds a number too unwieldy for math/big (an
// exponent beyond ±2000 or more than 2000 digits): the caller then cannot
// compare.
func refParse(line string) (ts *string, fields []wantField, bad []refBad, known bool, err error) {
	s := strings.TrimLeft(line, " \t")
	unclosed := false
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j >= 0 {
			t := strings.Trim(s[1:j], " \t")
			ts = &t
			s = strings.TrimLeft(s[j+1:], " \t")
			s = strings.TrimPrefix(s, "-")
		} else {
			unclosed = true
		}
	}
	if !strings.Contains(s, ":") {
		return ts, nil, nil, true, ErrNoFields
	}
	const (
		none = iota
		good
		dropped
		cut
	)
	last := none
	lastStart, lastRaw := 0, ""
	known = true
	for pos := 0; pos < len(s); {
		end := len(s)
		if k := strings.IndexAny(s[pos:], ",;"); k >= 0 {
			end = pos + k
		}
		frag := s[pos:end]
		trimmed := strings.Trim(frag, " \t")
		if trimmed == "" {
			pos = end + 1
			continue
		}
		if !strings.Contains(frag, ":") {
			switch last {
			case good:
				f := fields[len(fields)-1]
				fields = fields[:len(fields)-1]
				e := ErrMissingColon
				if s[pos-1] == ',' && s[pos] >= '0' && s[pos] <= '9' && refIntRE.MatchString(lastRaw) {
					e = ErrDecimalComma
				}
				bad = append(bad, refBad{f.name, strings.Trim(s[lastStart:end], " \t"), e})
				last = cut
			case none:
				bad = append(bad, refBad{"", trimmed, ErrMissingColon})
				last, lastStart = cut, pos
			default:
				bad[len(bad)-1].text = strings.Trim(s[lastStart:end], " \t")
			}
			pos = end + 1
			continue
		}
		if len(fields)+len(bad) == MaxFields {
			bad = append(bad, refBad{"", strings.Trim(s[pos:], " \t"), ErrTooManyFields})
			break
		}
		c := pos + refNameColon(frag)
		name := strings.Trim(s[pos:c], " \t")
		grouped := false
		if end < len(s) && s[end] == ',' {
			if n := refGroups(s[c+1:]); n > 0 {
				grouped = true
				end = len(s)
				if k := strings.IndexAny(s[c+1+n:], ",;"); k >= 0 {
					end = c + 1 + n + k
				}
			}
		}
		decimal := false
		if !grouped && end+1 < len(s) && s[end] == ',' && s[end+1] >= '0' && s[end+1] <= '9' && refIntRE.MatchString(strings.Trim(s[c+1:end], " \t")) {
			decimal = true
			end++
			if k := strings.IndexAny(s[end:], ",;"); k >= 0 {
				end += k
			} else {
				end = len(s)
			}
		}
		raw := strings.Trim(s[c+1:end], " \t")
		text := strings.Trim(s[pos:end], " \t")
		firstEntry := len(fields)+len(bad) == 0
		lastStart, lastRaw = pos, raw
		pos = end + 1

		var e error
		switch {
		case name == "":
			e = ErrEmptyName
		case unclosed && firstEntry:
			e = ErrBadName
		case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }):
			e = ErrBadName
		case !strings.ContainsFunc(name, func(r rune) bool {
			return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r >= 0x80 || r == '\uFFFD'
		}):
			e = ErrBadName
		case decimal:
			e = ErrDecimalComma
		case refGlued(raw):
			e = ErrGlued
		}
		if e == nil {
			v := raw
			if grouped {
				v = strings.ReplaceAll(raw, ",", "")
			}
			f, vknown, verr := refValue(v)
			if !vknown {
				known = false
			}
			if verr == nil && grouped && (f.kind != ValueNumber || f.missing) {
				verr = ErrBadValue
			}
			if verr == nil {
				f.name = name
				fields = append(fields, f)
				last = good
				continue
			}
			e = verr
		}
		if name == "" {
			bad = append(bad, refBad{"", text, e})
		} else {
			bad = append(bad, refBad{name, text, e})
		}
		last = dropped
	}
	switch {
	case len(fields) > 0:
		err = nil
	case len(bad) > 0:
		err = bad[0].err
	default:
		err = ErrNoFields
	}
	return ts, fields, bad, known, err
}

// TestParseAgreesWithReference compares Parse with the reference on
// messages built from the grammar's tokens, which reaches the corners of the
// separator rules (colons, big.mark groups, decimal commas, glued messages)
// far more often than random bytes do.
func TestParseAgreesWithReference(t *testing.T) {
	tokens := []string{
		"0,5", "1,234", ",567", ",", ";", ":", ": ", ":\t", " ", "\t", "x", "y:", "a", "1", "0", "234", "-", "+", "--",
		".", ".5", "e-3", "ms", " of ", "/", "NA", "Inf", "TRUE", "[", "]", "(", ")", "%", "$", "KiB", "12:30",
		"job", "bye", "\x01", "\xe9", "温", "Time difference of ",
	}
	r := rand.New(rand.NewPCG(7, 8))
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	var sb strings.Builder
	for range n {
		sb.Reset()
		for range 1 + r.IntN(16) {
			sb.WriteString(tokens[r.IntN(len(tokens))])
		}
		checkAgainstReference(t, sb.String())
	}
}

// checkAgainstReference fails when Parse and the reference disagree on line.
func checkAgainstReference(t *testing.T, line string) {
	t.Helper()
	var m Message
	b := []byte(line)
	err := Parse(b, &m)
	checkContract(t, b, &m, err)
	if ok, kind, job, cerr := refControl(line); ok {
		if !errors.Is(err, cerr) || err == nil && (m.Kind != kind || string(m.Job) != job || len(m.Fields) != 0) {
			t.Fatalf("Parse(%q) = kind %d job %q err %v; reference kind %d job %q err %v", line, m.Kind, m.Job, err, kind, job, cerr)
		}
		return
	}
	if m.Kind != KindValues {
		t.Fatalf("Parse(%q) = kind %d, reference says values", line, m.Kind)
	}
	wantTS, want, wantBad, known, wantErr := refParse(line)
	if !known {
		return // a number too unwieldy for the exact reference
	}
	if (err == nil) != (wantErr == nil) || err != nil && !errors.Is(err, wantErr) {
		t.Fatalf("Parse(%q) = %v, reference says %v (fields %+v, bad %+v)", line, err, wantErr, want, wantBad)
	}
	if (wantTS == nil) != (m.Timestamp == nil) || wantTS != nil && *wantTS != string(m.Timestamp) {
		t.Errorf("Timestamp = %q, reference %v", m.Timestamp, wantTS)
	}
	if len(m.Bad) != len(wantBad) {
		t.Fatalf("Parse(%q): %d bad fields %v, reference %d %+v", line, len(m.Bad), m.Bad, len(wantBad), wantBad)
	}
	for i, bf := range m.Bad {
		w := wantBad[i]
		if string(bf.Name) != w.name || string(bf.Text) != w.text || !errors.Is(bf.Err, w.err) {
			t.Errorf("Parse(%q): bad field %d = {%q %q %v}, reference {%q %q %v}", line, i, bf.Name, bf.Text, bf.Err, w.name, w.text, w.err)
		}
	}
	if len(m.Fields) > MaxFields || len(m.Fields) != len(want) {
		t.Fatalf("Parse(%q): got %d fields, reference %d", line, len(m.Fields), len(want))
	}
	for i, fl := range m.Fields {
		if len(fl.Name) == 0 || checkName(fl.Name) != nil {
			t.Errorf("accepted bad name %q", fl.Name)
		}
		if mn := MetricName(fl.Name); !strictNameRE.MatchString(mn) {
			t.Errorf("MetricName(%q) = %q", fl.Name, mn)
		}
		if d := fieldDiff(fl, want[i]); d != "" {
			t.Errorf("Parse(%q): field %d: %s (reference)", line, i, d)
		}
		if fl.Kind == ValueState && !aliases(fl.State, b) {
			t.Errorf("field %d: State %q does not alias the input", i, fl.State)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseTests {
		f.Add(tc.line)
	}
	for _, tc := range fieldTests {
		f.Add(tc.line)
	}
	f.Add(multiFieldLine)
	f.Add(scientificLine)
	for _, tc := range valueTests {
		f.Add("x: " + tc.in)
	}
	f.Add(unitLine)
	f.Add(progressLine)
	f.Add(stateLine)
	f.Add("[2026-11-25] - job: worker 3")
	f.Add("bye")
	f.Fuzz(checkAgainstReference)
}
