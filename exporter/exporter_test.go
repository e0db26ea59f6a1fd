package exporter

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rexporter/rexporter/mapping"
)

// countingHandler counts log records at warn level and above.
type countingHandler struct {
	mu    sync.Mutex
	warns int
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.warns++
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestMaxSeriesIsLoggedAtMostOnceAMinute feeds new names beyond the cap
// while a fake clock moves: every rejection is counted, the warning repeats
// only after a minute, and existing names keep working.
func TestMaxSeriesIsLoggedAtMostOnceAMinute(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	h := &countingHandler{}
	self := prometheus.NewRegistry()
	e, err := New(Options{MaxSeries: 1}, prometheus.NewRegistry(), self, slog.New(h), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.AddrPort{})
	s.Message([]byte("kept: 1"))

	steps := []struct {
		advance   time.Duration
		wantWarns int
	}{
		{0, 2},                // first rejection warns, and so does the connection's first drop of the reason
		{30 * time.Second, 2}, // within the minute: counted, not logged
		{31 * time.Second, 3}, // a minute after the first warning
		{time.Second, 3},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		s.Message(fmt.Appendf(nil, "new name %d: 1", i))
		if h.warns != st.wantWarns {
			t.Errorf("step %d: %d warnings, want %d", i, h.warns, st.wantWarns)
		}
	}
	s.Message([]byte("kept: 2"))
	if got := testutil.ToFloat64(e.self.rejected[reasonMaxSeries]); got != float64(len(steps)) {
		t.Errorf("rejected max_series = %v, want %d", got, len(steps))
	}
	if got := testutil.ToFloat64(e.self.messages); got != float64(len(steps)+2) {
		t.Errorf("messages = %v, want %d", got, len(steps)+2)
	}
	if got := e.list[0].last.Load(); got == 0 {
		t.Error("the existing name stopped updating")
	}
}

func TestNewRejectsBadNamespace(t *testing.T) {
	tests := map[string]string{
		"not a metric name": "1abc",
		"shadows go_":       "go",
		"shadows rexporter": "rexporter",
	}
	for name, ns := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(Options{Namespace: ns}, prometheus.NewRegistry(), prometheus.NewRegistry(),
				slog.New(slog.DiscardHandler), time.Now)
			if err == nil {
				t.Errorf("namespace %q accepted", ns)
			}
		})
	}
}

// TestSeriesGaugeCountsOverflowSeries fills --max-series with one name from
// two jobs, so that a third job's values fold into the overflow series:
// rexporter_series must count every series exposed, the overflow series
// included, even when no other series is created after it.
func TestSeriesGaugeCountsOverflowSeries(t *testing.T) {
	user := prometheus.NewRegistry()
	e, err := New(Options{MaxSeries: 2}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"a", "b", "c"} {
		s := e.NewSession(netip.AddrPort{})
		s.Message([]byte("job: " + job))
		s.Message([]byte("x: 1"))
	}
	mfs, err := user.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exposed := 0
	for _, mf := range mfs {
		if mf.GetName() == "x" {
			exposed = len(mf.GetMetric())
		}
	}
	if exposed != 3 {
		t.Fatalf("x has %d series, want 2 and the overflow series", exposed)
	}
	if got := testutil.ToFloat64(e.self.series); got != float64(exposed) {
		t.Errorf("rexporter_series = %v, want %d (the series exposed)", got, exposed)
	}
}

// TestBatchAppliesRunsInOrder sends one read's worth of messages in a batch,
// the values of two names interleaved and in runs: after End every value
// is applied in the order it came (a total that resets inside a run is
// followed), the gauge holds the last, and refused values stay out.
func TestBatchAppliesRunsInOrder(t *testing.T) {
	m, err := mapping.Parse([]byte("rules:\n  - match: \"rows\"\n    counter: total\n"), "m.yml")
	if err != nil {
		t.Fatal(err)
	}
	user := prometheus.NewRegistry()
	e, err := New(Options{Mapper: m}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.AddrPort{})
	s.Begin(time.Now())
	for _, msg := range []string{
		"rows: 10", "rows: 30", "x: 1", "rows: 5", "rows: -1", "rows: 8", "x: 2", "x: NaN", "x: 4",
	} {
		s.Message([]byte(msg))
	}
	s.End()
	want := map[string]float64{
		"rows_total":       30 + 5 + 3, // 0→10→30, reset to 5, then 8; -1 is refused
		"x":                4,
		"x_messages_total": 4,
		"x_values_count":   3, // NaN stays out of the histogram
		"x_values_sum":     7,
	}
	got := gatherValues(t, user)
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
}

// gatherValues returns each unlabelled sample of g by name (histograms give
// _count and _sum).
func gatherValues(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.Gauge != nil:
				out[mf.GetName()] = m.GetGauge().GetValue()
			case m.Counter != nil:
				out[mf.GetName()] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				out[mf.GetName()+"_count"] = float64(m.GetHistogram().GetSampleCount())
				out[mf.GetName()+"_sum"] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

// TestOwners checks the metric's owner map with its first entry held
// outside the map: entries set, replaced, deleted and set again in any
// order read back as a plain map would.
func TestOwners(t *testing.T) {
	a, b, c := &binding{raw: "a"}, &binding{raw: "b"}, &binding{raw: "c"}
	var o owners
	want := map[string]*binding{}
	steps := []struct {
		op  string
		key string
		b   *binding
	}{
		{"set", "x", a}, {"set", "y", b}, {"set", "z", c}, {"del", "x", nil}, {"set", "w", a},
		{"set", "y", c}, {"del", "y", nil}, {"del", "w", nil}, {"set", "x", b}, {"del", "nothing", nil}, {"set", "x", c},
	}
	for i, st := range steps {
		if st.op == "set" {
			o.set(st.key, st.b)
			want[st.key] = st.b
		} else {
			o.delete(st.key)
			delete(want, st.key)
		}
		for _, k := range []string{"w", "x", "y", "z", "nothing"} {
			if got := o.get(k); got != want[k] {
				t.Fatalf("step %d (%s %s): get(%s) = %v, want %v", i, st.op, st.key, k, got, want[k])
			}
		}
	}
}

// TestCostly checks what a session tells the ingest server about its last
// batch: costly when it resolved costlyResolves names or more (created or
// refused), not when it updated names that exist or sent a few new ones.
func TestCostly(t *testing.T) {
	e, err := New(Options{MaxSeries: 100, MaxSeriesPerJob: 100}, prometheus.NewRegistry(), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.AddrPort{})
	batch := func(first, n int) bool {
		s.Begin(time.Now())
		for i := first; i < first+n; i++ {
			s.Message(fmt.Appendf(nil, "name %d: 1", i))
		}
		s.End()
		return s.Costly()
	}
	for _, step := range []struct {
		what     string
		first, n int
		want     bool
	}{
		{"a job's first message with a few names", 0, costlyResolves - 1, false},
		{"the same names again", 0, costlyResolves - 1, false},
		{"a batch of new names", 1000, costlyResolves, true},
		{"names that exist now", 1000, costlyResolves, false},
		{"new names beyond the cap, refused", 2000, 2 * costlyResolves, true},
		{"the refused names again, remembered", 2000, costlyResolves, false},
	} {
		if got := batch(step.first, step.n); got != step.want {
			t.Errorf("%s: Costly() = %v, want %v", step.what, got, step.want)
		}
	}
}

// TestRefusedAtTheCap checks the short way a never-seen name takes once
// --max-series is reached (refuseNew): refused for max_series, dropped by
// its rule, or, when its metric exists, folded into that metric's overflow
// series by the long walk.
func TestRefusedAtTheCap(t *testing.T) {
	m, err := mapping.Parse([]byte("rules:\n  - match: \"x *\"\n    name: x\n    labels: {k: \"$1\"}\n  - match: \"debug *\"\n    drop: true\n"), "m.yml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{Mapper: m, MaxSeries: 2, MaxSeriesPerJob: 2}, prometheus.NewRegistry(), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.AddrPort{})
	s.Message([]byte("x a: 1"))
	s.Message([]byte("y: 1")) // the cap is reached
	for _, tc := range []struct {
		msg, reason string
		folded      float64 // updates folded into x's overflow series so far
	}{
		{"brand new: 1", reasonMaxSeries, 0},
		{"debug level: 1", reasonDropped, 0},
		{"x b: 2", "", 1},
		{"another new: 1", reasonMaxSeries, 1},
		{"x c: 3", "", 2},
	} {
		var before float64
		if tc.reason != "" {
			before = testutil.ToFloat64(e.self.rejected[tc.reason])
		}
		s.Message([]byte(tc.msg))
		if tc.reason != "" {
			if got := testutil.ToFloat64(e.self.rejected[tc.reason]) - before; got != 1 {
				t.Errorf("%q: rejected{reason=%q} grew by %v, want 1", tc.msg, tc.reason, got)
			}
		}
		x := e.metrics["x"]
		if x == nil || x.overflow == nil && tc.folded > 0 {
			t.Fatalf("%q: x has no overflow series", tc.msg)
		}
		if got := float64(x.folded.Load()); got != tc.folded {
			t.Errorf("%q: x folded %v updates, want %v", tc.msg, got, tc.folded)
		}
	}
	if got := testutil.ToFloat64(e.self.series); got != 3 {
		t.Errorf("rexporter_series = %v, want 3 (x a, y and x's overflow series)", got)
	}
}
