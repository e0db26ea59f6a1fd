package exporter

import (
	"bufio"
	"bytes"
	"flag"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/mapping"
)

var update = flag.Bool("update", false, "rewrite the golden .prom files from the current output")

// fixedNow is the clock of every golden case, so timestamps in the goldens are stable.
var fixedNow = time.Date(2026, 11, 25, 17, 6, 16, 0, time.UTC)

// goldenOptions are the options of the golden cases that need more than the defaults.
var goldenOptions = map[string]Options{
	"max_series": {MaxSeries: 2},
	"namespace":  {Namespace: "r"},
	"recognised": {Recognisers: func() *recognise.Set { return recognise.NewSet() }},
}

// TestGolden feeds each testdata/<case>.in, one message per line, through
// sessions and compares everything the exporter exposes with testdata/<case>.prom.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.in")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		name := filepath.Base(in[:len(in)-len(".in")])
		t.Run(name, func(t *testing.T) {
			g := runGolden(t, in, goldenCaseOptions(t, in))
			want := in[:len(in)-len(".in")] + ".prom"
			if *update {
				// testutil.GatherAndFormat (v1.25) returns nothing when no
				// names are given, so write the whole exposition this way.
				if err := prometheus.WriteToTextfile(want, g); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.Open(want)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			defer f.Close()
			if err := testutil.GatherAndCompare(g, f); err != nil {
				t.Error(err)
			}
			problems, err := testutil.GatherAndLint(g)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("lint: %s: %s", p.Metric, p.Text)
			}
		})
	}
}

// goldenCaseOptions returns the options of the golden case whose input is
// in: goldenOptions, and testdata/<case>.yml as the mapping file if there is one.
func goldenCaseOptions(t *testing.T, in string) Options {
	t.Helper()
	opts := goldenOptions[strings.TrimSuffix(filepath.Base(in), ".in")]
	if cfg := strings.TrimSuffix(in, ".in") + ".yml"; fileExists(cfg) {
		m, err := mapping.Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		opts.Mapper = m
	}
	return opts
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// runGolden builds an exporter with the given options, feeds it the input file
// and returns a gatherer over user and self metrics (without Go and process
// metrics, which are not deterministic).
func runGolden(t *testing.T, in string, opts Options) prometheus.Gatherer {
	t.Helper()
	_, user, self := feedGolden(t, in, opts)
	return prometheus.Gatherers{user, self}
}

// feedGolden builds an exporter with the given options and feeds it the
// input file.
func feedGolden(t *testing.T, in string, opts Options) (e *Exporter, user, self *prometheus.Registry) {
	t.Helper()
	return feedGoldenEach(t, in, opts, nil)
}

// feedGoldenEach is feedGolden, calling after (when not nil) once each
// line of the input, messages and directives alike, has taken effect, with
// the line's number from 1.
func feedGoldenEach(t *testing.T, in string, opts Options, after func(n int, e *Exporter, user *prometheus.Registry)) (e *Exporter, user, self *prometheus.Registry) {
	t.Helper()
	user, self = prometheus.NewRegistry(), prometheus.NewRegistry()
	now := fixedNow
	e, err := New(opts, user, self, slog.New(slog.DiscardHandler), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	// Lines are messages, except for directives: "@connect" opens another
	// connection (the previous ones stay open), "@close" ends the latest
	// one, "@advance <duration>" moves the clock and "@scrape" gathers (so
	// expiry happens). Connections still open at the end stay open.
	var open []*Session
	connect := func() {
		open = append(open, e.NewSession(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(40000+len(open)))))
	}
	connect()
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if d, ok := strings.CutPrefix(string(line), "@advance "); ok {
			step, err := time.ParseDuration(d)
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(step)
		} else {
			switch string(line) {
			case "@scrape":
				if _, err := user.Gather(); err != nil {
					t.Fatal(err)
				}
			case "@connect":
				connect()
			case "@close":
				open[len(open)-1].Close(nil)
				open = open[:len(open)-1]
			default:
				open[len(open)-1].Message(line)
			}
		}
		if after != nil {
			after(n, e, user)
		}
	}
	return e, user, self
}

// TestEcho checks that --echo prints every message, bad ones included, as a line.
func TestEcho(t *testing.T) {
	var out bytes.Buffer
	e, err := New(Options{Echo: &out}, prometheus.NewRegistry(), prometheus.NewRegistry(),
		slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession(netip.AddrPort{})
	buf := []byte("x: 1GARBAGE")
	s.Message(buf[:4])
	s.Message([]byte("not a message"))
	if got, want := out.String(), "x: 1\nnot a message\n"; got != want {
		t.Errorf("echo = %q, want %q", got, want)
	}
	if string(buf) != "x: 1GARBAGE" {
		t.Errorf("echo wrote into the caller's buffer: %q", buf)
	}
}
