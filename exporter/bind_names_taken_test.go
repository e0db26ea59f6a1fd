package exporter

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestTakenName checks that a histogram's sample names (<h>_bucket, _sum,
// _count), which Exporter.taken does not hold, are still found taken by
// the metric, that names which only look like them are not, and that all
// are free again once the metric expired.
func TestTakenName(t *testing.T) {
	user := prometheus.NewRegistry()
	now := time.Unix(1_800_000_000, 0)
	e, err := New(Options{JobRetention: time.Second}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.MustParseAddrPort("127.0.0.1:1"))
	s.Message([]byte("x: 1"))
	s.Message([]byte("p: 1/2"))
	x := e.metrics["x"]
	if x == nil {
		t.Fatal("no metric x")
	}
	tests := map[string]*metric{
		"x": x, "x_messages": x, "x_messages_total": x, "x_values": x,
		"x_values_bucket": x, "x_values_sum": x, "x_values_count": x,
		"x_valuesum": nil, "x_values_bucket_count": nil, "x_values_": nil, "p_done": e.metrics["p"],
		"p_done_sum": nil, // p's families are gauges: no samples derived from them
	}
	e.mu.RLock()
	for name, want := range tests {
		if got := e.takenName(name); got != want {
			t.Errorf("takenName(%s) = %v, want %v", name, got, want)
		}
	}
	if e.taken["x_values_sum"] != nil {
		t.Error("x_values_sum is kept in taken")
	}
	e.mu.RUnlock()

	s.Close(nil)
	now = now.Add(2 * time.Hour)
	if _, err := user.Gather(); err != nil { // expires the ended job's series
		t.Fatal(err)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, name := range []string{"x", "x_values", "x_values_sum", "p_done"} {
		if got := e.takenName(name); got != nil {
			t.Errorf("after expiry, takenName(%s) = %v", name, got.base)
		}
	}
}
