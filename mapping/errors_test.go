package mapping

import (
	"errors"
	"strings"
	"testing"
)

// TestParseErrors checks every strict error with its exact file:line message.
func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want string
	}{
		"unknown top-level key": {
			"rule:\n  - match: x",
			`mapping.yml:1: unknown top-level key "rule" (did you mean "rules"?)`,
		},
		"unknown rule key with suggestion": {
			"rules:\n  - match: x\n    familes: [gauge]",
			`mapping.yml:3: rules[0]: unknown key "familes" (did you mean "families"?)`,
		},
		"unknown defaults key": {
			"defaults:\n  colour: red",
			`mapping.yml:2: defaults: unknown key "colour"`,
		},
		"name in defaults": {
			"defaults:\n  name: x",
			`mapping.yml:2: defaults.name: only rules can set name`,
		},
		"key set twice": {
			"rules:\n  - match: x\n    ttl: 1h\n    ttl: 2h",
			`mapping.yml:4: rules[0].ttl is set twice (first on line 3)`,
		},
		"top-level key set twice": {
			"rules: []\nrules: []",
			`mapping.yml:2: rules is set twice (first on line 1)`,
		},
		"families not a list": {
			"defaults:\n  families: gauge",
			`mapping.yml:2: defaults.families must be a list such as [gauge, histogram]`,
		},
		"families unknown": {
			"defaults:\n  families: [gauge, summary]",
			`mapping.yml:2: defaults.families: unknown family "summary" (gauge, counter, histogram)`,
		},
		"families twice": {
			"defaults:\n  families: [gauge, gauge]",
			`mapping.yml:2: defaults.families lists gauge twice`,
		},
		"families empty": {
			"defaults:\n  families: []",
			`mapping.yml:2: defaults.families must name at least one of gauge, counter, histogram (use drop: true to drop names)`,
		},
		"counter unknown": {
			"defaults:\n  counter: sum",
			`mapping.yml:2: defaults.counter must be messages, increment or total, not "sum"`,
		},
		"ttl without unit": {
			"defaults:\n  ttl: 3600",
			`mapping.yml:2: defaults.ttl: "3600" is not a duration (write it with a unit: 90s, 1h30m, 2d; 0 never expires)`,
		},
		"ttl negative": {
			"defaults:\n  ttl: -1h",
			`mapping.yml:2: defaults.ttl must not be negative`,
		},
		"ttl empty": {
			"defaults:\n  ttl:",
			`mapping.yml:2: defaults.ttl has no value`,
		},
		"max_series zero": {
			"defaults:\n  max_series: 0",
			`mapping.yml:2: defaults.max_series must be between 1 and 1000000`,
		},
		"max_series string": {
			"defaults:\n  max_series: \"10\"",
			`mapping.yml:2: defaults.max_series must be an integer`,
		},
		"max_states too large": {
			"defaults:\n  max_states: 2000000",
			`mapping.yml:2: defaults.max_states must be between 1 and 1000000`,
		},
		"max_states float": {
			"defaults:\n  max_states: 1.5",
			`mapping.yml:2: defaults.max_states must be an integer`,
		},
		"drop not bool": {
			"rules:\n  - match: x\n    drop: \"yes\"",
			`mapping.yml:3: rules[0].drop must be true or false`,
		},
		"units unknown": {
			"defaults:\n  units: [duration, speed]",
			`mapping.yml:2: defaults.units: unknown unit kind "speed" (duration, size, percent)`,
		},
		"units twice": {
			"defaults:\n  units: [size, size]",
			`mapping.yml:2: defaults.units lists size twice`,
		},
		"units scalar": {
			"defaults:\n  units: size",
			`mapping.yml:2: defaults.units must be true, false or a list of duration, size, percent`,
		},
		"bad regex": {
			"rules:\n  - match_regex: '(a'",
			"mapping.yml:2: rules[0].match_regex: error parsing regexp: missing closing ): `(a`",
		},
		"bad glob": {
			"rules:\n  - match: 'a[b'",
			`mapping.yml:2: rules[0].match: unterminated [ (write \[ for a literal [)`,
		},
		"empty class": {
			"rules:\n  - match: 'a[]'",
			`mapping.yml:2: rules[0].match: empty [] matches nothing`,
		},
		"bad range": {
			"rules:\n  - match: '[z-a]'",
			`mapping.yml:2: rules[0].match: bad range z-a in [...]`,
		},
		"trailing backslash": {
			"rules:\n  - match: 'a\\'",
			`mapping.yml:2: rules[0].match: trailing \ (write \\ for a literal \)`,
		},
		"empty match": {
			"rules:\n  - match: ''",
			`mapping.yml:2: rules[0].match must not be empty`,
		},
		"match not a string": {
			"rules:\n  - match: [a]",
			`mapping.yml:2: rules[0].match must be a string`,
		},
		"match and match_regex": {
			"rules:\n  - match: x\n    match_regex: x",
			`mapping.yml:3: rules[0]: match and match_regex exclude each other`,
		},
		"neither match nor match_regex": {
			"rules:\n  - name: x",
			`mapping.yml:2: rules[0] needs match (a glob) or match_regex (a regular expression)`,
		},
		"drop with other settings": {
			"rules:\n  - match: x\n    drop: true\n    ttl: 1h\n    name: y",
			"mapping.yml:4: rules[0].ttl: a rule with drop: true takes no other settings\nmapping.yml:5: rules[0].name: a rule with drop: true takes no other settings",
		},
		"buckets empty list": {
			"defaults:\n  buckets: []",
			`mapping.yml:2: defaults.buckets must have at least one boundary (+Inf is implicit)`,
		},
		"buckets not increasing": {
			"defaults:\n  buckets: [1, 5, 2]",
			`mapping.yml:2: defaults.buckets[2] = 2 must be greater than the boundary before it (5)`,
		},
		"buckets equal": {
			"defaults:\n  buckets: [1, 1]",
			`mapping.yml:2: defaults.buckets[1] = 1 must be greater than the boundary before it (1)`,
		},
		"buckets infinite": {
			"defaults:\n  buckets: [1, .inf]",
			`mapping.yml:2: defaults.buckets[1] must be finite`,
		},
		"buckets not a number": {
			"defaults:\n  buckets: [1, two]",
			`mapping.yml:2: defaults.buckets[1] must be a number`,
		},
		"buckets scalar": {
			"defaults:\n  buckets: 10",
			`mapping.yml:2: defaults.buckets must be a list of boundaries or a mapping {type: linear, exponential or discrete, ...}`,
		},
		"buckets no type": {
			"defaults:\n  buckets: {start: 1, width: 1, count: 3}",
			`mapping.yml:2: defaults.buckets needs type: linear, exponential or discrete (or a list of boundaries)`,
		},
		"buckets unknown type": {
			"defaults:\n  buckets: {type: log, start: 1}",
			`mapping.yml:2: defaults.buckets.type must be linear, exponential or discrete, not "log" (or write the boundaries as a list)`,
		},
		"buckets key of another type": {
			"defaults:\n  buckets: {type: linear, start: 1, factor: 2, count: 3}",
			"mapping.yml:2: defaults.buckets.factor: linear buckets take start, width and count\nmapping.yml:2: defaults.buckets: linear buckets need width",
		},
		"buckets missing key": {
			"defaults:\n  buckets: {type: linear, start: 1, count: 3}",
			`mapping.yml:2: defaults.buckets: linear buckets need width`,
		},
		"linear width zero": {
			"defaults:\n  buckets: {type: linear, start: 1, width: 0, count: 3}",
			`mapping.yml:2: defaults.buckets.width must be > 0`,
		},
		"linear count zero": {
			"defaults:\n  buckets: {type: linear, start: 1, width: 1, count: 0}",
			`mapping.yml:2: defaults.buckets.count must be between 1 and 1024`,
		},
		"linear count too large": {
			"defaults:\n  buckets: {type: linear, start: 1, width: 1, count: 2000}",
			`mapping.yml:2: defaults.buckets.count must be between 1 and 1024`,
		},
		"linear count float": {
			"defaults:\n  buckets: {type: linear, start: 1, width: 1, count: 2.5}",
			`mapping.yml:2: defaults.buckets.count must be an integer`,
		},
		"linear width too small": {
			"defaults:\n  buckets: {type: linear, start: 1e10, width: 1e-10, count: 3}",
			`mapping.yml:2: defaults.buckets: boundaries 1 and 2 are both 1e+10 once rounded to 15 significant digits`,
		},
		"exponential factor one": {
			"defaults:\n  buckets: {type: exponential, start: 1, factor: 1, count: 3}",
			`mapping.yml:2: defaults.buckets.factor must be > 1`,
		},
		"exponential start zero": {
			"defaults:\n  buckets: {type: exponential, start: 0, factor: 2, count: 3}",
			`mapping.yml:2: defaults.buckets.start must be > 0`,
		},
		"exponential overflow": {
			"defaults:\n  buckets: {type: exponential, start: 1e300, factor: 1e10, count: 3}",
			`mapping.yml:2: defaults.buckets: boundary 2 overflows`,
		},
		"discrete max below min": {
			"defaults:\n  buckets: {type: discrete, min: 5, max: 4}",
			`mapping.yml:2: defaults.buckets.max must be >= min (5)`,
		},
		"discrete too wide": {
			"defaults:\n  buckets: {type: discrete, min: 0, max: 5000}",
			`mapping.yml:2: defaults.buckets gives 5001 boundaries, more than 1024`,
		},
		"discrete float": {
			"defaults:\n  buckets: {type: discrete, min: 0.5, max: 4}",
			`mapping.yml:2: defaults.buckets.min must be an integer`,
		},
		"discrete huge": {
			"defaults:\n  buckets: {type: discrete, min: 0, max: 1e20}",
			`mapping.yml:2: defaults.buckets.max must be an integer`,
		},
		"native factor below one": {
			"defaults:\n  native_histogram: {factor: 0.5}",
			`mapping.yml:2: defaults.native_histogram.factor must be > 1 (or 0 to turn native histograms off)`,
		},
		"native max_buckets zero": {
			"defaults:\n  native_histogram: {max_buckets: 0}",
			`mapping.yml:2: defaults.native_histogram.max_buckets must be between 1 and 4294967295`,
		},
		"native off with max_buckets": {
			"defaults:\n  native_histogram: {factor: 0, max_buckets: 10}",
			`mapping.yml:2: defaults.native_histogram.max_buckets is set but factor 0 turns native histograms off`,
		},
		"native unknown key": {
			"defaults:\n  native_histogram: {schema: 3}",
			`mapping.yml:2: defaults.native_histogram: unknown key "schema"`,
		},
		"native wrong type": {
			"defaults:\n  native_histogram: 1.1",
			`mapping.yml:2: defaults.native_histogram must be false, true or a mapping {factor, max_buckets}`,
		},
		"labels reserved": {
			"rules:\n  - match: x\n    labels: {job: a}",
			`mapping.yml:3: rules[0].labels: label name "job" is reserved (job, instance, r_job, le, quantile and state are set by Prometheus or rexporter)`,
		},
		"labels r_job": {
			"rules:\n  - match: x\n    labels: {r_job: a}",
			`mapping.yml:3: rules[0].labels: label name "r_job" is reserved (job, instance, r_job, le, quantile and state are set by Prometheus or rexporter)`,
		},
		"labels invalid name": {
			"rules:\n  - match: x\n    labels: {my-label: a}",
			`mapping.yml:3: rules[0].labels: label name "my-label" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)`,
		},
		"labels double underscore": {
			"rules:\n  - match: x\n    labels: {__name__: a}",
			`mapping.yml:3: rules[0].labels: label name "__name__" is reserved (names starting with __ belong to Prometheus)`,
		},
		"labels empty value": {
			"rules:\n  - match: x\n    labels: {a: ''}",
			`mapping.yml:3: rules[0].labels.a must not be empty (an empty label value is no label in Prometheus)`,
		},
		"labels capture in defaults": {
			"defaults:\n  labels: {a: $1}",
			`mapping.yml:2: defaults.labels.a: captures need a rule's pattern`,
		},
		"labels not a mapping": {
			"rules:\n  - match: x\n    labels: [a]",
			`mapping.yml:3: rules[0].labels must be a mapping of label names to values`,
		},
		"labels missing capture": {
			"rules:\n  - match: 'x *'\n    labels: {a: $2}",
			`mapping.yml:3: rules[0].labels.a: $2 refers to no capture: the glob has 1 capture`,
		},
		"name invalid character": {
			"rules:\n  - match: x\n    name: my-metric",
			`mapping.yml:3: rules[0].name "my-metric" may only contain letters, digits and _`,
		},
		"name leading digit": {
			"rules:\n  - match: x\n    name: 2nd",
			`mapping.yml:3: rules[0].name "2nd" must not start with a digit`,
		},
		"name double underscore": {
			"rules:\n  - match: x\n    name: a__b",
			`mapping.yml:3: rules[0].name "a__b" must not contain __ (reserved by Prometheus, and never produced from R names)`,
		},
		"name reserved suffix": {
			"rules:\n  - match: x\n    name: rows_total",
			`mapping.yml:3: rules[0].name "rows_total" must not end in _total, which Prometheus reserves; the families add their own suffixes (the counter is <name>_total or <name>_messages_total)`,
		},
		"name template reserved suffix": {
			"rules:\n  - match: 'x *'\n    name: ${1}_count",
			`mapping.yml:3: rules[0].name "${1}_count" must not end in _count, which Prometheus reserves; the families add their own suffixes (the counter is <name>_total or <name>_messages_total)`,
		},
		"name empty": {
			"rules:\n  - match: x\n    name: ''",
			`mapping.yml:3: rules[0].name must not be empty (leave name out to use the sanitized R name)`,
		},
		"name reserved prefix": {
			"rules:\n  - match: x\n    name: go_threads",
			`mapping.yml:3: rules[0].name: metric "go_threads" would shadow metrics that are not the user's (names starting with rexporter_, go_, process_, promhttp_ or scrape_, and up, are reserved)`,
		},
		"name up": {
			"rules:\n  - match: x\n    name: up",
			`mapping.yml:3: rules[0].name: metric "up" would shadow metrics that are not the user's (names starting with rexporter_, go_, process_, promhttp_ or scrape_, and up, are reserved)`,
		},
		"name whose counter is reserved": {
			"rules:\n  - match: x\n    name: rexporter",
			`mapping.yml:3: rules[0].name: metric "rexporter_messages_total" would shadow metrics that are not the user's (names starting with rexporter_, go_, process_, promhttp_ or scrape_, and up, are reserved)`,
		},
		"name template reserved prefix": {
			"rules:\n  - match: 'x *'\n    name: process_$1",
			`mapping.yml:3: rules[0].name: metric "process_${1}" would shadow metrics that are not the user's (names starting with rexporter_, go_, process_, promhttp_ or scrape_, and up, are reserved)`,
		},
		"name missing capture": {
			"rules:\n  - match: 'x *'\n    name: a_$2",
			`mapping.yml:3: rules[0].name: $2 refers to no capture: the glob has 1 capture`,
		},
		"name glob named capture": {
			"rules:\n  - match: 'x *'\n    name: a_$foo",
			`mapping.yml:3: rules[0].name: $foo names no capture of the glob (globs capture by number: $1 is the text of the first *)`,
		},
		"name $1_x": {
			"rules:\n  - match: 'x *'\n    name: $1_x",
			`mapping.yml:3: rules[0].name: $1_x names no capture of the glob (write ${1}_x to follow $1 with text)`,
		},
		"name unknown named group": {
			"rules:\n  - match_regex: '^x (?P<a>.*)$'\n    name: x_$b",
			`mapping.yml:3: rules[0].name: $b names no capture of the regular expression`,
		},
		"name lone dollar": {
			"rules:\n  - match: 'x'\n    name: a$",
			`mapping.yml:3: rules[0].name: lone $: use $1, ${1} or ${name} for a capture, $$ for a literal $`,
		},
		"name unterminated brace": {
			"rules:\n  - match: 'x *'\n    name: a_${1",
			`mapping.yml:3: rules[0].name: unterminated ${ (write $$ for a literal $)`,
		},
		"name bad brace": {
			"rules:\n  - match: 'x *'\n    name: a_${1-2}",
			`mapping.yml:3: rules[0].name: bad capture reference ${1-2}: use ${1} or ${name}`,
		},
		"help empty": {
			"rules:\n  - match: x\n    help: ''",
			`mapping.yml:3: rules[0].help must not be empty (leave it out)`,
		},
		"buckets without histogram": {
			"rules:\n  - match: x\n    families: [gauge]\n    buckets: [1, 2]",
			`mapping.yml:4: rules[0].buckets is set but the rule has no histogram (families: [gauge])`,
		},
		"native without histogram": {
			"rules:\n  - match: x\n    families: [gauge]\n    native_histogram: false",
			`mapping.yml:4: rules[0].native_histogram is set but the rule has no histogram (families: [gauge])`,
		},
		"counter without counter": {
			"rules:\n  - match: x\n    families: [gauge]\n    counter: increment",
			`mapping.yml:4: rules[0].counter is set but the rule has no counter (families: [gauge])`,
		},
		"buckets without histogram from defaults": {
			"defaults:\n  families: [gauge]\nrules:\n  - match: x\n    buckets: [1, 2]",
			`mapping.yml:5: rules[0].buckets is set but the rule has no histogram (families: [gauge])`,
		},
		"gauge and increment counter": {
			"rules:\n  - match: x\n    families: [gauge, counter]\n    counter: increment",
			`mapping.yml:3: rules[0].families: a gauge and a counter that counts "increment" cannot both exist: the counter <name>_total is the OpenMetrics family <name>, the gauge's name; leave gauge out of families or use counter: messages`,
		},
		"gauge from defaults and total counter": {
			"defaults:\n  families: [gauge, counter, histogram]\nrules:\n  - match: x\n    counter: total",
			`mapping.yml:5: rules[0].counter: a gauge and a counter that counts "total" cannot both exist (families [gauge, counter, histogram] come from defaults, line 2): the counter <name>_total is the OpenMetrics family <name>, the gauge's name; leave gauge out of families or use counter: messages`,
		},
		"gauge and total counter in defaults": {
			"defaults:\n  families: [gauge, counter]\n  counter: total",
			`mapping.yml:2: defaults.families: a gauge and a counter that counts "total" cannot both exist: the counter <name>_total is the OpenMetrics family <name>, the gauge's name; leave gauge out of families or use counter: messages`,
		},
		"conflict type": {
			"rules:\n  - match: a\n    name: m\n    families: [gauge]\n  - match: b\n    name: m\n    families: [histogram]\n  - match: c\n    name: m_values\n    families: [gauge]",
			`mapping.yml:9: rules[2].name: metric "m_values" is a gauge here but a histogram in rules[1] (mapping.yml:5)`,
		},
		"conflict labels": {
			"rules:\n  - match: a\n    name: m\n    labels: {x: a}\n  - match: b\n    name: m\n    labels: {y: b}",
			`mapping.yml:6: rules[1].name: metric "m" has labels [y] here but [x] in rules[0] (mapping.yml:2)`,
		},
		"conflict counter mode": {
			"rules:\n  - match: a\n    name: m\n    counter: increment\n  - match: b\n    name: m\n    counter: total",
			`mapping.yml:6: rules[1].name: metric "m_total" counts "total" here but "increment" in rules[0] (mapping.yml:2)`,
		},
		"conflict help": {
			"rules:\n  - match: a\n    name: m\n    help: one\n  - match: b\n    name: m\n    help: two",
			`mapping.yml:6: rules[1].name: metric "m" has help "two" here but "one" in rules[0] (mapping.yml:2)`,
		},
		"conflict buckets": {
			"rules:\n  - match: a\n    name: m\n    buckets: [1]\n  - match: b\n    name: m\n    buckets: [2]",
			`mapping.yml:6: rules[1].name: metric "m_values" has other buckets here than in rules[0] (mapping.yml:2)`,
		},
		"conflict max_series": {
			"rules:\n  - match: a\n    name: m\n    max_series: 5\n  - match: b\n    name: m",
			`mapping.yml:6: rules[1].name: metric "m" has max_series 1000 here but 5 in rules[0] (mapping.yml:2)`,
		},
		"conflict templates": {
			"rules:\n  - match: 'a *'\n    name: m_$1\n  - match: 'b *'\n    name: m_${1}\n    families: [counter]\n    counter: total",
			`mapping.yml:5: rules[1].name: metric "m_${1}" is a counter here but a gauge in rules[0] (mapping.yml:2)`,
		},
		"conflict counter vs gauge name": {
			"rules:\n  - match: a\n    name: m\n    families: [counter]\n    counter: total\n  - match: b\n    name: m\n    families: [gauge]",
			`mapping.yml:7: rules[1].name: metric "m" is a gauge here but a counter in rules[0] (mapping.yml:2)`,
		},
		"conflict with the sanitized R name of an exact rule": {
			"rules:\n  - match: Loss Rate\n  - match: x\n    name: loss_rate\n    families: [counter]\n    counter: total",
			`mapping.yml:4: rules[1].name: metric "loss_rate" is a counter here but a gauge in rules[0] (mapping.yml:2)`,
		},
		"conflict of an exact rule's sanitized R name": {
			"rules:\n  - match: x\n    name: iterations_total_value\n    counter: total\n  - match: Iterations total",
			`mapping.yml:5: rules[1].match: metric "iterations_total_value" is a gauge here but a counter in rules[0] (mapping.yml:2)`,
		},
		"merge key": {
			"rules:\n  - match: x\n    <<: {ttl: 1h}",
			`mapping.yml:3: rules[0]: YAML merge keys (<<) are not supported; put shared settings in defaults`,
		},
		"same pattern twice": {
			"rules:\n  - match: a\n  - match: a\n    ttl: 1m",
			`mapping.yml:3: rules[1].match never matches: rules[0] (mapping.yml:2) has the same pattern and comes first`,
		},
		"catch-all not last": {
			"rules:\n  - match: '*'\n  - match: a",
			`mapping.yml:3: rules[1] never matches: rules[0] (mapping.yml:2) matches every name (put catch-all rules last)`,
		},
		"yaml syntax": {
			"rules:\n  - match: [a\n",
			`mapping.yml:2: invalid YAML: did not find expected ',' or ']'`,
		},
		"tab indentation": {
			"rules:\n\t- match: a",
			`mapping.yml:2: invalid YAML: found character that cannot start any token`,
		},
		"two documents": {
			"rules: []\n---\nrules: []",
			`mapping.yml:2: a mapping file holds one YAML document; found a second one`,
		},
		"top-level list": {
			"- match: a",
			`mapping.yml:1: the file must be a mapping with the keys defaults, rules and recognisers`,
		},
		"rules not a list": {
			"rules:\n  match: a",
			`mapping.yml:2: rules must be a list of rules (- match: ...)`,
		},
		"rule not a mapping": {
			"rules:\n  - a",
			`mapping.yml:2: rules[0] must be a mapping of settings`,
		},
		"defaults not a mapping": {
			"defaults: [a]",
			`mapping.yml:1: defaults must be a mapping of settings`,
		},
		"key not a string": {
			"rules:\n  - ? [a]\n    : b",
			`mapping.yml:2: keys must be plain strings`,
		},
		"custom tag": {
			"rules:\n  - match: !foo x",
			`mapping.yml:2: rules[0].match must be a string, not !foo`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := Parse([]byte(tc.yaml), "mapping.yml")
			if err == nil {
				t.Fatalf("Parse succeeded, want error %q\n%s", tc.want, m)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "mapping.yml" || e.Msg == "" {
				t.Errorf("errors.As(*Error) = %+v, want File mapping.yml and a message", e)
			}
		})
	}
}

// TestErrorFiles checks errors read from files, including several in one file.
func TestErrorFiles(t *testing.T) {
	tests := map[string]string{
		"testdata/bad/unknown_key.yml": `testdata/bad/unknown_key.yml:3: rules[0]: unknown key "bucket" (did you mean "buckets"?)`,
		"testdata/bad/factor.yml":      `testdata/bad/factor.yml:9: rules[1].buckets.factor must be > 1`,
		"testdata/bad/conflict.yml":    `testdata/bad/conflict.yml:9: rules[2].name: metric "loss" is a counter here but a gauge in rules[0] (testdata/bad/conflict.yml:2)`,
		"testdata/bad/yaml_syntax.yml": `testdata/bad/yaml_syntax.yml:3: invalid YAML: did not find expected '-' indicator`,
		"testdata/bad/many.yml": `testdata/bad/many.yml:2: defaults.ttl: "soon" is not a duration (write it with a unit: 90s, 1h30m, 2d; 0 never expires)
testdata/bad/many.yml:3: defaults.max_series must be between 1 and 1000000
testdata/bad/many.yml:5: rules[0].match_regex: error parsing regexp: missing closing ): ` + "`(unclosed`" + `
testdata/bad/many.yml:6: rules[1].match: unterminated [ (write \[ for a literal [)`,
		"testdata/bad/missing.yml": "open testdata/bad/missing.yml: no such file or directory",
	}
	for path, want := range tests {
		t.Run(path, func(t *testing.T) {
			_, err := Load(path)
			if err == nil || err.Error() != want {
				t.Errorf("Load(%s) error\n got: %v\nwant: %s", path, err, want)
			}
		})
	}
}

// TestManyErrors checks that a hopeless file gives a bounded report.
func TestManyErrors(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("rules:\n")
	for range 50 {
		sb.WriteString("  - match: x\n    colour: red\n")
	}
	_, err := Parse([]byte(sb.String()), "m.yml")
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxErrors+1 || lines[maxErrors] != "m.yml:43: too many errors" {
		t.Errorf("got %d lines ending %q, want %d ending with too many errors", len(lines), lines[len(lines)-1], maxErrors+1)
	}
}

// TestYAMLSyntaxErrorLine checks that a YAML syntax error names the line of
// the problem, not the line where the enclosing collection starts.
func TestYAMLSyntaxErrorLine(t *testing.T) {
	tests := map[string]struct {
		yml  string
		want string
	}{
		"mis-indented key on line 4": {
			yml:  "rules:\n  - match: x\n    name: y\n   help: z\n",
			want: "m.yml:4: invalid YAML: did not find expected '-' indicator",
		},
		"unclosed [ on line 4, at the end": {
			yml:  "rules:\n  - match: x\n    name: y\n    buckets: [1, 2\n",
			want: "m.yml:4: invalid YAML: did not find expected ',' or ']'",
		},
		"unclosed [ on line 4, more lines after": {
			yml:  "rules:\n  - match: x\n    name: y\n    buckets: [1, 2\n    help: z\n  - match: w\n",
			want: "m.yml:4: invalid YAML: did not find expected ',' or ']'",
		},
		"a valid multi-line flow list before the problem": {
			yml:  "rules:\n  - match: x\n    buckets: [1,\n      2]\n    name: y\n   help: z\n",
			want: "m.yml:6: invalid YAML: did not find expected '-' indicator",
		},
		"tab indentation": {
			yml:  "rules:\n  - match: x\n\tname: y\n",
			want: "m.yml:3: invalid YAML:",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yml), "m.yml")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want it to start with %q", err, tc.want)
			}
		})
	}
}
