package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// config is a mapping file as written, before defaults are filled in.
type config struct {
	defaults    section
	rules       []section
	recognisers []recogniserSpec
}

// famSet is a set of metric families.
type famSet uint8

const (
	famGauge famSet = 1 << iota
	famCounter
	famHistogram
)

var famNames = [...]struct {
	f    famSet
	name string
}{{famGauge, "gauge"}, {famCounter, "counter"}, {famHistogram, "histogram"}}

// section is the defaults or one rule as written. keys holds the line of every
// key that is set, so "unset" is distinguishable from a zero value and every
// later error can point at its line.
type section struct {
	path string // "defaults" or "rules[2]"
	line int
	keys map[string]int

	match string // glob, or regex when regex is set
	regex bool
	glob  *glob          // compiled match
	re    *regexp.Regexp // compiled match_regex
	name  *template
	help  string
	drop  bool

	families  famSet
	counter   CounterMode
	buckets   bucketSpec
	native    nativeSpec
	ttl       time.Duration
	units     Units
	maxSeries int
	maxStates int
	labels    []labelSpec
}

func (s *section) has(key string) bool {
	_, ok := s.keys[key]
	return ok
}

// labelSpec is one entry of labels.
type labelSpec struct {
	name  string
	value *template
	line  int
}

// nativeSpec is native_histogram as written; sub-keys may be unset.
type nativeSpec struct {
	factor     float64
	hasFactor  bool
	maxBuckets uint32
	hasMax     bool
}

// maxNodes bounds the YAML nodes one file may make the decoder visit,
// aliases included, so that a small file of nested aliases cannot make it
// work for ever.
const maxNodes = 1 << 20

// decoder turns the YAML node tree into a config, reporting every problem.
type decoder struct {
	errs   *errorList
	budget int
}

// Keys that defaults and rules share, that only rules have, and that defaults
// additionally allow.
var (
	sharedKeys = []string{"families", "counter", "buckets", "native_histogram", "ttl", "units", "max_series", "max_states", "labels"}
	ruleKeys   = append([]string{"match", "match_regex", "name", "help", "drop"}, sharedKeys...)
	defaultKey = append([]string{"drop"}, sharedKeys...)
)

// parseYAML parses data as a single YAML document; nil for an empty file.
func parseYAML(data []byte) (doc *yaml.Node, extraLine int, err error) {
	// The YAML parser is not ours: a panic in it must become an error, not
	// take the exporter down on a reload.
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("yaml: parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return &n, max(extra.Line, 1), nil
	case !errors.Is(err, io.EOF):
		return nil, 0, err
	}
	return &n, 0, nil
}

// decode reads the whole file into a config.
func decode(data []byte, errs *errorList) *config {
	cfg := &config{defaults: section{path: "defaults", keys: map[string]int{}}}
	doc, extraLine, err := parseYAML(data)
	if err != nil {
		errs.addYAML(err, data)
		return cfg
	}
	if extraLine > 0 {
		errs.add(extraLine, "a mapping file holds one YAML document; found a second one")
		return cfg
	}
	if doc == nil || len(doc.Content) == 0 {
		return cfg
	}
	d := &decoder{errs: errs, budget: maxNodes}
	root := d.resolve(doc.Content[0])
	if root == nil || isNull(root) {
		return cfg
	}
	if root.Kind != yaml.MappingNode {
		errs.add(root.Line, "the file must be a mapping with the keys defaults, rules and recognisers")
		return cfg
	}
	seen := map[string]int{}
	d.pairs(root, func(k, v *yaml.Node) {
		if first, dup := seen[k.Value]; dup {
			errs.add(k.Line, "%s is set twice (first on line %d)", k.Value, first)
			return
		}
		seen[k.Value] = k.Line
		switch k.Value {
		case "defaults":
			cfg.defaults.line = k.Line
			d.section(v, &cfg.defaults, defaultKey)
		case "rules":
			cfg.rules = d.rules(v)
		case "recognisers":
			cfg.recognisers = d.recognisers(v)
		default:
			hint := suggestOr(k.Value, []string{"defaults", "rules", "recognisers"}, " (the top level has defaults, rules and recognisers)")
			errs.add(k.Line, "unknown top-level key %q%s", k.Value, hint)
		}
	})
	return cfg
}

// resolve follows aliases and charges the node to the budget; nil once the
// budget is spent (reported once).
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || d.budget <= 0 {
		return nil
	}
	if d.budget--; d.budget == 0 {
		d.errs.add(n.Line, "the file expands to more than %d YAML nodes (too many aliases)", maxNodes)
		return nil
	}
	return n
}

// pairs calls f for every key/value pair of the mapping n whose key is a
// plain scalar; other keys are reported.
func (d *decoder) pairs(n *yaml.Node, f func(k, v *yaml.Node)) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.resolve(n.Content[i]), d.resolve(n.Content[i+1])
		if k == nil || v == nil {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errs.add(k.Line, "keys must be plain strings")
			continue
		}
		f(k, v)
	}
}

// rules reads the rules list.
func (d *decoder) rules(n *yaml.Node) []section {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.add(n.Line, "rules must be a list of rules (- match: ...)")
		return nil
	}
	rules := make([]section, 0, len(n.Content))
	for i, c := range n.Content {
		c = d.resolve(c)
		if c == nil {
			break
		}
		s := section{path: "rules[" + strconv.Itoa(i) + "]", line: c.Line, keys: map[string]int{}}
		d.section(c, &s, ruleKeys)
		rules = append(rules, s)
	}
	return rules
}

// section reads the keys of defaults or of one rule.
func (d *decoder) section(n *yaml.Node, s *section, allowed []string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errs.add(n.Line, "%s must be a mapping of settings", s.path)
		return
	}
	if s.line == 0 || n.Line < s.line {
		s.line = n.Line
	}
	d.pairs(n, func(k, v *yaml.Node) {
		key, path := k.Value, s.path+"."+k.Value
		if first, dup := s.keys[key]; dup {
			d.errs.add(k.Line, "%s is set twice (first on line %d)", path, first)
			return
		}
		if !contains(allowed, key) {
			switch {
			case key == "<<":
				d.errs.add(k.Line, "%s: YAML merge keys (<<) are not supported; put shared settings in defaults", s.path)
			case contains(ruleKeys, key):
				d.errs.add(k.Line, "%s: only rules can set %s", path, key)
			default:
				d.errs.add(k.Line, "%s: unknown key %q%s", s.path, key, suggest(key, allowed))
			}
			return
		}
		s.keys[key] = k.Line
		switch key {
		case "match", "match_regex":
			d.pattern(v, path, key == "match_regex", s)
		case "name":
			if str, ok := d.str(v, path); ok {
				s.name = d.template(v, path, str)
			}
		case "help":
			s.help, _ = d.str(v, path)
		case "drop":
			s.drop, _ = d.bool(v, path)
		case "families":
			s.families = d.families(v, path)
		case "counter":
			s.counter = d.counter(v, path)
		case "buckets":
			s.buckets = d.buckets(v, path)
		case "native_histogram":
			s.native = d.native(v, path)
		case "ttl":
			s.ttl = d.duration(v, path)
		case "units":
			s.units = d.units(v, path)
		case "max_series":
			s.maxSeries = d.limit(v, path)
		case "max_states":
			s.maxStates = d.limit(v, path)
		case "labels":
			s.labels = d.labels(v, path)
		}
	})
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
