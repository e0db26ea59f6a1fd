package exporter

import (
	"log/slog"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/mapping"
)

// newStatusExporter builds an exporter on a fake clock, with an optional
// mapping file.
func newStatusExporter(t testing.TB, opts Options, yml string, now *time.Time) *Exporter {
	t.Helper()
	if yml != "" {
		m, err := mapping.Parse([]byte(yml), "m.yml")
		if err != nil {
			t.Fatal(err)
		}
		opts.Mapper = m
	}
	e, err := New(opts, prometheus.NewRegistry(), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	// Watched: the series count applied fields only while a tap is on.
	e.SetTap(discardTap{})
	return e
}

// discardTap is a tap that keeps nothing.
type discardTap struct{}

func (discardTap) Record(TappedMessage) {}

// TestAppliedCountsOnlyWhileWatched checks that the per-series count the page
// derives rates from costs nothing while no one watches: it only moves
// while a tap is on.
func TestAppliedCountsOnlyWhileWatched(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	e := newStatusExporter(t, Options{}, "", &now)
	e.SetTap(nil)
	s := e.NewSession(netip.AddrPort{})
	s.Message([]byte("x: 1"))
	s.Message([]byte("x: 2"))
	e.SetTap(discardTap{})
	s.Message([]byte("x: 3"))
	e.SetTap(nil)
	s.Message([]byte("x: 4"))
	got := e.Snapshot().Series
	if len(got) != 1 || got[0].Applied != 1 || got[0].Value != 4 {
		t.Errorf("series %+v, want one with Applied 1 (only x: 3 was watched) and value 4", got)
	}
}

// TestSnapshot feeds two jobs through real sessions and compares the whole
// snapshot.
func TestSnapshot(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	t0 := now
	e := newStatusExporter(t, Options{MaxSeries: 100}, `
rules:
  - match: "loss *"
    name: loss
    labels: {split: "$1"}
    families: [gauge]
  - match: "short *"
    ttl: 1m
`, &now)
	a := e.NewSession(netip.MustParseAddrPort("127.0.0.1:4000"))
	a.Message([]byte("job: fit"))
	a.Message([]byte("[2026-11-25 17:06:16] - Random Poisson: 11"))
	now = now.Add(time.Second)
	a.Message([]byte("Random Poisson: 12, loss train: 0.5, step: 3/10, phase: fitting model, wait: 12 ms"))
	a.Message([]byte("bye"))
	a.Close(nil)

	b := e.NewSession(netip.MustParseAddrPort("127.0.0.1:4001"))
	now = now.Add(time.Second)
	b.Message([]byte("Random Poisson: 7, short lived: 1"))

	got := normalize(e.Snapshot())
	slices.SortFunc(got.Series, func(x, y SeriesStatus) int {
		return strings.Compare(x.RName+"\x00"+x.Job, y.RName+"\x00"+y.Job)
	})
	slices.SortFunc(got.Jobs, func(x, y JobStatus) int { return strings.Compare(x.Name, y.Name) })
	t1, t2 := t0.Add(time.Second), t0.Add(2*time.Second)
	want := Snapshot{
		Time:      t2,
		MaxSeries: 100,
		Series: []SeriesStatus{
			{RName: "Random Poisson", Metric: "random_poisson", Kind: "number", Types: []string{"gauge", "counter", "histogram"}, Job: "127.0.0.1", Value: 7, Applied: 1, Updated: t2},
			{RName: "Random Poisson", Metric: "random_poisson", Kind: "number", Types: []string{"gauge", "counter", "histogram"}, Job: "fit", Value: 12, Applied: 2, Updated: t1},
			{RName: "loss train", Metric: "loss", Kind: "number", Types: []string{"gauge"}, Job: "fit", Labels: []Label{{"split", "train"}}, Value: 0.5, Applied: 1, Updated: t1},
			{RName: "phase", Metric: "phase", Kind: "state", Types: []string{"gauge"}, Job: "fit", State: "fitting model", Applied: 1, Updated: t1},
			{RName: "short lived", Metric: "short_lived", Kind: "number", Types: []string{"gauge", "counter", "histogram"}, Job: "127.0.0.1", Value: 1, Applied: 1, Updated: t2},
			{RName: "step", Metric: "step", Kind: "progress", Types: []string{"gauge"}, Job: "fit", Value: 3, Steps: 10, Applied: 1, Updated: t1},
			{RName: "wait", Metric: "wait_seconds", Kind: "number", Unit: "seconds", Types: []string{"gauge", "counter", "histogram"}, Job: "fit", Value: 0.012, Applied: 1, Updated: t1},
		},
		Jobs: []JobStatus{
			{Name: "127.0.0.1", State: "running", Connections: 1, Start: t2, LastMessage: t2, Messages: 1, StallAfter: DefaultStallMax},
			{Name: "fit", State: "finished", Start: t0, End: t1, LastMessage: t1, Messages: 4},
		},
	}
	if !reflect.DeepEqual(want.Series, got.Series) {
		t.Errorf("series:\n got %+v\nwant %+v", got.Series, want.Series)
	}
	if !reflect.DeepEqual(want.Jobs, got.Jobs) {
		t.Errorf("jobs:\n got %+v\nwant %+v", got.Jobs, want.Jobs)
	}
	if !got.Time.Equal(want.Time) || got.MaxSeries != want.MaxSeries {
		t.Errorf("time %s, max series %d; want %s, %d", got.Time, got.MaxSeries, want.Time, want.MaxSeries)
	}

	// While its connection is open the series stays, however quiet.
	now = now.Add(time.Hour)
	if !slices.ContainsFunc(e.Snapshot().Series, func(s SeriesStatus) bool { return s.RName == "short lived" }) {
		t.Error("a connected job's series expired")
	}
	// The TTL passes after the job ended, with nothing scraping: the
	// snapshot forgets the series, as a scrape would.
	b.Close(nil)
	now = now.Add(time.Minute)
	for _, s := range e.Snapshot().Series {
		if s.RName == "short lived" {
			t.Errorf("expired series still in the snapshot: %+v", s)
		}
	}
}

// TestSnapshotOverflow shows the overflow series of a capped metric.
func TestSnapshotOverflow(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	e := newStatusExporter(t, Options{MaxSeries: 1}, "", &now)
	s := e.NewSession(netip.AddrPort{})
	s.Message([]byte("x: 1"))
	s.Message([]byte("job: other"))
	s.Message([]byte("x: 2"))
	var overflow []SeriesStatus
	for _, st := range normalize(e.Snapshot()).Series {
		if st.Overflow {
			overflow = append(overflow, st)
		}
	}
	want := []SeriesStatus{{Metric: "x", Kind: "number", Types: []string{"gauge", "counter", "histogram"}, Job: "_overflow", Overflow: true, Value: 2, Applied: 1, Updated: now}}
	if !reflect.DeepEqual(want, overflow) {
		t.Errorf("overflow series:\n got %+v\nwant %+v", overflow, want)
	}
}

// normalize makes a snapshot comparable with reflect.DeepEqual: times in
// UTC without monotonic readings, no empty label lists.
func normalize(s Snapshot) Snapshot {
	utc := func(t *time.Time) { *t = t.Round(0).UTC() }
	utc(&s.Time)
	for i := range s.Series {
		utc(&s.Series[i].Updated)
		if len(s.Series[i].Labels) == 0 {
			s.Series[i].Labels = nil
		}
	}
	for i := range s.Jobs {
		j := &s.Jobs[i]
		utc(&j.Start)
		utc(&j.End)
		utc(&j.LastMessage)
	}
	return s
}

// recorder is a Tap that keeps copies of what it receives.
type recorder struct {
	mu   sync.Mutex
	msgs []TappedMessage
}

func (r *recorder) Record(m TappedMessage) {
	m.Text = slices.Clone(m.Text)
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}

// TestTapOutcomes sends a message after some set-up and checks what the
// tap saw: the outcome, the job, and every refused field with its reason.
func TestTapOutcomes(t *testing.T) {
	tests := map[string]struct {
		opts    Options
		mapping string
		setup   []string
		msg     string
		outcome string
		job     string
		refused []Refusal
	}{
		"applied": {
			msg: "[2026-11-25 17:06:16] - Random Poisson: 11", outcome: "ok", job: "192.0.2.1",
		},
		"NA is not a refusal": {
			msg: "x: NA, y: 1", outcome: "ok", job: "192.0.2.1",
		},
		"parse error before any job": {
			msg: "x: 0,5", outcome: "decimal_comma",
		},
		"bad name": {
			setup: []string{"job: fit"}, msg: "<>(): 1", outcome: "bad_name", job: "fit",
		},
		"a bad field beside a good one": {
			setup: []string{"job: fit"}, msg: "Loss: 0.5, Checkpoint: [2026-12-01] saved", outcome: "ok", job: "fit",
			refused: []Refusal{{"Checkpoint", "bad_value"}},
		},
		"naming the job": {
			msg: "job: fit-model", outcome: "ok", job: "fit-model",
		},
		"job among other fields is reserved": {
			msg: "x: 1, job: 2", outcome: "ok", job: "192.0.2.1", refused: []Refusal{{"job", "reserved"}},
		},
		"kind mismatch on a cached name": {
			setup: []string{"x: 1"}, msg: "x: fitting, y: 2", outcome: "ok", job: "192.0.2.1",
			refused: []Refusal{{"x", "kind_mismatch"}},
		},
		"kind mismatch on another job's name": {
			setup: []string{"job: a", "x: 1", "job: b"}, msg: "x: 3/10", outcome: "ok", job: "b",
			refused: []Refusal{{"x", "kind_mismatch"}},
		},
		"unit mismatch": {
			setup: []string{"wait: 1 secs"}, msg: "wait: 3", outcome: "ok", job: "192.0.2.1",
			refused: []Refusal{{"wait", "unit_mismatch"}},
		},
		"bad increment": {
			mapping: "rules:\n  - match: rows\n    counter: increment\n",
			setup:   []string{"rows: 5"}, msg: "rows: -1", outcome: "ok", job: "192.0.2.1",
			refused: []Refusal{{"rows", "bad_increment"}},
		},
		"dropped by a rule": {
			mapping: "rules:\n  - match: \"debug *\"\n    drop: true\n",
			msg:     "debug x: 1, kept: 2", outcome: "ok", job: "192.0.2.1",
			refused: []Refusal{{"debug x", "dropped"}},
		},
		"reserved metric name": {
			msg: "go goroutines: 1", outcome: "ok", job: "192.0.2.1", refused: []Refusal{{"go goroutines", "reserved"}},
		},
		"collision": {
			setup: []string{"Loss: 1"}, msg: "loss: 2", outcome: "ok", job: "192.0.2.1",
			refused: []Refusal{{"loss", "collision"}},
		},
		"max series": {
			opts: Options{MaxSeries: 1}, setup: []string{"a: 1"}, msg: "b: 1", outcome: "ok", job: "192.0.2.1",
			refused: []Refusal{{"b", "max_series"}},
		},
		"folded into the overflow series": {
			opts: Options{MaxSeries: 1}, setup: []string{"a: 1", "job: other"}, msg: "a: 2", outcome: "ok", job: "other",
			refused: []Refusal{{"a", "overflow"}},
		},
		"max jobs": {
			opts: Options{MaxJobs: 1}, setup: []string{"job: first"}, msg: "job: second", outcome: "ok", job: "_overflow",
			refused: []Refusal{{"job", "max_jobs"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
			e := newStatusExporter(t, tc.opts, tc.mapping, &now)
			s := e.NewSession(netip.MustParseAddrPort("192.0.2.1:5000"))
			for _, m := range tc.setup {
				s.Message([]byte(m))
			}
			rec := &recorder{}
			e.SetTap(rec)
			s.Message([]byte(tc.msg))
			if len(rec.msgs) != 1 {
				t.Fatalf("tap saw %d messages, want 1", len(rec.msgs))
			}
			got := rec.msgs[0]
			if string(got.Text) != tc.msg || got.Outcome != tc.outcome || got.Job != tc.job ||
				got.Remote.String() != "192.0.2.1:5000" || !got.Time.Equal(now) {
				t.Errorf("tapped %q outcome %q job %q from %s at %s, want %q %q %q",
					got.Text, got.Outcome, got.Job, got.Remote, got.Time, tc.msg, tc.outcome, tc.job)
			}
			if (got.Error != "") != (tc.outcome != OutcomeOK) {
				t.Errorf("error %q for outcome %q", got.Error, got.Outcome)
			}
			if refused := got.Refused[:got.NRefused]; !slices.Equal(refused, tc.refused) || got.MoreRefused != 0 {
				t.Errorf("refused %v (and %d more), want %v", refused, got.MoreRefused, tc.refused)
			}
		})
	}
}

// TestTapBoundsRefusals lists at most MaxTappedRefusals refused fields and
// counts the rest.
func TestTapBoundsRefusals(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	e := newStatusExporter(t, Options{MaxSeries: 1}, "", &now)
	s := e.NewSession(netip.AddrPort{})
	rec := &recorder{}
	e.SetTap(rec)
	s.Message([]byte("a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1"))
	got := rec.msgs[0]
	if got.NRefused != MaxTappedRefusals || got.MoreRefused != 2 || got.Refused[0] != (Refusal{"b", "max_series"}) {
		t.Errorf("refused %v (%d listed, %d more), want b..e listed and 2 more", got.Refused, got.NRefused, got.MoreRefused)
	}
}

// TestTapOff checks that nothing reaches a tap once it is switched off.
func TestTapOff(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	e := newStatusExporter(t, Options{}, "", &now)
	s := e.NewSession(netip.AddrPort{})
	rec := &recorder{}
	s.Message([]byte("before: 1"))
	e.SetTap(rec)
	s.Message([]byte("during: 1"))
	s.Message([]byte("bad"))
	e.SetTap(nil)
	s.Message([]byte("after: 1"))
	var got []string
	for _, m := range rec.msgs {
		got = append(got, string(m.Text)+" "+m.Outcome)
	}
	if want := []string{"during: 1 ok", "bad no_fields"}; !slices.Equal(got, want) {
		t.Errorf("tapped %q, want %q", got, want)
	}
}

// ringTap is the kind of tap the status page uses: a copy into a
// preallocated slot under a short lock.
type ringTap struct {
	mu    sync.Mutex
	slots [100][512]byte
	next  int
}

func (r *ringTap) Record(m TappedMessage) {
	r.mu.Lock()
	copy(r.slots[r.next][:], m.Text)
	r.next = (r.next + 1) % len(r.slots)
	r.mu.Unlock()
}

// BenchmarkTap is what the status page's tap adds to a message: the inlined
// check alone while no one watches, and building the record and copying it
// into a ring while someone does.
func BenchmarkTap(b *testing.B) {
	now := time.Now()
	e := newStatusExporter(b, Options{}, "", &now)
	s := e.NewSession(netip.AddrPort{})
	msg := []byte("[2026-11-25 17:06:16] - Random Poisson: 11")
	s.Message(msg)
	b.Run("unwatched", func(b *testing.B) {
		e.SetTap(nil)
		s.Begin(now) // a batch reads whether the tap is on
		defer s.End()
		b.ReportAllocs()
		for b.Loop() {
			s.tap(msg, nil)
		}
	})
	b.Run("watched", func(b *testing.B) {
		e.SetTap(&ringTap{})
		defer e.SetTap(nil)
		s.Begin(now)
		defer s.End()
		b.ReportAllocs()
		for b.Loop() {
			s.tap(msg, nil)
		}
	})
}
