package ingest

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// shortSink counts the messages of short connections.
type shortSink struct{ msgs atomic.Int64 }

func (s *shortSink) NewSession(netip.AddrPort) Session { return shortSession{s} }

type shortSession struct{ s *shortSink }

func (x shortSession) Message([]byte)  { x.s.msgs.Add(1) }
func (x shortSession) Oversized(int)   {}
func (x shortSession) Begin(time.Time) {}
func (x shortSession) End()            {}
func (x shortSession) Close(error)     {}

// BenchmarkShortConnections is a shell loop's pattern (`echo "x: 1" >
// /dev/tcp/...`) from 8 clients at once: connect, write one message, close.
// It reports connections served per second and the messages lost (reset
// connections; 0 with the default --conn-wait). (For the figure before the
// wait existed, BENCHMARKS.md ran this loop on the older version.)
func BenchmarkShortConnections(b *testing.B) {
	sink := &shortSink{}
	addr := benchServer(b, Config{QuietGap: DefaultQuietGap, MaxConnections: 16, ConnWait: DefaultConnWait}, sink)
	msg := []byte("shell iter: 1\n")
	var next, sent atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				c, err := net.Dial("tcp4", addr)
				if err != nil {
					continue // refused: lost
				}
				if _, err := c.Write(msg); err == nil {
					sent.Add(1)
				}
				c.Close()
			}
		})
	}
	wg.Wait()
	// Wait (bounded) for the server to read what was written.
	for deadline := time.Now().Add(10 * time.Second); sink.msgs.Load() < sent.Load() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(sink.msgs.Load())/elapsed.Seconds(), "served_conns/s")
	b.ReportMetric(float64(int64(b.N)-sink.msgs.Load())/float64(b.N), "lost/op")
}
