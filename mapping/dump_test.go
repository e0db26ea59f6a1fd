package mapping

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// goodFiles are configurations used by several tests.
var goodFiles = map[string]string{
	"empty": "",
	"blog":  "rules:\n  - match: Random Poisson\n    buckets: {type: discrete, min: 0, max: 30}\n",
	"every generator": "rules:\n  - match: a\n    buckets: {type: linear, start: 0, width: 0.1, count: 4}\n" +
		"  - match: b\n    buckets: {type: exponential, start: 1, factor: 3, count: 3}\n" +
		"  - match: c\n    buckets: [1, 2]\n",
	"templates": "rules:\n  - match_regex: '^(?P<m>\\w+) (\\w+)$'\n    name: ${m}_$2\n    labels: {a: '$$$m', b: x}\n" +
		"  - match: 'y *'\n    name: y_$1\n    labels: {v: $1}\n",
	"drop and allowlist": "defaults:\n  drop: true\n  counter: increment\nrules:\n  - match: keep\n  - match: 'debug *'\n    drop: true\n",
	"odd strings":        "rules:\n  - match: '2024'\n    help: \"multi\\nline: yes # no\"\n  - match: 'yes'\n  - match: '*'\n",
	"units and native":   "defaults:\n  units: [size]\n  native_histogram: false\nrules:\n  - match: x\n    native_histogram: {max_buckets: 9}\n    ttl: 90m\n",
}

func goodMappers(t testing.TB) map[string]*Mapper {
	t.Helper()
	ms := map[string]*Mapper{}
	for name, y := range goodFiles {
		m, err := Parse([]byte(y), name+".yml")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ms[name] = m
	}
	for _, path := range []string{"testdata/blog.yml", "testdata/full.yml"} {
		m, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		ms[path] = m
	}
	return ms
}

// TestRoundTrip checks that String is the effective configuration: it parses
// back to an equal Mapper that maps names the same way.
func TestRoundTrip(t *testing.T) {
	names := []string{"Random Poisson", "a", "b", "c", "x", "keep", "debug x", "loss train", "y z", "2024", "yes", "Rows read", "Iterations", "Memory used", "other"}
	for name, m := range goodMappers(t) {
		t.Run(name, func(t *testing.T) {
			back, err := Parse([]byte(m.String()), "dump.yml")
			if err != nil {
				t.Fatalf("the dump does not parse: %v\n%s", err, m)
			}
			if !back.Equal(m) || back.Fingerprint() != m.Fingerprint() {
				t.Errorf("the dump is not Equal to the original:\n%s\n---\n%s", m, back)
			}
			for _, rName := range names {
				a, b := m.Map(rName), back.Map(rName)
				a.Rule, b.Rule = "", ""
				if !reflect.DeepEqual(a, b) {
					t.Errorf("Map(%q) differs after the round trip:\n%+v\n%+v", rName, a, b)
				}
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	same := map[string][2]string{
		"comments and layout": {
			"rules:\n  - match: x\n    ttl: 1h\n",
			"# a comment\n\nrules:\n\n  - {match: x,   ttl: 60m}  # same\n",
		},
		"bucket spelling": {
			"defaults:\n  buckets: {type: linear, start: 1, width: 1, count: 3}\n",
			"defaults:\n  buckets: [1, 2, 3]\n",
		},
		"explicit built-in values": {
			"",
			"defaults:\n  families: [gauge, counter, histogram]\n  counter: messages\n  ttl: 1h\n  units: true\n  max_series: 1000\n  max_states: 16\n  native_histogram: {factor: 1.1, max_buckets: 160}\n",
		},
		"inherited versus explicit rule settings": {
			"defaults:\n  ttl: 5m\nrules:\n  - match: x\n    families: [gauge]\n",
			"defaults:\n  ttl: 5m\nrules:\n  - match: x\n    families: [gauge]\n    ttl: 5m\n",
		},
		"key order": {
			"rules:\n  - match: x\n    ttl: 1m\n    units: false\n",
			"rules:\n  - units: false\n    ttl: 1m\n    match: x\n",
		},
	}
	for name, tc := range same {
		t.Run("same: "+name, func(t *testing.T) {
			a, b := mustParse(t, tc[0]), mustParse(t, tc[1])
			if !a.Equal(b) {
				t.Errorf("not Equal:\n%s\n---\n%s", a, b)
			}
		})
	}
	different := map[string][2]string{
		"ttl":             {"defaults:\n  ttl: 1h\n", "defaults:\n  ttl: 2h\n"},
		"bucket":          {"defaults:\n  buckets: [1, 2]\n", "defaults:\n  buckets: [1, 3]\n"},
		"rule order":      {"rules:\n  - match: a\n  - match: b\n", "rules:\n  - match: b\n  - match: a\n"},
		"glob vs regex":   {"rules:\n  - match: a\n", "rules:\n  - match_regex: a\n"},
		"help":            {"rules:\n  - match: a\n    help: x\n", "rules:\n  - match: a\n    help: y\n"},
		"label value":     {"rules:\n  - match: a\n    labels: {k: x}\n", "rules:\n  - match: a\n    labels: {k: y}\n"},
		"type":            {"rules:\n  - match: a\n", "rules:\n  - match: a\n    families: [gauge]\n"},
		"counter meaning": {"defaults:\n  counter: total\n", "defaults:\n  counter: increment\n"},
		"defaults drop":   {"", "defaults:\n  drop: true\n"},
		"native factor":   {"", "defaults:\n  native_histogram: {factor: 1.2}\n"},
	}
	for name, tc := range different {
		t.Run("different: "+name, func(t *testing.T) {
			a, b := mustParse(t, tc[0]), mustParse(t, tc[1])
			if a.Equal(b) || a.Fingerprint() == b.Fingerprint() {
				t.Errorf("Equal, want different:\n%s\n---\n%s", a, b)
			}
		})
	}
	var nilMapper *Mapper
	if !nilMapper.Equal(nil) || nilMapper.Equal(Default()) || Default().Equal(nil) {
		t.Error("Equal with nil Mappers is wrong")
	}
	if !Default().Equal(Default()) {
		t.Error("Default is not Equal to itself")
	}
}

func mustParse(t *testing.T, y string) *Mapper {
	t.Helper()
	m, err := Parse([]byte(y), "m.yml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestString(t *testing.T) {
	m, err := Load("testdata/blog.yml")
	if err != nil {
		t.Fatal(err)
	}
	want := `# Effective mapping from testdata/blog.yml.
# Rules are tried in order, the first match wins; names no rule matches get the defaults.
defaults:
  families: [gauge, counter, histogram]
  counter: messages
  buckets: [0, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1e+06]
  native_histogram: {factor: 1.1, max_buckets: 160}
  ttl: 1h
  units: true
  max_series: 1000
  max_states: 16
rules:
  - match: Random Poisson # rules[0] (testdata/blog.yml:3)
    name: poisson_draw
    help: Draws from rpois(1, 10).
    families: [gauge, histogram]
    buckets: {type: discrete, min: 0, max: 30} # 31 boundaries: 0.5, 1.5, 2.5, ..., 30.5
    native_histogram: {factor: 1.1, max_buckets: 160}
    ttl: 1h
    units: true
    max_series: 1000
    max_states: 16
`
	if got := m.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", maxFileSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || err.Error() != big+": the file is larger than 4 MiB" {
		t.Errorf("Load(big) = %v", err)
	}
	m, err := Load("testdata/full.yml")
	if err != nil || m.File() != "testdata/full.yml" || m.Rules() != 6 {
		t.Errorf("Load(full) = %v, %v", m, err)
	}
}

// TestDocExamples parses the YAML shown in the package documentation, so the
// reference cannot drift from the parser.
func TestDocExamples(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	// Code blocks in doc comments are lines starting with "//\t".
	var blocks []string
	var cur []string
	for _, line := range strings.Split(string(src), "\n") {
		if code, ok := strings.CutPrefix(line, "//\t"); ok {
			cur = append(cur, code)
			continue
		}
		if len(cur) > 0 {
			blocks = append(blocks, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	yamlBlock := regexp.MustCompile(`(?m)^(defaults|rules):`)
	n := 0
	for _, b := range blocks {
		if !yamlBlock.MatchString(b) {
			continue
		}
		n++
		m, err := Parse([]byte(b), "doc.yml")
		if err != nil {
			t.Errorf("documented example does not parse: %v\n%s", err, b)
			continue
		}
		if got := m.Map("Random Poisson"); got.Name != "poisson_draw" || len(got.Buckets) != 31 {
			t.Errorf("documented example maps Random Poisson to %+v", got)
		}
	}
	if n != 2 {
		t.Errorf("found %d YAML examples in doc.go, want 2", n)
	}
}
