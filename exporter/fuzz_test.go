package exporter

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rexporter/rexporter/mapping"
)

// fuzzMapping is the mapping of FuzzBytesToExposition: a regex rule whose
// captures become labels, a glob rule with a label, and small caps, so that
// labelled series, per-metric overflow, state folding and expiry all run on
// short inputs.
const fuzzMapping = `defaults:
  max_series: 3
  max_states: 2
  ttl: 1m
rules:
  - match_regex: "^(loss|acc) (train|test|[a-z]+)$"
    name: fit
    labels: {what: "$1", split: "$2"}
  - match: "x *"
    name: x
    labels: {k: "$1"}
  - match: "debug *"
    drop: true
  - match: "Rows read"
    counter: increment
`

// fuzzSplit splits an input into messages the way ingest's framer ends them
// most simply: at '\n' and at NUL. The framer itself (record splitting, quiet
// gap, oversized messages) has its own fuzz target, ingest.FuzzFramer; this
// one is about what the exporter makes of whatever messages arrive.
func fuzzSplit(data []byte) [][]byte {
	return bytes.FieldsFunc(data, func(r rune) bool { return r == '\n' || r == 0 })
}

// acceptedLint reports whether a promlint problem comes from the name the
// user chose rather than from rexporter. rexporter sanitizes an R name into a
// valid metric name but keeps its words: an R name "latency ms", "size
// kilobytes" or "my counter" gives latency_ms, size_kilobytes, my_counter,
// which promlint dislikes for style, not validity. Everything else (missing
// HELP, _total on a non-counter, a reserved suffix, duplicates, camelCase,
// ':') would be rexporter's fault.
func acceptedLint(text string) bool {
	return text == "metric names should not contain abbreviated units" ||
		strings.HasPrefix(text, "use base unit ") ||
		strings.HasPrefix(text, "metric name should not include type ")
}

// FuzzBytesToExposition feeds arbitrary bytes, split into messages, through
// sessions of a fresh exporter and checks the whole path to /metrics: no
// panic, Gather succeeds, the text exposition parses back with Prometheus'
// own parser, Expose writes exactly what expfmt writes (text and
// OpenMetrics), and promlint finds nothing rexporter is to blame for.
//
// As in the golden files, the lines "@connect", "@close", "@advance <d>" and
// "@scrape" open a connection, close the latest one, move the clock and
// gather; every other message goes to the latest open connection (a new one
// if none is open).
func FuzzBytesToExposition(f *testing.F) {
	inputs, err := filepath.Glob("testdata/*.in")
	if err != nil || len(inputs) == 0 {
		f.Fatalf("no golden inputs: %v", err)
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		for _, line := range bytes.Split(raw, []byte("\n")) {
			if len(line) > 0 && !seen[string(line)] {
				seen[string(line)] = true
				f.Add(line)
			}
		}
	}
	for _, s := range []string{
		"a{b=\"c\"} 1\n",
		"# HELP x\n",
		"# TYPE x counter\nx 1\n",
		"loss train: 1\nloss test: 2\nloss val: 3\nloss other: 4\nacc train: TRUE\n",
		"x a: 1\nx b: 2\nx c: 3\nx d: 4\nx e: 5\n",
		"state: a\nstate: b\nstate: c\nstate: d\n",
		"job: a\nv: 1\n@connect\njob: b\nv: x\nbye\n@close\n@advance 2m\n@scrape\n",
		"\xff\xfe: 1\n\xe9t\xe9: 2\n",
		"a\x00b: 1\x00c: 2\x00",
		"le: 1\nquantile: 2\nfoo_total: 3\nfoo: 4\nfoo_bucket: 5\n",
		"progress: 3/10\nprogress: 11/10\nprogress: a\n",
		"job: \xff\nbye\nbye\n",
	} {
		f.Add([]byte(s))
	}
	m, err := mapping.Parse([]byte(fuzzMapping), "fuzz.yml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		user, self := prometheus.NewRegistry(), prometheus.NewRegistry()
		now := fixedNow
		e, err := New(Options{Mapper: m, MaxSeries: 12, MaxJobs: 2, JobRetention: 5 * time.Minute},
			user, self, slog.New(slog.DiscardHandler), func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		var open []*Session
		port := uint16(40000)
		connect := func() {
			port++
			open = append(open, e.NewSession(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)))
		}
		for _, msg := range fuzzSplit(data) {
			if d, ok := strings.CutPrefix(string(msg), "@advance "); ok {
				// The real clock never goes back, and a step beyond a day
				// shows nothing an hour does not.
				if step, err := time.ParseDuration(d); err == nil && step >= 0 && step <= 24*time.Hour {
					now = now.Add(step)
				}
				continue
			}
			switch string(msg) {
			case "@scrape":
				if _, err := user.Gather(); err != nil {
					t.Fatalf("gather: %v", err)
				}
				continue
			case "@connect":
				connect()
				continue
			case "@close":
				if len(open) > 0 {
					open[len(open)-1].Close(nil)
					open = open[:len(open)-1]
				}
				continue
			}
			if len(open) == 0 {
				connect()
			}
			open[len(open)-1].Message(msg)
		}
		now = now.Add(time.Second)

		g := prometheus.Gatherers{user, self}
		mfs, err := g.Gather()
		if err != nil {
			t.Fatalf("gather: %v", err)
		}
		var buf bytes.Buffer
		enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				t.Fatalf("encode %s: %v", mf.GetName(), err)
			}
		}
		parser := expfmt.NewTextParser(model.LegacyValidation)
		back, err := parser.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("the exposition does not parse: %v\n%s", err, buf.Bytes())
		}
		if len(back) != len(mfs) {
			t.Fatalf("%d families gathered, %d parsed back\n%s", len(mfs), len(back), buf.Bytes())
		}
		// The exporter's own writer, which /metrics serves for the text
		// formats, must write what expfmt writes for the same state.
		for fname, f := range exposeFormats {
			if want, got := expfmtExposition(t, user, f.exp), exposition(t, e, f.f); got != want {
				t.Fatalf("%s: Expose differs from expfmt:\n%s", fname, lineDiff(want, got))
			}
		}
		problems, err := testutil.GatherAndLint(g)
		if err != nil {
			t.Fatalf("lint: %v", err)
		}
		for _, p := range problems {
			if !acceptedLint(p.Text) {
				t.Errorf("lint: %s: %s\n%s", p.Metric, p.Text, buf.Bytes())
			}
		}
	})
}
