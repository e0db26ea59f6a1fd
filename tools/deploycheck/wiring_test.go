package deploycheck

import (
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// hostPath maps a path inside a service's container to the checkout through
// its bind mounts, or returns "".
func hostPath(t *testing.T, p *types.Project, service, inContainer string) string {
	t.Helper()
	s, err := p.GetService(service)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if inContainer == v.Target {
			return v.Source
		}
		if rest, ok := strings.CutPrefix(inContainer, v.Target+"/"); ok {
			return filepath.Join(v.Source, filepath.FromSlash(rest))
		}
	}
	return ""
}

// TestComposeWiring follows every path and address from one service's
// configuration to another: Prometheus's config, rules and scrape target;
// Grafana's provisioning, data source, dashboards and home dashboard; the R
// demo's script and exporter address.
func TestComposeWiring(t *testing.T) {
	p := loadCompose(t, "demo")

	// Prometheus: the config it is told to read, and the rule files it names.
	prom, _ := p.GetService("prometheus")
	configFile := ""
	for _, arg := range prom.Command {
		if v, ok := strings.CutPrefix(arg, "--config.file="); ok {
			configFile = v
		}
	}
	if src := hostPath(t, p, "prometheus", configFile); src != filepath.Join(repoRoot(t), filepath.FromSlash(promConfigPath)) {
		t.Fatalf("prometheus reads %s, which is mounted from %q, want %s", configFile, src, promConfigPath)
	}
	var cfg promConfig
	readYAML(t, promConfigPath, &cfg)
	for _, pattern := range cfg.RuleFiles {
		inContainer := path.Join(path.Dir(configFile), pattern)
		src := hostPath(t, p, "prometheus", path.Dir(inContainer))
		matches, _ := filepath.Glob(filepath.Join(src, path.Base(inContainer)))
		if src == "" || len(matches) == 0 {
			t.Errorf("rule_files %s: nothing mounted at %s in the prometheus container", pattern, inContainer)
		}
	}
	targets := map[string][]string{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets[sc.JobName] = append(targets[sc.JobName], st.Targets...)
		}
	}
	if !slices.Equal(targets["rexporter"], []string{"rexporter:9100"}) {
		t.Errorf("prometheus scrapes %v for job rexporter; the compose service is rexporter:9100", targets["rexporter"])
	}

	// Grafana: provisioning files exist where Grafana looks for them.
	var ds struct {
		Datasources []struct {
			Name, UID, Type, URL string
			JSONData             map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, "deploy/grafana/provisioning/datasources/prometheus.yml", &ds)
	if hostPath(t, p, "grafana", "/etc/grafana/provisioning/datasources/prometheus.yml") == "" {
		t.Error("the data source file is not mounted into /etc/grafana/provisioning/datasources")
	}
	if len(ds.Datasources) != 1 {
		t.Fatalf("want one provisioned data source, got %d", len(ds.Datasources))
	}
	d := ds.Datasources[0]
	if d.Type != "prometheus" || d.URL != "http://prometheus:9090" {
		t.Errorf("data source %s at %s; want prometheus at http://prometheus:9090 (the compose service)", d.Type, d.URL)
	}
	// $__rate_interval is max(4 × timeInterval, ...): with timeInterval equal
	// to the scrape interval every rate() spans four scrapes.
	if ti, _ := d.JSONData["timeInterval"].(string); ti != cfg.Global.ScrapeInterval {
		t.Errorf("data source timeInterval %q, want the scrape interval %q", ti, cfg.Global.ScrapeInterval)
	}
	dash := loadDashboard(t)
	for _, v := range dash.Templating.List {
		if v.Name == "datasource" && (v.Current == nil || v.Current.Value.String == nil || *v.Current.Value.String != d.UID) {
			t.Errorf("dashboard's datasource variable does not default to the provisioned uid %q", d.UID)
		}
	}

	var prov struct {
		Providers []struct {
			Name    string
			Type    string
			Options struct{ Path string }
		} `yaml:"providers"`
	}
	readYAML(t, "deploy/grafana/provisioning/dashboards/rexporter.yml", &prov)
	if hostPath(t, p, "grafana", "/etc/grafana/provisioning/dashboards/rexporter.yml") == "" {
		t.Error("the dashboard provider is not mounted into /etc/grafana/provisioning/dashboards")
	}
	if len(prov.Providers) != 1 || prov.Providers[0].Type != "file" {
		t.Fatalf("want one file dashboard provider, got %+v", prov.Providers)
	}
	if src := hostPath(t, p, "grafana", prov.Providers[0].Options.Path); src != filepath.Join(repoRoot(t), "dashboards") {
		t.Errorf("dashboard provider reads %s, mounted from %q; want dashboards/", prov.Providers[0].Options.Path, src)
	}

	graf, _ := p.GetService("grafana")
	env := func(k string) string {
		if v := graf.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	if env("GF_AUTH_ANONYMOUS_ENABLED") != "true" || env("GF_AUTH_ANONYMOUS_ORG_ROLE") != "Viewer" {
		t.Error("grafana: want anonymous access as Viewer")
	}
	home := env("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
	if src := hostPath(t, p, "grafana", home); src != filepath.Join(repoRoot(t), filepath.FromSlash(dashboardPath)) {
		t.Errorf("home dashboard %q maps to %q, want %s", home, src, dashboardPath)
	}

	// The R demo runs the mounted blog client against the rexporter service.
	demo, _ := p.GetService("r-demo")
	script := strings.Join(demo.Command, " ")
	m := regexp.MustCompile(`Rscript (\S+) (\S+) (\d+)`).FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("r-demo does not run Rscript SCRIPT HOST PORT: %q", script)
	}
	if src := hostPath(t, p, "r-demo", m[1]); src != filepath.Join(repoRoot(t), "examples", "r", "client.R") {
		t.Errorf("r-demo runs %s, mounted from %q; want examples/r/client.R", m[1], src)
	}
	if m[2] != "rexporter" || m[3] != "6000" {
		t.Errorf("r-demo sends to %s:%s, want rexporter:6000", m[2], m[3])
	}
}
