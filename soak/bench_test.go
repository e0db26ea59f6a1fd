package soak

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchValues are R-printed numbers over several decades, so the histograms
// see a spread.
var benchValues = []string{"11", "7", "0.25", "1e+05", "42", "0.001", "1234.5", "9"}

// benchRing is a ring of blog-style messages ("[2026-11-25 17:06:16] -
// Random Poisson <n>: <value>") over names names, as one buffer with each
// message's end; its length is a multiple of perWrite, so a write of
// perWrite messages never wraps.
type benchRing struct {
	buf  []byte
	ends []int
}

func newBenchRing(names, perWrite int, newline bool) *benchRing {
	n := max(names, len(benchValues))
	n = (n + perWrite - 1) / perWrite * perWrite
	r := &benchRing{}
	for j := range n {
		r.buf = append(r.buf, "[2026-11-25 17:06:16] - Random Poisson "...)
		r.buf = strconv.AppendInt(r.buf, int64(j%names), 10)
		r.buf = append(r.buf, ": "...)
		r.buf = append(r.buf, benchValues[(j/names+j)%len(benchValues)]...)
		if newline {
			r.buf = append(r.buf, '\n')
		}
		r.ends = append(r.ends, len(r.buf))
	}
	return r
}

// chunk is ring messages j … j+k-1 (j a multiple of perWrite, k at most
// perWrite).
func (r *benchRing) chunk(j, k int) []byte {
	from := 0
	if j > 0 {
		from = r.ends[j-1]
	}
	return r.buf[from:r.ends[j+k-1]]
}

// BenchmarkLoopbackExporter is the whole path in process, as rexporter runs
// it: clients write over loopback TCP, the ingest server frames, and the
// real exporter parses every message and updates the gauge, counter and
// histogram of its name. Every name exists before the timer starts (the
// update path). b.N messages in all over 64 connections; the timer stops
// when every session has closed, that is when the last message is applied.
func BenchmarkLoopbackExporter(b *testing.B) {
	for _, bc := range []struct {
		names, perWrite int
		newline         bool
	}{
		{names: 1, perWrite: 100, newline: true},
		{names: 10000, perWrite: 100, newline: true},
		{names: 1, perWrite: 1, newline: false}, // R's write.socket
	} {
		term := "newline"
		if !bc.newline {
			term = "glued"
		}
		b.Run(fmt.Sprintf("conns=64/names=%d/per_write=%d/%s", bc.names, bc.perWrite, term), func(b *testing.B) {
			benchExporter(b, 64, bc.names, bc.perWrite, bc.newline)
		})
	}
}

func benchExporter(b *testing.B, conns, names, perWrite int, newline bool) {
	r := newRig(b)
	b.Cleanup(func() { r.shutdown(b) })
	ring := newBenchRing(names, perWrite, newline)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	// Create every name: one connection sends the ring once.
	warm, err := net.Dial("tcp", r.addr)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := warm.Write(ring.buf); err != nil {
		b.Fatal(err)
	}
	_ = warm.Close()
	waitFor(ctx, b, "the warm-up connection to close", func() bool { return r.sink.closed.Load() == 1 })
	warmed := sum(b, r.self, "rexporter_messages_total")

	clients := make([]net.Conn, conns)
	for i := range clients {
		if clients[i], err = net.Dial("tcp", r.addr); err != nil {
			b.Fatal(err)
		}
		_ = clients[i].SetWriteDeadline(time.Now().Add(testTimeout))
	}
	errs := make([]error, conns)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range clients {
		n := b.N / conns // client i's messages
		if i < b.N%conns {
			n++
		}
		wg.Go(func() {
			defer c.Close()
			<-start
			j := (i * perWrite) % len(ring.ends)
			for n > 0 {
				k := min(perWrite, n)
				if _, err := c.Write(ring.chunk(j, k)); err != nil {
					errs[i] = err
					return
				}
				n -= k
				j = (j + perWrite) % len(ring.ends)
			}
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	wg.Wait()
	waitFor(ctx, b, "every session to close", func() bool { return r.sink.closed.Load() == int64(conns)+1 })
	b.StopTimer()
	for i, err := range errs {
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
	}
	self := sums(b, r.self)
	if got := self["rexporter_messages_total"] - warmed; got != float64(b.N) {
		b.Fatalf("the exporter applied %v messages, %d were sent (parse errors %v, oversized %v, framed %v)", got, b.N,
			self["rexporter_parse_errors_total"], self["rexporter_oversized_messages_total"], self["rexporter_framed_messages_total"])
	}
	if got := self["rexporter_rejected_names_total"]; got != 0 {
		b.Fatalf("%v fields rejected by name: not every message reached its three families", got)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
