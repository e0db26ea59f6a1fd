package ingest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// listSink records every message of every session in arrival order.
type listSink struct {
	mu       sync.Mutex
	msgs     []string
	remotes  []netip.AddrPort
	sessions int
	closed   int
}

func (s *listSink) NewSession(remote netip.AddrPort) Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions++
	s.remotes = append(s.remotes, remote)
	return &listSession{s}
}

func (s *listSink) snapshot() (msgs []string, sessions, closed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs), s.sessions, s.closed
}

type listSession struct{ s *listSink }

func (l *listSession) Begin(time.Time) {}
func (l *listSession) End()            {}
func (l *listSession) Message(msg []byte) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.msgs = append(l.s.msgs, string(msg))
}
func (l *listSession) Oversized(int) {}
func (l *listSession) Close(error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.closed++
}

// transportInputs are sent through every transport; each is one
// connection, datagram or request.
var transportInputs = []string{
	"Mean: 1.5Mean: 2.25Mean: 0.7",
	"a: 1\nb: 2\n",
	"c: 3\r\nd: 4\r\n",
	"e: 5\x00f: 6\x00",
	"[2026-11-25 17:06:16] - Poisson: 11[2026-11-25 17:06:17] - Poisson: 13",
	"hello world\n",
}

var transportWant = []string{
	"Mean: 1.5", "Mean: 2.25", "Mean: 0.7", "a: 1", "b: 2", "c: 3", "d: 4", "e: 5", "f: 6",
	"[2026-11-25 17:06:16] - Poisson: 11", "[2026-11-25 17:06:17] - Poisson: 13", "hello world",
}

// TestTransportsFrameAlike sends the same inputs over TCP, a Unix socket,
// UDP, HTTP and a piped stream: each gives the same messages, and the
// per-transport counters say where they came from.
func TestTransportsFrameAlike(t *testing.T) {
	send := map[Transport]func(t *testing.T, srv *Server, in string){
		TransportTCP: func(t *testing.T, srv *Server, in string) {
			l, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(l)
			streamSend(t, "tcp", l.Addr().String(), in)
		},
		TransportUnix: func(t *testing.T, srv *Server, in string) {
			path := filepath.Join(t.TempDir(), "r.sock")
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(l)
			streamSend(t, "unix", path, in)
		},
		TransportUDP: func(t *testing.T, srv *Server, in string) {
			pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.ServeUDP(pc)
			c, err := net.Dial("udp4", pc.LocalAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte(in)); err != nil {
				t.Fatal(err)
			}
		},
		TransportHTTP: func(t *testing.T, srv *Server, in string) {
			ts := httptest.NewServer(srv.PushHandler(0))
			defer ts.Close()
			resp, err := http.Post(ts.URL, "text/plain", strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		},
		TransportStdin: func(t *testing.T, srv *Server, in string) {
			a, b := net.Pipe()
			go func() {
				b.Write([]byte(in))
				b.Close()
			}()
			srv.ServeConn(a, netip.AddrPort{}, TransportStdin)
		},
	}
	for tr, fn := range send {
		t.Run(string(tr), func(t *testing.T) {
			sink := &listSink{}
			reg := prometheus.NewRegistry()
			srv := NewServer(DefaultConfig(), sink, reg, nil, time.Now)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				srv.Shutdown(ctx)
			})
			bytes := 0
			for _, in := range transportInputs {
				// Each input its own connection, one after the other, so the
				// messages' order is known.
				before, _, _ := sink.snapshot()
				fn(t, srv, in)
				bytes += len(in)
				waitFor(t, "the input's messages", func() bool {
					msgs, sessions, closed := sink.snapshot()
					return len(msgs) > len(before) && sessions == closed
				})
			}
			msgs, sessions, _ := sink.snapshot()
			if !slices.Equal(msgs, transportWant) {
				t.Errorf("messages:\n got %q\nwant %q", msgs, transportWant)
			}
			if sessions != len(transportInputs) {
				t.Errorf("%d sessions, want %d", sessions, len(transportInputs))
			}
			l := prometheus.Labels{"transport": string(tr)}
			for name, want := range map[string]float64{
				"connections_total":     float64(len(transportInputs)),
				"received_bytes_total":  float64(bytes),
				"framed_messages_total": float64(len(transportWant)),
			} {
				var got float64
				switch name {
				case "connections_total":
					got = testutil.ToFloat64(srv.m.connectionsTotal.With(l))
				case "received_bytes_total":
					got = testutil.ToFloat64(srv.m.receivedBytes.With(l))
				default:
					got = testutil.ToFloat64(srv.m.framedMessages.With(l))
				}
				if got != want {
					t.Errorf("rexporter_%s{transport=%q} = %v, want %v", name, tr, got, want)
				}
			}
			if n := testutil.CollectAndCount(srv.m.connectionsTotal); n != 1 {
				t.Errorf("%d transport series, want only %s's", n, tr)
			}
		})
	}
}

// streamSend writes in on a fresh stream connection and closes it.
func streamSend(t *testing.T, network, addr, in string) {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestUnixIgnoresAllow: a Unix socket client has no IP address; the
// allowlist does not refuse it (the socket's file mode decides).
func TestUnixIgnoresAllow(t *testing.T) {
	sink := &listSink{}
	cfg := DefaultConfig()
	cfg.Allow = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	srv := NewServer(cfg, sink, nil, nil, time.Now)
	defer srv.Shutdown(context.Background())
	path := filepath.Join(t.TempDir(), "r.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	streamSend(t, "unix", path, "x: 1\n")
	waitFor(t, "the message", func() bool { m, _, _ := sink.snapshot(); return len(m) == 1 })
}

// TestUDPAllowAndShutdown: a datagram from outside the allowlist is dropped
// and counted; Shutdown ends ServeUDP.
func TestUDPAllowAndShutdown(t *testing.T) {
	sink := &listSink{}
	cfg := DefaultConfig()
	cfg.Allow = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	srv := NewServer(cfg, sink, prometheus.NewRegistry(), nil, time.Now)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeUDP(pc) }()
	c, err := net.Dial("udp4", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x: 1\n"))
	waitFor(t, "the drop", func() bool {
		return testutil.ToFloat64(srv.m.udpDropped.WithLabelValues("not_allowed")) == 1
	})
	if m, _, _ := sink.snapshot(); len(m) != 0 {
		t.Errorf("messages %q from a refused address", m)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeUDP: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeUDP did not return after Shutdown")
	}
}

// TestPushHandlerAnswers covers the answers of POST /api/v1/messages.
func TestPushHandlerAnswers(t *testing.T) {
	tests := map[string]struct {
		query, body string
		code        int
		header      map[string]string
		msgs        []string
	}{
		"good and bad": {"", "a: 1\nnope\nb: 2", http.StatusNoContent,
			map[string]string{"Rexporter-Messages": "3", "Rexporter-Invalid": "1", "Rexporter-First-Error": "line 2: "},
			[]string{"a: 1", "nope", "b: 2"}},
		"job parameter": {"?job=fit", "loss: 0.5\n", http.StatusNoContent,
			map[string]string{"Rexporter-Messages": "2", "Rexporter-Invalid": "0"},
			[]string{"job: fit", "loss: 0.5"}},
		"nothing valid": {"", "\n\nhello\n", http.StatusBadRequest,
			map[string]string{"Rexporter-Invalid": "1", "Rexporter-First-Error": "line 3: "},
			[]string{"hello"}},
		"empty body with a job": {"?job=fit", "", http.StatusBadRequest, nil, []string{"job: fit"}},
		"job with a newline":    {"?job=a%0Ab", "x: 1", http.StatusBadRequest, nil, nil},
		"too large":             {"", strings.Repeat("x: 1\n", 100), http.StatusRequestEntityTooLarge, nil, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sink := &listSink{}
			srv := NewServer(DefaultConfig(), sink, nil, nil, time.Now)
			ts := httptest.NewServer(srv.PushHandler(256))
			defer ts.Close()
			resp, err := http.Post(ts.URL+tc.query, "text/plain", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.code)
			}
			for k, v := range tc.header {
				if got := resp.Header.Get(k); !strings.HasPrefix(got, v) {
					t.Errorf("%s: %q, want %q...", k, got, v)
				}
			}
			if msgs, _, _ := sink.snapshot(); !slices.Equal(msgs, tc.msgs) {
				t.Errorf("messages %q, want %q", msgs, tc.msgs)
			}
		})
	}
}

// TestUDPDualStackUnmaps: an IPv4 sender to a dual-stack UDP socket is
// handed to the sink as its IPv4 address, as TCP clients are, so its
// identity is its host's.
func TestUDPDualStackUnmaps(t *testing.T) {
	pc, err := net.ListenPacket("udp", ":0")
	if err != nil {
		t.Skip("no dual-stack UDP:", err)
	}
	sink := &listSink{}
	srv := NewServer(DefaultConfig(), sink, nil, nil, time.Now)
	defer srv.Shutdown(context.Background())
	go srv.ServeUDP(pc)
	_, port, _ := net.SplitHostPort(pc.LocalAddr().String())
	c, err := net.Dial("udp4", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x: 1"))
	waitFor(t, "the datagram", func() bool { m, _, _ := sink.snapshot(); return len(m) == 1 })
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if got := sink.remotes[0].Addr(); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("remote %v, want 127.0.0.1", got)
	}
}
