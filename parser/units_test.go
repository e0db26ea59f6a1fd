package parser

import (
	"errors"
	"maps"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// valueTest is one value and what parseValue must make of it. Fields left
// zero mean: kind ValueNumber, unit UnitNone, scale 1, no total, no state.
type valueTest struct {
	in     string
	kind   ValueKind
	value  float64
	unit   Unit
	scale  float64
	total  float64
	state  string
	err    error
	reason string // when set, the error's text
}

// The exact doubles below are the float64 nearest to the number as written
// times the unit's factor, computed with exact rationals (Python's
// fractions) independently of the code under test.
const (
	// tieKb is (1 + 2^-53) / 1024: in Kb it is exactly halfway between 1
	// and the next double, so it rounds to even (1).
	tieKb = "0.000976562500000000108420217248550443400745280086994171142578125"
)

var (
	sec, byt, ratio = UnitSeconds, UnitBytes, UnitRatio
	long65          = strings.Repeat("a", 65)
	long64          = strings.Repeat("a", 64)
)

var valueTests = map[string]valueTest{
	// Durations, every spelling.
	"ns":                    {in: "5 ns", value: 5e-9, unit: sec, scale: 1e-9},
	"us":                    {in: "250us", value: 0.00025, unit: sec, scale: 1e-6},
	"us spaced":             {in: "250 us", value: 0.00025, unit: sec, scale: 1e-6},
	"micro sign":            {in: "250 \u00b5s", value: 0.00025, unit: sec, scale: 1e-6},
	"greek mu":              {in: "250\u03bcs", value: 0.00025, unit: sec, scale: 1e-6},
	"latin1 micro sign":     {in: "250 \xb5s", value: 0.00025, unit: sec, scale: 1e-6},
	"ms":                    {in: "12 ms", value: 0.012, unit: sec, scale: 1e-3},
	"ms glued":              {in: "12ms", value: 0.012, unit: sec, scale: 1e-3},
	"ms tab":                {in: "12\tms", value: 0.012, unit: sec, scale: 1e-3},
	"ms exponent":           {in: "1.5e3 ms", value: 1.5, unit: sec, scale: 1e-3},
	"s glued":               {in: "10s", value: 10, unit: sec},
	"sec":                   {in: "1 sec", value: 1, unit: sec},
	"secs":                  {in: "10 secs", value: 10, unit: sec},
	"second":                {in: "1 second", value: 1, unit: sec},
	"seconds":               {in: "2.5 seconds", value: 2.5, unit: sec},
	"min":                   {in: "2 min", value: 120, unit: sec, scale: 60},
	"mins":                  {in: "1.5 mins", value: 90, unit: sec, scale: 60},
	"minute":                {in: "1 minute", value: 60, unit: sec, scale: 60},
	"minutes":               {in: "5 minutes", value: 300, unit: sec, scale: 60},
	"tenth of a minute":     {in: "0.1 mins", value: 6, unit: sec, scale: 60},
	"odd minutes":           {in: "1.234567 mins", value: 74.07402, unit: sec, scale: 60},
	"h":                     {in: "2 h", value: 7200, unit: sec, scale: 3600},
	"hr":                    {in: "3 hr", value: 10800, unit: sec, scale: 3600},
	"hrs":                   {in: "3hrs", value: 10800, unit: sec, scale: 3600},
	"hour":                  {in: "1 hour", value: 3600, unit: sec, scale: 3600},
	"hours":                 {in: "3 hours", value: 10800, unit: sec, scale: 3600},
	"0.7 hours":             {in: "0.7 hours", value: 2520, unit: sec, scale: 3600},
	"negative hours":        {in: "-2 h", value: -7200, unit: sec, scale: 3600},
	"d":                     {in: "1d", value: 86400, unit: sec, scale: 86400},
	"day":                   {in: "1 day", value: 86400, unit: sec, scale: 86400},
	"days":                  {in: "2 days", value: 172800, unit: sec, scale: 86400},
	"w":                     {in: "1 w", value: 604800, unit: sec, scale: 604800},
	"week":                  {in: "1 week", value: 604800, unit: sec, scale: 604800},
	"weeks":                 {in: "2 weeks", value: 1209600, unit: sec, scale: 604800},
	"15 digits of weeks":    {in: "1.23456789012345 weeks", value: 746666.6599466626, unit: sec, scale: 604800},
	"21 digits of ms":       {in: "123456789012345678901 ms", value: 1.2345678901234568e+17, unit: sec, scale: 1e-3},
	"25 digits of hours":    {in: "0.1234567890123456789012345 h", value: 444.44444044444447, unit: sec, scale: 3600},
	"negative zero ms":      {in: "-0 ms", value: math.Copysign(0, -1), unit: sec, scale: 1e-3},
	"R's max float in s":    {in: "1.79769313486232e+308 secs", value: math.MaxFloat64, unit: sec},
	"R's max float in ms":   {in: "1.79769313486232e+308 ms", value: 1.79769313486232e+305, unit: sec, scale: 1e-3},
	"beyond float64 in ns":  {in: "1e309 ns", value: 1e300, unit: sec, scale: 1e-9},
	"underflow in h":        {in: "1e-400 h", value: 0, unit: sec, scale: 3600},
	"R's max float in mins": {in: "1.79769313486232e+308 mins", err: ErrBadValue},
	"overflow in ms":        {in: "1e999 ms", err: ErrBadValue},
	"overflow in weeks":     {in: "1e303 weeks", err: ErrBadValue},

	// R's print(difftime).
	"difftime secs":     {in: "Time difference of 3.2 secs", value: 3.2, unit: sec},
	"difftime mins":     {in: "Time difference of 1.5 mins", value: 90, unit: sec, scale: 60},
	"difftime hours":    {in: "Time difference of 2 hours", value: 7200, unit: sec, scale: 3600},
	"difftime days":     {in: "Time difference of 1.25 days", value: 108000, unit: sec, scale: 86400},
	"difftime weeks":    {in: "Time difference of 1 weeks", value: 604800, unit: sec, scale: 604800},
	"difftime negative": {in: "Time difference of -3 secs", value: -3, unit: sec},
	"difftime NA":       {in: "Time difference of NA secs", kind: ValueMissing, unit: sec},
	"difftime Inf":      {in: "Time difference of Inf secs", value: math.Inf(1), unit: sec},
	"difftime ms":       {in: "Time difference of 12 ms", value: 0.012, unit: sec, scale: 1e-3},
	"difftime spaces":   {in: "Time difference of  \t3 secs", value: 3, unit: sec},
	"difftime size":     {in: "Time difference of 3 KiB", err: ErrBadValue, reason: "not a time difference"},
	"difftime progress": {in: "Time difference of 3/4", err: ErrBadValue, reason: "not a time difference"},
	"difftime no unit":  {in: "Time difference of 3", err: ErrBadValue, reason: "not a time difference"},
	"difftime nothing":  {in: "Time difference of", err: ErrBadValue, reason: "not a time difference"},
	"difftime glued":    {in: "Time difference of3 secs", err: ErrBadValue, reason: "not a time difference"},
	"difftime parsecs":  {in: "Time difference of 3 parsecs", err: ErrBadValue, reason: "not a time difference"},
	"difftime lowercase": {in: "time difference of 3 secs", kind: ValueState,
		state: "time difference of 3 secs"},

	// Sizes: R's format(object.size(x), units = "auto") and the other standards.
	"bytes":           {in: "512 bytes", value: 512, unit: byt},
	"byte":            {in: "1 byte", value: 1, unit: byt},
	"B":               {in: "100 B", value: 100, unit: byt},
	"B glued":         {in: "100B", value: 100, unit: byt},
	"bytes printed":   {in: "1e+05 bytes", value: 1e5, unit: byt},
	"legacy Kb":       {in: "2.3 Kb", value: 2355.2, unit: byt, scale: 1024},
	"legacy Mb":       {in: "2.3 Mb", value: 2411724.8, unit: byt, scale: 1 << 20},
	"legacy Gb":       {in: "1.2 Gb", value: 1288490188.8, unit: byt, scale: 1 << 30},
	"legacy Tb":       {in: "1.5 Tb", value: 1649267441664, unit: byt, scale: 1 << 40},
	"legacy Pb":       {in: "1.1 Pb", value: 1238489897526886.5, unit: byt, scale: 1 << 50},
	"SI kB":           {in: "2.3 kB", value: 2300, unit: byt, scale: 1e3},
	"KB is SI":        {in: "2.3 KB", value: 2300, unit: byt, scale: 1e3},
	"SI MB":           {in: "2.3 MB", value: 2.3e6, unit: byt, scale: 1e6},
	"SI GB":           {in: "1.2 GB", value: 1.2e9, unit: byt, scale: 1e9},
	"SI TB":           {in: "1.5 TB", value: 1.5e12, unit: byt, scale: 1e12},
	"SI PB":           {in: "1.5 PB", value: 1.5e15, unit: byt, scale: 1e15},
	"IEC KiB":         {in: "1 KiB", value: 1024, unit: byt, scale: 1024},
	"IEC MiB":         {in: "1.5 MiB", value: 1572864, unit: byt, scale: 1 << 20},
	"IEC GiB":         {in: "2 GiB", value: 2147483648, unit: byt, scale: 1 << 30},
	"IEC TiB":         {in: "1 TiB", value: 1 << 40, unit: byt, scale: 1 << 40},
	"IEC PiB":         {in: "1.5 PiB", value: 1688849860263936, unit: byt, scale: 1 << 50},
	"2^53+1 Kb":       {in: "9007199254740993 Kb", value: 9.223372036854776e+18, unit: byt, scale: 1024},
	"subnormal KiB":   {in: "4.9e-324 KiB", value: 5.02e-321, unit: byt, scale: 1024},
	"tie to even":     {in: tieKb + " Kb", value: 1, unit: byt, scale: 1024},
	"sticky tail":     {in: tieKb + strings.Repeat("0", 900) + "1 Kb", value: 1.0000000000000002, unit: byt, scale: 1024},
	"carry from tail": {in: "0." + strings.Repeat("9", 1000) + " mins", value: 60, unit: sec, scale: 60},
	"lowercase mb":    {in: "2 mb", err: ErrBadValue, reason: "unknown unit"},
	"lowercase kb":    {in: "2 kb", err: ErrBadValue, reason: "unknown unit"},
	"Bytes":           {in: "12 Bytes", err: ErrBadValue, reason: "unknown unit"},
	"bit b":           {in: "12 b", err: ErrBadValue, reason: "unknown unit"},
	"exabytes":        {in: "1 EB", err: ErrBadValue, reason: "unknown unit"},

	// Percentages.
	"percent":          {in: "45%", value: 0.45, unit: ratio, scale: 0.01},
	"percent spaced":   {in: "45 %", value: 0.45, unit: ratio, scale: 0.01},
	"percent decimal":  {in: "12.5%", value: 0.125, unit: ratio, scale: 0.01},
	"percent whole":    {in: "100%", value: 1, unit: ratio, scale: 0.01},
	"percent negative": {in: "-3%", value: -0.03, unit: ratio, scale: 0.01},
	"percent huge":     {in: "1.7e308 %", value: 1.7e306, unit: ratio, scale: 0.01},
	"double percent":   {in: "45%%", err: ErrBadValue},
	"percent first":    {in: "%45", err: ErrBadValue},

	// R's special values with a unit.
	"NA secs":  {in: "NA secs", kind: ValueMissing, unit: sec},
	"NA%":      {in: "NA%", kind: ValueMissing, unit: ratio, scale: 0.01},
	"NA Mb":    {in: "NA Mb", kind: ValueMissing, unit: byt, scale: 1 << 20},
	"NAs":      {in: "NAs", kind: ValueMissing, unit: sec},
	"NaN ms":   {in: "NaN ms", value: math.NaN(), unit: sec, scale: 1e-3},
	"Inf secs": {in: "Inf secs", value: math.Inf(1), unit: sec},
	"-Inf ms":  {in: "-Inf ms", value: math.Inf(-1), unit: sec, scale: 1e-3},
	"+Inf KiB": {in: "+Inf KiB", value: math.Inf(1), unit: byt, scale: 1024},
	"Inf%":     {in: "Inf%", value: math.Inf(1), unit: ratio, scale: 0.01},
	"TRUE sec": {in: "TRUE secs", kind: ValueState, state: "TRUE secs"},

	// Progress.
	"progress slash":          {in: "45/100", kind: ValueProgress, value: 45, total: 100},
	"progress spaced slash":   {in: "45 / 100", kind: ValueProgress, value: 45, total: 100},
	"progress space before":   {in: "45 /100", kind: ValueProgress, value: 45, total: 100},
	"progress space after":    {in: "45/\t100", kind: ValueProgress, value: 45, total: 100},
	"progress of":             {in: "45 of 100", kind: ValueProgress, value: 45, total: 100},
	"progress of tabs":        {in: "45\tof  100", kind: ValueProgress, value: 45, total: 100},
	"progress zero":           {in: "0 of 0", kind: ValueProgress},
	"progress decimals":       {in: "1.5/3", kind: ValueProgress, value: 1.5, total: 3},
	"progress scientific":     {in: "1e+05/2e+05", kind: ValueProgress, value: 1e5, total: 2e5},
	"progress negative":       {in: "-1/5", kind: ValueProgress, value: -1, total: 5},
	"progress Inf total":      {in: "3/Inf", kind: ValueProgress, value: 3, total: math.Inf(1)},
	"progress NaN":            {in: "NaN of 3", kind: ValueProgress, value: math.NaN(), total: 3},
	"progress NA done":        {in: "NA/100", kind: ValueMissing},
	"progress NA total":       {in: "45/NA", kind: ValueMissing},
	"progress NA of":          {in: "NA of 10", kind: ValueMissing},
	"progress no total":       {in: "45/", err: ErrBadValue},
	"progress no done":        {in: "/100", err: ErrBadValue},
	"progress double slash":   {in: "45//100", err: ErrBadValue},
	"progress three parts":    {in: "45/100/200", err: ErrBadValue},
	"progress with unit":      {in: "45/100 ms", err: ErrBadValue},
	"progress of glued":       {in: "45of100", err: ErrBadValue},
	"progress of glued right": {in: "45 of100", err: ErrBadValue},
	"progress of glued left":  {in: "45of 100", err: ErrBadValue},
	"progress of nothing":     {in: "45 of", err: ErrBadValue},
	"progress out of":         {in: "45 out of 100", err: ErrBadValue},
	"progress percent":        {in: "45/100%", err: ErrBadValue},
	"progress overflow":       {in: "1e999/2", err: ErrBadValue},
	"progress TRUE":           {in: "1/TRUE", err: ErrBadValue},

	// States.
	"state":                 {in: "fitting model", kind: ValueState, state: "fitting model"},
	"state word":            {in: "idle", kind: ValueState, state: "idle"},
	"state name characters": {in: "v1.2-beta_3/x", kind: ValueState, state: "v1.2-beta_3/x"},
	"state with numbers":    {in: "Epoch 3/10", kind: ValueState, state: "Epoch 3/10"},
	"state double space":    {in: "a  b", kind: ValueState, state: "a  b"},
	"state utf8":            {in: "état", kind: ValueState, state: "état"},
	"state latin1":          {in: "\xe9tat", kind: ValueState, state: "\xe9tat"},
	"state cjk":             {in: "温度上升", kind: ValueState, state: "温度上升"},
	"state T":               {in: "T", kind: ValueState, state: "T"},
	"state unit alone":      {in: "ms", kind: ValueState, state: "ms"},
	"state e5":              {in: "e5", kind: ValueState, state: "e5"},
	"state NAME":            {in: "NAME", kind: ValueState, state: "NAME"},
	"state NA prefix":       {in: "NA values", kind: ValueState, state: "NA values"},
	"state Inf prefix":      {in: "Inf loop", kind: ValueState, state: "Inf loop"},
	"state NaN prefix":      {in: "NaN detected", kind: ValueState, state: "NaN detected"},
	"state NA of words":     {in: "NA of them", kind: ValueState, state: "NA of them"},
	"state TRUE prefix":     {in: "TRUE positive", kind: ValueState, state: "TRUE positive"},
	"state Infinite":        {in: "Infinite", kind: ValueState, state: "Infinite"},
	"state 64 bytes":        {in: long64, kind: ValueState, state: long64},
	"state 65 bytes":        {in: long65, err: ErrBadValue, reason: "state longer than 64 bytes"},
	"state quote":           {in: `say "hi"`, err: ErrBadValue, reason: "invalid character in state"},
	"state tab":             {in: "a\tb", err: ErrBadValue, reason: "invalid character in state"},
	"state equals":          {in: "a=b", err: ErrBadValue, reason: "invalid character in state"},
	"state colon":           {in: "a:b", err: ErrBadValue, reason: "invalid character in state"},
	"state braces":          {in: "a{b}", err: ErrBadValue, reason: "invalid character in state"},
	"state control":         {in: "a\x01", err: ErrBadValue, reason: "invalid character in state"},
	"state percent":         {in: "NA %%", err: ErrBadValue, reason: "invalid character in state"},

	// Case variants of R's constants are typos, not states.
	"inf":      {in: "inf", err: ErrBadValue, reason: "not a number (R writes NA, NaN, Inf, TRUE, FALSE)"},
	"INF":      {in: "INF", err: ErrBadValue},
	"nan":      {in: "nan", err: ErrBadValue},
	"Nan":      {in: "Nan", err: ErrBadValue},
	"NAN":      {in: "NAN", err: ErrBadValue},
	"na":       {in: "na", err: ErrBadValue},
	"Na":       {in: "Na", err: ErrBadValue},
	"true":     {in: "true", err: ErrBadValue},
	"True":     {in: "True", err: ErrBadValue},
	"false":    {in: "false", err: ErrBadValue},
	"infinity": {in: "infinity", err: ErrBadValue},
	"Infinity": {in: "Infinity", err: ErrBadValue},
	"INFINITY": {in: "INFINITY", err: ErrBadValue},
	"-inf":     {in: "-inf", err: ErrBadValue},
	"+nan":     {in: "+nan", err: ErrBadValue},

	// Rejections.
	"m is not minutes":   {in: "12 m", err: ErrBadValue, reason: "unknown unit"},
	"M":                  {in: "12 M", err: ErrBadValue, reason: "unknown unit"},
	"parsecs":            {in: "12 parsecs", err: ErrBadValue, reason: "unknown unit"},
	"trailing letters":   {in: "12abc", err: ErrBadValue, reason: "unknown unit"},
	"ordinal":            {in: "3rd", err: ErrBadValue, reason: "unknown unit"},
	"hex":                {in: "0x10", err: ErrBadValue, reason: "not a number"},
	"underscore":         {in: "1_000", err: ErrBadValue, reason: "not a number"},
	"two dots":           {in: "1.2.3", err: ErrBadValue, reason: "not a number"},
	"unit twice":         {in: "12 ms ms", err: ErrBadValue},
	"unit and words":     {in: "12 ms elapsed", err: ErrBadValue},
	"dangling exponent":  {in: "12e ms", err: ErrBadValue},
	"unit then number":   {in: "ms 12", kind: ValueState, state: "ms 12"},
	"sign space":         {in: "- 12 ms", err: ErrBadValue},
	"lone dot unit":      {in: ". ms", err: ErrBadValue},
	"dot path":           {in: "./run", err: ErrBadValue},
	"quote":              {in: `"fitting"`, err: ErrBadValue},
	"parenthesis":        {in: "(1)", err: ErrBadValue},
	"date":               {in: "2026/11/25", err: ErrBadValue},
	"version":            {in: "1.2.3-beta", err: ErrBadValue},
	"comma decimal unit": {in: "0,5 ms", err: ErrBadValue}, // only reachable through parseValue
}

func TestParseValueKinds(t *testing.T) {
	for name, tc := range valueTests {
		t.Run(name, func(t *testing.T) {
			// Start from a field full of stale data: every part must be set.
			f := Field{Value: 99, Scale: 99, Total: 99, State: []byte("stale"), Missing: true, Kind: 77, Unit: 77}
			in := []byte(tc.in)
			err := parseValue(in, &f)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("parseValue(%q) error = %v, want %v", tc.in, err, tc.err)
				}
				if tc.reason != "" && err.Error() != tc.reason {
					t.Errorf("parseValue(%q) error = %q, want %q", tc.in, err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseValue(%q) error = %v", tc.in, err)
			}
			w := wantField{kind: tc.kind, value: tc.value, unit: tc.unit, scale: tc.scale, total: tc.total, state: tc.state}
			if d := fieldDiff(f, w); d != "" {
				t.Errorf("parseValue(%q): %s", tc.in, d)
			}
			if f.Kind == ValueState && !aliases(f.State, in) {
				t.Errorf("State does not alias the input")
			}
			// The reference agrees with the table.
			rf, known, rerr := refValue(tc.in)
			if !known || rerr != nil {
				t.Fatalf("refValue(%q) = known %v, %v", tc.in, known, rerr)
			}
			if d := fieldDiff(f, rf); d != "" {
				t.Errorf("refValue(%q) disagrees: %s", tc.in, d)
			}
		})
	}
}

// TestValueTestsErrorsAgreeWithReference checks the reference on the
// table's rejections too, so it is known to be right before it judges fuzz
// inputs.
func TestValueTestsErrorsAgreeWithReference(t *testing.T) {
	for name, tc := range valueTests {
		if tc.err == nil || strings.ContainsAny(tc.in, ",;") {
			continue
		}
		if _, known, err := refValue(tc.in); !known || !errors.Is(err, tc.err) {
			t.Errorf("%s: refValue(%q) = known %v, %v; want %v", name, tc.in, known, err, tc.err)
		}
	}
}

func TestUnitSuffix(t *testing.T) {
	for u, want := range map[Unit]string{UnitNone: "", UnitSeconds: "seconds", UnitBytes: "bytes", UnitRatio: "ratio", 42: ""} {
		if got := u.Suffix(); got != want {
			t.Errorf("Unit(%d).Suffix() = %q, want %q", u, got, want)
		}
	}
	for k, want := range map[ValueKind]string{ValueNumber: "number", ValueMissing: "missing", ValueProgress: "progress", ValueState: "state", 9: "ValueKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("ValueKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

// refUnits is the unit table, written out again: the spelling, the base
// unit and the exact factor to it.
var refUnits = map[string]struct {
	unit   Unit
	factor string
}{
	"ns": {UnitSeconds, "1e-9"}, "us": {UnitSeconds, "1e-6"}, "µs": {UnitSeconds, "1e-6"},
	"μs": {UnitSeconds, "1e-6"}, "\xb5s": {UnitSeconds, "1e-6"}, "ms": {UnitSeconds, "1e-3"},
	"s": {UnitSeconds, "1"}, "sec": {UnitSeconds, "1"}, "secs": {UnitSeconds, "1"},
	"second": {UnitSeconds, "1"}, "seconds": {UnitSeconds, "1"},
	"min": {UnitSeconds, "60"}, "mins": {UnitSeconds, "60"}, "minute": {UnitSeconds, "60"}, "minutes": {UnitSeconds, "60"},
	"h": {UnitSeconds, "3600"}, "hr": {UnitSeconds, "3600"}, "hrs": {UnitSeconds, "3600"},
	"hour": {UnitSeconds, "3600"}, "hours": {UnitSeconds, "3600"},
	"d": {UnitSeconds, "86400"}, "day": {UnitSeconds, "86400"}, "days": {UnitSeconds, "86400"},
	"w": {UnitSeconds, "604800"}, "week": {UnitSeconds, "604800"}, "weeks": {UnitSeconds, "604800"},
	"B": {UnitBytes, "1"}, "byte": {UnitBytes, "1"}, "bytes": {UnitBytes, "1"},
	"Kb": {UnitBytes, "1024"}, "Mb": {UnitBytes, "1048576"}, "Gb": {UnitBytes, "1073741824"},
	"Tb": {UnitBytes, "1099511627776"}, "Pb": {UnitBytes, "1125899906842624"},
	"KiB": {UnitBytes, "1024"}, "MiB": {UnitBytes, "1048576"}, "GiB": {UnitBytes, "1073741824"},
	"TiB": {UnitBytes, "1099511627776"}, "PiB": {UnitBytes, "1125899906842624"},
	"kB": {UnitBytes, "1e3"}, "KB": {UnitBytes, "1e3"}, "MB": {UnitBytes, "1e6"},
	"GB": {UnitBytes, "1e9"}, "TB": {UnitBytes, "1e12"}, "PB": {UnitBytes, "1e15"},
	"%": {UnitRatio, "1e-2"},
}

// refNumRE is a number as R prints it, including its special values.
var refNumRE = regexp.MustCompile(`^(?:[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NA|NaN|[+-]?Inf)$`)

// refValue is the fuzz reference for one trimmed value: the grammar of the
// package documentation, written the naive way. known is false when a
// number is too unwieldy for math/big.
func refValue(v string) (f wantField, known bool, err error) {
	switch v {
	case "":
		return f, true, ErrEmptyValue
	case "NA":
		f.missing = true
		return f, true, nil
	case "TRUE":
		f.value = 1
		return f, true, nil
	case "FALSE":
		return f, true, nil
	}
	switch v {
	case "NaN":
		f.value = math.NaN()
		return f, true, nil
	case "Inf", "+Inf":
		f.value = math.Inf(1)
		return f, true, nil
	case "-Inf":
		f.value = math.Inf(-1)
		return f, true, nil
	}
	if numberSyntax.MatchString(v) {
		x, ok, known := refNumber(v)
		if !known || !ok {
			return f, known, ErrBadValue
		}
		f.value = x
		return f, true, nil
	}
	if rest, ok := strings.CutPrefix(v, "Time difference of"); ok {
		if rest == "" || rest[0] != ' ' && rest[0] != '\t' {
			return f, true, ErrBadValue
		}
		f, known, err = refQuantity(strings.TrimLeft(rest, " \t"))
		if known && err == nil && f.unit != UnitSeconds {
			err = ErrBadValue
		}
		return f, known, err
	}

	// Progress: two numbers around '/' or " of ".
	done, total, ok := strings.Cut(v, "/")
	if w := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' }); !ok && len(w) == 3 && w[1] == "of" {
		done, total, ok = w[0], w[2], true
	}
	done, total = strings.Trim(done, " \t"), strings.Trim(total, " \t")
	if ok && refNumRE.MatchString(done) && refNumRE.MatchString(total) {
		d, dmiss, dok, dknown := refNumToken(done, big.NewRat(1, 1))
		t, tmiss, tok, tknown := refNumToken(total, big.NewRat(1, 1))
		switch {
		case !dknown || !tknown:
			return f, false, nil
		case !dok || !tok:
			return f, true, ErrBadValue
		case dmiss || tmiss:
			f.missing = true
		default:
			f.kind, f.value, f.total = ValueProgress, d, t
		}
		return f, true, nil
	}

	if f, known, err := refQuantity(v); err == nil || !known {
		return f, known, err
	}

	if c := v[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80) {
		return f, true, ErrBadValue
	}
	for _, typo := range []string{"na", "nan", "inf", "infinity", "true", "false"} {
		if strings.EqualFold(v, typo) {
			return f, true, ErrBadValue
		}
	}
	if len(v) > 64 {
		return f, true, ErrBadValue
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 || strings.IndexByte(" _./-", c) >= 0) {
			return f, true, ErrBadValue
		}
	}
	f.kind, f.state = ValueState, v
	return f, true, nil
}

// refQuantity reads a number followed by a unit, trying every unit the
// value ends with.
func refQuantity(v string) (f wantField, known bool, err error) {
	for spelling, u := range refUnits {
		num, ok := strings.CutSuffix(v, spelling)
		num = strings.TrimRight(num, " \t")
		if !ok || !refNumRE.MatchString(num) {
			continue
		}
		factor, _ := new(big.Rat).SetString(u.factor)
		f.unit = u.unit
		f.scale, _ = factor.Float64()
		x, missing, ok, known := refNumToken(num, factor)
		if !known || !ok {
			return f, known, ErrBadValue
		}
		f.value, f.missing = x, missing
		return f, true, nil
	}
	return f, true, ErrBadValue
}

// refNumToken reads one number (refNumRE) times factor.
func refNumToken(s string, factor *big.Rat) (v float64, missing, ok, known bool) {
	switch s {
	case "NA":
		return 0, true, true, true
	case "NaN":
		return math.NaN(), false, true, true
	case "Inf", "+Inf":
		return math.Inf(1), false, true, true
	case "-Inf":
		return math.Inf(-1), false, true, true
	}
	v, ok, known = refScaled(s, factor)
	return v, false, ok, known
}

// refScaled is the exact reference for a number in R's syntax times a
// factor: the double nearest to the product; a product between the largest
// double and R's printing of it, 1.79769313486232e308, is the largest
// double, and a larger one is rejected. known is false when the number is
// too unwieldy for math/big.
func refScaled(s string, factor *big.Rat) (v float64, ok, known bool) {
	neg := s[0] == '-'
	abs := strings.TrimLeft(s, "+-")
	if len(abs) > 2000 {
		return 0, false, false
	}
	if e := strings.IndexAny(abs, "eE"); e >= 0 {
		if n, err := strconv.Atoi(abs[e+1:]); err != nil || n > 2000 || n < -2000 {
			return 0, false, false
		}
	}
	r, rok := new(big.Rat).SetString(abs)
	if !rok {
		panic("big.Rat rejects " + s)
	}
	r.Mul(r, factor)
	if r.Cmp(printedMax) > 0 {
		return 0, false, true
	}
	v, _ = r.Float64()
	if math.IsInf(v, 1) {
		v = math.MaxFloat64
	}
	if neg {
		v = -v
	}
	return v, true, true
}

// unitSpellings lists the units in a fixed order for the random tests.
var unitSpellings = slices.Sorted(maps.Keys(refUnits))

// checkScaled fails when parseScaled and the exact reference disagree on
// the number s in unit u.
func checkScaled(t *testing.T, s, unit string) {
	t.Helper()
	if !numberSyntax.MatchString(s) {
		return
	}
	d, _ := lookupUnit([]byte(unit))
	factor, _ := new(big.Rat).SetString(refUnits[unit].factor)
	want, wantOK, known := refScaled(s, factor)
	if !known {
		return
	}
	got, ok := parseScaled([]byte(s), d.mul, int(d.shift))
	if ok != wantOK || ok && !sameFloat(got, want) {
		t.Fatalf("parseScaled(%q %s) = %v, %v; reference %v, %v", s, unit, got, ok, want, wantOK)
	}
}

// TestParseScaledAgreesWithBig compares unit conversions with exact
// rational arithmetic on numbers shaped like R's: up to 21 digits, a point
// anywhere, exponents around the fast path's limits, and all units.
func TestParseScaledAgreesWithBig(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "1", "0.1", "0.7", "1.5", "9007199254740993", "9007199254740992", "4.9e-324", "2.2250738585072014e-308",
		"1.7976931348623157e308", "1.79769313486232e308", "1.79769313486233e308", "1e309", "1e-400", "8191.99999", "8192",
		"123456789012345678901234567890", "0.000000000000000000000000000001234", tieKb,
	} {
		for _, u := range unitSpellings {
			checkScaled(t, s, u)
			checkScaled(t, "-"+s, u)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	var sb strings.Builder
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	for range n {
		sb.Reset()
		nd := 1 + r.IntN(21)
		point := r.IntN(nd + 2)
		for i := range nd {
			if i == point {
				sb.WriteByte('.')
			}
			sb.WriteByte(byte('0' + r.IntN(10)))
		}
		if r.IntN(2) == 0 {
			sb.WriteString("e")
			sb.WriteString(strconv.Itoa(r.IntN(100) - 50))
		}
		checkScaled(t, sb.String(), unitSpellings[r.IntN(len(unitSpellings))])
	}
}

// TestRefScaledMatchesRefNumber checks the two references against each
// other: with factor 1 they must agree.
func TestRefScaledMatchesRefNumber(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	one := big.NewRat(1, 1)
	for range 20_000 {
		s := strconv.FormatFloat(math.Float64frombits(r.Uint64()), 'g', 1+r.IntN(20), 64)
		if !numberSyntax.MatchString(s) {
			continue
		}
		a, aok, aknown := refScaled(s, one)
		b, bok, bknown := refNumber(s)
		if aknown && bknown && (aok != bok || aok && !sameFloat(a, b)) {
			t.Fatalf("%s: refScaled %v %v, refNumber %v %v", s, a, aok, b, bok)
		}
	}
}

func FuzzParseScaled(f *testing.F) {
	f.Add("1.5", uint8(0))
	f.Add("9007199254740993", uint8(7))
	f.Add("4.9e-324", uint8(20))
	f.Add("1.79769313486232e308", uint8(3))
	f.Add(tieKb+strings.Repeat("0", 900)+"1", uint8(9))
	f.Fuzz(func(t *testing.T, s string, u uint8) {
		checkScaled(t, s, unitSpellings[int(u)%len(unitSpellings)])
	})
}
