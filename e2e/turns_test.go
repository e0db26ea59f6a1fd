package e2e

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// TestOneTurnLosesNothing runs the real binary with a single turn
// (--max-busy-connections 1): jobs that update their names and connections
// that flood new names beyond --max-series all send at once, so every
// connection but one waits its turn most of the time and the flooding ones
// are costly. Every message still counts, each job's exactly, every refused
// name is counted, and no connection waits once they are done.
func TestOneTurnLosesNothing(t *testing.T) {
	const (
		jobs, perJob     = 12, 300
		floods, perFlood = 4, 2000
		maxSeries        = 200
	)
	p := startExporter(t, "--max-busy-connections", "1", "--max-series", fmt.Sprint(maxSeries),
		"--max-series-per-job", fmt.Sprint(maxSeries))

	// The steady jobs name themselves and make their series first, so that
	// the floods cannot take their place under the cap.
	steady := make([]net.Conn, jobs)
	for i := range steady {
		steady[i] = p.dial(t)
		write(t, steady[i], fmt.Sprintf("job: steady-%d\nloss: 0\n", i))
	}
	p.waitFor(t, "the steady jobs' series", counterAtLeast("rexporter_series", jobs))

	var wg sync.WaitGroup
	for _, c := range steady {
		wg.Go(func() {
			var b strings.Builder
			for k := 1; k < perJob; k++ {
				fmt.Fprintf(&b, "loss: %d\n", k)
				if k%25 == 24 { // a write of 25 messages at a time
					write(t, c, b.String())
					b.Reset()
				}
			}
			write(t, c, b.String())
		})
	}
	for i := range floods {
		c := p.dial(t)
		wg.Go(func() {
			var b strings.Builder
			fmt.Fprintf(&b, "job: flood-%d\n", i)
			for k := range perFlood {
				fmt.Fprintf(&b, "flood %d name %d: 1\n", i, k)
				if k%100 == 99 {
					write(t, c, b.String())
					b.Reset()
				}
			}
			write(t, c, b.String())
		})
	}
	wg.Wait()

	// Every message counts, the job: messages too.
	total := float64(jobs*(perJob+1) + floods*(perFlood+1))
	mfs := p.waitFor(t, "every message", counterAtLeast("rexporter_messages_total", total))
	if got, _ := value(mfs, "rexporter_messages_total"); got != total {
		t.Errorf("rexporter_messages_total = %v, want %v", got, total)
	}
	for i := range jobs {
		if got, _ := value(mfs, "loss_messages_total", "r_job", fmt.Sprintf("steady-%d", i)); got != perJob {
			t.Errorf("loss_messages_total{r_job=\"steady-%d\"} = %v, want %d", i, got, perJob)
		}
	}
	// The steady jobs hold one series each; the floods take the rest of the
	// cap, and every other name they send is refused, each time it comes.
	series, _ := value(mfs, "rexporter_series")
	refused := sumWhere(mfs, "rexporter_rejected_names_total", "reason", "max_series", "max_series_per_job")
	if series != maxSeries || refused != float64(floods*perFlood-(maxSeries-jobs)) {
		t.Errorf("rexporter_series = %v, refused names %v; want %d and %d", series, refused, maxSeries, floods*perFlood-(maxSeries-jobs))
	}
	if got, ok := value(mfs, "rexporter_connections_waiting_turn"); !ok || got != 0 {
		t.Errorf("rexporter_connections_waiting_turn = %v (present %v), want 0 once all is handled", got, ok)
	}
	if _, ok := value(mfs, "rexporter_connection_turn_wait_seconds_total"); !ok {
		t.Error("rexporter_connection_turn_wait_seconds_total is missing")
	}
	// The flag reached the ingest server: its start-up log says so.
	if log := p.stderr.String(); !strings.Contains(log, `"max_busy_connections":1,`) {
		t.Errorf("the start-up log does not show max_busy_connections 1:\n%s", log)
	}
}

// sumWhere adds the samples of a family whose label has one of the values.
func sumWhere(mfs map[string]*dto.MetricFamily, name, label string, values ...string) float64 {
	total := 0.0
	for _, m := range mfs[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && slices.Contains(values, l.GetValue()) {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}
