package ingest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// burstSink counts messages and closed sessions of many connections.
type burstSink struct {
	msgs, bytes, closed atomic.Int64
}

func (s *burstSink) NewSession(netip.AddrPort) Session { return s }
func (s *burstSink) Begin(time.Time)                   {}
func (s *burstSink) End()                              {}
func (s *burstSink) Message(m []byte)                  { s.msgs.Add(1); s.bytes.Add(int64(len(m))) }
func (s *burstSink) Oversized(int)                     {}
func (s *burstSink) Close(error)                       { s.closed.Add(1) }

// burst has clients goroutines each make conns short connections that
// write lines lines (in one write, as a fast writeLines loop leaves them)
// and close. It returns the bytes written.
func burst(t *testing.T, addr string, clients, conns, lines int, wrote func(local netip.AddrPort, n int)) int64 {
	t.Helper()
	var payload strings.Builder
	for i := range lines {
		fmt.Fprintf(&payload, "burst_%d: %d\n", i%7, i)
	}
	p := []byte(payload.String())
	var total atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range conns {
				c, err := net.Dial("tcp4", addr)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				_, err = c.Write(p)
				if err == nil {
					err = c.(*net.TCPConn).CloseWrite()
				}
				if err == nil {
					total.Add(int64(len(p)))
					if wrote != nil {
						wrote(localAddr(c), len(p))
					}
				}
				c.Close()
			}
		})
	}
	wg.Wait()
	return total.Load()
}

// TestServerBurstOfShortConnections (issue 23): clients that connect,
// write a few hundred lines and close at full speed, while the connection
// limit is held, lose nothing: the new connections wait for a slot.
func TestServerBurstOfShortConnections(t *testing.T) {
	const maxConns, clients, conns, lines = 16, 8, 25, 300
	sink := &burstSink{}
	reg := prometheus.NewRegistry()
	srv := NewServer(Config{MaxConnections: maxConns, QuietGap: DefaultQuietGap, ConnWait: DefaultConnWait}, sink, reg, nil, time.Now)
	addr := serveOn(t, srv)
	m := srv.m

	// Hold every slot, so that the burst has to wait.
	var held []net.Conn
	for range maxConns {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	waitFor(t, "the slots to be taken", func() bool { return testutil.ToFloat64(m.connections) == maxConns })
	done := make(chan int64, 1)
	go func() { done <- burst(t, addr, clients, conns, lines, nil) }()
	waitFor(t, "connections to wait", func() bool { return testutil.ToFloat64(m.waiting) == maxConns })
	for _, c := range held {
		c.Close()
	}
	written := <-done
	waitFor(t, "every message", func() bool { return sink.msgs.Load() == clients*conns*lines })
	waitFor(t, "every connection to end", func() bool { return sink.closed.Load() == maxConns+clients*conns })
	if got := testutil.ToFloat64(m.receivedBytes); got != float64(written) {
		t.Errorf("received %v bytes, clients wrote %d", got, written)
	}
	if got := testutil.ToFloat64(m.rejectedMaxConns); got != 0 {
		t.Errorf("%v connections rejected, want 0", got)
	}
	if got := testutil.ToFloat64(m.waiting); got != 0 {
		t.Errorf("%v connections still waiting", got)
	}
}

// TestServerBurstWithoutWait: with ConnWait 0 a connection beyond the
// limit is reset at once, and what was waiting in its socket is counted:
// received plus rejected bytes is exactly what the clients wrote.
func TestServerBurstWithoutWait(t *testing.T) {
	if _, known := bytesWaiting(nil); !known && !canCountWaiting(t) {
		t.Skip("the bytes waiting in a socket cannot be told on this platform")
	}
	const maxConns, clients, conns, lines = 16, 8, 10, 300
	sink := &burstSink{}
	srv := NewServer(Config{MaxConnections: maxConns, QuietGap: DefaultQuietGap}, sink, prometheus.NewRegistry(), nil, time.Now)
	// Each connection is accepted only once all the client wrote has
	// arrived, so that what is rejected is all there to be counted.
	gl := &gateListener{expect: make(map[netip.AddrPort]int)}
	addr := serveOnGated(t, srv, gl)
	m := srv.m

	var held []net.Conn
	for range maxConns {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		gl.wrote(localAddr(c), 0)
		held = append(held, c)
	}
	waitFor(t, "the slots to be taken", func() bool { return testutil.ToFloat64(m.connections) == maxConns })
	// All slots held: this half is refused.
	written := burst(t, addr, clients, conns/2, lines, gl.wrote)
	waitFor(t, "the refusals", func() bool { return testutil.ToFloat64(m.rejectedMaxConns) == clients*conns/2 })
	for _, c := range held {
		c.Close()
	}
	waitFor(t, "the slots to be free", func() bool { return testutil.ToFloat64(m.connections) == 0 })
	// This half is served, or refused where it finds the slots taken.
	written += burst(t, addr, clients, conns-conns/2, lines, gl.wrote)
	total := float64(written)
	waitFor(t, "every byte to be received or rejected", func() bool {
		return testutil.ToFloat64(m.receivedBytes)+testutil.ToFloat64(m.rejectedBytes.WithLabelValues("max_connections")) == total &&
			testutil.ToFloat64(m.connections) == 0
	})
	received := testutil.ToFloat64(m.receivedBytes)
	perConn := total / (clients * conns)
	if got, want := float64(sink.msgs.Load()), received/perConn*lines; got != want {
		t.Errorf("%v messages framed, want %v (from %v bytes received)", got, want, received)
	}
	refused := testutil.ToFloat64(m.rejectedMaxConns)
	t.Logf("%v bytes written: %v received, %v rejected in %v connections", total, received,
		testutil.ToFloat64(m.rejectedBytes.WithLabelValues("max_connections")), refused)
	if got := testutil.ToFloat64(m.connectionsTotal); got+refused != maxConns+clients*conns {
		t.Errorf("%v connections served and %v refused, want %d in all", got, refused, maxConns+clients*conns)
	}
}

// canCountWaiting reports whether bytesWaiting works on a real socket.
func canCountWaiting(t *testing.T) bool {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, known := bytesWaiting(s)
	return known
}

// serveOn serves srv on a loopback port; cleanup shuts it down.
func serveOn(t *testing.T, srv *Server) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOnGated(t, srv, &gateListener{Listener: l})
}

func serveOnGated(t *testing.T, srv *Server, gl *gateListener) string {
	t.Helper()
	if gl.Listener == nil {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		gl.Listener = l
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(gl) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return gl.Addr().String()
}

// gateListener, when expect is set, hands out an accepted connection only
// once the client has said how many bytes it wrote and they have all
// arrived.
type gateListener struct {
	net.Listener
	mu     sync.Mutex
	expect map[netip.AddrPort]int
}

func (g *gateListener) wrote(local netip.AddrPort, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expect[local] = n
}

func (g *gateListener) Accept() (net.Conn, error) {
	c, err := g.Listener.Accept()
	if err != nil || g.expect == nil {
		return c, err
	}
	remote := addrPort(c.RemoteAddr())
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		n, ok := g.expect[remote]
		g.mu.Unlock()
		if got, _ := bytesWaiting(c); ok && got == n {
			return c, nil
		}
		time.Sleep(100 * time.Microsecond)
	}
	return nil, fmt.Errorf("gate: client %v never finished writing", remote)
}
