package mapping

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, that every error line
// names the file, and that every accepted file round-trips through String and
// maps names without panicking.
func FuzzParse(f *testing.F) {
	for _, y := range goodFiles {
		f.Add([]byte(y))
	}
	paths, _ := filepath.Glob("testdata/*.yml")
	bad, _ := filepath.Glob("testdata/bad/*.yml")
	for _, p := range append(paths, bad...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a, *a]\nrules: &r [*r]\n"))
	f.Add([]byte("rules:\n  - match: '[\\'\n"))
	f.Add([]byte("rules:\n  - match_regex: '(?P<x>a)(b)'\n    name: ${x}_${2}\n    labels: {l: $0}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, "fuzz.yml")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yml:") {
					t.Fatalf("error line does not name the file: %q", line)
				}
			}
			return
		}
		back, err := Parse([]byte(m.String()), "dump.yml")
		if err != nil {
			t.Fatalf("the dump does not parse: %v\n%s", err, m)
		}
		if !back.Equal(m) {
			t.Fatalf("the dump is not Equal:\n%s\n---\n%s", m, back)
		}
		for _, name := range []string{"", "x", "Random Poisson", "loss train", "a b c", "温度", strconv.Quote(string(data))} {
			got := m.Map(name)
			if got.Rule == "" {
				t.Fatalf("Map(%q) has no rule", name)
			}
		}
	})
}
