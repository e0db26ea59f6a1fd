package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestVersionReportsCommit checks that a binary built with scripts/build
// reports the commit, branch and build date it was built with, in
// --version and in rexporter_build_info, the way Prometheus exporters do.
func TestVersionReportsCommit(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("no git checkout to compare with: %v", err)
	}
	branch, err := exec.Command("git", "rev-parse", "--abbrev-ref", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	rev, br := strings.TrimSpace(string(head)), strings.TrimSpace(string(branch))

	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if want := "(branch: " + br + ", revision: " + rev + ")"; !strings.HasPrefix(first, "rexporter, version ") || !strings.HasSuffix(first, want) {
		t.Errorf("--version first line %q, want rexporter, version ... %s", first, want)
	}
	for _, field := range []string{"build user:", "build date:", "go version:", "platform:"} {
		line := ""
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, field) {
				line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), field))
			}
		}
		if line == "" {
			t.Errorf("--version: %s is empty or missing:\n%s", field, out)
		}
	}
	if strings.Contains(first, "(devel)") || strings.Contains(first, "unknown") {
		t.Errorf("--version still reports a development build: %q", first)
	}

	p := startExporter(t)
	mfs, _ := p.scrape(t)
	mf := mfs["rexporter_build_info"]
	if mf == nil || len(mf.GetMetric()) != 1 {
		t.Fatalf("rexporter_build_info: %v", mf)
	}
	labels := map[string]string{}
	for _, l := range mf.GetMetric()[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["revision"] != rev || labels["branch"] != br || labels["version"] == "" || labels["goversion"] == "" {
		t.Errorf("rexporter_build_info labels %v, want revision %s and branch %s", labels, rev, br)
	}
}
