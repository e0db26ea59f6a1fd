package status

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/exporter"
)

// BenchmarkRecord is the ring's share of a watched message: a copy into a
// preallocated slot under a short lock.
func BenchmarkRecord(b *testing.B) {
	r := NewRing()
	m := tapped(0, "[2026-11-25 17:06:16] - Random Poisson: 11")
	b.ReportAllocs()
	for b.Loop() {
		r.Record(m)
	}
}

// BenchmarkMessage is a whole message through a real session, with the
// page's ring as the tap (watched) or no tap (unwatched). The exporter's
// BenchmarkTap isolates the tap's own cost.
func BenchmarkMessage(b *testing.B) {
	e, err := exporter.New(exporter.Options{}, prometheus.NewRegistry(), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	s := e.NewSession(netip.AddrPort{})
	msg := []byte("[2026-11-25 17:06:16] - Random Poisson: 11")
	s.Message(msg)
	for _, watched := range []bool{false, true} {
		name := "unwatched"
		if watched {
			name = "watched"
			e.SetTap(NewRing())
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Message(msg)
			}
		})
	}
	e.SetTap(nil)
}
