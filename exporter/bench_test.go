package exporter

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

func newBenchExporter(b *testing.B, maxSeries int) (*Exporter, *prometheus.Registry) {
	b.Helper()
	user := prometheus.NewRegistry()
	e, err := New(Options{MaxSeries: maxSeries, MaxSeriesPerJob: maxSeries}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	return e, user
}

// benchMessages are blog-style messages over names distinct names.
func benchMessages(names int) [][]byte {
	msgs := make([][]byte, names)
	for i := range msgs {
		msgs[i] = fmt.Appendf(nil, "[2026-11-25 17:06:16] - Random Poisson %d: %d", i, i%20)
	}
	return msgs
}

// BenchmarkSessionMessage is the update path: parse one message and apply it
// to the gauge, counter and histogram of an existing name, in batches of 100
// messages as one read of a batching client delivers them.
func BenchmarkSessionMessage(b *testing.B) {
	for _, names := range []int{1, 10000} {
		b.Run(fmt.Sprintf("names=%d", names), func(b *testing.B) {
			e, _ := newBenchExporter(b, names)
			s := e.NewSession(netip.AddrPort{})
			msgs := benchMessages(names)
			for _, m := range msgs {
				s.Message(m)
			}
			b.ReportAllocs()
			b.ResetTimer()
			now := time.Now()
			for i := 0; b.Loop(); i++ {
				if i%100 == 0 {
					s.Begin(now)
				}
				s.Message(msgs[i%names])
				if i%100 == 99 {
					s.End()
				}
			}
		})
	}
}

// BenchmarkSessionMessageParallel is the update path from GOMAXPROCS
// connections at once, each with its own session, all sending the same
// names: what contention on shared series costs.
func BenchmarkSessionMessageParallel(b *testing.B) {
	for _, names := range []int{1, 10000} {
		b.Run(fmt.Sprintf("names=%d", names), func(b *testing.B) {
			e, _ := newBenchExporter(b, names)
			msgs := benchMessages(names)
			warm := e.NewSession(netip.AddrPort{})
			for _, m := range msgs {
				warm.Message(m)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var starts atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				s := e.NewSession(netip.AddrPort{})
				now := time.Now()
				// Connections are not in step: each starts elsewhere in the names.
				start := int(starts.Add(7919)) % names
				for i := start; pb.Next(); i++ {
					if (i-start)%100 == 0 {
						s.Begin(now)
					}
					s.Message(msgs[i%names])
					if (i-start)%100 == 99 {
						s.End()
					}
				}
				s.End()
			})
		})
	}
}

// BenchmarkScrape writes the exposition of 10,000 names with all three
// families: "expose" is the exporter's own writer that /metrics serves for
// the text formats, "gather" is client_golang's Gather plus expfmt (what
// protobuf scrapes still use, and what Expose replaced).
func BenchmarkScrape(b *testing.B) {
	e, user := newBenchExporter(b, 10000)
	s := e.NewSession(netip.AddrPort{})
	for i := range 10000 {
		for v := range 5 {
			s.Message(fmt.Appendf(nil, "name %d: %d", i, i*v))
		}
	}
	for fname, f := range map[string]struct {
		f   Format
		exp expfmt.Format
	}{
		"text":        {FormatText, expfmt.NewFormat(expfmt.TypeTextPlain)},
		"openmetrics": {FormatOpenMetrics, expfmt.NewFormat(expfmt.TypeOpenMetrics)},
	} {
		b.Run("expose/"+fname, func(b *testing.B) {
			var size int
			b.ReportAllocs()
			for b.Loop() {
				var w countingWriter
				if err := e.Expose(&w, f.f); err != nil {
					b.Fatal(err)
				}
				size = int(w)
			}
			b.ReportMetric(float64(size), "bytes/scrape")
		})
		b.Run("gather/"+fname, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mfs, err := user.Gather()
				if err != nil {
					b.Fatal(err)
				}
				enc := expfmt.NewEncoder(io.Discard, f.exp)
				for _, mf := range mfs {
					if err := enc.Encode(mf); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// countingWriter discards what it is given and counts the bytes.
type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

// BenchmarkNewNames is a flood of never-seen names from GOMAXPROCS
// connections of one job, in batches of 100 as a batching client sends
// them: "create" while there is room for them (a new metric and series
// each), "refuse" once --max-series is reached.
func BenchmarkNewNames(b *testing.B) {
	for _, mode := range []string{"create", "refuse"} {
		b.Run(mode, func(b *testing.B) {
			maxSeries := 1 << 30
			if mode == "refuse" {
				maxSeries = 1000
			}
			e, _ := newBenchExporter(b, maxSeries)
			if mode == "refuse" {
				fill := e.NewSession(netip.AddrPort{})
				for _, m := range benchMessages(maxSeries) {
					fill.Message(m)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var conns atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				c := conns.Add(1)
				s := e.NewSession(netip.AddrPort{})
				now := time.Now()
				var msg []byte
				for i := 0; pb.Next(); i++ {
					if i%100 == 0 {
						s.Begin(now)
					}
					msg = fmt.Appendf(msg[:0], "Flood c%d n%d: 1", c, i)
					s.Message(msg)
					if i%100 == 99 {
						s.End()
					}
				}
				s.End()
			})
		})
	}
}
