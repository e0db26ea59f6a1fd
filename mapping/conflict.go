package mapping

import (
	"slices"
	"strconv"
	"strings"
)

// checkReachable refuses rules that can never match because an earlier rule
// has the same pattern or a glob of only stars matches every name.
func checkReachable(rules []rule, errs *errorList) {
	first := map[string]int{}
	catchAll := -1
	for i := range rules {
		s := rules[i].sec
		key := patternKey(s)
		if catchAll >= 0 {
			errs.add(s.keys[key], "%s never matches: %s matches every name (put catch-all rules last)", s.path, rules[catchAll].id)
			return
		}
		if j, dup := first[key+"\x00"+s.match]; dup {
			errs.add(s.keys[key], "%s.%s never matches: %s has the same pattern and comes first", s.path, key, rules[j].id)
			continue
		}
		first[key+"\x00"+s.match] = i
		if rules[i].g != nil && rules[i].g.matchesAll() {
			catchAll = i
		}
	}
}

// occupant is a rule's claim on one metric name in the exposition.
type occupant struct {
	rule   int
	family string // gauge, counter or histogram
}

// checkConflicts refuses two rules whose names can produce the same metric
// with a different type, counter meaning, label names, help, buckets or
// max_series, and names that would shadow metrics of others. Static names are
// compared directly and templated ones by their canonical template, so
// "loss_$1" and "loss_${1}" are the same; whether a template can produce a
// static name is left to the exporter's collision handling at run time.
func checkConflicts(rules []rule, errs *errorList) {
	owners := map[string]occupant{}
	reported := map[[2]int]bool{}
	for i := range rules {
		r := &rules[i]
		if r.m.Drop || r.baseName == "" && r.derived == "" {
			continue
		}
		key := "name"
		if r.baseName == "" {
			key = patternKey(r.sec)
		}
		line := r.sec.keys[key]
		for _, o := range r.occupies() {
			// A sanitized R name on a reserved prefix is refused by the
			// exporter like any other R name.
			if p := reservedFor(o.name, r.name == nil); p != "" && r.baseName != "" {
				errs.add(line, "%s.name: metric %q would shadow metrics that are not the user's (names starting with rexporter_, go_, process_, promhttp_ or scrape_, and up, are reserved)", r.sec.path, o.name)
				break
			}
			prev, taken := owners[o.name]
			if !taken {
				owners[o.name] = occupant{rule: i, family: o.family}
				continue
			}
			if prev.rule == i || reported[[2]int{prev.rule, i}] {
				continue
			}
			if why := differs(&rules[prev.rule], prev.family, r, o.family, o.name); why != "" {
				reported[[2]int{prev.rule, i}] = true
				errs.add(line, "%s.%s: %s", r.sec.path, key, why)
			}
		}
	}
}

// occupiedName is one name a rule's families take in the exposition.
type occupiedName struct {
	name   string
	family string
}

// occupies lists the family and sample names the rule's metrics take: the
// OpenMetrics family name and the names of the samples in it.
func (r *rule) occupies() []occupiedName {
	base := r.baseName
	if base == "" {
		base = r.derived
	}
	var out []occupiedName
	add := func(family string, names ...string) {
		for _, n := range names {
			out = append(out, occupiedName{n, family})
		}
	}
	if r.m.Gauge {
		add("gauge", base)
	}
	if r.m.Counter {
		if r.m.CounterMode == CounterMessages {
			add("counter", base+"_messages_total", base+"_messages")
		} else {
			add("counter", base+"_total", base)
		}
	}
	if r.m.Histogram {
		h := base + "_values"
		add("histogram", h, h+"_bucket", h+"_sum", h+"_count")
	}
	return out
}

// reservedFor returns the reserved prefix or name the metric name hits, or "".
// For a template only the text before the first capture is known.
func reservedFor(name string, static bool) string {
	if static {
		return ReservedName(name)
	}
	lit, _, _ := strings.Cut(name, "${")
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(lit, p) {
			return p
		}
	}
	return ""
}

// differs compares rule b's claim on the metric name with rule a's and
// returns how they differ, or "".
func differs(a *rule, aFam string, b *rule, bFam, name string) string {
	q, there := `metric "`+name+`"`, " in "+a.id
	switch {
	case aFam != bFam:
		return q + " is a " + bFam + " here but a " + aFam + there
	case aFam == "counter" && a.m.CounterMode != b.m.CounterMode:
		return q + ` counts "` + b.m.CounterMode.String() + `" here but "` + a.m.CounterMode.String() + `"` + there
	case !slices.Equal(labelNames(a), labelNames(b)):
		return q + " has labels " + fmtNames(labelNames(b)) + " here but " + fmtNames(labelNames(a)) + there
	case a.m.Help != b.m.Help:
		return q + " has help " + quoteHelp(b.m.Help) + " here but " + quoteHelp(a.m.Help) + there
	case aFam == "histogram" && !slices.Equal(a.m.Buckets, b.m.Buckets):
		return q + " has other buckets here than" + there
	case a.m.MaxSeries != b.m.MaxSeries:
		return q + " has max_series " + strconv.Itoa(b.m.MaxSeries) + " here but " + strconv.Itoa(a.m.MaxSeries) + there
	}
	return ""
}

func labelNames(r *rule) []string {
	names := make([]string, len(r.st.labels))
	for i, l := range r.st.labels {
		names[i] = l.name
	}
	return names
}

func fmtNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return "[" + joinComma(names) + "]"
}

func quoteHelp(h string) string {
	if h == "" {
		return "none"
	}
	return strconv.Quote(h)
}
