package mapping

import (
	"math"
	"regexp"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// pattern reads and compiles match or match_regex.
func (d *decoder) pattern(n *yaml.Node, path string, regex bool, s *section) {
	p, ok := d.str(n, path)
	if !ok {
		return
	}
	s.match, s.regex = p, regex
	if p == "" {
		d.errs.add(n.Line, "%s must not be empty", path)
		return
	}
	var err error
	if regex {
		s.re, err = regexp.Compile(p)
	} else {
		s.glob, err = compileGlob(p)
	}
	if err != nil {
		d.errs.add(n.Line, "%s: %v", path, err)
	}
}

// str reads a scalar as the text written; numbers and booleans are text too
// (`match: 2024`).
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	switch tag := n.ShortTag(); {
	case n.Kind != yaml.ScalarNode:
		d.errs.add(n.Line, "%s must be a string", path)
	case tag == "!!null":
		d.errs.add(n.Line, "%s has no value", path)
	case !contains(stringTags, tag):
		d.errs.add(n.Line, "%s must be a string, not %s", path, tag)
	default:
		return n.Value, true
	}
	return "", false
}

// stringTags are the scalar tags whose text str accepts.
var stringTags = []string{"!!str", "!!int", "!!float", "!!bool", "!!timestamp"}

func (d *decoder) bool(n *yaml.Node, path string) (bool, bool) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		d.errs.add(n.Line, "%s must be true or false", path)
		return false, false
	}
	return b, true
}

// number reads an integer or a float; infinities and NaN are refused.
func (d *decoder) number(n *yaml.Node, path string) (float64, bool) {
	var f float64
	if tag := n.ShortTag(); n.Kind != yaml.ScalarNode || tag != "!!int" && tag != "!!float" || n.Decode(&f) != nil {
		d.errs.add(n.Line, "%s must be a number", path)
		return 0, false
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		d.errs.add(n.Line, "%s must be finite", path)
		return 0, false
	}
	return f, true
}

func (d *decoder) integer(n *yaml.Node, path string) (int64, bool) {
	var i int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		d.errs.add(n.Line, "%s must be an integer", path)
		return 0, false
	}
	return i, true
}

// maxLimit bounds max_series and max_states: a typo should not lift a bound
// for good.
const maxLimit = 1_000_000

func (d *decoder) limit(n *yaml.Node, path string) int {
	i, ok := d.integer(n, path)
	if ok && (i < 1 || i > maxLimit) {
		d.errs.add(n.Line, "%s must be between 1 and %d", path, maxLimit)
	}
	return int(min(max(i, 0), maxLimit))
}

func (d *decoder) families(n *yaml.Node, path string) famSet {
	if n.Kind != yaml.SequenceNode {
		d.errs.add(n.Line, "%s must be a list such as [gauge, histogram]", path)
		return 0
	}
	var set famSet
	for _, c := range n.Content {
		if c = d.resolve(c); c == nil {
			break
		}
		s, ok := d.str(c, path)
		if !ok {
			continue
		}
		f := famSet(0)
		for _, fn := range famNames {
			if fn.name == s {
				f = fn.f
			}
		}
		switch {
		case f == 0:
			d.errs.add(c.Line, "%s: unknown family %q (gauge, counter, histogram)", path, s)
		case set&f != 0:
			d.errs.add(c.Line, "%s lists %s twice", path, s)
		}
		set |= f
	}
	if set == 0 && len(n.Content) == 0 {
		d.errs.add(n.Line, "%s must name at least one of gauge, counter, histogram (use drop: true to drop names)", path)
	}
	return set
}

func (d *decoder) counter(n *yaml.Node, path string) CounterMode {
	s, ok := d.str(n, path)
	if !ok {
		return 0
	}
	for i, name := range counterModeNames {
		if s == name {
			return CounterMode(i)
		}
	}
	d.errs.add(n.Line, "%s must be messages, increment or total, not %q", path, s)
	return 0
}

// native reads native_histogram: false, true, or {factor, max_buckets}.
func (d *decoder) native(n *yaml.Node, path string) nativeSpec {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		on, _ := d.bool(n, path)
		if on {
			return nativeSpec{}
		}
		return nativeSpec{hasFactor: true}
	}
	var ns nativeSpec
	if n.Kind != yaml.MappingNode {
		d.errs.add(n.Line, "%s must be false, true or a mapping {factor, max_buckets}", path)
		return ns
	}
	seen := map[string]int{}
	d.pairs(n, func(k, v *yaml.Node) {
		kp := path + "." + k.Value
		if first, dup := seen[k.Value]; dup {
			d.errs.add(k.Line, "%s is set twice (first on line %d)", kp, first)
			return
		}
		seen[k.Value] = k.Line
		switch k.Value {
		case "factor":
			f, ok := d.number(v, kp)
			if ok && f != 0 && f <= 1 {
				d.errs.add(v.Line, "%s must be > 1 (or 0 to turn native histograms off)", kp)
			}
			ns.factor, ns.hasFactor = f, true
		case "max_buckets":
			i, ok := d.integer(v, kp)
			if ok && (i < 1 || i > math.MaxUint32) {
				d.errs.add(v.Line, "%s must be between 1 and %d", kp, uint32(math.MaxUint32))
			}
			ns.maxBuckets, ns.hasMax = uint32(min(max(i, 0), math.MaxUint32)), true
		default:
			d.errs.add(k.Line, "%s: unknown key %q%s", path, k.Value, suggest(k.Value, []string{"factor", "max_buckets"}))
		}
	})
	if ns.hasFactor && ns.factor == 0 && ns.hasMax {
		d.errs.add(seen["max_buckets"], "%s.max_buckets is set but factor 0 turns native histograms off", path)
	}
	return ns
}

// duration reads a Prometheus duration (1h30m, 2d, 1w) or a Go one (1.5h,
// 500us).
func (d *decoder) duration(n *yaml.Node, path string) time.Duration {
	s, ok := d.str(n, path)
	if !ok {
		return 0
	}
	if md, err := model.ParseDuration(s); err == nil {
		return time.Duration(md)
	}
	td, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.errs.add(n.Line, "%s: %q is not a duration (write it with a unit: 90s, 1h30m, 2d; 0 never expires)", path, s)
	case td < 0:
		d.errs.add(n.Line, "%s must not be negative", path)
	}
	return td
}

// units reads true, false, or a list of unit kinds.
func (d *decoder) units(n *yaml.Node, path string) Units {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		if on, _ := d.bool(n, path); on {
			return UnitsAll
		}
		return UnitsNone
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.add(n.Line, "%s must be true, false or a list of duration, size, percent", path)
		return UnitsNone
	}
	var u Units
	for _, c := range n.Content {
		if c = d.resolve(c); c == nil {
			break
		}
		s, ok := d.str(c, path)
		if !ok {
			continue
		}
		k := UnitsNone
		for _, un := range unitNames {
			if un.name == s {
				k = un.u
			}
		}
		switch {
		case k == UnitsNone:
			d.errs.add(c.Line, "%s: unknown unit kind %q (duration, size, percent)", path, s)
		case u&k != 0:
			d.errs.add(c.Line, "%s lists %s twice", path, s)
		}
		u |= k
	}
	return u
}

// labels reads a mapping of label names to value templates, sorted by name.
func (d *decoder) labels(n *yaml.Node, path string) []labelSpec {
	if n.Kind != yaml.MappingNode {
		d.errs.add(n.Line, "%s must be a mapping of label names to values", path)
		return nil
	}
	var ls []labelSpec
	d.pairs(n, func(k, v *yaml.Node) {
		kp := path + "." + k.Value
		for _, l := range ls {
			if l.name == k.Value {
				d.errs.add(k.Line, "%s is set twice (first on line %d)", kp, l.line)
				return
			}
		}
		if msg := checkLabelName(k.Value); msg != "" {
			d.errs.add(k.Line, "%s: label name %q %s", path, k.Value, msg)
		}
		val, ok := d.str(v, kp)
		if !ok {
			return
		}
		if val == "" {
			d.errs.add(v.Line, "%s must not be empty (an empty label value is no label in Prometheus)", kp)
			return
		}
		ls = append(ls, labelSpec{name: k.Value, value: d.template(v, kp, val), line: k.Line})
	})
	sortLabels(ls)
	return ls
}

// template parses a name or label value template, reporting syntax errors.
func (d *decoder) template(n *yaml.Node, path, s string) *template {
	t, err := parseTemplate(s)
	if err != nil {
		d.errs.add(n.Line, "%s: %v", path, err)
		return nil
	}
	return t
}
