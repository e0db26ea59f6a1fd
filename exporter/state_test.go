package exporter

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/rexporter/rexporter/mapping"
)

// newTestExporter returns an exporter with default options and a real clock.
func newTestExporter(t *testing.T) (*Exporter, *prometheus.Registry, *prometheus.Registry) {
	t.Helper()
	user, self := prometheus.NewRegistry(), prometheus.NewRegistry()
	e, err := New(Options{}, user, self, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return e, user, self
}

func mustMapper(t *testing.T, yml string) *mapping.Mapper {
	t.Helper()
	m, err := mapping.Parse([]byte(yml), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// exposition renders a gatherer's families as text, without the per-job
// families whose running/ended state a restore changes on purpose (keep
// says which families to keep).
func stateExposition(t *testing.T, g prometheus.Gatherer, keep func(name string) bool) string {
	return stateExpositionIn(t, g, keep, expfmt.TypeTextPlain)
}

// stateExpositionIn is stateExposition in a given format; the protobuf
// text format shows native histogram buckets too.
func stateExpositionIn(t *testing.T, g prometheus.Gatherer, keep func(name string) bool, typ expfmt.FormatType) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(typ))
	for _, mf := range mfs {
		if keep(mf.GetName()) {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.String()
}

// userFamilies keeps everything but the per-job families whose running
// state differs after a restore.
func userFamilies(name string) bool {
	switch name {
	case "rexporter_job_connections", "rexporter_job_end_timestamp_seconds", "rexporter_job_state", "rexporter_job_up",
		"rexporter_job_stalled": // only an up job can be stalled
		return false
	}
	return true
}

// TestStateRoundTrip feeds every golden input, saves the state, loads it
// into a fresh exporter and checks that the exposition (counters,
// histograms with their native buckets, gauges, progress, states, per-job
// counters) is identical, and that saving again gives the same document.
func TestStateRoundTrip(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.in")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		name := filepath.Base(strings.TrimSuffix(in, ".in"))
		t.Run(name, func(t *testing.T) {
			opts := goldenCaseOptions(t, in)
			e, user, _ := feedGolden(t, in, opts)
			want := stateExpositionIn(t, user, userFamilies, expfmt.TypeProtoText)
			var saved bytes.Buffer
			if err := e.SaveState(&saved); err != nil {
				t.Fatal(err)
			}

			user2 := prometheus.NewRegistry()
			e2, err := New(opts, user2, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), func() time.Time { return fixedNow })
			if err != nil {
				t.Fatal(err)
			}
			st, err := e2.LoadState(bytes.NewReader(saved.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if st.Skipped != 0 || st.HistogramsReset != 0 {
				t.Errorf("load: %+v, want nothing skipped", st)
			}
			if got := stateExpositionIn(t, user2, userFamilies, expfmt.TypeProtoText); got != want {
				t.Errorf("exposition after restore differs:\n--- got\n%s\n--- want\n%s", got, want)
			}
			var again bytes.Buffer
			if err := e2.SaveState(&again); err != nil {
				t.Fatal(err)
			}
			if n1, n2 := strings.Count(saved.String(), `"job":`), strings.Count(again.String(), `"job":`); n1 != n2 {
				t.Errorf("saved again: %d series records, want %d", n2, n1)
			}
		})
	}
}

// TestStateRestoredJobsEnded checks that a job running when the state was
// saved is restored as vanished (not running) with its series and r_job
// label, and runs again when a connection names it.
func TestStateRestoredJobsEnded(t *testing.T) {
	e, _, _ := newTestExporter(t)
	s := e.NewSession(netip.MustParseAddrPort("127.0.0.1:4000"))
	s.Message([]byte("job: fit"))
	s.Message([]byte("loss: 0.5"))
	var saved bytes.Buffer
	if err := e.SaveState(&saved); err != nil {
		t.Fatal(err)
	}
	e2, user2, _ := newTestExporter(t)
	if _, err := e2.LoadState(&saved); err != nil {
		t.Fatal(err)
	}
	text := stateExposition(t, user2, func(string) bool { return true })
	for _, want := range []string{
		`rexporter_job_state{r_job="fit",state="vanished"} 1`,
		`loss_messages_total{r_job="fit"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("restored exposition lacks %s:\n%s", want, text)
		}
	}
	s2 := e2.NewSession(netip.MustParseAddrPort("127.0.0.1:4001"))
	s2.Message([]byte("job: fit"))
	s2.Message([]byte("loss: 0.25"))
	text = stateExposition(t, user2, func(string) bool { return true })
	for _, want := range []string{
		`rexporter_job_state{r_job="fit",state="running"} 1`,
		`loss_messages_total{r_job="fit"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %s:\n%s", want, text)
		}
	}
}

// TestStateBadFiles checks that foreign, corrupt and too new documents are
// refused with the matching error and change nothing.
func TestStateBadFiles(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want error
	}{
		"not json":         {"hello", ErrStateForeign},
		"other json":       {`{"a": 1}`, ErrStateForeign},
		"future version":   {`{"format":"rexporter-state","version":99}`, ErrStateVersion},
		"version zero":     {`{"format":"rexporter-state","version":0}`, ErrStateVersion},
		"truncated":        {`{"format":"rexporter-state","version":1,"jobs":[{"name":"a","state":"running"}],"series":[{"job":"a","name":"x","kind":"number","la`, ErrStateForeign},
		"unknown job":      {`{"format":"rexporter-state","version":1,"jobs":[],"series":[{"job":"a","name":"x","kind":"number","last":1}]}`, ErrStateCorrupt},
		"bad buckets":      {`{"format":"rexporter-state","version":1,"jobs":[{"name":"a","state":"running","start_ns":1}],"series":[{"job":"a","name":"x","kind":"number","last":1,"hist":{"bounds":[1],"counts":[1],"sum":1}}]}`, ErrStateCorrupt},
		"bad kind, late":   {`{"format":"rexporter-state","version":1,"jobs":[{"name":"a","state":"running","start_ns":1}],"series":[{"job":"a","name":"x","kind":"number","last":1},{"job":"a","name":"y","kind":"colour","last":1}]}`, ErrStateCorrupt},
		"wrong field type": {`{"format":"rexporter-state","version":1,"jobs":"none"}`, ErrStateCorrupt},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, user, _ := newTestExporter(t)
			_, err := e.LoadState(strings.NewReader(tc.doc))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if text := stateExposition(t, user, func(string) bool { return true }); text != "" {
				t.Errorf("a refused document changed the exporter:\n%s", text)
			}
		})
	}
}

// TestStateFileAtomic checks the file round trip and that errors name the file.
func TestStateFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	e, _, _ := newTestExporter(t)
	if st, err := e.LoadStateFile(path); err != nil || st != (LoadStats{}) {
		t.Fatalf("missing file: %+v, %v; want nothing, no error", st, err)
	}
	s := e.NewSession(netip.AddrPort{})
	s.Message([]byte("x: 1"))
	if err := e.SaveStateFile(path); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	e2, _, _ := newTestExporter(t)
	if st, err := e2.LoadStateFile(path); err != nil || st.Series != 1 {
		t.Fatalf("load: %+v, %v", st, err)
	}
	bad := filepath.Join(dir, "bad.json")
	writeFile(t, bad, "garbage")
	e3, _, _ := newTestExporter(t)
	if _, err := e3.LoadStateFile(bad); err == nil || !strings.Contains(err.Error(), bad) || !errors.Is(err, ErrStateForeign) {
		t.Errorf("err = %v, want one naming %s", err, bad)
	}
}

// TestTombstone checks that a counter that expired by its TTL continues
// from its total when its name comes back.
func TestTombstone(t *testing.T) {
	now := fixedNow
	user := prometheus.NewRegistry()
	m := mustMapper(t, "defaults:\n  ttl: 1m\n")
	e, err := New(Options{Mapper: m}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.MustParseAddrPort("127.0.0.1:4000"))
	s.Message([]byte("job: w"))
	for range 3 {
		s.Message([]byte("n: 2"))
	}
	s.Close(nil)
	now = now.Add(2 * time.Minute)
	if text := stateExposition(t, user, func(n string) bool { return strings.HasPrefix(n, "n_") }); text != "" {
		t.Fatalf("series did not expire:\n%s", text)
	}
	s = e.NewSession(netip.MustParseAddrPort("127.0.0.1:4001"))
	s.Message([]byte("job: w"))
	s.Message([]byte("n: 2"))
	text := stateExposition(t, user, func(n string) bool { return strings.HasPrefix(n, "n_") })
	for _, want := range []string{`n_messages_total{r_job="w"} 4`, `n_values_count{r_job="w"} 4`, `n_values_sum{r_job="w"} 8`} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %s:\n%s", want, text)
		}
	}
}
