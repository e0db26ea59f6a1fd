package parser

import (
	"errors"
	"strings"
	"testing"
)

// rNames are names R prints, with the metric names they become.
var rNames = map[string]struct{ raw, metric string }{
	"intercept":          {"(Intercept)", "intercept"},
	"factor level":       {"factor(cyl)6", "factor_cyl_6"},
	"interaction":        {"wt:hp", "wt_hp"},
	"dotted interaction": {"Sepal.Width:Speciesversicolor", "sepal_width_speciesversicolor"},
	"stan index":         {"beta[1]", "beta_1"},
	"jags deviance":      {"lp__", "lp"},
	"power":              {"R^2", "r_2"},
	"percent":            {"Acc%", "acc"},
	"parenthesised":      {"Loss (train)", "loss_train"},
	"dollar":             {"x$y", "x_y"},
	"accented unit":      {"Durée (s)", "duree_secs"},
	"I()":                {"I(wt^2)", "i_wt_2"},
	"namespaced":         {"splines::ns(x)1", "splines_nsecs_x_1"}, // lint-clean: see TestLintCleanNames
	"quoted":             {`"quoted"`, "quoted"},
	"formula":            {"y ~ x | g", "y_x_g"},
	"random effect":      {"sd_(Intercept)", "sd_intercept"},
}

func TestRNames(t *testing.T) {
	for scenario, tc := range rNames {
		t.Run(scenario, func(t *testing.T) {
			if got := MetricName([]byte(tc.raw)); got != tc.metric {
				t.Errorf("MetricName(%q) = %q, want %q", tc.raw, got, tc.metric)
			}
			for _, line := range []string{tc.raw + ": 1.5", tc.raw + ":1.5", "[t] - " + tc.raw + " : 1.5", "x: 0; " + tc.raw + ":\t1.5"} {
				var m Message
				if err := Parse([]byte(line), &m); err != nil {
					t.Fatalf("Parse(%q) = %v", line, err)
				}
				f := m.Fields[len(m.Fields)-1]
				if string(f.Name) != tc.raw || f.Value != 1.5 || len(m.Bad) != 0 {
					t.Errorf("Parse(%q) = name %q value %v bad %v", line, f.Name, f.Value, m.Bad)
				}
			}
		})
	}
}

// fieldTests are messages whose fields apply one by one.
var fieldTests = map[string]parseTest{
	// Colons in names.
	"coef paste": {
		line:   "(Intercept): 37.2, wt: -3.87, wt:hp: 0.027",
		fields: []wantField{{name: "(Intercept)", value: 37.2}, {name: "wt", value: -3.87}, {name: "wt:hp", value: 0.027}},
	},
	"coef paste without spaces": {
		line:   "(Intercept):37.2,wt:-3.87;wt:hp:0.027",
		fields: []wantField{{name: "(Intercept)", value: 37.2}, {name: "wt", value: -3.87}, {name: "wt:hp", value: 0.027}},
	},
	"coef paste with timestamp": {
		line: "[2026-12-01 10:00:00] - factor(cyl)6: -4.26; factor(cyl)8: -6.07; R^2: 0.84", ts: "2026-12-01 10:00:00",
		fields: []wantField{{name: "factor(cyl)6", value: -4.26}, {name: "factor(cyl)8", value: -6.07}, {name: "R^2", value: 0.84}},
	},
	"interaction without space": {line: "wt:hp:0.027", fields: []wantField{{name: "wt:hp", value: 0.027}}},
	"colon without space":       {line: "x:1", fields: []wantField{{name: "x", value: 1}}},
	"tab after colon":           {line: "a:b:\t2", fields: []wantField{{name: "a:b", value: 2}}},
	"space before colon":        {line: "wt:hp : 2", fields: []wantField{{name: "wt:hp", value: 2}}},
	"url name":                  {line: "http://host: 3", fields: []wantField{{name: "http://host", value: 3}}},
	"time value":                {line: "time: 12:30", err: ErrBadValue, bad: []wantBad{{"time", "time: 12:30", ErrBadValue}}},
	"time value then field": {
		line: "time: 12:30, x: 1", fields: []wantField{{name: "x", value: 1}},
		bad: []wantBad{{"time", "time: 12:30", ErrBadValue}},
	},
	"only colons":   {line: ":::", err: ErrBadName, bad: []wantBad{{"::", ":::", ErrBadName}}},
	"empty name ok": {line: ": 1, y: 2", fields: []wantField{{name: "y", value: 2}}, bad: []wantBad{{"", ": 1", ErrEmptyName}}},

	// Fields apply one by one.
	"bad value among good": {
		line:   "Loss: 0.5, Checkpoint: [2026-12-01] saved",
		fields: []wantField{{name: "Loss", value: 0.5}},
		bad:    []wantBad{{"Checkpoint", "Checkpoint: [2026-12-01] saved", ErrBadValue}},
	},
	"timestamp in value": {
		line: "Checkpoint: [2026-12-01 10:00:00] saved", err: ErrBadValue,
		bad: []wantBad{{"Checkpoint", "Checkpoint: [2026-12-01 10:00:00] saved", ErrBadValue}},
	},
	"punctuation-only name": {line: "(): 1", err: ErrBadName, bad: []wantBad{{"()", "(): 1", ErrBadName}}},
	"percent-only name":     {line: "%%: 2", err: ErrBadName, bad: []wantBad{{"%%", "%%: 2", ErrBadName}}},
	"punctuation-only then good": {
		line: "(): 1, x: 2", fields: []wantField{{name: "x", value: 2}},
		bad: []wantBad{{"()", "(): 1", ErrBadName}},
	},
	"unclosed bracket then good": {
		line: "[2026-11-25 17:06:16 - x: 1, y: 2", fields: []wantField{{name: "y", value: 2}},
		bad: []wantBad{{"[2026-11-25 17:06:16 - x", "[2026-11-25 17:06:16 - x: 1", ErrBadName}},
	},
	"bracket name after a field": {line: "x: 1, [y]: 2", fields: []wantField{{name: "x", value: 1}, {name: "[y]", value: 2}}},
	"every field bad": {
		line: "a: 1abc; b: ; (): 3", err: ErrBadValue,
		bad: []wantBad{{"a", "a: 1abc", ErrBadValue}, {"b", "b:", ErrEmptyValue}, {"()", "(): 3", ErrBadName}},
	},
	"bad fields count": {
		line:   "(): 1, " + manyFields(256),
		fields: manyWant(255),
		bad:    []wantBad{{"()", "(): 1", ErrBadName}, {"", "f255: 255", ErrTooManyFields}},
	},

	// big.mark numbers.
	"big.mark rows": {
		line:   "Rows: 1,234,567, Loss: 0.5",
		fields: []wantField{{name: "Rows", value: 1234567}, {name: "Loss", value: 0.5}},
	},
	"big.mark decimals":   {line: "x: 1,234.5", fields: []wantField{{name: "x", value: 1234.5}}},
	"big.mark negative":   {line: "x: -1,234", fields: []wantField{{name: "x", value: -1234}}},
	"big.mark one group":  {line: "x: 1,234", fields: []wantField{{name: "x", value: 1234}}},
	"big.mark unit":       {line: "x: 1,234 ms", fields: []wantField{{name: "x", value: 1.234, unit: UnitSeconds, scale: 1e-3}}},
	"big.mark bytes":      {line: "size: 12,345,678 bytes; y: 1", fields: []wantField{{name: "size", value: 12345678, unit: UnitBytes}, {name: "y", value: 1}}},
	"big.mark exponent":   {line: "x: 1,234.5e3", fields: []wantField{{name: "x", value: 1234500}}},
	"big.mark no space":   {line: "x:1,234,y:2", fields: []wantField{{name: "x", value: 1234}, {name: "y", value: 2}}},
	"big.mark then name":  {line: "x: 1,234: 5", err: ErrDecimalComma, bad: []wantBad{{"x", "x: 1,234: 5", ErrDecimalComma}}},
	"decimal comma glued": {line: "x: 0,5y: 2", err: ErrDecimalComma, bad: []wantBad{{"x", "x: 0,5y: 2", ErrDecimalComma}}},
	"decimal comma glued, then a field": {
		line: "x: 0,5y: 2, z: 3", fields: []wantField{{name: "z", value: 3}}, bad: []wantBad{{"x", "x: 0,5y: 2", ErrDecimalComma}},
	},
	"big.mark bad unit":     {line: "x: 1,234 apples, y: 2", fields: []wantField{{name: "y", value: 2}}, bad: []wantBad{{"x", "x: 1,234 apples", ErrBadValue}}},
	"big.mark progress":     {line: "x: 1,234/5000", err: ErrBadValue, bad: []wantBad{{"x", "x: 1,234/5000", ErrBadValue}}},
	"big.mark broken group": {line: "a: 1,234,56", err: ErrMissingColon, bad: []wantBad{{"a", "a: 1,234,56", ErrMissingColon}}},
	"big.mark leading zero": {line: "x: 0,500", err: ErrDecimalComma, bad: []wantBad{{"x", "x: 0,500", ErrDecimalComma}}},
	"four-digit group":      {line: "x: 1,2345", err: ErrDecimalComma, bad: []wantBad{{"x", "x: 1,2345", ErrDecimalComma}}},

	// Decimal commas and values cut by a separator.
	"decimal comma then field": {
		line: "x: 0,5, y: 2", fields: []wantField{{name: "y", value: 2}},
		bad: []wantBad{{"x", "x: 0,5", ErrDecimalComma}},
	},
	"decimal comma negative":   {line: "x: -0,25", err: ErrDecimalComma, bad: []wantBad{{"x", "x: -0,25", ErrDecimalComma}}},
	"decimal comma scientific": {line: "x: 1,5e-04", err: ErrDecimalComma, bad: []wantBad{{"x", "x: 1,5e-04", ErrDecimalComma}}},
	"decimal comma unit":       {line: "t: 12,5 ms; y: 1", fields: []wantField{{name: "y", value: 1}}, bad: []wantBad{{"t", "t: 12,5 ms", ErrDecimalComma}}},
	"decimal comma twice":      {line: "x: 0,5,7", err: ErrDecimalComma, bad: []wantBad{{"x", "x: 0,5,7", ErrDecimalComma}}},
	"decimal comma semicolon":  {line: "x: 0;5", err: ErrMissingColon, bad: []wantBad{{"x", "x: 0;5", ErrMissingColon}}},
	"list of numbers":          {line: "x: 0, 5", err: ErrMissingColon, bad: []wantBad{{"x", "x: 0, 5", ErrMissingColon}}},
	"decimal then comma":       {line: "x: 0.5,12, y: 1", fields: []wantField{{name: "y", value: 1}}, bad: []wantBad{{"x", "x: 0.5,12", ErrMissingColon}}},
	"state cut by comma": {
		line: "state: fitting, then stopping", err: ErrMissingColon,
		bad: []wantBad{{"state", "state: fitting, then stopping", ErrMissingColon}},
	},
	"state cut then field": {
		line: "x: 1, state: fitting, then stopping, y: 2", fields: []wantField{{name: "x", value: 1}, {name: "y", value: 2}},
		bad: []wantBad{{"state", "state: fitting, then stopping", ErrMissingColon}},
	},
	"double sign before comma": {line: "x: --1,234, y: 2", fields: []wantField{{name: "y", value: 2}}, bad: []wantBad{{"x", "x: --1,234", ErrBadValue}}},
	"bad value then colonless": {line: "x: 1abc, 5", err: ErrBadValue, bad: []wantBad{{"x", "x: 1abc, 5", ErrBadValue}}},
	"stray fragment before field": {
		line: "hello, x: 1", fields: []wantField{{name: "x", value: 1}},
		bad: []wantBad{{"", "hello", ErrMissingColon}},
	},
	"stray fragments before field": {
		line: "hello, world; x: 1", fields: []wantField{{name: "x", value: 1}},
		bad: []wantBad{{"", "hello, world", ErrMissingColon}},
	},
	"free text with commas": {line: "hello, world", err: ErrNoFields},

	// Glued messages.
	"glued":           {line: "status: runningphase: fit", err: ErrGlued, bad: []wantBad{{"status", "status: runningphase: fit", ErrGlued}}},
	"glued tab":       {line: "status: running phase:\tfit", err: ErrGlued, bad: []wantBad{{"status", "status: running phase:\tfit", ErrGlued}}},
	"glued at end":    {line: "x: 1y:", err: ErrGlued, bad: []wantBad{{"x", "x: 1y:", ErrGlued}}},
	"glued timestamp": {line: "x: 1[2026-12-01 10:00:00] - y: 2", err: ErrGlued, bad: []wantBad{{"x", "x: 1[2026-12-01 10:00:00] - y: 2", ErrGlued}}},
	"glued among good": {
		line: "x: 1, status: runningphase: fit, y: 2", fields: []wantField{{name: "x", value: 1}, {name: "y", value: 2}},
		bad: []wantBad{{"status", "status: runningphase: fit", ErrGlued}},
	},
}

func TestParseFieldByField(t *testing.T) {
	for name, tc := range fieldTests {
		t.Run(name, func(t *testing.T) {
			checkParse(t, tc)
		})
	}
}

// TestNamePunctuation checks every printable ASCII punctuation character
// in a name: inside, around and alone.
func TestNamePunctuation(t *testing.T) {
	for c := byte('!'); c <= '~'; c++ {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ',' || c == ';' {
			continue
		}
		p := string(c)
		tests := map[string]parseTest{
			"inside": {line: "a" + p + "b: 1", fields: []wantField{{name: "a" + p + "b", value: 1}}},
			"around": {line: "z: 0, " + p + "x" + p + ": 1", fields: []wantField{{name: "z"}, {name: p + "x" + p, value: 1}}},
			"alone": {
				line: "z: 0, " + p + ": 1", fields: []wantField{{name: "z"}},
				bad: []wantBad{{p, p + ": 1", ErrBadName}},
			},
			"doubled alone": {line: p + p + ": 1", err: ErrBadName},
		}
		if c == ':' {
			// ":: 1" ends the name at ": ", so the name is ":".
			tests["alone"] = parseTest{line: "z: 0, :: 1", fields: []wantField{{name: "z"}}, bad: []wantBad{{":", ":: 1", ErrBadName}}}
		}
		for scenario, tc := range tests {
			t.Run(p+" "+scenario, func(t *testing.T) {
				checkParse(t, tc)
			})
		}
		for _, name := range []string{"ab" + p + "cd", p + "ab" + p + "cd" + p} {
			if got := MetricName([]byte(name)); got != "ab_cd" {
				t.Errorf("MetricName(%q) = %q, want ab_cd", name, got)
			}
		}
	}
}

// TestNameControlBytes checks that control bytes other than tab are still
// refused in names.
func TestNameControlBytes(t *testing.T) {
	for c := range 0x80 {
		if c >= 0x20 && c != 0x7f || c == '\t' {
			continue
		}
		line := "a" + string(rune(c)) + "b: 1, y: 2"
		var m Message
		b := []byte(line)
		err := Parse(b, &m)
		checkContract(t, b, &m, err)
		if err != nil || len(m.Fields) != 1 || len(m.Bad) != 1 || !errors.Is(m.Bad[0].Err, ErrBadName) {
			t.Errorf("Parse(%q) = %v, fields %d, bad %v; want y and a bad name", line, err, len(m.Fields), m.Bad)
		}
	}
	var m Message
	if err := Parse([]byte("a\tz: 1"), &m); err != nil || MetricName(m.Fields[0].Name) != "a_z" {
		t.Errorf("tab in a name: %v %v", err, m.Fields)
	}
}

// TestParseReusesBad checks a reused Message starts with no bad fields and
// reuses Bad's backing array.
func TestParseReusesBad(t *testing.T) {
	var m Message
	if err := Parse([]byte("x: 1, y: 1abc, z: 0,5"), &m); err != nil || len(m.Bad) != 2 {
		t.Fatalf("err %v, bad %v", err, m.Bad)
	}
	if err := Parse([]byte("x: 1"), &m); err != nil || len(m.Bad) != 0 || cap(m.Bad) < 2 {
		t.Errorf("err %v, bad %v (cap %d) after a good message", err, m.Bad, cap(m.Bad))
	}
	if err := Parse([]byte("hello"), &m); !errors.Is(err, ErrNoFields) || len(m.Bad) != 0 || len(m.Fields) != 0 {
		t.Errorf("err %v, fields %v, bad %v after free text", err, m.Fields, m.Bad)
	}
}

// TestBadFieldErrorsQuoteTheirField checks each BadField's error names the
// field it belongs to.
func TestBadFieldErrorsQuoteTheirField(t *testing.T) {
	var m Message
	line := "a: 1abc, b: 0,5, c: 2, d: e: f, (): 3"
	if err := Parse([]byte(line), &m); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`bad value "1abc" for "a": unknown unit`,
		`bad value "0,5" for "b": decimal comma (R's options(OutDec = ",")): send numbers with OutDec "."`,
		`bad value "e: f" for "d": messages glued together: end each message with a newline (writeLines) or start it with a timestamp ([Sys.time()])`,
		`bad name "()": name without a letter or digit`,
	}
	if len(m.Bad) != len(want) {
		t.Fatalf("bad %v", m.Bad)
	}
	for i, w := range want {
		if got := m.Bad[i].Err.Error(); got != w {
			t.Errorf("bad field %d: %s, want %s", i, got, w)
		}
	}
	if !strings.Contains(line, string(m.Bad[1].Text)) || string(m.Bad[1].Text) != "b: 0,5" {
		t.Errorf("Text = %q", m.Bad[1].Text)
	}
}

// TestLintCleanNames checks that words Prometheus' linter flags in metric
// names are rewritten: abbreviations after the first word are spelled out
// or joined, non-base and prefixed units lose their plural.
func TestLintCleanNames(t *testing.T) {
	tests := map[string]struct{ raw, want string }{
		"seconds abbreviation":    {"Time (s)", "time_secs"},
		"milliseconds":            {"elapsed ms", "elapsed_msecs"},
		"megabytes abbreviation":  {"Size (MB)", "size_mbytes"},
		"ambiguous letter joins":  {"a b c", "ab_c"},
		"ambiguous letter at end": {"Cohen d", "cohend"},
		"first word is kept":      {"s", "s"},
		"first word ms is kept":   {"ms total", "ms_total"},
		"non-base unit":           {"Runtime hours", "runtime_hour"},
		"non-base unit first":     {"minutes", "minute"},
		"prefixed unit":           {"Size kilobytes", "size_kilobyte"},
		"prefixed base unit":      {"wait milliseconds", "wait_millisecond"},
		"base unit kept":          {"wait seconds", "wait_seconds"},
		"fahrenheit":              {"Temp fahrenheit", "temp_degf"},
		"nothing to do":           {"Random Poisson", "random_poisson"},
		"digit prefix then unit":  {"2 s", "r_2_secs"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := MetricName([]byte(tc.raw)); got != tc.want {
				t.Errorf("MetricName(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}
