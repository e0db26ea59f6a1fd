package mapping

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rexporter/rexporter/parser"
)

// rule is a compiled rule.
type rule struct {
	sec      *section
	id       string // "rules[0] (mapping.yml:3)"
	st       settings
	m        Mapping // complete unless dynamic
	g        *glob
	re       *regexp.Regexp
	prefix   string    // the regular expression's literal prefix
	groups   int       // captures of the pattern, $0 aside
	name     *template // set when the name uses captures
	dynamic  bool      // the name or a label uses captures
	baseName string    // the name or its canonical template, "" when unset
	// derived is the metric name of a rule without name whose glob matches
	// one R name only: its sanitized R name, for the conflict checks.
	derived string
}

// matches reports whether s matches the rule, without captures.
func (r *rule) matches(s string) bool {
	if r.re == nil {
		return r.g.match(s, nil)
	}
	// Every match starts with the literal prefix, so a name without it is
	// refused without running the regular expression.
	return strings.Contains(s, r.prefix) && r.re.MatchString(s)
}

// match reports whether s matches the rule and returns its mapping,
// substituting captures.
func (r *rule) match(s string) (Mapping, bool) {
	if !r.dynamic {
		if !r.matches(s) {
			return Mapping{}, false
		}
		return r.m, true
	}
	var caps []int
	if r.re != nil {
		if !strings.Contains(s, r.prefix) {
			return Mapping{}, false
		}
		if caps = r.re.FindStringSubmatchIndex(s); caps == nil {
			return Mapping{}, false
		}
	} else {
		var buf [16]int
		if n := 2 * (r.groups + 1); n <= len(buf) {
			caps = buf[:n]
		} else {
			caps = make([]int, n)
		}
		if !r.g.match(s, caps) {
			return Mapping{}, false
		}
	}
	m := r.m
	if r.name != nil {
		m.Name = r.name.expand(s, caps, true)
	}
	if len(r.st.labels) > 0 {
		m.Labels = make([]Label, len(r.st.labels))
		for i, l := range r.st.labels {
			m.Labels[i] = Label{Name: l.name, Value: l.value.expand(s, caps, false)}
		}
	}
	return m, true
}

// build compiles and validates a decoded file.
func build(file string, cfg *config) (*Mapper, error) {
	errs := &errorList{file: file}
	def := &cfg.defaults
	defSt := inherit(builtin(), def)
	checkDefaults(def, &defSt, errs)
	m := &Mapper{file: file, defaults: defSt.mapping("defaults")}
	if def.drop {
		m.defaults = Mapping{Rule: "defaults", Drop: true}
	}
	m.rules = make([]rule, len(cfg.rules))
	for i := range cfg.rules {
		compileRule(file, &cfg.rules[i], def, &m.rules[i], defSt, errs)
	}
	m.recognisers = compileRecognisers(file, cfg.recognisers, errs)
	if len(errs.errs) == 0 {
		checkReachable(m.rules, errs)
		checkConflicts(m.rules, errs)
	}
	if len(errs.errs) > 0 {
		return nil, errs.err()
	}
	for i := range m.rules {
		r := &m.rules[i]
		if r.g == nil {
			m.scan = append(m.scan, i)
			continue
		}
		lit, exact := r.g.literal()
		if !exact {
			m.scan = append(m.scan, i)
			continue
		}
		if m.exact == nil {
			m.exact = map[string]int{}
		}
		if _, dup := m.exact[lit]; !dup {
			m.exact[lit] = i
		}
	}
	m.render(defSt)
	return m, nil
}

// checkDefaults validates what only the whole defaults section can tell.
func checkDefaults(def *section, st *settings, errs *errorList) {
	for _, l := range def.labels {
		if !l.value.static() {
			errs.add(l.line, "defaults.labels.%s: captures need a rule's pattern", l.name)
		}
	}
	if def.has("families") || def.has("counter") {
		checkGaugeCounter(def, nil, st, errs)
	}
}

// checkGaugeCounter refuses a gauge next to a counter that adds values: the
// counter is <name>_total, which OpenMetrics exposes as family <name>, the
// gauge's name. def is the defaults section when s is a rule.
func checkGaugeCounter(s, def *section, st *settings, errs *errorList) {
	if st.families&(famGauge|famCounter) != famGauge|famCounter || st.mode == CounterMessages {
		return
	}
	key, from := "families", ""
	if !s.has(key) {
		key = "counter"
		if def != nil && def.has("families") {
			from = " (families " + st.families.String() + " come from defaults, line " + strconv.Itoa(def.keys["families"]) + ")"
		}
	}
	errs.add(s.keys[key], "%s.%s: a gauge and a counter that counts %q cannot both exist%s: the counter <name>_total is the OpenMetrics family <name>, the gauge's name; leave gauge out of families or use counter: messages",
		s.path, key, st.mode, from)
}

// compileRule validates one rule and fills r.
func compileRule(file string, s, def *section, r *rule, defSt settings, errs *errorList) {
	r.sec = s
	r.id = s.path + " (" + file + ":" + strconv.Itoa(s.line) + ")"
	nErrs := len(errs.errs)
	hasMatch, hasRegex := s.has("match"), s.has("match_regex")
	switch {
	case !hasMatch && !hasRegex:
		errs.add(s.line, "%s needs match (a glob) or match_regex (a regular expression)", s.path)
	case hasMatch && hasRegex:
		errs.add(s.keys["match_regex"], "%s: match and match_regex exclude each other", s.path)
	case s.re != nil:
		r.re, r.groups = s.re, s.re.NumSubexp()
		r.prefix, _ = s.re.LiteralPrefix()
	case s.glob != nil:
		r.g, r.groups = s.glob, s.glob.stars
	}
	if s.drop {
		var extra []string
		for k := range s.keys {
			if k != "match" && k != "match_regex" && k != "drop" {
				extra = append(extra, k)
			}
		}
		sort.Slice(extra, func(i, j int) bool { return s.keys[extra[i]] < s.keys[extra[j]] })
		for _, k := range extra {
			errs.add(s.keys[k], "%s.%s: a rule with drop: true takes no other settings", s.path, k)
		}
		r.m = Mapping{Rule: r.id, Drop: true}
		return
	}
	if len(errs.errs) > nErrs {
		return // the pattern is unusable, so are its captures
	}
	var index func(string) int
	if r.re != nil {
		index = r.re.SubexpIndex
	}
	if s.has("name") && s.name != nil {
		checkName(s, r, index, errs)
	}
	if s.has("help") && s.help == "" {
		errs.add(s.keys["help"], "%s.help must not be empty (leave it out)", s.path)
	}
	for i := range s.labels {
		l := &s.labels[i]
		if err := l.value.bind(r.groups, index); err != nil {
			errs.add(l.line, "%s.labels.%s: %v", s.path, l.name, err)
		} else if !l.value.static() {
			r.dynamic = true
		}
	}
	r.st = inherit(defSt, s)
	if s.has("families") || s.has("counter") {
		checkGaugeCounter(s, def, &r.st, errs)
	}
	for _, need := range []struct {
		key string
		f   famSet
	}{{"counter", famCounter}, {"buckets", famHistogram}, {"native_histogram", famHistogram}} {
		if s.has(need.key) && r.st.families&need.f == 0 {
			errs.add(s.keys[need.key], "%s.%s is set but the rule has no %s (families: %s)", s.path, need.key, famNameOf(need.f), r.st.families)
		}
	}
	r.m = r.st.mapping(r.id)
	r.m.Help = s.help
	if r.name == nil && r.baseName != "" {
		r.m.Name = r.baseName
	}
	if lit, exact := r.g.literal(); r.g != nil && exact && !s.has("name") {
		r.derived = derivedName(lit)
	}
}

// derivedName is the metric base name the exporter gives an R name: the
// sanitized name, with _value after a reserved suffix.
func derivedName(rName string) string {
	name := parser.MetricName([]byte(rName))
	if ReservedSuffix(name) != "" {
		return name + "_value"
	}
	return name
}

func patternKey(s *section) string {
	if s.regex {
		return "match_regex"
	}
	return "match"
}

// checkName validates the rule's metric name and records it in r.
func checkName(s *section, r *rule, index func(string) int, errs *errorList) {
	t, line, path := s.name, s.keys["name"], s.path+".name"
	if len(t.segs) == 0 {
		errs.add(line, "%s must not be empty (leave name out to use the sanitized R name)", path)
		return
	}
	if err := t.bind(r.groups, index); err != nil {
		errs.add(line, "%s: %v", path, err)
		return
	}
	for i, seg := range t.segs {
		if seg.group >= 0 {
			continue
		}
		if msg := checkNameText(seg.lit, i == 0); msg != "" {
			errs.add(line, "%s %q %s", path, t.String(), msg)
			return
		}
	}
	if last := t.segs[len(t.segs)-1]; last.group < 0 {
		if suf := ReservedSuffix(last.lit); suf != "" {
			errs.add(line, "%s %q must not end in %s, which Prometheus reserves; the families add their own suffixes (the counter is <name>_total or <name>_messages_total)", path, t.String(), suf)
			return
		}
	}
	r.baseName = t.String()
	if !t.static() {
		r.name, r.dynamic = t, true
	} else {
		r.baseName = t.literal()
	}
}

// String lists the families of a set as a mapping file writes them.
func (f famSet) String() string {
	var names []string
	for _, fn := range famNames {
		if f&fn.f != 0 {
			names = append(names, fn.name)
		}
	}
	return "[" + joinComma(names) + "]"
}

func famNameOf(f famSet) string {
	for _, fn := range famNames {
		if fn.f == f {
			return fn.name
		}
	}
	return "?"
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
