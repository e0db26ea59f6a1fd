package recognise

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/rexporter/rexporter/parser"
)

// Errors of NewRegexp, wrapped with the details; test with errors.Is.
var (
	// ErrBadRegexp is a regular expression that does not compile or is too long.
	ErrBadRegexp = errors.New("bad regular expression")
	// ErrNoValue is a regular expression without a group to take a value
	// from, or with a name or total group but no value group.
	ErrNoValue = errors.New("regular expression has no value group")
	// ErrBadName is a recogniser name that gives no metric name.
	ErrBadName = errors.New("bad recogniser name")
)

// MaxRegexpLen bounds the length of a user's regular expression.
const MaxRegexpLen = 4096

// maxNameCache bounds the metric names a Regexp remembers for its name group.
const maxNameCache = 1024

// Regexp is the user's own recogniser: a regular expression (Go RE2 syntax)
// whose named groups say what to take from a matching line.
//
//   - value: the value; the metric is named by the name group when there is
//     one (`(?P<name>\w+) = (?P<value>\S+)`), else by the recogniser's name.
//   - total: with value, makes the update a Progress of that total.
//   - any other named group is a metric of its own named by the group:
//     `epoch (?P<epoch>\d+) loss (?P<loss>\S+)` gives epoch and loss.
//
// Values are read with rexporter's own value grammar (package parser): R's
// numbers, units converted to base units (12 ms, 45%), and "45/100" as a
// progress. A group that did not take part in the match or holds no number
// gives nothing. Metric names follow parser.MetricName; Update.Source is the
// recogniser's name. Partial lines are never matched (they may be cut short).
type Regexp struct {
	name, metric string
	re           *regexp.Regexp
	nameG        int // group index of name, value and total; -1 when absent
	valueG       int
	totalG       int
	named        []namedGroup
	cache        map[string]string
	scratch      []byte
	msg          parser.Message
}

type namedGroup struct {
	idx         int
	name, rname string
}

// NewRegexp compiles expr as the recogniser name. It checks what a config
// loader must refuse: an expression that does not compile or is longer
// than MaxRegexpLen (ErrBadRegexp), one with no group to take a value from
// (ErrNoValue), and a name without a letter or digit (ErrBadName).
func NewRegexp(name, expr string) (*Regexp, error) {
	if !hasAlnum(name) {
		return nil, fmt.Errorf("%w: %q", ErrBadName, name)
	}
	if len(expr) > MaxRegexpLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadRegexp, len(expr), MaxRegexpLen)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRegexp, err)
	}
	r := &Regexp{name: name, metric: parser.MetricName([]byte(name)), re: re, nameG: -1, valueG: -1, totalG: -1, cache: map[string]string{}}
	for i, g := range re.SubexpNames() {
		switch g {
		case "":
		case "name":
			r.nameG = i
		case "value":
			r.valueG = i
		case "total":
			r.totalG = i
		default:
			r.named = append(r.named, namedGroup{idx: i, name: parser.MetricName([]byte(g)), rname: g})
		}
	}
	if r.valueG < 0 && (r.nameG >= 0 || r.totalG >= 0 || len(r.named) == 0) {
		return nil, fmt.Errorf("%w: %q needs a group (?P<value>...) or other named groups", ErrNoValue, expr)
	}
	return r, nil
}

func hasAlnum(s string) bool {
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 {
			return true
		}
	}
	return false
}

// Name returns the name given to NewRegexp.
func (r *Regexp) Name() string { return r.name }

// Recognise implements Recogniser.
func (r *Regexp) Recognise(l Line, out []Update) []Update {
	if l.Partial {
		return out
	}
	m := r.re.FindSubmatchIndex(l.Text)
	if m == nil {
		return out
	}
	group := func(i int) []byte {
		if i < 0 || m[2*i] < 0 {
			return nil
		}
		return l.Text[m[2*i]:m[2*i+1]]
	}
	if r.valueG >= 0 {
		if u, ok := r.value(group(r.valueG)); ok {
			u.Name, u.RName = r.metric, r.name
			if r.nameG >= 0 {
				raw := group(r.nameG)
				if !hasAlnum(string(raw)) {
					return out
				}
				u.Name, u.RName = r.metricName(raw), string(raw)
			}
			if r.totalG >= 0 {
				t, ok := r.value(group(r.totalG))
				if !ok || t.Kind != Gauge {
					return out
				}
				u.Total, u.Kind = t.Value, Progress
			}
			out = append(out, u)
		}
	}
	for _, g := range r.named {
		if u, ok := r.value(group(g.idx)); ok {
			u.Name, u.RName = g.name, g.rname
			out = append(out, u)
		}
	}
	return out
}

// value reads b with the parser's value grammar.
func (r *Regexp) value(b []byte) (Update, bool) {
	if len(b) == 0 || len(b) > 256 {
		return Update{}, false
	}
	r.scratch = append(append(r.scratch[:0], "v: "...), b...)
	if err := parser.Parse(r.scratch, &r.msg); err != nil || len(r.msg.Fields) != 1 || len(r.msg.Bad) != 0 {
		return Update{}, false
	}
	f := r.msg.Fields[0]
	switch f.Kind {
	case parser.ValueNumber:
		return Update{Value: f.Value, Kind: Gauge, Source: r.name}, true
	case parser.ValueProgress:
		return Update{Value: f.Value, Total: f.Total, Kind: Progress, Source: r.name}, true
	}
	return Update{}, false
}

// metricName returns parser.MetricName(raw), remembered for the first
// maxNameCache names.
func (r *Regexp) metricName(raw []byte) string {
	if n, ok := r.cache[string(raw)]; ok {
		return n
	}
	n := parser.MetricName(raw)
	if len(r.cache) < maxNameCache {
		r.cache[string(raw)] = n
	}
	return n
}
