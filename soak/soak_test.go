// Package soak runs many R-like clients against the ingest server and the
// exporter over real loopback TCP, in process, and checks that every byte and
// every message is accounted for exactly ("nothing lost"), and that no
// goroutine outlives the server.
//
// The soak lasts SOAK_DURATION (default 3s, short enough for the race
// detector in CI); the full soak is
//
//	SOAK_DURATION=30s go test ./soak -run Soak -v
package soak

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/ingest"
)

func TestMain(m *testing.M) {
	// No goroutine may survive Server.Shutdown: not the connections', not
	// Serve's, not the exporter's. Nothing is ignored.
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait; the tests wait for conditions, never for
// wall-clock speed.
const testTimeout = 30 * time.Second

// soakDuration is how long the clients of TestSoakExactAccounting send.
func soakDuration(t *testing.T) time.Duration {
	s := os.Getenv("SOAK_DURATION")
	if s == "" {
		return 3 * time.Second
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("SOAK_DURATION=%q: want a positive duration such as 30s", s)
	}
	return d
}

// sink adapts the exporter to ingest.Sink like cmd/rexporter's, and counts
// the sessions opened and closed and how they ended.
type sink struct {
	e      *exporter.Exporter
	opened atomic.Int64
	closed atomic.Int64

	mu   sync.Mutex
	errs []error // the error of every Close, in order
}

func (s *sink) NewSession(remote netip.AddrPort) ingest.Session {
	s.opened.Add(1)
	return &session{Session: s.e.NewSession(remote), sink: s}
}

func (s *sink) closeErrs() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

type session struct {
	*exporter.Session
	sink *sink
}

func (s *session) Close(err error) {
	s.Session.Close(err)
	s.sink.mu.Lock()
	s.sink.errs = append(s.sink.errs, err)
	s.sink.mu.Unlock()
	s.sink.closed.Add(1)
}

// rig is a served ingest.Server feeding an exporter, with the two registries
// cmd/rexporter keeps apart.
type rig struct {
	srv      *ingest.Server
	sink     *sink
	user     *prometheus.Registry
	self     *prometheus.Registry
	addr     string
	serveErr chan error
}

func newRig(t testing.TB) *rig {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	user, self := prometheus.NewRegistry(), prometheus.NewRegistry()
	exp, err := exporter.New(exporter.Options{}, user, self, logger, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	sk := &sink{e: exp}
	srv := ingest.NewServer(ingest.DefaultConfig(), sk, self, logger, time.Now)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{srv: srv, sink: sk, user: user, self: self, addr: l.Addr().String(), serveErr: make(chan error, 1)}
	go func() { r.serveErr <- srv.Serve(l) }()
	return r
}

// shutdown stops the server within a deadline and waits for Serve.
func (r *rig) shutdown(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	start := time.Now()
	if err := r.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown after %v: %v", time.Since(start), err)
	}
	select {
	case err := <-r.serveErr:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-ctx.Done():
		t.Errorf("Serve did not return after Shutdown")
	}
}

// sums gathers g and adds up the samples (counters, gauges, untyped) of each
// family, by family name; an absent family reads as 0.
func sums(t testing.TB, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := make(map[string]float64, len(mfs))
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()] += value(m)
		}
	}
	return out
}

// sum is one family's entry of sums.
func sum(t testing.TB, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	return sums(t, g)[name]
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// framing is how a client terminates (or does not terminate) its messages.
type framing int

const (
	newline framing = iota // "msg\n", sometimes several in one write
	crlf                   // "msg\r\n"
	nul                    // "msg\x00"
	glued                  // write.socket: "[ts] - msg", no terminator at all
	pieces                 // cat(): "msg", " ", "\n" as three writes
	bare                   // write.socket without a timestamp: "msg", nothing else
	nFramings
)

func (f framing) String() string {
	return [...]string{"newline", "crlf", "nul", "glued", "pieces", "bare"}[f]
}

// tally is what one client sent.
type tally struct {
	good, bad, bytes int64
}

// soakClient sends messages on c until maxMsgs or the deadline, whichever
// comes first. Message k of client id is "conn <id> value: <k>", except every
// seventh, which is bad (no colon, or a value with a decimal comma). Every
// write is one message or a few whole ones, as R writes them, so the quiet gap
// never cuts one.
func soakClient(c net.Conn, id int, f framing, maxMsgs int, deadline time.Time) (tally, error) {
	var tl tally
	var buf []byte
	write := func(b []byte) error {
		n, err := c.Write(b)
		tl.bytes += int64(n)
		return err
	}
	for k := 0; k < maxMsgs && time.Now().Before(deadline); k++ {
		// A newline client sometimes batches up to 4 messages in one write.
		batch := 1
		if f == newline {
			batch = 1 + k%4
		}
		buf = buf[:0]
		for b := 0; b < batch; b++ {
			if f == glued {
				buf = append(buf, "[2026-11-25 17:06:16] - "...)
			}
			switch {
			case (k+b)%7 == 3 && f == bare:
				// Text without a colon cannot be told from the next name when
				// nothing ends it: a bare sender's bad message has a bad value.
				buf = fmt.Appendf(buf, "conn %d value: bad!%d", id, k+b) // bad_value
				tl.bad++
			case (k+b)%7 == 3:
				buf = fmt.Appendf(buf, "conn %d garbage %d", id, k+b) // no_fields
				tl.bad++
			case (k+b)%7 == 5:
				buf = fmt.Appendf(buf, "conn %d value: %d,5", id, k+b) // decimal_comma
				tl.bad++
			default:
				buf = fmt.Appendf(buf, "conn %d value: %d", id, k+b)
				tl.good++
			}
			switch f {
			case newline:
				buf = append(buf, '\n')
			case crlf:
				buf = append(buf, "\r\n"...)
			case nul:
				buf = append(buf, 0)
			}
		}
		k += batch - 1
		if err := write(buf); err != nil {
			return tl, err
		}
		if f == pieces {
			if err := write([]byte(" ")); err != nil {
				return tl, err
			}
			if err := write([]byte("\n")); err != nil {
				return tl, err
			}
		}
	}
	return tl, nil
}

func TestSoakExactAccounting(t *testing.T) {
	const (
		clients = 64
		maxMsgs = 1 << 22 // per client; the duration normally ends it first
	)
	d := soakDuration(t)
	r := newRig(t)

	results := make([]tally, clients)
	errs := make([]error, clients)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for id := range clients {
		wg.Go(func() {
			c, err := net.Dial("tcp", r.addr)
			if err != nil {
				errs[id] = err
				return
			}
			defer c.Close()
			c.SetWriteDeadline(deadline.Add(testTimeout))
			results[id], errs[id] = soakClient(c, id, framing(id%int(nFramings)), maxMsgs, deadline)
		})
	}
	wg.Wait() // every client has closed its connection
	elapsed := time.Since(start)
	for id, err := range errs {
		if err != nil {
			t.Fatalf("client %d (%v): %v", id, framing(id%int(nFramings)), err)
		}
	}

	// Settle: a session's Close comes after its connection's last message,
	// and the byte and framing counters are added before it.
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	waitFor(ctx, t, "every session to close", func() bool { return r.sink.closed.Load() == clients })

	var good, bad, bytes int64
	user := sums(t, r.user)
	for id, tl := range results {
		good += tl.good
		bad += tl.bad
		bytes += tl.bytes
		name := fmt.Sprintf("conn_%d_value_messages_total", id)
		if got := user[name]; got != float64(tl.good) {
			t.Errorf("client %d (%v): %s = %v, sent %d good messages", id, framing(id%int(nFramings)), name, got, tl.good)
		}
	}
	if n, err := testutil.GatherAndCount(r.user); err != nil || n < 3*clients {
		t.Errorf("user registry: %d series (err %v), want at least 3 per client", n, err)
	}
	self := sums(t, r.self)
	check := func(name string, want int64) {
		t.Helper()
		if got := self[name]; got != float64(want) {
			t.Errorf("%s = %v, want %d (off by %v)", name, got, want, got-float64(want))
		}
	}
	check("rexporter_messages_total", good)
	check("rexporter_parse_errors_total", bad)
	check("rexporter_framed_messages_total", good+bad)
	check("rexporter_received_bytes_total", bytes)
	check("rexporter_oversized_messages_total", 0)
	check("rexporter_connections_total", clients)
	check("rexporter_connections", 0)
	for i, err := range r.sink.closeErrs() {
		if err != nil {
			t.Errorf("session %d closed with %v, want a clean EOF", i, err)
		}
	}

	t.Logf("%d clients for %v: %d messages (%d good, %d bad), %d bytes: %.0f messages/s, %.1f MB/s",
		clients, elapsed.Round(time.Millisecond), good+bad, good, bad, bytes,
		float64(good+bad)/elapsed.Seconds(), float64(bytes)/elapsed.Seconds()/1e6)

	r.shutdown(t)
}

// TestShutdownUnderLoad shuts the server down while clients are still
// writing. Which messages made it in is up to timing, but whatever was framed
// must be applied or counted as a parse error, every session must be closed,
// Shutdown must return in time, and no goroutine may be left (TestMain).
func TestShutdownUnderLoad(t *testing.T) {
	const (
		clients = 32
		maxMsgs = 1 << 22
	)
	r := newRig(t)
	stop := make(chan struct{})
	sent := make([]atomic.Int64, clients) // bytes written
	var wg sync.WaitGroup
	for id := range clients {
		wg.Go(func() {
			c, err := net.Dial("tcp", r.addr)
			if err != nil {
				t.Errorf("client %d: %v", id, err)
				return
			}
			defer c.Close()
			limit := time.Now().Add(testTimeout)
			c.SetWriteDeadline(limit)
			var buf []byte
			for k := 0; k < maxMsgs && time.Now().Before(limit); k++ {
				select {
				case <-stop:
					return
				default:
				}
				buf = append(strconv.AppendInt(append(buf[:0], "load "...), int64(id), 10), " value: "...)
				buf = append(strconv.AppendInt(buf, int64(k), 10), '\n')
				n, err := c.Write(buf)
				sent[id].Add(int64(n))
				if err != nil {
					return // the server closed the connection: expected
				}
			}
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	waitFor(ctx, t, "every client to connect and send", func() bool {
		return r.sink.opened.Load() == clients && sum(t, r.self, "rexporter_framed_messages_total") >= 100*clients
	})

	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	start := time.Now()
	if err := r.srv.Shutdown(sctx); err != nil {
		t.Errorf("Shutdown under load: %v after %v", err, time.Since(start))
	}
	took := time.Since(start)
	close(stop)
	wg.Wait()
	select {
	case err := <-r.serveErr:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Serve did not return after Shutdown")
	}

	if o, c := r.sink.opened.Load(), r.sink.closed.Load(); o != clients || c != clients {
		t.Errorf("sessions: %d opened, %d closed, want %d each", o, c, clients)
	}
	for i, err := range r.sink.closeErrs() {
		if !errors.Is(err, ingest.ErrShutdown) {
			t.Errorf("session %d closed with %v, want ErrShutdown", i, err)
		}
	}
	framed := sum(t, r.self, "rexporter_framed_messages_total")
	applied := sum(t, r.self, "rexporter_messages_total")
	parseErrors := sum(t, r.self, "rexporter_parse_errors_total")
	if framed != applied+parseErrors {
		t.Errorf("framed %v != applied %v + parse errors %v: %v messages lost", framed, applied, parseErrors, framed-applied-parseErrors)
	}
	var perConn float64
	var bytes int64
	user := sums(t, r.user)
	for id := range clients {
		perConn += user[fmt.Sprintf("load_%d_value_messages_total", id)]
		bytes += sent[id].Load()
	}
	if perConn != applied {
		t.Errorf("sum of load_<id>_value_messages_total = %v, rexporter_messages_total = %v", perConn, applied)
	}
	if received := sum(t, r.self, "rexporter_received_bytes_total"); received > float64(bytes) {
		t.Errorf("received %v bytes, clients wrote only %d", received, bytes)
	}
	if g := sum(t, r.self, "rexporter_connections"); g != 0 {
		t.Errorf("rexporter_connections = %v after Shutdown", g)
	}
	t.Logf("Shutdown took %v; %v messages framed, %v applied, %v parse errors", took.Round(time.Millisecond), framed, applied, parseErrors)
}
