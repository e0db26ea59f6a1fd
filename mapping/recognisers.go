package mapping

import (
	"errors"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/parser"
)

// MaxRecognisers bounds the recognisers of one file: each runs on every
// line a job prints that no earlier one claimed.
const MaxRecognisers = 64

// recogniserKeys are the keys of one entry of recognisers.
var recogniserKeys = []string{"name", "regexp"}

// recogniserSpec is one entry of recognisers as written.
type recogniserSpec struct {
	path string // "recognisers[0]"
	line int
	keys map[string]int
	name string
	expr string
}

// Recogniser is one of the file's own recognisers (the recognisers list):
// a regular expression whose named groups say what to take from a line the
// job prints (see recognise.NewRegexp).
type Recogniser struct {
	// Name is the recogniser's name, the metric name of its value group
	// when it has no name group, and the Source of its updates.
	Name string
	// Regexp is the regular expression as written.
	Regexp string
	// ID names it for logs and `rexporter parse`:
	// `recognisers[0] "keras epoch" (mapping.yml:3)`.
	ID string
}

// New returns a new instance of the recogniser. The file's regular
// expressions compiled when it was parsed, so New only fails for a
// Recogniser built by hand.
func (r Recogniser) New() (*recognise.Regexp, error) {
	return recognise.NewRegexp(r.Name, r.Regexp)
}

// Recognisers returns the file's own recognisers in file order; nil for
// Default and for a file without any. They are not part of Fingerprint:
// they decide which lines of a job's output become messages, not how names
// map.
func (m *Mapper) Recognisers() []Recogniser { return m.recognisers }

// NewRecognisers returns a new instance of each of the file's recognisers,
// in file order, for one job: a recognise.Regexp is not safe for concurrent
// use, while the Mapper is shared.
func (m *Mapper) NewRecognisers() []recognise.Recogniser {
	if len(m.recognisers) == 0 {
		return nil
	}
	rs := make([]recognise.Recogniser, 0, len(m.recognisers))
	for _, r := range m.recognisers {
		re, err := r.New()
		if err != nil {
			panic("mapping: a recogniser that compiled at load no longer does: " + err.Error())
		}
		rs = append(rs, re)
	}
	return rs
}

// recognisers reads the recognisers list.
func (d *decoder) recognisers(n *yaml.Node) []recogniserSpec {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.add(n.Line, "recognisers must be a list of recognisers (- name: ...)")
		return nil
	}
	if len(n.Content) > MaxRecognisers {
		d.errs.add(n.Line, "recognisers: %d recognisers, at most %d", len(n.Content), MaxRecognisers)
		return nil
	}
	specs := make([]recogniserSpec, 0, len(n.Content))
	for i, c := range n.Content {
		c = d.resolve(c)
		if c == nil {
			break
		}
		s := recogniserSpec{path: "recognisers[" + strconv.Itoa(i) + "]", line: c.Line, keys: map[string]int{}}
		d.recogniser(c, &s)
		specs = append(specs, s)
	}
	return specs
}

// recogniser reads the keys of one recogniser.
func (d *decoder) recogniser(n *yaml.Node, s *recogniserSpec) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errs.add(n.Line, "%s must be a mapping with name and regexp", s.path)
		return
	}
	d.pairs(n, func(k, v *yaml.Node) {
		key, path := k.Value, s.path+"."+k.Value
		if first, dup := s.keys[key]; dup {
			d.errs.add(k.Line, "%s is set twice (first on line %d)", path, first)
			return
		}
		if !contains(recogniserKeys, key) {
			d.errs.add(k.Line, "%s: unknown key %q%s", s.path, key, suggestOr(key, recogniserKeys, " (a recogniser has name and regexp)"))
			return
		}
		s.keys[key] = k.Line
		switch key {
		case "name":
			s.name, _ = d.str(v, path)
		case "regexp":
			s.expr, _ = d.str(v, path)
		}
	})
}

// suggestOr is suggest's hint, or fallback when it has none.
func suggestOr(key string, known []string, fallback string) string {
	if h := suggest(key, known); h != "" {
		return h
	}
	return fallback
}

// compileRecognisers validates the recognisers and compiles them with
// recognise.NewRegexp, so that a bad one is refused with its line. Two
// recognisers whose names give the same metric name are refused: their
// value groups would feed the same metric.
func compileRecognisers(file string, specs []recogniserSpec, errs *errorList) []Recogniser {
	var out []Recogniser
	seen := map[string]int{} // metric name -> index
	for i := range specs {
		s := &specs[i]
		_, hasName := s.keys["name"]
		_, hasExpr := s.keys["regexp"]
		if !hasName {
			errs.add(s.line, "%s needs a name", s.path)
		}
		if !hasExpr {
			errs.add(s.line, "%s needs a regexp (a regular expression with named groups)", s.path)
		}
		if !hasName || !hasExpr {
			continue
		}
		if _, err := recognise.NewRegexp(s.name, s.expr); err != nil {
			key := "regexp"
			if errors.Is(err, recognise.ErrBadName) {
				key = "name"
			}
			errs.addErr(s.keys[key], err, "%s.%s: %v", s.path, key, err)
			continue
		}
		metric := parser.MetricName([]byte(s.name))
		if j, dup := seen[metric]; dup {
			o := &specs[j]
			errs.add(s.keys["name"], "%s.name %q gives the metric name %s, as %s.name %q does (line %d)", s.path, s.name, metric, o.path, o.name, o.keys["name"])
			continue
		}
		seen[metric] = i
		out = append(out, Recogniser{
			Name:   s.name,
			Regexp: s.expr,
			ID:     s.path + " " + strconv.Quote(s.name) + " (" + file + ":" + strconv.Itoa(s.line) + ")",
		})
	}
	return out
}
