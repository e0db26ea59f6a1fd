package exporter

import (
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rexporter/rexporter/mapping"
)

// jobFixture is an exporter with a hand-driven clock.
type jobFixture struct {
	t    *testing.T
	now  time.Time
	e    *Exporter
	user *prometheus.Registry
}

func newJobFixture(t *testing.T, opts Options) *jobFixture {
	f := &jobFixture{t: t, now: fixedNow, user: prometheus.NewRegistry()}
	e, err := New(opts, f.user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), func() time.Time { return f.now })
	if err != nil {
		t.Fatal(err)
	}
	f.e = e
	return f
}

func (f *jobFixture) send(s *Session, lines ...string) {
	for _, l := range lines {
		s.Message([]byte(l))
	}
}

// count returns how many samples of the user registry match a metric name
// and all the given label pairs.
func (f *jobFixture) count(name string, labels ...string) int {
	f.t.Helper()
	mfs, err := f.user.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					found = found || lp.GetName() == labels[i] && lp.GetValue() == labels[i+1]
				}
				if !found {
					continue next
				}
			}
			n++
		}
	}
	return n
}

func TestJobLifecycle(t *testing.T) {
	f := newJobFixture(t, Options{JobRetention: time.Hour})
	a := f.e.NewSession(netip.AddrPort{})
	b := f.e.NewSession(netip.AddrPort{})
	silent := f.e.NewSession(netip.AddrPort{})
	f.send(a, "job: fit", "loss: 1")
	f.send(b, "job: crash", "loss: 2")

	a.Message([]byte("bye"))
	a.Close(nil)
	b.Close(nil) // EOF without bye
	silent.Close(nil)

	if f.count("rexporter_job_state", "r_job", "fit", "state", "finished") != 1 {
		t.Error("fit is not finished")
	}
	if f.count("rexporter_job_state", "r_job", "crash", "state", "vanished") != 1 {
		t.Error("crash is not vanished")
	}
	if f.count("rexporter_job_up", "r_job", "unnamed") != 0 {
		t.Error("a connection that sent nothing became a job")
	}
	var state float64
	mfs, _ := f.user.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "rexporter_job_state" {
			for _, m := range mf.GetMetric() {
				state += m.GetGauge().GetValue()
			}
		}
	}
	if state != 2 {
		t.Errorf("sum of job states = %v, want one state per job (2)", state)
	}

	// Within the retention both jobs and their series stay.
	f.now = f.now.Add(59 * time.Minute)
	if f.count("loss", "r_job", "fit") != 1 || f.count("rexporter_job_up", "r_job", "crash") != 1 {
		t.Fatal("jobs expired before their retention")
	}
	// A job that comes back is running again and is not expired.
	c := f.e.NewSession(netip.AddrPort{})
	f.send(c, "job: crash", "loss: 3")
	f.now = f.now.Add(2 * time.Minute)
	if n := f.count("rexporter_job_up", "r_job", "fit"); n != 0 {
		t.Errorf("fit still visible after its retention (%d samples)", n)
	}
	if n := f.count("loss", "r_job", "fit"); n != 0 {
		t.Errorf("fit's series outlived the job (%d samples)", n)
	}
	if f.count("rexporter_job_state", "r_job", "crash", "state", "running") != 1 || f.count("loss", "r_job", "crash") != 1 {
		t.Error("the returning job crash was expired or is not running")
	}
	if got := testutil.ToFloat64(f.e.self.series); got != 1 {
		t.Errorf("rexporter_series = %v, want 1", got)
	}
}

func TestMaxJobs(t *testing.T) {
	f := newJobFixture(t, Options{MaxJobs: 2})
	for i, name := range []string{"a", "b", "c"} {
		s := f.e.NewSession(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(i)))
		f.send(s, "job: "+name, "x: 1")
	}
	// a and b, and c's connection in the overflow job.
	if f.count("rexporter_job_up") != 3 || f.count("rexporter_job_up", "r_job", "_overflow") != 1 {
		t.Errorf("%d jobs, want a, b and _overflow", f.count("rexporter_job_up"))
	}
	if f.count("x", "r_job", "c") != 0 {
		t.Error("the job beyond the cap got a label")
	}
	if got := testutil.ToFloat64(f.e.self.rejected[reasonMaxJobs]); got != 1 {
		t.Errorf("rejected max_jobs = %v, want 1", got)
	}
	// Its values still arrive, in the overflow job.
	if f.count("x") != 3 || f.count("x", "r_job", "_overflow") != 1 {
		t.Errorf("%d x samples, want 3 (a, b and _overflow)", f.count("x"))
	}
}

// TestExpiredNameCanBeReused checks that a family is given back when its
// last series expires, so the map of names stays bounded over time.
func TestExpiredNameCanBeReused(t *testing.T) {
	f := newJobFixture(t, Options{JobRetention: time.Minute})
	s := f.e.NewSession(netip.AddrPort{})
	f.send(s, "job: j", "Loss-rate: 1")
	s.Close(nil)
	f.now = f.now.Add(time.Hour)
	f.count("loss_rate") // a scrape expires the job
	if len(f.e.bindings) != 0 || len(f.e.metrics) != 0 || len(f.e.taken) != 0 {
		t.Fatalf("names not released: %d bindings, %d metrics, %d taken", len(f.e.bindings), len(f.e.metrics), len(f.e.taken))
	}
	s = f.e.NewSession(netip.AddrPort{})
	f.send(s, "Loss rate: 2")
	mfs, _ := f.user.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "loss_rate" && !strings.Contains(mf.GetHelp(), `"Loss rate"`) {
			t.Errorf("HELP %q, want the new owner's name", mf.GetHelp())
		}
	}
}

func TestRenamedConnectionLeavesOldJobCleanly(t *testing.T) {
	f := newJobFixture(t, Options{})
	s := f.e.NewSession(netip.AddrPort{})
	f.send(s, "x: 1", "job: named", "x: 2")
	if f.count("rexporter_job_state", "r_job", "local", "state", "finished") != 1 {
		t.Error("the connection's identity job did not end cleanly when it named itself")
	}
	if f.count("x") != 2 || f.count("x", "r_job", "named") != 1 || f.count("x", "r_job", "local") != 1 {
		t.Error("want one r_job=local and one r_job=named x")
	}
}

// TestSetMapperRebuildsOnlyChangedNames reloads a mapping that changes one
// name's buckets: that name's histogram is rebuilt with the new buckets and
// its counter restarts; the other name keeps its series and counts.
func TestSetMapperRebuildsOnlyChangedNames(t *testing.T) {
	before, err := mapping.Parse([]byte("rules:\n  - match: a\n    buckets: [1, 2]\n"), "m.yml")
	if err != nil {
		t.Fatal(err)
	}
	after, err := mapping.Parse([]byte("rules:\n  - match: a\n    buckets: [10, 20, 30]\n"), "m.yml")
	if err != nil {
		t.Fatal(err)
	}
	f := newJobFixture(t, Options{Mapper: before})
	s := f.e.NewSession(netip.AddrPort{})
	f.send(s, "a: 1", "a: 1", "b: 1", "b: 1")

	if f.e.SetMapper(before) {
		t.Error("SetMapper with an equal mapping reported a change")
	}
	if !f.e.SetMapper(after) {
		t.Fatal("SetMapper with new buckets reported no change")
	}
	f.send(s, "a: 15", "b: 2")

	mfs, err := f.user.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				got[mf.GetName()] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				got[mf.GetName()+"_buckets"] = float64(len(m.GetHistogram().GetBucket()))
			}
		}
	}
	want := map[string]float64{
		"a_messages_total": 1, // rebuilt: counts from the reload on
		"b_messages_total": 3, // untouched
		"a_values_buckets": 3,
		"b_values_buckets": float64(len(mapping.DefaultBuckets)),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
