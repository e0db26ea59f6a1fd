package mapping

import (
	"strings"
	"time"
)

// Built-in defaults: what every R name gets when no mapping file is given, and
// what a mapping file's defaults section starts from.
const (
	// DefaultNativeFactor is the native-histogram bucket growth factor (schema
	// 3, about 9 % relative error), the usual choice.
	DefaultNativeFactor = 1.1
	// DefaultNativeMaxBuckets bounds the native buckets of one histogram;
	// beyond it client_golang widens the buckets instead of growing.
	DefaultNativeMaxBuckets = 160
	// DefaultTTL is how long a series stays after its last update (receive
	// time). R jobs report every second to every few minutes, so a series
	// silent for an hour belongs to a job that is gone or stuck; keeping it
	// longer only shows a stale value, while Prometheus marks the series stale
	// as soon as it leaves /metrics. One hour also matches --job-retention.
	DefaultTTL = time.Hour
	// DefaultMaxSeries bounds the series of one metric (label combinations ×
	// jobs). With --max-jobs 100 a metric without labels never reaches it.
	DefaultMaxSeries = 1000
	// DefaultMaxStates bounds the distinct states of one state series.
	DefaultMaxStates = 16
)

// DefaultBuckets are the classic histogram buckets when nothing else is
// configured: 0, then 1, 2.5 and 5 per decade from 0.001 to 1,000,000 (29
// boundaries), because R values come in every range. Mappers copy them;
// changing this variable after a Mapper is built has no effect on it.
var DefaultBuckets = []float64{
	0,
	0.001, 0.0025, 0.005,
	0.01, 0.025, 0.05,
	0.1, 0.25, 0.5,
	1, 2.5, 5,
	10, 25, 50,
	100, 250, 500,
	1000, 2500, 5000,
	10000, 25000, 50000,
	100000, 250000, 500000,
	1000000,
}

// CounterMode says what the counter family of an R name counts.
type CounterMode uint8

const (
	// CounterMessages counts the messages that carried the name
	// (<name>_messages_total). The default.
	CounterMessages CounterMode = iota
	// CounterIncrement adds each value to the counter (<name>_total). The
	// caller rejects and counts negative and NaN increments.
	CounterIncrement
	// CounterTotal takes each value as a running total that may reset
	// (<name>_total): the counter follows it, and a decrease is a reset, so
	// the new value is added (Prometheus' own reset semantics).
	CounterTotal
)

var counterModeNames = [...]string{"messages", "increment", "total"}

// String returns the mode as written in a mapping file.
func (c CounterMode) String() string {
	if int(c) < len(counterModeNames) {
		return counterModeNames[c]
	}
	return "unknown"
}

// Units is the set of unit conversions applied to values: a value with a unit
// becomes a number in the base unit and the metric name gets the unit's
// suffix.
type Units uint8

const (
	// UnitsDuration converts durations to seconds: `12 ms` → 0.012, suffix
	// _seconds.
	UnitsDuration Units = 1 << iota
	// UnitsSize converts sizes to bytes: `2.3 Mb` → bytes, suffix _bytes.
	UnitsSize
	// UnitsPercent converts percentages to ratios: `45%` → 0.45, suffix _ratio.
	UnitsPercent

	// UnitsNone converts nothing.
	UnitsNone Units = 0
	// UnitsAll converts every kind; the default.
	UnitsAll = UnitsDuration | UnitsSize | UnitsPercent
)

var unitNames = [...]struct {
	u    Units
	name string
}{{UnitsDuration, "duration"}, {UnitsSize, "size"}, {UnitsPercent, "percent"}}

// String returns the set as written in a mapping file: true, false, or a list.
func (u Units) String() string {
	switch u {
	case UnitsAll:
		return "true"
	case UnitsNone:
		return "false"
	}
	var names []string
	for _, n := range unitNames {
		if u&n.u != 0 {
			names = append(names, n.name)
		}
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// Label is one label a rule adds to the series of an R name.
type Label struct {
	Name, Value string
}

// Mapping is how one R name becomes metrics. Slices in it are shared with the
// Mapper and with other Mappings and must not be modified.
type Mapping struct {
	// Rule names what decided the mapping, for logs and `rexporter parse`:
	// `rules[0] (mapping.yml:3)`, or "defaults".
	Rule string
	// Drop means the name produces no metrics; every other field is zero.
	Drop bool
	// Name is the metric base name before the namespace prefix and the
	// reserved-suffix (_value) handling. "" means: sanitize the R name
	// (parser.MetricName).
	Name string
	// Help is the rule's help text, "" when it has none. The caller adds the
	// family's meaning and the R name (or the rule) to it.
	Help string
	// Gauge, Counter and Histogram say which families exist.
	Gauge, Counter, Histogram bool
	// CounterMode is what the counter counts; CounterMessages when Counter is
	// false.
	CounterMode CounterMode
	// Buckets are the classic histogram boundaries, strictly increasing and
	// finite (+Inf is implicit); nil when Histogram is false.
	Buckets []float64
	// NativeFactor is the native-histogram bucket factor, 0 when native
	// histograms are off (or Histogram is false); NativeMaxBuckets bounds
	// their number.
	NativeFactor     float64
	NativeMaxBuckets uint32
	// Labels are added to every series of the name, sorted by name, captures
	// substituted.
	Labels []Label
	// TTL is how long a series lives after its last update (receive time); 0
	// means it never expires.
	TTL time.Duration
	// Units are the unit conversions to apply to values.
	Units Units
	// MaxSeries bounds the series of one metric; beyond it new ones fold into
	// one overflow series.
	MaxSeries int
	// MaxStates bounds the distinct states of a state series.
	MaxStates int
}

// FamilyNames returns the family names m produces for base (the metric name
// after namespace and suffix handling); "" for a family that does not exist.
// The gauge is base, the histogram base_values, the counter
// base_messages_total when it counts messages and base_total when it adds
// values.
func (m Mapping) FamilyNames(base string) (gauge, counter, histogram string) {
	if m.Gauge {
		gauge = base
	}
	if m.Counter {
		if m.CounterMode == CounterMessages {
			counter = base + "_messages_total"
		} else {
			counter = base + "_total"
		}
	}
	if m.Histogram {
		histogram = base + "_values"
	}
	return gauge, counter, histogram
}

// Mapper answers, for each R name, how it becomes metrics. It is immutable and
// safe for concurrent use.
type Mapper struct {
	file     string
	defaults Mapping
	rules    []rule
	// exact maps the text of each wildcard-free glob to its first rule, so a
	// name is looked up once instead of compared with every such rule.
	exact map[string]int
	// scan lists the other rules (globs with wildcards, regexes) in order.
	scan        []int
	recognisers []Recogniser
	fingerprint string
	dump        string
}

// Default returns the Mapper used when no mapping file is given: every R name
// gets the built-in defaults (gauge, messages counter, histogram with
// DefaultBuckets and native buckets, TTL 1h, all units).
func Default() *Mapper {
	m, err := build("", &config{defaults: section{path: "defaults"}})
	if err != nil {
		panic("mapping: built-in defaults are invalid: " + err.Error())
	}
	return m
}

// Map returns the mapping of rName, the R name decoded to valid UTF-8. Rules
// are tried in file order and the first that matches wins; a name no rule
// matches gets the defaults. Map does not allocate unless the matching rule
// substitutes captures; callers cache the result per R name.
func (m *Mapper) Map(rName string) Mapping {
	limit := len(m.rules)
	if m.exact != nil {
		if i, ok := m.exact[rName]; ok {
			limit = i
		}
	}
	for _, i := range m.scan {
		if i >= limit {
			break
		}
		r := &m.rules[i]
		if !r.dynamic {
			if r.matches(rName) {
				return r.m
			}
			continue
		}
		if mp, ok := r.match(rName); ok {
			return mp
		}
	}
	if limit < len(m.rules) {
		mp, _ := m.rules[limit].match(rName)
		return mp
	}
	return m.defaults
}

// File returns the name of the file the Mapper was parsed from, "" for Default.
func (m *Mapper) File() string { return m.file }

// Rules returns the number of rules.
func (m *Mapper) Rules() int { return len(m.rules) }

// Fingerprint returns a hash of everything that decides how names map:
// defaults and rules after filling, in order. File name, line numbers,
// comments and the way a setting is spelled (a bucket spec or its list) are
// not part of it, so a reload can tell whether anything changed. Nor are the
// recognisers, which only `rexporter run` uses.
func (m *Mapper) Fingerprint() string { return m.fingerprint }

// Equal reports whether m and other map every R name the same way, rule
// positions aside (see Fingerprint).
func (m *Mapper) Equal(other *Mapper) bool {
	if m == nil || other == nil {
		return m == other
	}
	return m.fingerprint == other.fingerprint
}

// String returns the effective configuration as YAML that parses back to an
// equal Mapper: the defaults and every rule with all settings filled in,
// each rule commented with its position, and the recognisers. For
// `rexporter check-config`.
func (m *Mapper) String() string { return m.dump }
