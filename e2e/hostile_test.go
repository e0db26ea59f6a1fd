package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
)

// hostileTimeout bounds the wait for an attack's exact counts: a generous
// deadline, since the biggest attacks take seconds of the exporter's CPU
// on a busy machine.
const hostileTimeout = time.Minute

// hostile is one kind of hostile input, sent to a fresh exporter next to a
// well-behaved client.
type hostile struct {
	flags []string
	// mapping, if set, is written to a --config.file.
	mapping string
	// boundMiB is the most the exporter's peak resident set (VmHWM) may
	// reach, in MiB: the measured peak (BENCHMARKS.md, "Hostile input") with at least
	// twice as much headroom. With one client and scrapes, and no attack,
	// it peaks at 18-20 MiB.
	boundMiB int64
	// attack sends the hostile input and returns what must arrive.
	attack func(t *testing.T, p *exporterProc) load
	// check waits for the case's own counts and asserts them exactly.
	check func(t *testing.T, p *exporterProc)
}

// TestHostile sends each kind of hostile input to the real binary over
// loopback while a well-behaved client sends next to it and /metrics is
// scraped all along. In every case the good client's messages all count,
// every scrape answers 200 with a valid exposition, every byte and message
// is accounted for by its reason, and the exporter's peak resident memory,
// read from /proc, stays under the case's bound. Run it with -v to see the
// figures.
//
// Byte-stream cases turn the quiet gap off (--quiet-gap 0) so that framing
// depends only on the bytes, never on how the stream was cut into reads:
// that makes the counts exact. The drip case keeps it, since it is about it.
func TestHostile(t *testing.T) {
	for name, tc := range hostileCases() {
		t.Run(name, func(t *testing.T) { runHostile(t, tc) })
	}
}

func runHostile(t *testing.T, tc hostile) {
	flags := tc.flags
	if tc.mapping != "" {
		path := filepath.Join(t.TempDir(), "mapping.yml")
		if err := os.WriteFile(path, []byte(tc.mapping), 0o644); err != nil {
			t.Fatal(err)
		}
		flags = append(flags, "--config.file", path)
	}
	p := startExporter(t, flags...)
	good := startGoodClient(t, p)
	watch := watchScrapes(p)

	want := tc.attack(t, p)
	// The good client goes on sending until the exporter has dealt with
	// the whole attack.
	if tc.check != nil {
		tc.check(t, p)
	}
	waitHostile(t, p, "the attack's messages", func(m map[string]*dto.MetricFamily) bool {
		// The framed counter is added after a read's messages are applied,
		// so this never holds before the attack's messages are all framed.
		f, _ := value(m, "rexporter_framed_messages_total")
		// The good client's messages, over all its series: an unnamed
		// client that stays moves to an identity of its own after a second
		// (docs/messages.md, Jobs), so it may have two.
		g := sum(m, "good_client_messages_total")
		return f-g >= float64(want.framed)
	})
	sent, goodBytes := good.finish(t)
	mfs := waitHostile(t, p, "every byte and message", func(m map[string]*dto.MetricFamily) bool {
		b, _ := value(m, "rexporter_received_bytes_total")
		f, _ := value(m, "rexporter_framed_messages_total")
		// An oversized tail is only counted when its end is seen (EOF, or
		// the quiet gap), which may come after its last byte was counted.
		o, _ := value(m, "rexporter_oversized_messages_total")
		return b >= float64(want.bytes+goodBytes) && f >= float64(sent+want.framed) && o >= float64(want.oversized)
	})
	scrapes := watch.finish(t)

	exact := []struct {
		name string
		got  float64
		want float64
	}{
		{"good_client_messages_total (all its series)", sum(mfs, "good_client_messages_total"), float64(sent)},
		{"rexporter_received_bytes_total", must(t, mfs, "rexporter_received_bytes_total"), float64(want.bytes + goodBytes)},
		{"rexporter_framed_messages_total", must(t, mfs, "rexporter_framed_messages_total"), float64(sent + want.framed)},
		{"rexporter_oversized_messages_total", must(t, mfs, "rexporter_oversized_messages_total"), float64(want.oversized)},
		// Every framed message was applied or dropped with a reason.
		{"rexporter_messages_total + parse errors", must(t, mfs, "rexporter_messages_total") + sum(mfs, "rexporter_parse_errors_total"),
			must(t, mfs, "rexporter_framed_messages_total")},
	}
	for _, e := range exact {
		if e.got != e.want {
			t.Errorf("%s = %v, want %v", e.name, e.got, e.want)
		}
	}
	_, body := p.scrape(t)
	if !utf8.ValidString(body) {
		t.Error("/metrics is not valid UTF-8")
	}
	promtoolCheckMetrics(t, body)

	rss, peak := p.memory(t)
	cpu, _ := value(mfs, "process_cpu_seconds_total")
	t.Logf("peak RSS (VmHWM) %.1f MiB (bound %d MiB), RSS now %.1f MiB, exporter CPU %.2f s; attack sent %d bytes, %d framed, %d oversized; good client %d messages; %d scrapes during the attack",
		float64(peak)/mib, tc.boundMiB, float64(rss)/mib, cpu, want.bytes, want.framed, want.oversized, sent, scrapes)
	if peak > tc.boundMiB*mib {
		t.Errorf("peak RSS %.1f MiB exceeds the bound of %d MiB", float64(peak)/mib, tc.boundMiB)
	}
}

// waitHostile scrapes until cond holds, for at most hostileTimeout.
func waitHostile(t *testing.T, p *exporterProc, what string, cond func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	t.Helper()
	for deadline := time.Now().Add(hostileTimeout); ; {
		mfs, _ := p.scrape(t)
		if cond(mfs) {
			return mfs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// must returns a sample's value, failing the test if it is missing.
func must(t *testing.T, mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	v, ok := value(mfs, name, labels...)
	if !ok {
		t.Errorf("%s%v missing from /metrics", name, labels)
	}
	return v
}

// expectation is an exact value a case expects on /metrics.
type expectation struct {
	name   string
	labels []string
	want   float64
}

// expect scrapes until every expectation's sample has exactly its value
// (counters may still be rising, gauges falling), and fails the test with
// the samples that are off if that does not happen in time.
func expect(t *testing.T, p *exporterProc, wants ...expectation) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(hostileTimeout)
	for {
		mfs, _ := p.scrape(t)
		var off []string
		for _, w := range wants {
			if v, ok := value(mfs, w.name, w.labels...); !ok || v != w.want {
				off = append(off, fmt.Sprintf("%s%v = %v (present %v), want %v", w.name, w.labels, v, ok, w.want))
			}
		}
		if len(off) == 0 {
			return mfs
		}
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for exact counts:\n%s", strings.Join(off, "\n"))
			return mfs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sentMessage is one message of a message-table case and what must become
// of it: applied (parse ""), or dropped with a parse error reason.
type sentMessage struct {
	msg   string // sent with a '\n' after it
	parse string
}

// messageTable sends every message repeat times, interleaved, on one
// connection.
func messageTable(msgs []sentMessage, repeat int) func(t *testing.T, p *exporterProc) load {
	return func(t *testing.T, p *exporterProc) load {
		var b bytes.Buffer
		for range repeat {
			for _, m := range msgs {
				if strings.ContainsAny(m.msg, "\n\x00") {
					t.Fatalf("%q holds a terminator: list its parts as messages of their own", m.msg)
				}
				b.WriteString(m.msg + "\n")
			}
		}
		n := stream(t, p, chunked(b.Bytes(), 4096))
		return load{bytes: n, framed: repeat * len(msgs)}
	}
}

// parseReasons is the expectation for a message table's parse errors, by
// reason.
func parseReasons(msgs []sentMessage, repeat int) []expectation {
	counts := map[string]int{}
	for _, m := range msgs {
		if m.parse != "" {
			counts[m.parse] += repeat
		}
	}
	var wants []expectation
	for _, r := range []string{"no_fields", "missing_colon", "empty_name", "bad_name", "empty_value", "bad_value", "too_many_fields", "other"} {
		wants = append(wants, expectation{"rexporter_parse_errors_total", []string{"reason", r}, float64(counts[r])})
	}
	return wants
}

// userFamilies returns the names of the families made from R names.
func userFamilies(mfs map[string]*dto.MetricFamily) []string {
	var names []string
	for name := range mfs {
		switch {
		case strings.HasPrefix(name, "rexporter_"), strings.HasPrefix(name, "go_"),
			strings.HasPrefix(name, "process_"), strings.HasPrefix(name, "promhttp_"):
		default:
			names = append(names, name)
		}
	}
	return names
}

// seriesOf counts the samples of a family.
func seriesOf(mfs map[string]*dto.MetricFamily, name string) int {
	return len(mfs[name].GetMetric())
}
