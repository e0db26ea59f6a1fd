package deploycheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

var registerPlugins sync.Once

// ParseDashboard strictly decodes and validates a classic dashboard JSON:
// unknown fields, wrong types and missing required fields are errors, and so
// are panel options and targets that do not match their plugin's schema.
func ParseDashboard(raw []byte) (*dashboard.Dashboard, error) {
	// Panel options and queries are decoded by the plugin that owns them
	// (timeseries, heatmap, prometheus...), so the plugins must be known.
	registerPlugins.Do(plugins.RegisterDefaultPlugins)
	var strict dashboard.Dashboard
	if err := strict.UnmarshalJSONStrict(raw); err != nil {
		// On success UnmarshalJSONStrict returns an empty, non-nil
		// cog.BuildErrors rather than nil.
		var be cog.BuildErrors
		if !errors.As(err, &be) || len(be) > 0 {
			return nil, fmt.Errorf("strict parse: %w", err)
		}
	}
	// The strict decoder of v0.0.22 reports every problem inside panels but
	// leaves the panels themselves nil: PanelOrRowPanel returns early on that
	// same empty, non-nil error. So the model we inspect comes from the
	// regular decoder, run only on input the strict one accepted.
	var d dashboard.Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	for i, p := range d.Panels {
		if p.Panel == nil && p.RowPanel == nil {
			return nil, fmt.Errorf("panels[%d]: decoded as neither panel nor row", i)
		}
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return &d, nil
}

// Query is one Prometheus target of a panel, with what is needed to run it.
type Query struct {
	Panel   string // panel title
	RefID   string
	Expr    string
	Instant bool
	Format  string
	// Repeat is the variable the panel is repeated for (its own repeat or
	// that of the row it sits in), or "".
	Repeat string
}

// Panel is a non-row panel with the row it sits in.
type Panel struct {
	*dashboard.Panel
	Row *dashboard.RowPanel
}

// Panels lists the dashboard's panels in order, rows left out. In the
// classic layout an expanded row's panels follow it at the top level; a
// collapsed row holds them itself.
func Panels(d *dashboard.Dashboard) []Panel {
	var out []Panel
	var row *dashboard.RowPanel
	for _, p := range d.Panels {
		switch {
		case p.RowPanel != nil:
			row = p.RowPanel
			for i := range row.Panels {
				out = append(out, Panel{Panel: &row.Panels[i], Row: row})
			}
		case p.Panel != nil:
			out = append(out, Panel{Panel: p.Panel, Row: row})
		}
	}
	return out
}

// Queries lists every Prometheus target of the dashboard.
func Queries(d *dashboard.Dashboard) ([]Query, error) {
	var out []Query
	for _, p := range Panels(d) {
		repeat := deref(p.Repeat)
		if repeat == "" && p.Row != nil {
			repeat = deref(p.Row.Repeat)
		}
		for i, t := range p.Targets {
			q, ok := t.(*prometheus.Dataquery)
			if !ok {
				return nil, fmt.Errorf("panel %q target %d is %T, not a Prometheus query", deref(p.Title), i, t)
			}
			format := ""
			if q.Format != nil {
				format = string(*q.Format)
			}
			out = append(out, Query{
				Panel: deref(p.Title), RefID: deref(q.RefId), Expr: q.Expr,
				Instant: q.Instant != nil && *q.Instant, Format: format, Repeat: repeat,
			})
		}
	}
	return out, nil
}

// datasourceVar is how every panel and target must name its data source: the
// dashboard's data source variable, never a fixed uid, so the dashboard works
// with whatever Prometheus the user picks.
const datasourceVar = "${datasource}"

// knownVars are the variables a query may use: the dashboard's own and
// Grafana's interval macros.
var knownVars = map[string]bool{"instance": true, "rname": true, "progress": true, "__rate_interval": true, "__interval": true}

// nameVars are the variables that stand for (part of) a metric name: a query
// may use one only in a panel or row repeated for it, where Grafana
// substitutes one value at a time.
var nameVars = map[string]bool{"rname": true, "progress": true}

var varRef = regexp.MustCompile(`\$\{?(\w+)(?::\w+)?\}?`)

// Lint applies the house rules that the SDK's schema cannot express and
// returns one line per violation.
func Lint(d *dashboard.Dashboard) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	vars := map[string]dashboard.VariableModel{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if v, ok := vars["datasource"]; !ok || v.Type != dashboard.VariableTypeDatasource || v.Query == nil ||
		v.Query.String == nil || *v.Query.String != "prometheus" {
		add("templating: want a variable %q of type datasource with query prometheus", "datasource")
	}
	for _, name := range []string{"instance", "rname"} {
		if v, ok := vars[name]; !ok || v.Type != dashboard.VariableTypeQuery {
			add("templating: want a query variable %q", name)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == dashboard.VariableTypeQuery && !isDatasourceVar(v.Datasource) {
			add("templating: variable %q must use data source %s", v.Name, datasourceVar)
		}
	}

	for _, p := range d.Panels {
		if p.RowPanel != nil && strings.TrimSpace(deref(p.RowPanel.Title)) == "" {
			add("row %d: no title", p.RowPanel.Id)
		}
	}
	for _, p := range Panels(d) {
		title := deref(p.Title)
		name := fmt.Sprintf("panel %q", title)
		if strings.TrimSpace(title) == "" {
			name = fmt.Sprintf("panel %d", deref(p.Id))
			add("%s: no title", name)
		}
		if strings.TrimSpace(deref(p.Description)) == "" {
			add("%s: no description", name)
		}
		if p.FieldConfig == nil || strings.TrimSpace(deref(p.FieldConfig.Defaults.Unit)) == "" {
			add("%s: no unit (fieldConfig.defaults.unit; \"none\" is a unit)", name)
		}
		if !isDatasourceVar(p.Datasource) {
			add("%s: data source must be {type: prometheus, uid: %s}", name, datasourceVar)
		}
		if len(p.Targets) == 0 {
			add("%s: no queries", name)
		}
		repeat := deref(p.Repeat)
		if repeat == "" && p.Row != nil {
			repeat = deref(p.Row.Repeat)
		}
		for i, t := range p.Targets {
			q, ok := t.(*prometheus.Dataquery)
			if !ok {
				add("%s target %d: not a Prometheus query (%T)", name, i, t)
				continue
			}
			tname := fmt.Sprintf("%s target %s", name, deref(q.RefId))
			if !isDatasourceVar(q.Datasource) {
				add("%s: data source must be {type: prometheus, uid: %s}", tname, datasourceVar)
			}
			for _, m := range varRef.FindAllStringSubmatch(q.Expr, -1) {
				if !knownVars[m[1]] {
					add("%s: unknown variable $%s", tname, m[1])
				}
				// A multi-valued variable in a metric name only works
				// where Grafana substitutes one value at a time.
				if nameVars[m[1]] && repeat != m[1] {
					add("%s: uses $%s outside a panel or row repeated for %s", tname, m[1], m[1])
				}
			}
			for _, prob := range LintExpr(q.Expr) {
				add("%s: %s", tname, prob)
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// isDatasourceVar tells whether a data source reference is the dashboard's
// Prometheus data source variable.
func isDatasourceVar(ref *common.DataSourceRef) bool {
	return ref != nil && deref(ref.Type) == "prometheus" && deref(ref.Uid) == datasourceVar
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
