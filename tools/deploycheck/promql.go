package deploycheck

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Placeholders put in for template variables so that a dashboard query parses
// as PromQL. The rate interval gets a duration nobody writes by hand, so a
// range that is not $__rate_interval stands out.
const (
	rateIntervalPlaceholder = 7777 * time.Second
	intervalPlaceholder     = 8888 * time.Second
	instancePlaceholder     = "__instance__"
	rnamePlaceholder        = "R_NAME"
	progressPlaceholder     = "PROGRESS_NAME"
)

var promql = parser.NewParser(parser.Options{})

// parseTemplated parses a dashboard query with its variables replaced by
// placeholders.
func parseTemplated(expr string) (parser.Expr, error) {
	s := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		switch varRef.FindStringSubmatch(ref)[1] {
		case "__rate_interval":
			return model(rateIntervalPlaceholder)
		case "__interval":
			return model(intervalPlaceholder)
		case "instance":
			return instancePlaceholder
		case "rname":
			return rnamePlaceholder
		case "progress":
			return progressPlaceholder
		}
		return ref
	})
	return promql.ParseExpr(s)
}

func model(d time.Duration) string { return fmt.Sprintf("%ds", int(d.Seconds())) }

// rangeFuncs are the functions a counter may appear in, and whose range must
// be $__rate_interval: Grafana sizes it to at least four scrapes, so the
// result is never empty for want of samples.
var rangeFuncs = map[string]bool{"rate": true, "increase": true, "irate": true}

// isCounter tells counters (and the cumulative parts of a classic histogram)
// by the suffixes Prometheus reserves for them.
func isCounter(name string) bool {
	for _, s := range []string{"_total", "_bucket", "_count", "_sum"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// LintExpr checks one dashboard query:
//   - it parses as PromQL once its variables are filled in;
//   - every rate, increase and irate ranges over $__rate_interval;
//   - counters appear only inside rate, increase or irate (a raw counter's
//     value means nothing, and it resets when rexporter restarts);
//   - every selector filters on instance=~"$instance";
//   - every selector is aggregated away from instance (sum by, max by, ...
//     without instance), so several rexporters add up to one total.
func LintExpr(expr string) []string {
	e, err := parseTemplated(expr)
	if err != nil {
		return []string{fmt.Sprintf("does not parse: %v", err)}
	}
	var problems []string
	parser.Inspect(e, func(node parser.Node, path []parser.Node) error {
		switch n := node.(type) {
		case *parser.Call:
			if !rangeFuncs[n.Func.Name] {
				return nil
			}
			for _, arg := range n.Args {
				if ms, ok := arg.(*parser.MatrixSelector); ok && ms.Range != rateIntervalPlaceholder {
					problems = append(problems, fmt.Sprintf("%s() must range over [$__rate_interval], not [%s]", n.Func.Name, ms.Range))
				}
				if _, ok := arg.(*parser.SubqueryExpr); ok {
					problems = append(problems, fmt.Sprintf("%s() over a subquery; use a plain [$__rate_interval] range", n.Func.Name))
				}
			}
		case *parser.VectorSelector:
			name := metricName(n)
			if isCounter(name) && !insideRangeFunc(path) {
				problems = append(problems, fmt.Sprintf("counter %s outside rate/increase/irate", name))
			}
			if !hasInstanceFilter(n) {
				problems = append(problems, fmt.Sprintf("%s lacks instance=~\"$instance\"", name))
			}
			if !aggregatedAwayFromInstance(path) {
				problems = append(problems, fmt.Sprintf("%s is not aggregated across instances (sum by/max by/... without instance)", name))
			}
		}
		return nil
	})
	return problems
}

// metricName returns the selector's metric name with the name placeholders
// shown as ${rname} and ${progress} again.
func metricName(vs *parser.VectorSelector) string {
	name := vs.Name
	if name == "" {
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
	}
	name = strings.Replace(name, rnamePlaceholder, "${rname}", 1)
	return strings.Replace(name, progressPlaceholder, "${progress}", 1)
}

// insideRangeFunc tells whether the selector's closest enclosing nodes are a
// range and one of rangeFuncs.
func insideRangeFunc(path []parser.Node) bool {
	if len(path) < 2 {
		return false
	}
	if _, ok := path[len(path)-1].(*parser.MatrixSelector); !ok {
		return false
	}
	c, ok := path[len(path)-2].(*parser.Call)
	return ok && rangeFuncs[c.Func.Name]
}

func hasInstanceFilter(vs *parser.VectorSelector) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name == "instance" && m.Type == labels.MatchRegexp && m.Value == instancePlaceholder {
			return true
		}
	}
	return false
}

// aggregatedAwayFromInstance tells whether some aggregation above the
// selector drops the instance label.
func aggregatedAwayFromInstance(path []parser.Node) bool {
	for _, n := range path {
		a, ok := n.(*parser.AggregateExpr)
		if !ok {
			continue
		}
		keeps := false
		for _, g := range a.Grouping {
			if g == "instance" {
				keeps = true
			}
		}
		if a.Without {
			keeps = !keeps
		}
		if !keeps {
			return true
		}
	}
	return false
}

// Additive tells whether a query's result is a sum or a count at the top, so
// that its value over several instances is the sum of its values over each.
func Additive(expr string) bool {
	e, err := parseTemplated(expr)
	if err != nil {
		return false
	}
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			break
		}
		e = p.Expr
	}
	a, ok := e.(*parser.AggregateExpr)
	return ok && (a.Op == parser.SUM || a.Op == parser.COUNT)
}

// regexSpecial is what Grafana's Prometheus data source escapes in a value
// of a multi-value variable (prometheusSpecialRegexEscape).
var regexSpecial = regexp.MustCompile(`[$^*+?.()|\\{}\[\]]`)

// GrafanaRegexEscape escapes one variable value the way Grafana does before
// putting it into a PromQL string: a regex escape, doubled for the string.
func GrafanaRegexEscape(v string) string {
	return regexSpecial.ReplaceAllString(v, `\\$0`)
}

// Interpolate fills in a query's variables the way Grafana does for a
// Prometheus data source: a variable that is multi-valued or has "All"
// becomes its escaped value, or (a|b|c) for several values.
func Interpolate(expr string, vars map[string][]string, rateInterval, interval time.Duration) (string, error) {
	var err error
	out := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		name := varRef.FindStringSubmatch(ref)[1]
		switch name {
		case "__rate_interval":
			return model(rateInterval)
		case "__interval":
			return model(interval)
		}
		vals, ok := vars[name]
		if !ok || len(vals) == 0 {
			err = fmt.Errorf("no value for $%s", name)
			return ref
		}
		esc := make([]string, len(vals))
		for i, v := range vals {
			esc[i] = GrafanaRegexEscape(v)
		}
		if len(esc) == 1 {
			return esc[0]
		}
		return "(" + strings.Join(esc, "|") + ")"
	})
	return out, err
}
