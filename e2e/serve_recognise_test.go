package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// TestServeRecognises pipes what a plain R script prints (a txtProgressBar
// redrawn with "\r" and an optim trace, stdout and stderr together) into a
// TCP connection, as `Rscript job.R 2>&1 | nc HOST 6000` does. With
// --recognise, serve reads them as rexporter run does: the bar reaches 1,
// the last traced value is on /metrics and the metrics name their source;
// without it, the same output gives no such metric.
func TestServeRecognises(t *testing.T) {
	rscript := requireR(t)
	script := rScript(t, "piped.R", `
pb <- txtProgressBar(min = 0, max = 40, style = 3)
for (i in 1:40) { setTxtProgressBar(pb, i); Sys.sleep(0.005) }
close(pb)
message("a log line of the job's own")
fr <- function(x) 100 * (x[2] - x[1]^2)^2 + (1 - x[1])^2
fit <- optim(c(-1.2, 1), fr, method = "BFGS", control = list(trace = 1, REPORT = 1))
cat(sprintf("final value as R holds it: %.17g\n", fit$value), file = stderr())
`)
	pipeR := func(t *testing.T, e *exporterProc) {
		t.Helper()
		c := e.dial(t)
		ctx, cancel := context.WithTimeout(context.Background(), rTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, rscript, script)
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		cmd.Stdout, cmd.Stderr = c, c
		if err := cmd.Run(); err != nil {
			t.Fatalf("Rscript: %v", err)
		}
		_ = c.Close()
	}

	e := startExporter(t, "--recognise")
	pipeR(t, e)
	mfs := e.waitFor(t, "the optim trace's final value", func(mfs map[string]*dto.MetricFamily) bool {
		_, ok := value(mfs, "optim_status", "state", "converged")
		return ok
	})
	job := []string{"r_job", "127.0.0.1"}
	if v, ok := value(mfs, "txt_progress_ratio", job...); !ok || v != 1 {
		t.Errorf("txt_progress_ratio = %v (present %v), want 1", v, ok)
	}
	// optim prints its final value with 6 decimals ("final  value 0.000000"
	// for a minimum at 0): the gauge holds what was printed.
	if v, ok := value(mfs, "optim_value", job...); !ok || v > 5e-7 {
		t.Errorf("optim_value = %v (present %v), want the printed final value (< 5e-7)", v, ok)
	}
	if v, ok := value(mfs, "rexporter_recognised_lines_total"); !ok || v < 3 {
		t.Errorf("rexporter_recognised_lines_total = %v (present %v), want the bar and trace lines", v, ok)
	}
	if mf := mfs["optim_value"]; mf == nil || !strings.Contains(mf.GetHelp(), `optim/nnet trace output, where it is "value"`) {
		t.Errorf("HELP of optim_value does not name its source: %q", mf.GetHelp())
	}
	// The job's own lines are no metric: "a log line..." has no colon, and
	// "final value as R holds it: ..." is an ordinary message (a number).
	if _, ok := mfs["a_log_line_of_the_job_s_own"]; ok {
		t.Error("a log line became a metric")
	}

	plain := startExporter(t)
	pipeR(t, plain)
	mfs = plain.waitFor(t, "the R output to be read", func(mfs map[string]*dto.MetricFamily) bool {
		_, ok := value(mfs, "final_value_as_r_holds_it", job...)
		return ok
	})
	for _, name := range []string{"txt_progress_ratio", "optim_value", "rexporter_recognised_lines_total"} {
		if _, ok := mfs[name]; ok {
			t.Errorf("%s exists without --recognise", name)
		}
	}
}
