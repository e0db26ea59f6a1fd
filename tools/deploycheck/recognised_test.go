package deploycheck

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// recognisedJob is an R job that never calls rexporter: a txtProgressBar on
// stderr and, at every tenth step, an optim trace on stdout, as a fitting
// loop prints them. Under `rexporter run` both become metrics.
const recognisedJob = `
pb <- txtProgressBar(min = 0, max = 300, style = 3, file = stderr())
fr <- function(x) 100 * (x[2] - x[1]^2)^2 + (1 - x[1])^2
for (i in 1:300) {
  setTxtProgressBar(pb, i)
  if (i %% 10 == 0) invisible(optim(c(-1.2, 1), fr, method = "BFGS", control = list(trace = 1, maxit = i %/% 10)))
  Sys.sleep(0.2)
}
close(pb)
`

// TestDashboardShowsRecognisedJob checks issue 24's promise that a job run
// under `rexporter run`, whose code sends nothing, shows on the dashboard
// without a new panel: its bar in the Progress row, its traced optim value
// in the per-R-name rows, through a real Prometheus.
func TestDashboardShowsRecognisedJob(t *testing.T) {
	promBin := requireTool(t, "prometheus", "prometheus")
	rscript := requireTool(t, "Rscript", "r-base-core")
	d := loadDashboard(t)
	queries, err := Queries(d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	a := startRexporter(t)
	script := filepath.Join(t.TempDir(), "fit.R")
	if err := os.WriteFile(script, []byte(recognisedJob), 0o644); err != nil {
		t.Fatal(err)
	}
	job := startProc(t, "rexporter run", repoRoot(t), rexporterBinary(t), "run", "--to", a.ingest, "--job", "fit", "--", rscript, script)
	p := startPrometheus(t, promBin, []string{a.web})

	chosen := map[string]string{"progress": "txt_progress", "rname": "optim_value"}
	var vars map[string][]string
	for {
		var offered map[string][]string
		vars, offered, err = resolveVariables(ctx, p, d, nil)
		if err == nil && slices.Contains(offered["progress"], chosen["progress"]) && slices.Contains(offered["rname"], chosen["rname"]) {
			if vars, _, err = resolveVariables(ctx, p, d, chosen); err != nil {
				t.Fatal(err)
			}
			break
		}
		if job.exited() {
			t.Fatalf("the job ended before its metrics were scraped:\n%s", job.out)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the dashboard never offered %v: %v (last error %v)", chosen, offered, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	var panels []concreteQuery
	for _, q := range concreteQueries(t, queries, vars) {
		switch q.Panel {
		case "Progress", "ETA", "Current value", "Values over time":
			panels = append(panels, q)
		}
	}
	if len(panels) < 4 {
		t.Fatalf("found %d of the Progress, ETA, Current value and Values over time queries", len(panels))
	}
	qctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	waitForData(qctx, t, p, panels)
	for _, q := range panels {
		res, err := p.query(ctx, q.expr, true, time.Now(), time.Now())
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		for _, s := range res {
			if s.labels != `{r_job="fit"}` {
				t.Errorf("%s: series %s, want the job's own", q.name, s.labels)
			}
			if q.Panel == "Progress" && !(s.values[0] > 0 && s.values[0] <= 1) {
				t.Errorf("%s = %v, want a ratio in (0, 1]", q.name, s.values[0])
			}
		}
	}
}
