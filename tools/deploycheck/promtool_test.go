package deploycheck

import (
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

const (
	rulesPath     = "deploy/prometheus/rules/rexporter.rules.yml"
	rulesTestPath = "deploy/prometheus/tests/rexporter.rules.test.yml"
)

// TestPromtool runs Debian's promtool (Prometheus 2.42) over the shipped
// configuration, rules and rule unit tests. The compose stack runs a 3.x
// image; what 2.42 accepts, 3.x accepts too, not the other way round.
func TestPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	root := repoRoot(t)
	tests := map[string][]string{
		"check config": {"check", "config", filepath.Join(root, promConfigPath)},
		"check rules":  {"check", "rules", filepath.Join(root, rulesPath)},
		"test rules":   {"test", "rules", filepath.Join(root, rulesTestPath)},
		// The remote-write recipe (agent_test.go runs it).
		"check agent config":      {"check", "config", "--agent", filepath.Join(root, agentConfigPath)},
		"check central config":    {"check", "config", centralConfigCopy(t)},
		"check pair agent config": {"check", "config", "--agent", filepath.Join(root, pairConfigPath)},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, promtool, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("promtool %v: %v\n%s", args, err, out)
			}
		})
	}
}

// TestEveryAlertIsUnitTested reads the rules and their promtool unit tests
// and checks that each alert is tested both firing and not firing.
func TestEveryAlertIsUnitTested(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, rulesPath, &rules)
	var tests struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, rulesTestPath, &tests)
	if len(tests.RuleFiles) != 1 || filepath.Clean(filepath.Join(filepath.Dir(rulesTestPath), tests.RuleFiles[0])) != filepath.Clean(rulesPath) {
		t.Errorf("the unit tests load %v, want %s", tests.RuleFiles, rulesPath)
	}

	firing, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				firing[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts = append(alerts, r.Alert)
			}
		}
	}
	sort.Strings(alerts)
	want := []string{"RExporterDown", "RExporterParseErrors", "RExporterSeriesCapNearlyReached", "RJobFailed", "RJobStalled", "RJobVanished"}
	if len(alerts) != len(want) {
		t.Errorf("alerts %v, want %v (job stalled, job vanished, parse errors, exporter down, series cap)", alerts, want)
	}
	for _, a := range alerts {
		if !firing[a] {
			t.Errorf("alert %s has no unit test where it fires", a)
		}
		if !quiet[a] {
			t.Errorf("alert %s has no unit test where it stays quiet", a)
		}
	}
}

// centralConfigCopy writes deploy/agent/prometheus-central.yml with its
// rule_files pointing at the repository's rules, where compose mounts them
// next to it, so promtool checks the rules it will load.
func centralConfigCopy(t *testing.T) string {
	t.Helper()
	var cfg map[string]any
	readYAML(t, centralConfigPath, &cfg)
	rules, _ := cfg["rule_files"].([]any)
	if len(rules) == 0 {
		t.Fatalf("%s loads no rules", centralConfigPath)
	}
	for i, r := range rules {
		rules[i] = filepath.Join(repoRoot(t), "deploy", "prometheus", r.(string))
	}
	return writeConfig(t, t.TempDir(), "central.yml", cfg)
}
