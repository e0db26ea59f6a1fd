package e2e

import (
	"errors"
	"strconv"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestRestartStartsAfresh restarts the binary on the same ingest port, after
// a clean stop and after SIGKILL. rexporter keeps no state across a restart:
// the new process counts only the messages it receives itself (counter,
// histogram, job and self-metrics all start from zero), a name only the
// old process saw is gone, and a client still holding a connection to the
// old process gets an error on a later write (R: "ignoring SIGPIPE signal";
// the helper examples/r/rexporter.R reconnects, see TestRHelper).
// Prometheus sees the drop of a counter as a reset, which rate() and
// increase() handle.
func TestRestartStartsAfresh(t *testing.T) {
	tests := map[string]func(p *exporterProc) error{
		"SIGTERM": func(p *exporterProc) error { return p.cmd.Process.Signal(syscall.SIGTERM) },
		"SIGKILL": func(p *exporterProc) error { return p.cmd.Process.Kill() },
	}
	for name, stop := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ingest := "127.0.0.1:" + unusedPort(t)
			job := []string{"r_job", "restarted"}

			p1 := startExporterOn(t, ingest)
			old := p1.dial(t)
			write(t, old, "job: restarted\nOld Only: 1\n")
			for i := 1; i <= 5; i++ {
				write(t, old, "Restart Value: "+strconv.Itoa(i)+"\n")
			}
			p1.waitFor(t, "the first run's messages", counterAtLeast("restart_value_messages_total", 5, job...))
			if err := stop(p1); err != nil {
				t.Fatal(err)
			}
			<-p1.exited

			// The old connection is dead: a write fails soon (the first one
			// may still be buffered by the kernel and draw the reset).
			var werr error
			for i := 0; i < 10 && werr == nil; i++ {
				_, werr = old.Write([]byte("Restart Value: 99\n"))
				time.Sleep(10 * time.Millisecond)
			}
			if !errors.Is(werr, syscall.EPIPE) && !errors.Is(werr, syscall.ECONNRESET) {
				t.Errorf("writes to the old process's connection: %v, want a broken pipe or a reset", werr)
			}

			p2 := startExporterOn(t, ingest)
			c := p2.dial(t)
			write(t, c, "job: restarted\n")
			for _, v := range []int{10, 20, 30} {
				write(t, c, "Restart Value: "+strconv.Itoa(v)+"\n")
			}
			// Both counters are waited for: CI once saw the messages counted
			// in a scrape that had no rexporter_connections_total (not seen
			// again in 100 runs); if it happens again, waitFor fails with
			// the whole scrape.
			mfs := p2.waitFor(t, "the second run's messages and connection", func(m map[string]*dto.MetricFamily) bool {
				msgs, _ := value(m, "rexporter_messages_total")
				conns, _ := value(m, "rexporter_connections_total")
				return msgs >= 4 && conns >= 1
			})
			checkSamples(t, mfs, []sampleWant{
				{"restart_value_messages_total", job, 3},
				{"restart_value_values", job, 3}, // histogram sample count
				{"restart_value", job, 30},
				{"rexporter_messages_total", nil, 4},
				{"rexporter_job_messages_total", job, 4},
				{"rexporter_connections_total", nil, 1},
			})
			if got := mfs["restart_value_values"].GetMetric()[0].GetHistogram().GetSampleSum(); got != 60 {
				t.Errorf("restart_value_values_sum = %v, want 60 (the new values only)", got)
			}
			if _, ok := mfs["old_only"]; ok {
				t.Error("old_only survived the restart")
			}
		})
	}
}
