package mapping

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rexporter/rexporter/internal/recognise"
)

// TestRecogniserErrors checks the strict errors of the recognisers list with
// their file:line message, and that a regexp recognise.NewRegexp refuses
// keeps its sentinel for errors.Is.
func TestRecogniserErrors(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want string
		is   error
	}{
		"not a list": {
			yaml: "recognisers:\n  name: x",
			want: `mapping.yml:2: recognisers must be a list of recognisers (- name: ...)`,
		},
		"entry not a mapping": {
			yaml: "recognisers:\n  - x",
			want: `mapping.yml:2: recognisers[0] must be a mapping with name and regexp`,
		},
		"unknown key with suggestion": {
			yaml: "recognisers:\n  - name: x\n    regex: '(?P<value>\\d+)'",
			want: `mapping.yml:3: recognisers[0]: unknown key "regex" (did you mean "regexp"?)`,
		},
		"unknown key": {
			yaml: "recognisers:\n  - name: x\n    regexp: '(?P<value>\\d+)'\n    labels: {a: b}",
			want: `mapping.yml:4: recognisers[0]: unknown key "labels" (a recogniser has name and regexp)`,
		},
		"key set twice": {
			yaml: "recognisers:\n  - name: x\n    name: y\n    regexp: '(?P<value>\\d+)'",
			want: `mapping.yml:3: recognisers[0].name is set twice (first on line 2)`,
		},
		"no name": {
			yaml: "recognisers:\n  - regexp: '(?P<value>\\d+)'",
			want: `mapping.yml:2: recognisers[0] needs a name`,
		},
		"no regexp": {
			yaml: "recognisers:\n  - name: x",
			want: `mapping.yml:2: recognisers[0] needs a regexp (a regular expression with named groups)`,
		},
		"regexp not a string": {
			yaml: "recognisers:\n  - name: x\n    regexp: [a]",
			want: `mapping.yml:3: recognisers[0].regexp must be a string`,
		},
		"bad syntax": {
			yaml: "recognisers:\n  - name: x\n    regexp: '(?P<value>\\d+'",
			want: "mapping.yml:3: recognisers[0].regexp: bad regular expression: error parsing regexp: missing closing ): `(?P<value>\\d+`",
			is:   recognise.ErrBadRegexp,
		},
		"too long": {
			yaml: "recognisers:\n  - name: x\n    regexp: '(?P<value>\\d+)" + strings.Repeat("a", recognise.MaxRegexpLen) + "'",
			want: "mapping.yml:3: recognisers[0].regexp: bad regular expression: 4110 bytes, at most 4096",
			is:   recognise.ErrBadRegexp,
		},
		"no value group": {
			yaml: "recognisers:\n  - name: x\n    regexp: 'loss (\\S+)'",
			want: `mapping.yml:3: recognisers[0].regexp: regular expression has no value group: "loss (\\S+)" needs a group (?P<value>...) or other named groups`,
			is:   recognise.ErrNoValue,
		},
		"name group without value": {
			yaml: "recognisers:\n  - name: x\n    regexp: '(?P<name>\\w+)=(?P<total>\\d+)'",
			want: `mapping.yml:3: recognisers[0].regexp: regular expression has no value group: "(?P<name>\\w+)=(?P<total>\\d+)" needs a group (?P<value>...) or other named groups`,
			is:   recognise.ErrNoValue,
		},
		"bad name": {
			yaml: "recognisers:\n  - name: '--'\n    regexp: '(?P<value>\\d+)'",
			want: `mapping.yml:2: recognisers[0].name: bad recogniser name: "--"`,
			is:   recognise.ErrBadName,
		},
		"same name twice": {
			yaml: "recognisers:\n  - name: val loss\n    regexp: 'a(?P<value>\\d+)'\n  - name: Val_Loss\n    regexp: 'b(?P<value>\\d+)'",
			want: `mapping.yml:4: recognisers[1].name "Val_Loss" gives the metric name val_loss, as recognisers[0].name "val loss" does (line 2)`,
		},
		"too many": {
			yaml: "recognisers:\n" + strings.Repeat("  - {name: x, regexp: '(?P<value>\\d+)'}\n", MaxRecognisers+1),
			want: `mapping.yml:2: recognisers: 65 recognisers, at most 64`,
		},
		"unknown top-level key with suggestion": {
			yaml: "recognizers: []",
			want: `mapping.yml:1: unknown top-level key "recognizers" (did you mean "recognisers"?)`,
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
			if !errors.As(err, &e) || e.File != "mapping.yml" || e.Line == 0 {
				t.Errorf("errors.As(*Error) = %+v, want File mapping.yml and a line", e)
			}
			for _, sentinel := range []error{recognise.ErrBadRegexp, recognise.ErrNoValue, recognise.ErrBadName} {
				if got := errors.Is(err, sentinel); got != (sentinel == tc.is) {
					t.Errorf("errors.Is(err, %v) = %v", sentinel, got)
				}
			}
		})
	}
}

// TestRecognisers checks the recognisers of a good file: their order, IDs,
// that each call gives new instances that read lines, that they stay out of
// the fingerprint, and that the dump shows them.
func TestRecognisers(t *testing.T) {
	const rules = "rules:\n  - match: x\n"
	const recs = "recognisers:\n" +
		"  - name: keras epoch\n" +
		"    regexp: '^Epoch (?P<epoch>\\d+)/\\d+ .* loss: (?P<loss>\\S+)'\n" +
		"  - {name: val loss, regexp: '^val_loss=(?P<value>\\S+)$'}\n"
	m := mustParse(t, rules+recs)
	var ids []string
	for _, r := range m.Recognisers() {
		ids = append(ids, r.ID)
	}
	if want := []string{`recognisers[0] "keras epoch" (m.yml:4)`, `recognisers[1] "val loss" (m.yml:6)`}; !slices.Equal(ids, want) {
		t.Errorf("IDs %q, want %q", ids, want)
	}
	a, b := m.NewRecognisers(), m.NewRecognisers()
	if len(a) != 2 || a[0] == b[0] {
		t.Fatalf("NewRecognisers gave %d, shared %v", len(a), len(a) > 0 && a[0] == b[0])
	}
	set := recognise.NewSet(a...)
	var got []string
	for _, u := range set.Feed(recognise.Stdout, []byte("Epoch 3/10 - 2s - loss: 0.25\nval_loss=45%\nother\n")) {
		got = append(got, fmt.Sprintf("%s %g %s", u.Name, u.Value, u.Source))
	}
	if want := []string{"epoch 3 keras epoch", "loss 0.25 keras epoch", "val_loss 0.45 val loss"}; !slices.Equal(got, want) {
		t.Errorf("updates %q, want %q", got, want)
	}
	if plain := mustParse(t, rules); plain.Fingerprint() != m.Fingerprint() || plain.Recognisers() != nil || plain.NewRecognisers() != nil {
		t.Error("the recognisers change the fingerprint, or a file without them has some")
	}
	for _, w := range []string{"\nrecognisers:\n", `  - name: keras epoch # recognisers[0] "keras epoch" (m.yml:4)`, `    regexp: ^val_loss=(?P<value>\S+)$`} {
		if !strings.Contains(m.String(), w) {
			t.Errorf("the dump lacks %q:\n%s", w, m)
		}
	}
	back, err := Parse([]byte(m.String()), "dump.yml")
	if err != nil || len(back.Recognisers()) != 2 || back.Recognisers()[1].Regexp != `^val_loss=(?P<value>\S+)$` {
		t.Errorf("the dump does not parse back to the same recognisers: %v", err)
	}
}
