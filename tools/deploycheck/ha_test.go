package deploycheck

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rexporter/rexporter/internal/testharness"
)

const pairConfigPath = "deploy/agent/prometheus-agent-pair.yml"

// pairInstance is the instance name the pair's agents give both rexporters.
const pairInstance = "rexporter-pair-1"

// startPairAgent runs one agent of the HA pair with
// deploy/agent/prometheus-agent-pair.yml, changed only where the test must:
// the scrape interval, its own rexporter as target, its replica name, and
// the VictoriaMetrics address.
func startPairAgent(t *testing.T, binary, target, replica, vm string) *proc {
	t.Helper()
	dir := t.TempDir()
	var cfg map[string]any
	readYAML(t, pairConfigPath, &cfg)
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatalf("%s has no global section", pairConfigPath)
	}
	global["scrape_interval"] = testScrapeInterval.String()
	global["scrape_timeout"] = testScrapeInterval.String()
	jobs, _ := cfg["scrape_configs"].([]any)
	if len(jobs) != 1 {
		t.Fatalf("%s: want one scrape job", pairConfigPath)
	}
	jobs[0].(map[string]any)["static_configs"] = []any{map[string]any{"targets": []string{target}}}
	rws, _ := cfg["remote_write"].([]any)
	if len(rws) != 1 {
		t.Fatalf("%s: want one remote_write, to VictoriaMetrics", pairConfigPath)
	}
	rw := rws[0].(map[string]any)
	rw["url"] = "http://" + vm + "/api/v1/write"
	relabels, _ := rw["write_relabel_configs"].([]any)
	found := false
	for _, r := range relabels {
		if r := r.(map[string]any); r["target_label"] == "replica" {
			r["replacement"] = replica
			found = true
		}
	}
	if !found {
		t.Fatalf("%s: no write relabeling sets the replica label", pairConfigPath)
	}
	addr := testharness.FreePort(t)
	p := startProc(t, "prometheus agent "+replica, dir, binary,
		"--enable-feature=agent",
		"--config.file="+writeConfig(t, dir, "agent.yml", cfg),
		"--storage.agent.path="+filepath.Join(dir, "wal"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	waitReady(t, p, "http://"+addr+"/-/ready")
	return p
}

// TestHAPair checks the HA pair of docs/scaling.md: two real rexporters
// receive the same R job (the helper with one connection to each), each is
// scraped by its own agent with deploy/agent/prometheus-agent-pair.yml, and
// both write to one VictoriaMetrics that de-duplicates. Every dashboard
// panel answers for the pair as one instance; then one rexporter is killed,
// and every panel must still answer with every series it had, the job's
// progress must go on, and up must show which replica is down.
func TestHAPair(t *testing.T) {
	t.Parallel() // mostly waiting, like TestRemoteWriteRecipe
	promBin := requireTool(t, "prometheus", "prometheus")
	vmBin := requireTool(t, "victoria-metrics", "victoria-metrics")
	rscript := requireTool(t, "Rscript", "r-base-core")
	d := loadDashboard(t)
	queries, err := Queries(d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()

	a, b := startRexporter(t), startRexporter(t)
	hostA, portA, _ := net.SplitHostPort(a.ingest)
	hostB, portB, _ := net.SplitHostPort(b.ingest)
	job := startProc(t, "Rscript ha_pair.R", repoRoot(t), rscript, "tools/deploycheck/testdata/ha_pair.R",
		"examples/r/rexporter.R", hostA, portA, hostB, portB, "1000", "0.2", "ha job")
	vm := startVictoriaMetrics(t, vmBin)
	startPairAgent(t, promBin, a.web, "a", vm.addr)
	startPairAgent(t, promBin, b.web, "b", vm.addr)

	var vars, offered map[string][]string
	for {
		vars, offered, err = resolveVariables(ctx, vm, d, nil)
		if err == nil && len(offered["instance"]) > 0 && len(offered["rname"]) > 0 && len(offered["progress"]) > 0 {
			break
		}
		if job.exited() {
			t.Fatal("the R job exited before its data arrived")
		}
		select {
		case <-ctx.Done():
			t.Fatalf("variables never resolved: %v (last error %v)", offered, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	if !slices.Equal(offered["instance"], []string{pairInstance}) {
		t.Fatalf("instance offers %v, want the pair as one, %s", offered["instance"], pairInstance)
	}
	qs := concreteQueries(t, queries, vars)
	qctx, qcancel := context.WithTimeout(ctx, 45*time.Second)
	waitForData(qctx, t, vm, qs)
	qcancel()
	if t.Failed() {
		return
	}
	seriesOf := func(q concreteQuery, start time.Time) map[string]bool {
		res, err := vm.query(ctx, q.expr, q.Instant, start, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		set := map[string]bool{}
		for _, s := range res {
			if len(s.values) > 0 {
				set[s.labels] = true
			}
		}
		return set
	}
	before := map[string]map[string]bool{}
	for _, q := range qs {
		before[q.name] = seriesOf(q, time.Now().Add(-15*time.Second))
	}
	progressBefore := instantValue(ctx, t, vm, `max(progress_done{r_job="ha job"})`)

	// Lose replica a: its rexporter dies at once; its agent goes on and
	// reports up == 0 for it.
	killed := time.Now()
	_ = a.proc.cmd.Process.Kill()
	<-a.proc.done
	for instantValue(ctx, t, vm, fmt.Sprintf(`max(up{instance=%q,replica="a"})`, pairInstance)) != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("up{replica=\"a\"} never went to 0")
		case <-time.After(250 * time.Millisecond):
		}
	}
	if v := instantValue(ctx, t, vm, fmt.Sprintf(`max(up{instance=%q,replica="b"})`, pairInstance)); v != 1 {
		t.Errorf("up of replica b = %v, want 1", v)
	}
	// Every panel must still have every series, from data written more than
	// one rate window after the loss (VictoriaMetrics shows it after its
	// -search.latencyOffset: polled, up to 30 s).
	after := killed.Add(testRateInterval)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var lost []string
		for _, q := range qs {
			got := seriesOf(q, after)
			for s := range before[q.name] {
				if !got[s] {
					lost = append(lost, fmt.Sprintf("%s: series %s lost with replica a\n  %s", q.name, s, q.expr))
				}
			}
		}
		if len(lost) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, l := range lost {
				t.Error(l)
			}
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("every series of %d panel queries there %v after losing replica a", len(qs), time.Since(killed).Round(100*time.Millisecond))
	if progressAfter := instantValue(ctx, t, vm, `max(progress_done{r_job="ha job"})`); progressAfter <= progressBefore {
		t.Errorf("progress_done %v after losing replica a, %v before: the job's progress stopped", progressAfter, progressBefore)
	}
}

// instantValue runs an instant query that must return one series and
// returns its value, or -1 when it returns none.
func instantValue(ctx context.Context, t *testing.T, p *promServer, expr string) float64 {
	t.Helper()
	res, err := p.query(ctx, expr, true, time.Now(), time.Now())
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if len(res) == 0 {
		return -1
	}
	if len(res) > 1 {
		t.Fatalf("%s: %d series, want one", expr, len(res))
	}
	return res[0].values[0]
}
