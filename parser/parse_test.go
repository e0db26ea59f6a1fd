package parser

import (
	"errors"
	"fmt"
	"math"
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

// wantBad is a BadField: name "" means a nil Name.
type wantBad struct {
	name, text string
	err        error
}

type parseTest struct {
	line   string
	ts     string // expected Timestamp; "" means nil
	fields []wantField
	bad    []wantBad // checked when fields or bad is set
	err    error     // what Parse returns
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
	"decimal comma":           {line: "x: 0,5", err: ErrDecimalComma, bad: []wantBad{{"x", "x: 0,5", ErrDecimalComma}}},
	"stray fragment first":    {line: "5, x: 1", fields: []wantField{{name: "x", value: 1}}, bad: []wantBad{{"", "5", ErrMissingColon}}},
	"empty value":             {line: "x:", err: ErrEmptyValue},
	"blank value":             {line: "x: \t ", err: ErrEmptyValue},
	"empty name":              {line: ": 5", err: ErrEmptyName},
	"blank name":              {line: "x: 1, \t: 5", fields: []wantField{{name: "x", value: 1}}, bad: []wantBad{{"", ": 5", ErrEmptyName}}},
	"label syntax in name":    {line: `a{b="c"}: 1`, fields: []wantField{{name: `a{b="c"}`, value: 1}}},
	"control char in name":    {line: "a\x01b: 1", err: ErrBadName},
	"DEL in name":             {line: "a\x7fb: 1", err: ErrBadName},
	"tab inside name":         {line: "a\tb: 1", fields: []wantField{{name: "a\tb", value: 1}}},
	"equals in name":          {line: "a=b: 1", fields: []wantField{{name: "a=b", value: 1}}},
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
	"bad value after good":    {line: "x: 1, y: 1abc", fields: []wantField{{name: "x", value: 1}}, bad: []wantBad{{"y", "y: 1abc", ErrBadValue}}},
	"bad state after good":    {line: "x: 1, y: a=b", fields: []wantField{{name: "x", value: 1}}, bad: []wantBad{{"y", "y: a=b", ErrBadValue}}},
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
	"257 fields":       {line: manyFields(257), fields: manyWant(256), bad: []wantBad{{"", "f256: 256", ErrTooManyFields}}},
	"300 fields":       {line: manyFields(300), fields: manyWant(256), bad: []wantBad{{"", manyFields(300)[len(manyFields(256))+2:], ErrTooManyFields}}},
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
			checkParse(t, tc)
		})
	}
}

// checkParse runs Parse on tc.line and compares the outcome with tc.
func checkParse(t *testing.T, tc parseTest) {
	t.Helper()
	var m Message
	b := []byte(tc.line)
	err := Parse(b, &m)
	checkContract(t, b, &m, err)
	if tc.err != nil {
		if !errors.Is(err, tc.err) {
			t.Fatalf("Parse(%q) error = %v, want %v", tc.line, err, tc.err)
		}
	} else if err != nil {
		t.Fatalf("Parse(%q) error = %v", tc.line, err)
	}
	if tc.err != nil && tc.bad == nil {
		return
	}
	if len(m.Bad) != len(tc.bad) {
		t.Fatalf("Parse(%q): got %d bad fields, want %d: %v", tc.line, len(m.Bad), len(tc.bad), m.Bad)
	}
	for i, bf := range m.Bad {
		w := tc.bad[i]
		if string(bf.Name) != w.name || (bf.Name == nil) != (w.name == "") || string(bf.Text) != w.text || !errors.Is(bf.Err, w.err) {
			t.Errorf("bad field %d = {%q %q %v}, want {%q %q %v}", i, bf.Name, bf.Text, bf.Err, w.name, w.text, w.err)
		}
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
}

// sentinels are the errors Parse's errors wrap.
var sentinels = []error{
	ErrNoFields, ErrMissingColon, ErrDecimalComma, ErrGlued, ErrEmptyName, ErrBadName,
	ErrEmptyValue, ErrBadValue, ErrTooManyFields, ErrBadTimestamp,
}

// checkContract checks what Parse promises whatever the input: the error
// and every BadField.Err wrap exactly one sentinel and read as UTF-8, the
// error is nil exactly when fields parsed, and every slice aliases line.
func checkContract(t *testing.T, line []byte, m *Message, err error) {
	t.Helper()
	one := func(what string, e error) {
		t.Helper()
		n := 0
		for _, s := range sentinels {
			if errors.Is(e, s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("Parse(%q): %s %v wraps %d sentinels", line, what, e, n)
		}
		if !utf8.ValidString(e.Error()) {
			t.Errorf("Parse(%q): %s message is not UTF-8: %q", line, what, e.Error())
		}
	}
	if err != nil {
		one("error", err)
	}
	if m.Kind != KindValues {
		if len(m.Fields) != 0 || len(m.Bad) != 0 {
			t.Errorf("Parse(%q): kind %d with fields %v, bad %v", line, m.Kind, m.Fields, m.Bad)
		}
		return
	}
	switch {
	case len(m.Fields) > 0 && err != nil:
		t.Errorf("Parse(%q) = %v with %d fields", line, err, len(m.Fields))
	case len(m.Fields) == 0 && err == nil:
		t.Errorf("Parse(%q) = nil without fields", line)
	case err != nil && errors.Is(err, ErrNoFields) && len(m.Bad) != 0:
		t.Errorf("Parse(%q) = %v with bad fields %v", line, err, m.Bad)
	case err != nil && !errors.Is(err, ErrNoFields) && (len(m.Bad) == 0 || m.Bad[0].Err != err):
		t.Errorf("Parse(%q) = %v, not the first bad field's error (%v)", line, err, m.Bad)
	}
	if len(m.Fields)+len(m.Bad) > MaxFields+1 {
		t.Errorf("Parse(%q): %d fields and %d bad ones", line, len(m.Fields), len(m.Bad))
	}
	for i, bf := range m.Bad {
		one("bad field", bf.Err)
		if len(bf.Text) == 0 || !aliases(bf.Text, line) || bf.Name != nil && !aliases(bf.Name, bf.Text) {
			t.Errorf("Parse(%q): bad field %d {%q %q} does not alias the input", line, i, bf.Name, bf.Text)
		}
		if bf.Name != nil && len(bf.Name) == 0 {
			t.Errorf("Parse(%q): bad field %d has an empty, non-nil name", line, i)
		}
	}
	for i, f := range m.Fields {
		if !aliases(f.Name, line) {
			t.Errorf("Parse(%q): field %d name %q does not alias the input", line, i, f.Name)
		}
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
		"bad value":                {"x: 0x10", `bad value "0x10" for "x": not a number`},
		"unknown unit":             {"x: 12abc", `bad value "12abc" for "x": unknown unit`},
		"bad state":                {`x: say "hi"`, `bad value "say \"hi\"" for "x": invalid character in state`},
		"typo":                     {"x: inf", `bad value "inf" for "x": not a number (R writes NA, NaN, Inf, TRUE, FALSE)`},
		"difftime":                 {"x: Time difference of 3 parsecs", `bad value "Time difference of 3 parsecs" for "x": not a time difference`},
		"empty value":              {"x:", `bad value "" for "x": empty value`},
		"decimal comma":            {"x: 0,5", `bad value "0,5" for "x": decimal comma (R's options(OutDec = ",")): send numbers with OutDec "."`},
		"scientific decimal comma": {"x: 1,5e-04", `bad value "1,5e-04" for "x": decimal comma (R's options(OutDec = ",")): send numbers with OutDec "."`},
		"cut value":                {"state: fitting, then stopping", `bad value "fitting, then stopping" for "state": field without ':' (',' and ';' end a value)`},
		"list of numbers":          {"x: 0, 5", `bad value "0, 5" for "x": field without ':' (',' and ';' end a value)`},
		"stray fragment":           {"hello, world, x:", `bad field "hello, world": field without ':'`},
		"glued":                    {"status: runningphase: fit", `bad value "runningphase: fit" for "status": messages glued together: end each message with a newline (writeLines) or start it with a timestamp ([Sys.time()])`},
		"glued at end":             {"x: 1y:", `bad value "1y:" for "x": messages glued together: end each message with a newline (writeLines) or start it with a timestamp ([Sys.time()])`},
		"glued job":                {"job: fitx: 1", `bad job name "fitx: 1": messages glued together: end each message with a newline (writeLines) or start it with a timestamp ([Sys.time()])`},
		"colon in value":           {"time: 12:30", `bad value "12:30" for "time": not a number`},
		"unclosed bracket":         {"[2026-11-25 17:06:16 - x: 1", `bad name "[2026-11-25 17:06:16 - x": invalid character in name (the '[' of a timestamp needs its ']')`},
		"empty name":               {" : 5", `bad field ": 5": empty name`},
		"bad name":                 {`(): 1`, `bad name "()": name without a letter or digit`},
		"latin1 name":              {"Temp\xe9rature: -x", `bad value "-x" for "Température": not a number`},
		"control char":             {"a\x01: 1", `bad name "a\x01": invalid character in name`},
		"free text":                {"hello world", `bad message "hello world": no fields`},
		"blank":                    {"", `no fields`},
		"too many":                 {manyFields(300), `too many fields: more than 256 fields`},
		"long value":               {"x: " + strings.Repeat("9", 100) + "_", `bad value "` + strings.Repeat("9", 64) + `..." for "x": not a number`},
		"long latin1":              {strings.Repeat("\xe9", 100) + ": -z", `bad value "-z" for "` + strings.Repeat("é", 64) + `...": not a number`},
		"cut utf8":                 {"x: " + strings.Repeat("é", 40), `bad value "` + strings.Repeat("é", 32) + `..." for "x": state longer than 64 bytes`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tc.line), &m)
			if err == nil && len(m.Bad) > 0 {
				err = m.Bad[0].Err // "too many" applies the first fields
			}
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
		"coef":        coefLine,
		"big.mark":    "Rows: 1,234,567, t: 1,234.5 ms; n: -1,234, big: 1,234,567,890,123,456,789,012,345,678,901,234,567,890,123,456,789,012,345,678,901,234,567,890,123,456,789,012,345,678,901,234,567,890.5e-3 KiB",
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

// aliases reports whether sub lies within b.
func aliases(sub, b []byte) bool {
	if len(sub) == 0 || len(b) == 0 {
		return len(sub) == 0
	}
	p, lo, hi := uintptr(unsafe.Pointer(&sub[0])), uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[len(b)-1]))
	return p >= lo && p+uintptr(len(sub))-1 <= hi
}
