package deploycheck

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

var labelValuesQuery = regexp.MustCompile(`^label_values\((?:(.+),\s*)?(\w+)\)$`)

// variableQuery returns a query variable's query text, whichever of the two
// shapes Grafana saved it in.
func variableQuery(v dashboard.VariableModel) string {
	if v.Query == nil {
		return ""
	}
	if v.Query.String != nil {
		return *v.Query.String
	}
	s, _ := v.Query.Map["query"].(string)
	return s
}

// resolveVariables computes the values of the dashboard's query variables
// against a real Prometheus, in order, as Grafana does: each query is
// interpolated with the variables before it, run as label_values, filtered
// by the variable's regex (first capture group). A variable named in chosen
// takes that value (it must be offered); the others are "All".
func resolveVariables(ctx context.Context, p *promServer, d *dashboard.Dashboard, chosen map[string]string) (vars, offered map[string][]string, err error) {
	vars, offered = map[string][]string{}, map[string][]string{}
	for _, v := range d.Templating.List {
		if v.Type != dashboard.VariableTypeQuery {
			continue
		}
		q, err := Interpolate(variableQuery(v), vars, testRateInterval, testStep)
		if err != nil {
			return nil, nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		m := labelValuesQuery.FindStringSubmatch(q)
		if m == nil {
			return nil, nil, fmt.Errorf("variable %s: %q is not label_values(...)", v.Name, q)
		}
		values, err := p.labelValues(ctx, m[1], m[2])
		if err != nil {
			return nil, nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		if re := strings.TrimSpace(deref(v.Regex)); re != "" {
			// Grafana takes a JavaScript /regex/; ours use no JS-only syntax.
			rx, err := regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(re, "/"), "/"))
			if err != nil {
				return nil, nil, fmt.Errorf("variable %s: regex: %w", v.Name, err)
			}
			var kept []string
			for _, val := range values {
				if sm := rx.FindStringSubmatch(val); sm != nil {
					if len(sm) > 1 {
						val = sm[1]
					}
					kept = append(kept, val)
				}
			}
			values = kept
		}
		sort.Strings(values)
		values = slices.Compact(values)
		offered[v.Name] = values
		vars[v.Name] = values
		if c, ok := chosen[v.Name]; ok {
			if !slices.Contains(values, c) {
				return nil, nil, fmt.Errorf("variable %s offers %v, not %q", v.Name, values, c)
			}
			vars[v.Name] = []string{c}
		}
	}
	return vars, offered, nil
}

// concreteQuery is a dashboard query with every variable filled in, as
// Grafana would send it to Prometheus.
type concreteQuery struct {
	Query
	name string // panel, target and repeat value, for messages
	expr string
}

// concreteQueries expands the dashboard's queries for the given variable
// values: a panel repeated for a variable appears once per value.
func concreteQueries(t *testing.T, queries []Query, vars map[string][]string) []concreteQuery {
	t.Helper()
	var out []concreteQuery
	for _, q := range queries {
		repeatValues := []string{""}
		if q.Repeat != "" {
			repeatValues = vars[q.Repeat]
		}
		for _, rv := range repeatValues {
			local := vars
			name := fmt.Sprintf("%q/%s", q.Panel, q.RefID)
			if q.Repeat != "" {
				local = map[string][]string{}
				for k, v := range vars {
					local[k] = v
				}
				local[q.Repeat] = []string{rv}
				name += fmt.Sprintf(" (%s=%s)", q.Repeat, rv)
			}
			expr, err := Interpolate(q.Expr, local, testRateInterval, testStep)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out = append(out, concreteQuery{Query: q, name: name, expr: expr})
		}
	}
	return out
}

// waitForData runs the queries until every one returns at least one series
// with a value, or the deadline passes; then it reports the empty ones.
func waitForData(ctx context.Context, t *testing.T, p *promServer, qs []concreteQuery) {
	t.Helper()
	pending := qs
	for {
		var still []concreteQuery
		var lastErr []string
		now := time.Now()
		for _, q := range pending {
			res, err := p.query(ctx, q.expr, q.Instant, now.Add(-15*time.Second), now)
			if err != nil {
				// A query Prometheus rejects will not get better.
				t.Errorf("%s: %s\n  %v", q.name, q.expr, err)
				continue
			}
			if !hasValues(res) {
				still = append(still, q)
				lastErr = append(lastErr, fmt.Sprintf("%s returns no data:\n  %s", q.name, q.expr))
			}
		}
		if len(still) == 0 {
			return
		}
		pending = still
		select {
		case <-ctx.Done():
			for _, e := range lastErr {
				t.Error(e)
			}
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func hasValues(res []sample) bool {
	for _, s := range res {
		if len(s.values) > 0 {
			return true
		}
	}
	return false
}

// TestDashboardAgainstRealPrometheus is the end-to-end check of the
// dashboard and the scaling-out story: two real rexporters, each fed by the
// blog's real R client and by the helper's demo job (which reports its
// progress), scraped by one real Prometheus 2.42 with the
// repository's configuration and alert rules. Every panel query, with its
// variables filled in as Grafana would, must return data, for all instances
// and for one; and the totals over both instances must be the sums of each.
func TestDashboardAgainstRealPrometheus(t *testing.T) {
	promBin := requireTool(t, "prometheus", "prometheus")
	rscript := requireTool(t, "Rscript", "r-base-core")
	d := loadDashboard(t)
	queries, err := Queries(d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	a, b := startRexporter(t), startRexporter(t)
	// 5 messages a second each, for at most 200 s; stopped at cleanup.
	rA := startRClient(t, rscript, a.ingest, 1000, "0.2", 1)
	rB := startRClient(t, rscript, b.ingest, 1000, "0.2", 2)
	// demo.R through the helper: named jobs with values and a progress
	// (progress_done, progress_steps, progress_ratio), 5 steps a second for
	// at most 200 s, so the ETA has a rate of done steps.
	dA := startRDemo(t, rscript, a.ingest, 1000, "0.2", "demo a")
	dB := startRDemo(t, rscript, b.ingest, 1000, "0.2", "demo b")
	p := startPrometheus(t, promBin, []string{a.web, b.web})

	// The variables, once both exporters have been scraped with R data.
	var vars, offered map[string][]string
	for {
		vars, offered, err = resolveVariables(ctx, p, d, nil)
		if err == nil && len(offered["instance"]) == 2 && len(offered["rname"]) == 4 && len(offered["progress"]) > 0 {
			break
		}
		if rA.exited() || rB.exited() || dA.exited() || dB.exited() {
			t.Fatal("an R client exited before its data arrived")
		}
		select {
		case <-ctx.Done():
			t.Fatalf("variables never resolved: %v (last error %v)", offered, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	// Both exporters have been scraped at least once by now.
	resolvedAt := time.Now()
	if want := []string{a.web, b.web}; !slices.Equal(offered["instance"], sorted(want)) {
		t.Errorf("instance offers %v, want %v", offered["instance"], sorted(want))
	}
	// The blog's client sends one R name, demo.R three more (and converged
	// only at its end); rexporter's own counters, which also end in
	// _messages_total, must not show up, nor the progress, which has no
	// messages counter.
	if want := []string{"intercept", "loss", "random_poisson", "slope"}; !slices.Equal(offered["rname"], want) {
		t.Errorf("R name offers %v, want %v", offered["rname"], want)
	}
	if want := []string{"progress"}; !slices.Equal(offered["progress"], want) {
		t.Errorf("progress offers %v, want %v", offered["progress"], want)
	}

	t.Run("every panel returns data for all instances", func(t *testing.T) {
		qctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		waitForData(qctx, t, p, concreteQueries(t, queries, vars))
	})

	t.Run("every panel returns data for one instance", func(t *testing.T) {
		one, _, err := resolveVariables(ctx, p, d, map[string]string{"instance": b.web})
		if err != nil {
			t.Fatal(err)
		}
		qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		waitForData(qctx, t, p, concreteQueries(t, queries, one))
	})

	t.Run("progress and ETA per job", func(t *testing.T) {
		// demo.R does up to 5 steps a second out of 1000: each job's ratio
		// lies in (0, 1), and its ETA is about (1000 - done) / 5 seconds.
		want := []string{`{r_job="demo a"}`, `{r_job="demo b"}`}
		for _, q := range concreteQueries(t, queries, vars) {
			if q.Panel != "Progress" && q.Panel != "ETA" {
				continue
			}
			// The ETA needs two scrapes of progress_done within the rate
			// interval (already there when the subtests above ran).
			var res []sample
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(250 * time.Millisecond) {
				var err error
				if res, err = p.query(ctx, q.expr, true, time.Now(), time.Now()); err != nil {
					t.Fatalf("%s: %v", q.name, err)
				}
				if len(res) >= len(want) || time.Now().After(deadline) {
					break
				}
			}
			var got []string
			for _, s := range res {
				got = append(got, s.labels)
				v := s.values[0]
				if q.Panel == "Progress" && !(v > 0 && v < 1) {
					t.Errorf("%s %s = %v, want a ratio in (0, 1)", q.name, s.labels, v)
				}
				// At most 5 steps a second: at least (1000 - 200) / 5 s left
				// within the test's 2 minutes; a slow machine steps slower.
				if q.Panel == "ETA" && !(v > 100 && v < 2000) {
					t.Errorf("%s %s = %v s, want about (1000 - done) / 5 s", q.name, s.labels, v)
				}
				t.Logf("%s %s = %v", q.Panel, s.labels, v)
			}
			if sort.Strings(got); !slices.Equal(got, want) {
				t.Errorf("%s: series %v, want %v", q.name, got, want)
			}
		}
	})

	t.Run("totals over both instances are the sums of each", func(t *testing.T) {
		// All three evaluations at one instant in the past, so they see
		// exactly the same samples: late enough that every rate window
		// holds several scrapes of both exporters, early enough that no
		// scrape before it is still being written.
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(time.Until(resolvedAt.Add(testRateInterval + 2*time.Second))):
		}
		at := time.Now().Add(-1500 * time.Millisecond)
		perInstance := map[string][]concreteQuery{}
		for _, inst := range []string{"", a.web, b.web} {
			chosen := map[string]string{}
			if inst != "" {
				chosen["instance"] = inst
			}
			v, _, err := resolveVariables(ctx, p, d, chosen)
			if err != nil {
				t.Fatal(err)
			}
			perInstance[inst] = concreteQueries(t, queries, v)
		}
		checked := map[string]float64{}
		for i, all := range perInstance[""] {
			if !Additive(all.Expr) {
				continue
			}
			total, err := p.query(ctx, all.expr, true, at, at)
			if err != nil {
				t.Fatalf("%s: %v", all.name, err)
			}
			if len(total) == 0 {
				t.Errorf("%s returns no data at %v:\n  %s", all.name, at, all.expr)
			}
			sum := map[string]float64{}
			for _, inst := range []string{a.web, b.web} {
				part, err := p.query(ctx, perInstance[inst][i].expr, true, at, at)
				if err != nil {
					t.Fatalf("%s: %v", all.name, err)
				}
				for _, s := range part {
					sum[s.labels] += s.values[0]
				}
			}
			if len(total) != len(sum) {
				t.Errorf("%s: %d series over both instances, %d over each", all.name, len(total), len(sum))
			}
			for _, s := range total {
				if want, ok := sum[s.labels]; !ok || !nearlyEqual(s.values[0], want) {
					t.Errorf("%s %s: %v over both instances, want %v + ... = %v", all.name, s.labels, s.values[0], "each", want)
				}
				if s.labels == "{}" {
					checked[all.Panel+"/"+all.RefID] = s.values[0]
				}
			}
		}
		t.Logf("totals over both instances: %v", checked)
		// The plain totals, which must count both exporters and all four R
		// clients: on each, two connections and two running jobs (the
		// blog client's unnamed one and the demo).
		for panel, want := range map[string]float64{"Exporters/A": 2, "Open connections/A": 4, "Running jobs/A": 4} {
			if got, ok := checked[panel]; !ok || got != want {
				t.Errorf("panel %q over both instances = %v (checked: %v), want %v", panel, got, ok, want)
			}
		}
		if checked["Messages per second/A"] <= 0 {
			t.Errorf("Messages per second over both instances = %v, want > 0", checked["Messages per second/A"])
		}
	})

	t.Run("alert rules load and evaluate", func(t *testing.T) {
		var data struct {
			Groups []struct {
				Rules []struct {
					Name, Type, Health, LastError string
				} `json:"rules"`
			} `json:"groups"`
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if err := p.api(ctx, "/api/v1/rules", url.Values{}, &data); err != nil {
				t.Fatal(err)
			}
			var alerts, ok int
			var bad []string
			for _, g := range data.Groups {
				for _, r := range g.Rules {
					if r.Type == "alerting" {
						alerts++
					}
					if r.Health == "ok" {
						ok++
					} else {
						bad = append(bad, fmt.Sprintf("%s: %s %s", r.Name, r.Health, r.LastError))
					}
				}
			}
			if alerts == 6 && ok == alerts {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d alerting rules, %d healthy; %v", alerts, ok, bad)
			}
			time.Sleep(250 * time.Millisecond)
		}
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
