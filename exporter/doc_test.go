package exporter

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docMapLine is a line of doc.go's file map: a tab-indented comment line
// that starts with a file name.
var docMapLine = regexp.MustCompile(`^//\t([a-z0-9_]+\.go)\s`)

// TestDocFileMap fails when doc.go's file map and the package's files differ:
// every non-test .go file is listed exactly once, and nothing else.
func TestDocFileMap(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for line := range strings.Lines(string(doc)) {
		if m := docMapLine.FindStringSubmatch(line); m != nil {
			listed = append(listed, m[1])
		}
	}
	all, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if !strings.HasSuffix(f, "_test.go") {
			files = append(files, f)
		}
	}
	seen := map[string]bool{}
	for _, f := range listed {
		if seen[f] {
			t.Errorf("doc.go lists %s twice", f)
		}
		seen[f] = true
		if !slices.Contains(files, f) {
			t.Errorf("doc.go lists %s, which is not a file of the package", f)
		}
	}
	for _, f := range files {
		if !seen[f] {
			t.Errorf("%s is missing from doc.go's file map", f)
		}
	}
}
