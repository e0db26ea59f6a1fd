package deploycheck

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rexporter/rexporter/internal/testharness"
)

// repoRoot is the rexporter checkout these tests check: two levels up from
// tools/deploycheck.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatalf("not in the rexporter repository: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "module github.com/rexporter/rexporter" {
		t.Fatalf("%s/go.mod is not rexporter's", root)
	}
	return root
}

// readRepoFile returns a file of the checkout by its slash-separated path.
func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readYAML decodes a YAML file of the checkout into v.
func readYAML(t *testing.T, rel string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(readRepoFile(t, rel), v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

// requireTool returns the path of an external program the test needs (see
// testharness.RequireTool).
func requireTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	return testharness.RequireTool(t, name, debianPackage)
}

// promConfig is the part of prometheus.yml these tests read.
type promConfig struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		ScrapeTimeout      string `yaml:"scrape_timeout"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

const promConfigPath = "deploy/prometheus/prometheus.yml"
