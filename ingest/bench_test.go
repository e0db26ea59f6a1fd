package ingest

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countSink counts messages without keeping them.
type countSink struct {
	msgs, bytes atomic.Int64
	closed      chan struct{}
}

func (s *countSink) NewSession(netip.AddrPort) Session { return s }
func (s *countSink) Message(m []byte)                  { s.msgs.Add(1); s.bytes.Add(int64(len(m))) }
func (s *countSink) Oversized(int)                     {}
func (s *countSink) Begin(time.Time)                   {}
func (s *countSink) End()                              {}
func (s *countSink) Close(error)                       { s.closed <- struct{}{} }

// BenchmarkServerLoopback measures messages per second end to end: a client
// writes over a loopback socket, the server frames into a counting sink.
func BenchmarkServerLoopback(b *testing.B) {
	b.Run("newline_batch", func(b *testing.B) {
		batch := []byte(strings.Join(blogMessages(100), "\n") + "\n")
		benchLoopback(b, func(c net.Conn, n int) error {
			for ; n >= 100; n -= 100 {
				if _, err := c.Write(batch); err != nil {
					return err
				}
			}
			if n == 0 {
				return nil
			}
			_, err := c.Write([]byte(strings.Join(blogMessages(n), "\n") + "\n"))
			return err
		})
	})
	b.Run("write_socket", func(b *testing.B) {
		// One write per message and no terminator, as R's write.socket does.
		var msgs [][]byte
		for _, m := range blogMessages(100) {
			msgs = append(msgs, []byte(m))
		}
		benchLoopback(b, func(c net.Conn, n int) error {
			for i := range n {
				if _, err := c.Write(msgs[i%100]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// benchServer serves a Server with cfg and sink on a loopback port until
// the benchmark ends, and returns its address.
func benchServer(b *testing.B, cfg Config, sink Sink) string {
	b.Helper()
	srv := NewServer(cfg, sink, nil, nil, time.Now)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return l.Addr().String()
}

// benchLoopback has send write b.N blog messages (blogMessage(i%100)) and
// waits until the server has framed them.
func benchLoopback(b *testing.B, send func(c net.Conn, n int) error) {
	sink := &countSink{closed: make(chan struct{}, 1)}
	addr := benchServer(b, Config{QuietGap: DefaultQuietGap}, sink)
	c, err := net.Dial("tcp4", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()

	b.ReportAllocs()
	b.ResetTimer()
	if err := send(c, b.N); err != nil {
		b.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	<-sink.closed
	b.StopTimer()
	wantBytes := 0
	for i := range b.N {
		wantBytes += len(blogMessage(i % 100))
	}
	if got := sink.bytes.Load(); got != int64(wantBytes) {
		b.Fatalf("received %d message bytes, want %d", got, wantBytes)
	}
	if got := sink.msgs.Load(); got != int64(b.N) {
		// Only possible when the client stalls for longer than the quiet gap
		// in the middle of a message (a heavily loaded machine): the message
		// is then cut in two, as documented for Config.QuietGap.
		b.Logf("received %d messages, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
