package parser

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testLoc stands for the zone the R jobs run in.
var testLoc = time.FixedZone("CET", 3600)

var timestampTests = map[string]struct {
	in   string
	want time.Time
	err  bool
}{
	"R seconds":            {in: "2026-11-25 17:09:07", want: time.Date(2026, 11, 25, 17, 9, 7, 0, testLoc)},
	"R microseconds":       {in: "2026-11-25 17:09:07.123456", want: time.Date(2026, 11, 25, 17, 9, 7, 123456000, testLoc)},
	"R one fraction digit": {in: "2026-11-25 17:09:07.5", want: time.Date(2026, 11, 25, 17, 9, 7, 500000000, testLoc)},
	"nanoseconds":          {in: "2026-11-25 17:09:07.123456789", want: time.Date(2026, 11, 25, 17, 9, 7, 123456789, testLoc)},
	"zone UTC":             {in: "2026-11-25 17:09:07 UTC", want: time.Date(2026, 11, 25, 17, 9, 7, 0, time.UTC)},
	"zone GMT":             {in: "2026-11-25 17:09:07 GMT", want: time.Date(2026, 11, 25, 17, 9, 7, 0, time.UTC)},
	"zone name":            {in: "2026-11-25 17:09:07 CET", want: time.Date(2026, 11, 25, 17, 9, 7, 0, testLoc)},
	"zone EST read in loc": {in: "2026-11-25 17:09:07.25 EST", want: time.Date(2026, 11, 25, 17, 9, 7, 250000000, testLoc)},
	"zone IANA name":       {in: "2026-11-25 17:09:07 America/New_York", want: time.Date(2026, 11, 25, 17, 9, 7, 0, testLoc)},
	"fraction and zone":    {in: "2026-11-25 17:06:16.123456 UTC", want: time.Date(2026, 11, 25, 17, 6, 16, 123456000, time.UTC)},
	"offset hhmm":          {in: "2026-11-25 17:09:07 +0100", want: time.Date(2026, 11, 25, 17, 9, 7, 0, time.FixedZone("", 3600))},
	"offset hh:mm":         {in: "2026-11-25 17:09:07 -05:00", want: time.Date(2026, 11, 25, 17, 9, 7, 0, time.FixedZone("", -5*3600))},
	"offset hh":            {in: "2026-11-25 17:09:07 +01", want: time.Date(2026, 11, 25, 17, 9, 7, 0, time.FixedZone("", 3600))},
	"offset glued":         {in: "2026-11-25 17:09:07+05:30", want: time.Date(2026, 11, 25, 17, 9, 7, 0, time.FixedZone("", 5*3600+1800))},
	"midnight":             {in: "2026-11-25", want: time.Date(2026, 11, 25, 0, 0, 0, 0, testLoc)},
	"midnight with zone":   {in: "2026-11-25 UTC", want: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
	"midnight with offset": {in: "2026-11-25 -0500", want: time.Date(2026, 11, 25, 0, 0, 0, 0, time.FixedZone("", -5*3600))},
	"RFC 3339 Z":           {in: "2026-11-25T17:09:07Z", want: time.Date(2026, 11, 25, 17, 9, 7, 0, time.UTC)},
	"RFC 3339 offset":      {in: "2026-11-25T17:09:07.5+01:00", want: time.Date(2026, 11, 25, 17, 9, 7, 500000000, time.FixedZone("", 3600))},
	"ISO without zone":     {in: "2026-11-25T17:09:07", want: time.Date(2026, 11, 25, 17, 9, 7, 0, testLoc)},
	"epoch":                {in: "1764090547", want: time.Unix(1764090547, 0).UTC()},
	"epoch fraction":       {in: "1764090547.25", want: time.Unix(1764090547, 250000000).UTC()},
	"epoch long fraction":  {in: "1764090547.1234567891234", want: time.Unix(1764090547, 123456789).UTC()},
	"surrounding spaces":   {in: " \t2026-11-25 17:09:07 ", want: time.Date(2026, 11, 25, 17, 9, 7, 0, testLoc)},
	"leap day":             {in: "2024-02-29 12:00:00", want: time.Date(2024, 2, 29, 12, 0, 0, 0, testLoc)},
	"leap day 2000":        {in: "2000-02-29", want: time.Date(2000, 2, 29, 0, 0, 0, 0, testLoc)},
	"december 31":          {in: "2026-12-31 23:59:59.999999999", want: time.Date(2026, 12, 31, 23, 59, 59, 999999999, testLoc)},
	"non-digit month":      {in: "2026-1x-01", err: true},
	"non-digit hour":       {in: "2026-11-25 1x:09:07", err: true},
	"zone name too long":   {in: "2026-11-25 17:09:07 " + strings.Repeat("A", 65), err: true},
	"offset non-digit":     {in: "2026-11-25 17:09:07 +0a00", err: true},
	"month 13":             {in: "2026-13-01", err: true},
	"month 0":              {in: "2026-00-01", err: true},
	"february 30":          {in: "2026-02-30", err: true},
	"not a leap year":      {in: "2026-02-29", err: true},
	"1900 not leap":        {in: "1900-02-29", err: true},
	"april 31":             {in: "2026-04-31", err: true},
	"day 0":                {in: "2026-11-00", err: true},
	"word":                 {in: "yesterday", err: true},
	"empty":                {in: "", err: true},
	"blank":                {in: "  ", err: true},
	"hour 24":              {in: "2026-11-25 24:00:00", err: true},
	"minute 60":            {in: "2026-11-25 17:60:00", err: true},
	"second 60":            {in: "2026-11-25 17:09:60", err: true},
	"no seconds":           {in: "2026-11-25 17:09", err: true},
	"short month":          {in: "2026-1-25", err: true},
	"slashes":              {in: "2026/11/25", err: true},
	"T without time":       {in: "2026-11-25T", err: true},
	"junk after date":      {in: "2026-11-25X", err: true},
	"junk after time":      {in: "2026-11-25 17:09:07 !", err: true},
	"zone glued":           {in: "2026-11-25 17:09:07UTC", err: true},
	"zone with digits":     {in: "2026-11-25 17:09:07 EST5EDT", err: true},
	"offset out of range":  {in: "2026-11-25 17:09:07 +2500", err: true},
	"offset minutes":       {in: "2026-11-25 17:09:07 +0160", err: true},
	"offset odd length":    {in: "2026-11-25 17:09:07 +010", err: true},
	"ten fraction digits":  {in: "2026-11-25 17:09:07.1234567891", err: true},
	"empty fraction":       {in: "2026-11-25 17:09:07.", err: true},
	"epoch trailing dot":   {in: "1764090547.", err: true},
	"epoch junk":           {in: "1764090547x", err: true},
	"negative epoch":       {in: "-1764090547", err: true},
	"epoch too long":       {in: "123456789012", err: true},
	"latin1 junk":          {in: "\xe9t\xe9", err: true},
}

func TestParseTimestamp(t *testing.T) {
	for name, tc := range timestampTests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseTimestamp([]byte(tc.in), testLoc)
			if tc.err {
				if !errors.Is(err, ErrBadTimestamp) {
					t.Fatalf("ParseTimestamp(%q) = %v, %v; want ErrBadTimestamp", tc.in, got, err)
				}
				if !utf8.ValidString(err.Error()) {
					t.Errorf("error message is not UTF-8: %q", err.Error())
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTimestamp(%q) error = %v", tc.in, err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("ParseTimestamp(%q) = %v, want %v", tc.in, got, tc.want)
			}
			// A zone or offset given in the text must be kept.
			_, gotOff := got.Zone()
			if _, wantOff := tc.want.Zone(); gotOff != wantOff {
				t.Errorf("ParseTimestamp(%q) offset %d, want %d", tc.in, gotOff, wantOff)
			}
		})
	}
}

func TestParseTimestampNilLocation(t *testing.T) {
	got, err := ParseTimestamp([]byte("2026-11-25 17:09:07"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 25, 17, 9, 7, 0, time.UTC); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseTimestampErrorMessage(t *testing.T) {
	_, err := ParseTimestamp([]byte("2026-13-01"), testLoc)
	if want := `unrecognised timestamp "2026-13-01": month out of range`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func FuzzParseTimestamp(f *testing.F) {
	for _, tc := range timestampTests {
		f.Add(tc.in)
	}
	layouts := []string{"2006-01-02 15:04:05", "2006-01-02", time.RFC3339Nano}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTimestamp([]byte(s), testLoc)
		if err != nil {
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("ParseTimestamp(%q) error %v does not wrap ErrBadTimestamp", s, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error message is not UTF-8: %q", err.Error())
			}
			return
		}
		// Where the standard library also reads s, both must agree.
		for _, layout := range layouts {
			if want, err := time.ParseInLocation(layout, s, testLoc); err == nil && !got.Equal(want) {
				t.Fatalf("ParseTimestamp(%q) = %v, time.Parse(%q) = %v", s, got, layout, want)
			}
		}
	})
}
