package exporter

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

func newBenchExporter(b *testing.B, maxSeries int) (*Exporter, *prometheus.Registry) {
	b.Helper()
	user := prometheus.NewRegistry()
	e, err := New(Options{MaxSeries: maxSeries}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	return e, user
}

// BenchmarkSessionMessage is the update path: parse one message and apply it
// to the gauge, counter and histogram of an existing name.
func BenchmarkSessionMessage(b *testing.B) {
	for _, names := range []int{1, 10000} {
		b.Run(fmt.Sprintf("names=%d", names), func(b *testing.B) {
			e, _ := newBenchExporter(b, names)
			s := e.NewSession(netip.AddrPort{})
			msgs := make([][]byte, names)
			for i := range msgs {
				msgs[i] = fmt.Appendf(nil, "[2026-11-25 17:06:16] - Random Poisson %d: %d", i, i%20)
				s.Message(msgs[i])
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				s.Message(msgs[i%names])
			}
		})
	}
}

// BenchmarkScrape gathers and encodes 10,000 names with all three families.
func BenchmarkScrape(b *testing.B) {
	e, user := newBenchExporter(b, 10000)
	s := e.NewSession(netip.AddrPort{})
	for i := range 10000 {
		s.Message(fmt.Appendf(nil, "name %d: %d", i, i))
	}
	for name, f := range map[string]expfmt.Format{
		"text":        expfmt.NewFormat(expfmt.TypeTextPlain),
		"openmetrics": expfmt.NewFormat(expfmt.TypeOpenMetrics),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mfs, err := user.Gather()
				if err != nil {
					b.Fatal(err)
				}
				enc := expfmt.NewEncoder(io.Discard, f)
				for _, mf := range mfs {
					if err := enc.Encode(mf); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
