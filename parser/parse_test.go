package parser

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

type wantField struct {
	name    string
	value   float64
	missing bool      // implies kind ValueMissing
	kind    ValueKind // ValueNumber when zero, ValueMissing when missing
	unit    Unit
	scale   float64 // 0 means 1
	total   float64
	state   string
}

// fieldDiff describes how got differs from w, or returns "" when it does not.
func fieldDiff(got Field, w wantField) string {
	kind, scale := w.kind, w.scale
	if w.missing {
		kind = ValueMissing
	}
	if scale == 0 {
		scale = 1
	}
	ok := string(got.Name) == w.name && got.Kind == kind && got.Missing == (kind == ValueMissing) &&
		got.Unit == w.unit && sameFloat(got.Value, w.value) && sameFloat(got.Scale, scale) &&
		sameFloat(got.Total, w.total) && string(got.State) == w.state && (got.State != nil) == (kind == ValueState)
	if ok {
		return ""
	}
	return fmt.Sprintf("got {%q %v value=%v unit=%q scale=%v total=%v state=%q missing=%v}, want {%q %v value=%v unit=%q scale=%v total=%v state=%q}",
		got.Name, got.Kind, got.Value, got.Unit.Suffix(), got.Scale, got.Total, got.State, got.Missing,
		w.name, kind, w.value, w.unit.Suffix(), scale, w.total, w.state)
}

type parseTest struct {
	line   string
	ts     string // expected Timestamp; "" means nil
	fields []wantField
	err    error
}

const blogLine = "[2026-11-25 17:06:16] - Random Poisson: 11"

var parseTests = map[string]parseTest{
	"blog line": {
		line: blogLine, ts: "2026-11-25 17:06:16",
		fields: []wantField{{name: "Random Poisson", value: 11}},
	},
	"no timestamp":            {line: "Random Poisson: 11", fields: []wantField{{name: "Random Poisson", value: 11}}},
	"surrounding spaces":      {line: " \t x \t:\t 1 \t", fields: []wantField{{name: "x", value: 1}}},
	"several fields":          {line: "x: 1, y: 2; z: 3", fields: []wantField{{name: "x", value: 1}, {name: "y", value: 2}, {name: "z", value: 3}}},
	"trailing separator":      {line: "x: 1,", fields: []wantField{{name: "x", value: 1}}},
	"empty fragments":         {line: ";x: 1,, ;\t,y: 2;", fields: []wantField{{name: "x", value: 1}, {name: "y", value: 2}}},
	"integer":                 {line: "x: 11", fields: []wantField{{name: "x", value: 11}}},
	"negative integer":        {line: "x: -3", fields: []wantField{{name: "x", value: -3}}},
	"plus sign":               {line: "x: +7", fields: []wantField{{name: "x", value: 7}}},
	"decimal":                 {line: "x: 0.5", fields: []wantField{{name: "x", value: 0.5}}},
	"leading dot":             {line: "x: .5", fields: []wantField{{name: "x", value: 0.5}}},
	"trailing dot":            {line: "x: 5.", fields: []wantField{{name: "x", value: 5}}},
	"negative decimal":        {line: "x: -0.25", fields: []wantField{{name: "x", value: -0.25}}},
	"scientific plus":         {line: "x: 1e+05", fields: []wantField{{name: "x", value: 1e5}}},
	"scientific minus":        {line: "x: 1e-04", fields: []wantField{{name: "x", value: 1e-4}}},
	"scientific upper":        {line: "x: 1.5E10", fields: []wantField{{name: "x", value: 1.5e10}}},
	"scientific no sign":      {line: "x: 1e5", fields: []wantField{{name: "x", value: 1e5}}},
	"15 digits":               {line: "x: 123456789012345", fields: []wantField{{name: "x", value: 123456789012345}}},
	"R's max float":           {line: "x: 1.79769313486232e+308", fields: []wantField{{name: "x", value: math.MaxFloat64}}},
	"negative zero":           {line: "x: -0", fields: []wantField{{name: "x", value: math.Copysign(0, -1)}}},
	"Inf":                     {line: "x: Inf", fields: []wantField{{name: "x", value: math.Inf(1)}}},
	"-Inf":                    {line: "x: -Inf", fields: []wantField{{name: "x", value: math.Inf(-1)}}},
	"+Inf":                    {line: "x: +Inf", fields: []wantField{{name: "x", value: math.Inf(1)}}},
	"NaN":                     {line: "x: NaN", fields: []wantField{{name: "x", value: math.NaN()}}},
	"NA":                      {line: "x: NA", fields: []wantField{{name: "x", missing: true}}},
	"TRUE":                    {line: "x: TRUE", fields: []wantField{{name: "x", value: 1}}},
	"FALSE":                   {line: "x: FALSE", fields: []wantField{{name: "x", value: 0}}},
	"mixed specials":          {line: "a: NA; b: TRUE, c: -Inf", fields: []wantField{{name: "a", missing: true}, {name: "b", value: 1}, {name: "c", value: math.Inf(-1)}}},
	"name characters":         {line: "Loss/train.v2 - best_1: 3", fields: []wantField{{name: "Loss/train.v2 - best_1", value: 3}}},
	"latin1 name":             {line: "Temp\xe9rature: 21.5", fields: []wantField{{name: "Temp\xe9rature", value: 21.5}}},
	"utf8 name":               {line: "温度: 21.5", fields: []wantField{{name: "温度", value: 21.5}}},
	"timestamp with zone":     {line: "[2026-11-25 17:06:16.123456 CET] - x: 1", ts: "2026-11-25 17:06:16.123456 CET", fields: []wantField{{name: "x", value: 1}}},
	"bracket without dash":    {line: "[2026-11-25 17:06:16] x: 1", ts: "2026-11-25 17:06:16", fields: []wantField{{name: "x", value: 1}}},
	"dash glued to bracket":   {line: "[2026-11-25 17:06:16]- x: 1", ts: "2026-11-25 17:06:16", fields: []wantField{{name: "x", value: 1}}},
	"no space at all":         {line: "[ts]-x:1", ts: "ts", fields: []wantField{{name: "x", value: 1}}},
	"unparseable timestamp":   {line: "[yesterday] - x: 1", ts: "yesterday", fields: []wantField{{name: "x", value: 1}}},
	"timestamp spaces":        {line: "  [ 1764090547 ]  -  x: 1", ts: "1764090547", fields: []wantField{{name: "x", value: 1}}},
	"value with colon":        {line: "x: 1:2", err: ErrBadValue},
	"decimal comma":           {line: "x: 0,5", err: ErrMissingColon},
	"stray fragment first":    {line: "5, x: 1", err: ErrMissingColon},
	"empty value":             {line: "x:", err: ErrEmptyValue},
	"blank value":             {line: "x: \t ", err: ErrEmptyValue},
	"empty name":              {line: ": 5", err: ErrEmptyName},
	"blank name":              {line: "x: 1, \t: 5", err: ErrEmptyName},
	"label syntax in name":    {line: `a{b="c"}: 1`, err: ErrBadName},
	"control char in name":    {line: "a\x01b: 1", err: ErrBadName},
	"tab inside name":         {line: "a\tb: 1", err: ErrBadName},
	"equals in name":          {line: "a=b: 1", err: ErrBadName},
	"punctuation-only name":   {line: "--: 1", err: ErrBadName},
	"slash-only name":         {line: "/: 1", err: ErrBadName},
	"unclosed bracket":        {line: "[2026-11-25 17:06:16 - x: 1", err: ErrBadName},
	"unclosed bracket text":   {line: "[oops", err: ErrNoFields},
	"only timestamp":          {line: "[2026-11-25 17:06:16]", err: ErrNoFields},
	"only timestamp and dash": {line: "[2026-11-25 17:06:16] - ", err: ErrNoFields},
	"blank line":              {line: " \t ", err: ErrNoFields},
	"empty line":              {line: "", err: ErrNoFields},
	"only separators":         {line: ",;, ;", err: ErrNoFields},
	"free text":               {line: "hello world", err: ErrNoFields},
	"free text after ts":      {line: "[2026-11-25 17:06:16] - starting up", ts: "2026-11-25 17:06:16", err: ErrNoFields},
	"lowercase inf":           {line: "x: inf", err: ErrBadValue},
	"lowercase nan":           {line: "x: nan", err: ErrBadValue},
	"lowercase na":            {line: "x: na", err: ErrBadValue},
	"lowercase true":          {line: "x: true", err: ErrBadValue},
	"Infinity":                {line: "x: Infinity", err: ErrBadValue},
	"hex":                     {line: "x: 0x10", err: ErrBadValue},
	"underscore digits":       {line: "x: 1_000", err: ErrBadValue},
	"trailing letters":        {line: "x: 12abc", err: ErrBadValue},
	"exponent without digits": {line: "x: 1e", err: ErrBadValue},
	"exponent sign only":      {line: "x: 1e+", err: ErrBadValue},
	"lone dot":                {line: "x: .", err: ErrBadValue},
	"lone minus":              {line: "x: -", err: ErrBadValue},
	"two dots":                {line: "x: 1.2.3", err: ErrBadValue},
	"double sign":             {line: "x: --1", err: ErrBadValue},
	"inner space":             {line: "x: 1 2", err: ErrBadValue},
	"overflow":                {line: "x: 1e999", err: ErrBadValue},
	"bad value after good":    {line: "x: 1, y: 1abc", err: ErrBadValue},
	"bad state after good":    {line: "x: 1, y: a=b", err: ErrBadValue},
	"unit":                    {line: "[2026-11-25 17:06:16] - elapsed: 1.5 mins", ts: "2026-11-25 17:06:16", fields: []wantField{{name: "elapsed", value: 90, unit: UnitSeconds, scale: 60}}},
	"difftime":                {line: "fit: Time difference of 3.2 secs", fields: []wantField{{name: "fit", value: 3.2, unit: UnitSeconds}}},
	"object.size":             {line: "Memory: 2.3 Mb", fields: []wantField{{name: "Memory", value: 2411724.8, unit: UnitBytes, scale: 1 << 20}}},
	"percent":                 {line: "done: 45%", fields: []wantField{{name: "done", value: 0.45, unit: UnitRatio, scale: 0.01}}},
	"progress":                {line: "epoch: 3/10", fields: []wantField{{name: "epoch", kind: ValueProgress, value: 3, total: 10}}},
	"progress of":             {line: "Progress: 45 of 100", fields: []wantField{{name: "Progress", kind: ValueProgress, value: 45, total: 100}}},
	"state":                   {line: "[2026-11-25 17:06:16] - Status: fitting model", ts: "2026-11-25 17:06:16", fields: []wantField{{name: "Status", kind: ValueState, state: "fitting model"}}},
	"state spaces trimmed":    {line: "Status:  \tfitting model \t", fields: []wantField{{name: "Status", kind: ValueState, state: "fitting model"}}},
	"every kind": {
		line: "loss: 0.25, elapsed: 12 ms; size: 1 KiB, done: 45 %, epoch: 3 / 10, Status: fitting, x: NA, t: NA secs",
		fields: []wantField{
			{name: "loss", value: 0.25},
			{name: "elapsed", value: 0.012, unit: UnitSeconds, scale: 1e-3},
			{name: "size", value: 1024, unit: UnitBytes, scale: 1024},
			{name: "done", value: 0.45, unit: UnitRatio, scale: 0.01},
			{name: "epoch", kind: ValueProgress, value: 3, total: 10},
			{name: "Status", kind: ValueState, state: "fitting"},
			{name: "x", missing: true},
			{name: "t", missing: true, unit: UnitSeconds},
		},
	},
	"unknown unit":     {line: "x: 12 m", err: ErrBadValue},
	"state with quote": {line: `x: say "hi"`, err: ErrBadValue},
	"long state":       {line: "x: " + strings.Repeat("a", 65), err: ErrBadValue},
	"256 fields":       {line: manyFields(256), fields: manyWant(256)},
	"257 fields":       {line: manyFields(257), err: ErrTooManyFields},
}

func manyFields(n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("f" + strconv.Itoa(i) + ": " + strconv.Itoa(i))
	}
	return sb.String()
}

func manyWant(n int) []wantField {
	w := make([]wantField, n)
	for i := range w {
		w[i] = wantField{name: "f" + strconv.Itoa(i), value: float64(i)}
	}
	return w
}

// sameFloat reports whether a and b are the same float64, treating all NaNs
// as equal and telling -0 from +0.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func TestParse(t *testing.T) {
	for name, tc := range parseTests {
		t.Run(name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tc.line), &m)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Parse(%q) error = %v, want %v", tc.line, err, tc.err)
				}
				if !utf8.ValidString(err.Error()) {
					t.Errorf("error message is not UTF-8: %q", err.Error())
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tc.line, err)
			}
			if tc.ts == "" && m.Timestamp != nil {
				t.Errorf("Timestamp = %q, want nil", m.Timestamp)
			}
			if tc.ts != "" && string(m.Timestamp) != tc.ts {
				t.Errorf("Timestamp = %q, want %q", m.Timestamp, tc.ts)
			}
			if len(m.Fields) != len(tc.fields) {
				t.Fatalf("got %d fields, want %d: %+v", len(m.Fields), len(tc.fields), m.Fields)
			}
			for i, f := range m.Fields {
				if d := fieldDiff(f, tc.fields[i]); d != "" {
					t.Errorf("field %d: %s", i, d)
				}
			}
		})
	}
}

func TestParseEmptyBrackets(t *testing.T) {
	var m Message
	if err := Parse([]byte("[] x: 1"), &m); err != nil {
		t.Fatal(err)
	}
	if m.Timestamp == nil || len(m.Timestamp) != 0 {
		t.Errorf("Timestamp = %#v, want empty and non-nil", m.Timestamp)
	}
}

func TestParseReusesMessage(t *testing.T) {
	var m Message
	if err := Parse([]byte("[t] a: 1, b: 2, c: 3"), &m); err != nil {
		t.Fatal(err)
	}
	if err := Parse([]byte("d: 4"), &m); err != nil {
		t.Fatal(err)
	}
	if m.Timestamp != nil || len(m.Fields) != 1 || string(m.Fields[0].Name) != "d" {
		t.Errorf("stale data after reuse: %+v", m)
	}
}

func TestParseErrorMessages(t *testing.T) {
	tests := map[string]struct {
		line, want string
	}{
		"bad value":     {"x: 0x10", `bad value "0x10" for "x": not a number`},
		"unknown unit":  {"x: 12abc", `bad value "12abc" for "x": unknown unit`},
		"bad state":     {`x: say "hi"`, `bad value "say \"hi\"" for "x": invalid character in state`},
		"typo":          {"x: inf", `bad value "inf" for "x": not a number (R writes NA, NaN, Inf, TRUE, FALSE)`},
		"difftime":      {"x: Time difference of 3 parsecs", `bad value "Time difference of 3 parsecs" for "x": not a time difference`},
		"empty value":   {"x:", `bad value "" for "x": empty value`},
		"missing colon": {"x: 0,5", `bad field "5": field without ':'`},
		"empty name":    {" : 5", `bad field ": 5": empty name`},
		"bad name":      {`a{b="c"}: 1`, `bad name "a{b=\"c\"}": invalid character in name`},
		"latin1 name":   {"Temp\xe9rature: -x", `bad value "-x" for "Température": not a number`},
		"control char":  {"a\x01: 1", `bad name "a\x01": invalid character in name`},
		"free text":     {"hello world", `bad message "hello world": no fields`},
		"blank":         {"", `no fields`},
		"too many":      {manyFields(300), `too many fields: more than 256 fields`},
		"long value":    {"x: " + strings.Repeat("9", 100) + "_", `bad value "` + strings.Repeat("9", 64) + `..." for "x": not a number`},
		"long latin1":   {strings.Repeat("\xe9", 100) + ": -z", `bad value "-z" for "` + strings.Repeat("é", 64) + `...": not a number`},
		"cut utf8":      {"x: " + strings.Repeat("é", 40), `bad value "` + strings.Repeat("é", 32) + `..." for "x": state longer than 64 bytes`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tc.line), &m)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tc.line)
			}
			if err.Error() != tc.want {
				t.Errorf("error = %s, want %s", err, tc.want)
			}
		})
	}
}

func TestParseZeroAlloc(t *testing.T) {
	lines := map[string]string{
		"blog":        blogLine,
		"multi field": multiFieldLine,
		"scientific":  scientificLine,
		"units":       unitLine,
		"progress":    progressLine,
		"state":       stateLine,
		"slow units":  "a: 1.23456789012345 weeks, b: 123456789012345678901 ms, c: 4.9e-324 KiB, d: " + tieKb + strings.Repeat("0", 900) + "1 Kb",
		"the rest":    "a: Time difference of 3.2 secs, b: NA secs, c: -Inf ms, d: 45 of 100, e: NA/3, f: Inf loop, g: 温度上升",
	}
	for name, line := range lines {
		t.Run(name, func(t *testing.T) {
			b := []byte(line)
			var m Message
			if err := Parse(b, &m); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(1000, func() {
				if err := Parse(b, &m); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("Parse(%q) allocates %v times per call, want 0", line, allocs)
			}
		})
	}
}

var fieldSeparator = regexp.MustCompile("[,;]")

// refParse is a deliberately naive implementation of the grammar, built from
// strings functions and a regexp, that FuzzParse compares Parse against.
//
// known is false when a value holds a number too unwieldy for math/big (an
// exponent beyond ±2000 or more than 2000 digits): the caller then cannot
// compare.
func refParse(line string) (ts *string, fields []wantField, known bool, err error) {
	s := strings.TrimLeft(line, " \t")
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j >= 0 {
			t := strings.Trim(s[1:j], " \t")
			ts = &t
			s = strings.TrimLeft(s[j+1:], " \t")
			s = strings.TrimPrefix(s, "-")
		}
	}
	all := s
	for _, frag := range fieldSeparator.Split(s, -1) {
		frag = strings.Trim(frag, " \t")
		if frag == "" {
			continue
		}
		name, value, ok := strings.Cut(frag, ":")
		if !ok {
			if strings.Contains(all, ":") {
				return nil, nil, true, ErrMissingColon
			}
			return nil, nil, true, ErrNoFields
		}
		name = strings.Trim(name, " \t")
		if name == "" {
			return nil, nil, true, ErrEmptyName
		}
		significant := false
		for i := 0; i < len(name); i++ {
			c := name[i]
			alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
			if !alnum && !strings.ContainsRune(" _./-", rune(c)) {
				return nil, nil, true, ErrBadName
			}
			significant = significant || alnum
		}
		if !significant {
			return nil, nil, true, ErrBadName
		}
		f, vknown, verr := refValue(strings.Trim(value, " \t"))
		if !vknown {
			return nil, nil, false, nil
		}
		if verr != nil {
			return nil, nil, true, verr
		}
		f.name = name
		if len(fields) == MaxFields {
			return nil, nil, true, ErrTooManyFields
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		return nil, nil, true, ErrNoFields
	}
	return ts, fields, true, nil
}

// aliases reports whether sub lies within b.
func aliases(sub, b []byte) bool {
	if len(sub) == 0 || len(b) == 0 {
		return len(sub) == 0
	}
	p, lo, hi := uintptr(unsafe.Pointer(&sub[0])), uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[len(b)-1]))
	return p >= lo && p+uintptr(len(sub))-1 <= hi
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseTests {
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
	f.Fuzz(func(t *testing.T, line string) {
		var m Message
		b := []byte(line)
		err := Parse(b, &m)
		if ok, kind, job, cerr := refControl(line); ok {
			if !errors.Is(err, cerr) || err == nil && (m.Kind != kind || string(m.Job) != job || len(m.Fields) != 0) {
				t.Fatalf("Parse(%q) = kind %d job %q err %v; reference kind %d job %q err %v", line, m.Kind, m.Job, err, kind, job, cerr)
			}
			return
		}
		if err == nil && m.Kind != KindValues {
			t.Fatalf("Parse(%q) = kind %d, reference says values", line, m.Kind)
		}
		wantTS, want, known, wantErr := refParse(line)
		if !known {
			return // a number too unwieldy for the exact reference
		}
		if err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Errorf("error message is not UTF-8: %q", err.Error())
			}
			if wantErr == nil {
				t.Fatalf("Parse(%q) = %v, reference accepts it: %+v", line, err, want)
			}
			if !errors.Is(err, wantErr) {
				t.Fatalf("Parse(%q) = %v, reference says %v", line, err, wantErr)
			}
			return
		}
		if wantErr != nil {
			t.Fatalf("Parse(%q) succeeded, reference says %v", line, wantErr)
		}
		if (wantTS == nil) != (m.Timestamp == nil) || wantTS != nil && *wantTS != string(m.Timestamp) {
			t.Errorf("Timestamp = %q, reference %v", m.Timestamp, wantTS)
		}
		if len(m.Fields) == 0 || len(m.Fields) > MaxFields || len(m.Fields) != len(want) {
			t.Fatalf("got %d fields, reference %d", len(m.Fields), len(want))
		}
		for i, fl := range m.Fields {
			if len(fl.Name) == 0 || checkName(fl.Name) != nil {
				t.Errorf("accepted bad name %q", fl.Name)
			}
			if mn := MetricName(fl.Name); !metricNameRE.MatchString(mn) {
				t.Errorf("MetricName(%q) = %q", fl.Name, mn)
			}
			if d := fieldDiff(fl, want[i]); d != "" {
				t.Errorf("field %d: %s (reference)", i, d)
			}
			if fl.Kind == ValueState && !aliases(fl.State, b) {
				t.Errorf("field %d: State %q does not alias the input", i, fl.State)
			}
		}
	})
}
