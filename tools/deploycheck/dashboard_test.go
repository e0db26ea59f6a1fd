package deploycheck

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

const dashboardPath = "dashboards/rexporter.json"

func loadDashboard(t *testing.T) *dashboard.Dashboard {
	t.Helper()
	d, err := ParseDashboard(readRepoFile(t, dashboardPath))
	if err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	return d
}

// TestDashboardIsValid parses the shipped dashboard strictly and applies our
// lint rules to it.
func TestDashboardIsValid(t *testing.T) {
	d := loadDashboard(t)
	for _, p := range Lint(d) {
		t.Error(p)
	}
	if deref(d.Uid) != "rexporter" {
		t.Errorf("uid %q: links and the README rely on a fixed uid \"rexporter\"", deref(d.Uid))
	}
	// File provisioning cannot fill __inputs / ${DS_...}: only a datasource
	// variable works there (STYLE.md).
	var raw map[string]any
	if err := json.Unmarshal(readRepoFile(t, dashboardPath), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["__inputs"]; ok {
		t.Error("__inputs only works through the UI import, not file provisioning")
	}
	if strings.Contains(string(readRepoFile(t, dashboardPath)), "${DS_") {
		t.Error("${DS_...} placeholders only work through the UI import")
	}

	// The Progress row is repeated for a variable listing progress metrics
	// by their _steps gauge.
	var progressVar bool
	for _, v := range d.Templating.List {
		if v.Name == "progress" {
			progressVar = v.Type == dashboard.VariableTypeQuery && strings.Contains(variableQuery(v), `__name__=~".+_steps"`) &&
				deref(v.Regex) == "/^(.+)_steps$/"
		}
	}
	if !progressVar {
		t.Error(`want a query variable "progress" over {__name__=~".+_steps"} with regex /^(.+)_steps$/`)
	}

	ids := map[uint32]string{}
	seen := func(id uint32, title string) {
		if other, dup := ids[id]; dup {
			t.Errorf("panel id %d used by %q and %q", id, other, title)
		}
		ids[id] = title
	}
	for _, p := range d.Panels {
		if p.RowPanel != nil {
			seen(p.RowPanel.Id, deref(p.RowPanel.Title))
		}
	}
	for _, p := range Panels(d) {
		seen(deref(p.Id), deref(p.Title))
		if g := p.GridPos; g == nil || g.X+g.W > 24 || g.W == 0 || g.H == 0 {
			t.Errorf("panel %q: grid position %+v does not fit the 24-column grid", deref(p.Title), g)
		}
	}

	// What the issue asks the dashboard to show, by panel type and title.
	want := map[string]string{
		"Current value": "stat", "Values over time": "timeseries", "Messages per second": "timeseries",
		"Distribution": "heatmap", "Quantiles": "timeseries", "Client connections": "timeseries",
		"Parse errors by reason": "timeseries", "Dropped messages and values": "timeseries", "Series": "timeseries",
		"Job state": "table", "Time since last message": "bargauge", "Progress": "bargauge", "ETA": "stat",
	}
	for _, p := range Panels(d) {
		if typ, ok := want[deref(p.Title)]; ok && typ == p.Type {
			delete(want, deref(p.Title))
		}
	}
	for title, typ := range want {
		t.Errorf("no %s panel %q", typ, title)
	}
}

// TestLintCatches feeds the lint rules one broken panel each and checks that
// the breakage is reported: a rule that never fires protects nothing.
func TestLintCatches(t *testing.T) {
	good := `sum by (r_job) (rate(rexporter_job_messages_total{instance=~"$instance"}[$__rate_interval]))`
	tests := map[string]struct {
		mutate func(p map[string]any)
		want   string
	}{
		"a clean panel":  {mutate: func(map[string]any) {}},
		"no description": {mutate: func(p map[string]any) { delete(p, "description") }, want: "no description"},
		"no unit": {mutate: func(p map[string]any) {
			p["fieldConfig"] = map[string]any{"defaults": map[string]any{}, "overrides": []any{}}
		}, want: "no unit"},
		"no title":              {mutate: func(p map[string]any) { delete(p, "title") }, want: "no title"},
		"fixed data source":     {mutate: func(p map[string]any) { p["datasource"] = map[string]any{"type": "prometheus", "uid": "prometheus"} }, want: "panel \"p\": data source"},
		"target data source":    {mutate: func(p map[string]any) { target(p)["datasource"] = map[string]any{"type": "prometheus", "uid": "abc"} }, want: "target A: data source"},
		"rate over 5m":          {mutate: setExpr(strings.Replace(good, "$__rate_interval", "5m", 1)), want: "must range over [$__rate_interval]"},
		"increase over 1m":      {mutate: setExpr(`sum(increase(rexporter_messages_total{instance=~"$instance"}[1m]))`), want: "increase() must range"},
		"raw counter":           {mutate: setExpr(`sum(rexporter_messages_total{instance=~"$instance"})`), want: "counter rexporter_messages_total outside rate"},
		"counter in delta":      {mutate: setExpr(`sum(delta(rexporter_messages_total{instance=~"$instance"}[$__rate_interval]))`), want: "outside rate"},
		"raw bucket":            {mutate: setExpr(`histogram_quantile(0.5, sum by (le) (x_values_bucket{instance=~"$instance"}))`), want: "counter x_values_bucket"},
		"no instance filter":    {mutate: setExpr(`sum(rate(rexporter_messages_total[$__rate_interval]))`), want: "lacks instance"},
		"kept per instance":     {mutate: setExpr(`sum by (instance) (rate(rexporter_messages_total{instance=~"$instance"}[$__rate_interval]))`), want: "not aggregated across instances"},
		"not aggregated":        {mutate: setExpr(`rexporter_connections{instance=~"$instance"}`), want: "not aggregated"},
		"unknown variable":      {mutate: setExpr(`sum(rate(rexporter_messages_total{instance=~"$instance", job="$job"}[$__rate_interval]))`), want: "unknown variable $job"},
		"rname not repeated":    {mutate: setExpr(`max(${rname}{instance=~"$instance"})`), want: "outside a panel or row repeated"},
		"rname repeated":        {mutate: func(p map[string]any) { p["repeat"] = "rname"; setExpr(`max(${rname}{instance=~"$instance"})`)(p) }},
		"progress not repeated": {mutate: setExpr(`max(${progress}_ratio{instance=~"$instance"})`), want: "uses $progress outside a panel or row repeated for progress"},
		"rname for progress": {mutate: func(p map[string]any) {
			p["repeat"] = "rname"
			setExpr(`max(${progress}_ratio{instance=~"$instance"})`)(p)
		}, want: "uses $progress outside"},
		"progress repeated": {mutate: func(p map[string]any) {
			p["repeat"] = "progress"
			setExpr(`max by (r_job) (deriv(${progress}_done{instance=~"$instance"}[$__rate_interval]))`)(p)
		}},
		"progress gauge kept per instance": {mutate: func(p map[string]any) {
			p["repeat"] = "progress"
			setExpr(`deriv(${progress}_done{instance=~"$instance"}[$__rate_interval])`)(p)
		}, want: "${progress}_done is not aggregated"},
		"not PromQL":          {mutate: setExpr(`sum(rate(`), want: "does not parse"},
		"subquery in rate":    {mutate: setExpr(`sum(rate(rexporter_connections{instance=~"$instance"}[$__rate_interval:]))`), want: "subquery"},
		"gauge without range": {mutate: setExpr(`max(rexporter_series{instance=~"$instance"} / rexporter_max_series{instance=~"$instance"})`)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			panel := map[string]any{
				"type": "timeseries", "id": 1, "title": "p", "description": "d",
				"datasource":  map[string]any{"type": "prometheus", "uid": "${datasource}"},
				"gridPos":     map[string]any{"x": 0, "y": 0, "w": 12, "h": 8},
				"fieldConfig": map[string]any{"defaults": map[string]any{"unit": "short"}, "overrides": []any{}},
				"targets": []any{map[string]any{
					"refId": "A", "expr": good,
					"datasource": map[string]any{"type": "prometheus", "uid": "${datasource}"},
				}},
			}
			tc.mutate(panel)
			d, err := ParseDashboard(minimalDashboard(t, panel))
			if err != nil {
				t.Fatal(err)
			}
			problems := strings.Join(Lint(d), "\n")
			switch {
			case tc.want == "" && problems != "":
				t.Errorf("unexpected problems:\n%s", problems)
			case tc.want != "" && !strings.Contains(problems, tc.want):
				t.Errorf("want a problem containing %q, got:\n%s", tc.want, problems)
			}
		})
	}
}

// TestParseDashboardIsStrict checks that the SDK really rejects what a lax
// JSON decoder would let through.
func TestParseDashboardIsStrict(t *testing.T) {
	tests := map[string]struct {
		raw  string
		want string
	}{
		"unknown top-level field": {raw: `{"schemaVersion": 41, "templating": {"list": []}, "annotations": {"list": []}, "titel": "x"}`, want: "titel"},
		"wrong type":              {raw: `{"schemaVersion": "41", "templating": {"list": []}, "annotations": {"list": []}}`, want: "schemaVersion"},
		"unknown panel option": {raw: `{"schemaVersion": 41, "templating": {"list": []}, "annotations": {"list": []},
			"panels": [{"type": "timeseries", "title": "t", "options": {"legend": {"displayMode": "list", "placement": "bottom", "calcs": []}, "tooltip": {"mode": "single", "sort": "none"}, "bogus": 1}}]}`, want: "bogus"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseDashboard([]byte(tc.raw))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func target(p map[string]any) map[string]any { return p["targets"].([]any)[0].(map[string]any) }

func setExpr(expr string) func(map[string]any) {
	return func(p map[string]any) { target(p)["expr"] = expr }
}

// minimalDashboard wraps one panel into a dashboard with the three variables
// the lint rules expect.
func minimalDashboard(t *testing.T, panel map[string]any) []byte {
	t.Helper()
	ds := map[string]any{"type": "prometheus", "uid": "${datasource}"}
	d := map[string]any{
		"schemaVersion": 41, "title": "t", "annotations": map[string]any{"list": []any{}},
		"templating": map[string]any{"list": []any{
			map[string]any{"type": "datasource", "name": "datasource", "query": "prometheus"},
			map[string]any{"type": "query", "name": "instance", "datasource": ds, "query": "label_values(rexporter_build_info, instance)"},
			map[string]any{"type": "query", "name": "rname", "datasource": ds, "query": "label_values(x_messages_total, __name__)"},
		}},
		"panels": []any{panel},
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
