package parser

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestParseControlMessages(t *testing.T) {
	tests := map[string]struct {
		line    string
		kind    Kind
		job     string
		nFields int
		err     error
	}{
		"job name":                    {line: "job: fit-model", kind: KindJob, job: "fit-model"},
		"job with timestamp":          {line: "[2026-11-25 17:06:16] - job: worker 3", kind: KindJob, job: "worker 3"},
		"job with spaces":             {line: "  job  :  nightly/fit.v2  ", kind: KindJob, job: "nightly/fit.v2"},
		"job latin1":                  {line: "job: caf\xe9", kind: KindJob, job: "caf\xe9"},
		"bye":                         {line: "bye", kind: KindBye},
		"bye with timestamp":          {line: "[2026-11-25] - bye ", kind: KindBye},
		"empty job":                   {line: "job:", err: ErrEmptyValue},
		"job with any character":      {line: `job: a"b`, kind: KindJob, job: `a"b`},
		"job among fields is a value": {line: "job: a, x: 1", kind: KindValues, nFields: 2}, // "a" is a state
		"job among fields bad value":  {line: "job: a=b, x: 1", kind: KindValues, nFields: 1},
		"job with punctuation":        {line: "job: fit(1) #2", kind: KindJob, job: "fit(1) #2"},
		"job glued":                   {line: "job: fitx: 1", err: ErrGlued},
		"job glued at end":            {line: "job: fit:", err: ErrGlued},
		"job with colon":              {line: "job: a:b", kind: KindJob, job: "a:b"},
		"job interaction name":        {line: "job:hp: 2", kind: KindValues, nFields: 1},
		"job last colon":              {line: "job:fit", kind: KindJob, job: "fit"},
		"job spaced before colon":     {line: "job :fit", kind: KindJob, job: "fit"},
		"numeric job is a name":       {line: "job: 3", kind: KindJob, job: "3"},
		"names starting with job":     {line: "jobs done: 3", kind: KindValues, nFields: 1},
		"names starting with b":       {line: "batch: 2", kind: KindValues, nFields: 1},
		"bye is not a prefix":         {line: "byes: 2", kind: KindValues, nFields: 1},
		"bye among words":             {line: "bye now", err: ErrNoFields},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tc.line), &m)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != tc.kind || string(m.Job) != tc.job || len(m.Fields) != tc.nFields {
				t.Errorf("kind %d job %q fields %d; want %d %q %d", m.Kind, m.Job, len(m.Fields), tc.kind, tc.job, tc.nFields)
			}
		})
	}
}

// TestParseResetsKind checks a reused Message does not keep a previous
// message's kind or job.
func TestParseResetsKind(t *testing.T) {
	var m Message
	if err := Parse([]byte("job: a"), &m); err != nil {
		t.Fatal(err)
	}
	if err := Parse([]byte("x: 1"), &m); err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindValues || m.Job != nil {
		t.Errorf("kind %d job %q after a values message", m.Kind, m.Job)
	}
}

var (
	refByeRE = regexp.MustCompile(`^[ \t]*bye[ \t]*$`)
)

// refControl is the fuzz reference for control messages: it says whether
// line is one, and what Parse must make of it.
func refControl(line string) (ok bool, kind Kind, job string, err error) {
	s := strings.TrimLeft(line, " \t")
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j >= 0 {
			s = strings.TrimLeft(s[j+1:], " \t")
			s = strings.TrimPrefix(s, "-")
		}
	}
	if refByeRE.MatchString(s) {
		return true, KindBye, "", nil
	}
	if strings.ContainsAny(s, ",;") {
		return false, KindValues, "", nil
	}
	c := refNameColon(s)
	if c < 0 || strings.Trim(s[:c], " \t") != "job" {
		return false, KindValues, "", nil
	}
	name := strings.Trim(s[c+1:], " \t")
	switch {
	case name == "":
		return true, KindJob, "", ErrEmptyValue
	case refGlued(name):
		return true, KindJob, "", ErrGlued
	}
	return true, KindJob, name, nil
}
