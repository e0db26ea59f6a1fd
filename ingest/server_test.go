package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// recSink records every session's messages; safe for concurrent use.
type recSink struct {
	mu       sync.Mutex
	sessions map[netip.AddrPort]*recSession
	// block, if set, makes Message wait on it (after signalling blocked).
	block   chan struct{}
	blocked chan struct{}
}

type recSession struct {
	sink      *recSink
	remote    netip.AddrPort
	inBatch   bool // between Begin and End; only the connection's goroutine touches it
	msgs      []string
	oversized []int
	closed    bool
	closeErr  error
}

// sessionState is a copy of a recSession taken under the lock.
type sessionState struct {
	msgs      []string
	oversized []int
	closed    bool
	closeErr  error
}

func (s *recSink) NewSession(remote netip.AddrPort) Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = make(map[netip.AddrPort]*recSession)
	}
	r := &recSession{sink: s, remote: remote}
	s.sessions[remote] = r
	return r
}

// Begin and End check the batch contract: no nesting, and every Message
// and Oversized inside a batch.
func (r *recSession) Begin(now time.Time) {
	if r.inBatch || now.IsZero() {
		panic("Begin inside a batch, or without a time")
	}
	r.inBatch = true
}

func (r *recSession) End() {
	if !r.inBatch {
		panic("End outside a batch")
	}
	r.inBatch = false
}

func (r *recSession) Message(msg []byte) {
	if !r.inBatch {
		panic("Message outside a batch")
	}
	if r.sink.block != nil {
		select {
		case r.sink.blocked <- struct{}{}:
		default:
		}
		<-r.sink.block
	}
	r.sink.mu.Lock()
	defer r.sink.mu.Unlock()
	r.msgs = append(r.msgs, string(msg))
}

func (r *recSession) Oversized(dropped int) {
	if !r.inBatch {
		panic("Oversized outside a batch")
	}
	r.sink.mu.Lock()
	defer r.sink.mu.Unlock()
	r.oversized = append(r.oversized, dropped)
}

func (r *recSession) Close(err error) {
	if r.inBatch {
		panic("Close inside a batch")
	}
	r.sink.mu.Lock()
	defer r.sink.mu.Unlock()
	if r.closed {
		panic("session closed twice")
	}
	r.closed = true
	r.closeErr = err
}

// state returns a copy of the session of the client whose local address is
// remote (ok false if the server has not started it yet).
func (s *recSink) state(remote netip.AddrPort) (st sessionState, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.sessions[remote]
	if !ok {
		return st, false
	}
	return sessionState{slices.Clone(r.msgs), slices.Clone(r.oversized), r.closed, r.closeErr}, true
}

func (s *recSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// syncBuffer is a log destination safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type testEnv struct {
	t    *testing.T
	srv  *Server
	reg  *prometheus.Registry
	sink *recSink
	addr string
	logs *syncBuffer

	serveOnce sync.Once
	served    chan error
	serveErr  error
}

// startServer serves cfg on a loopback IPv4 port; cleanup shuts it down and
// checks that Serve returned nil.
func startServer(t *testing.T, cfg Config, sink *recSink) *testEnv {
	t.Helper()
	if sink == nil {
		sink = &recSink{}
	}
	env := &testEnv{t: t, reg: prometheus.NewRegistry(), sink: sink, logs: &syncBuffer{}, served: make(chan error, 1)}
	logger := slog.New(slog.NewTextHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env.srv = NewServer(cfg, sink, env.reg, logger, time.Now)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env.addr = l.Addr().String()
	go func() { env.served <- env.srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := env.serveResult(); err != nil {
			t.Errorf("Serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", env.logs.String())
		}
	})
	return env
}

func (env *testEnv) serveResult() error {
	env.serveOnce.Do(func() { env.serveErr = <-env.served })
	return env.serveErr
}

// dial connects a client; cleanup closes it.
func (env *testEnv) dial() net.Conn {
	env.t.Helper()
	c, err := net.Dial("tcp4", env.addr)
	if err != nil {
		env.t.Fatal(err)
	}
	env.t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func localAddr(c net.Conn) netip.AddrPort {
	return c.LocalAddr().(*net.TCPAddr).AddrPort()
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline. Tests wait for conditions, never for durations.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// waitSession waits until client c's session satisfies cond and returns it.
func (env *testEnv) waitSession(c net.Conn, what string, cond func(sessionState) bool) sessionState {
	env.t.Helper()
	var st sessionState
	waitFor(env.t, what, func() bool {
		var ok bool
		st, ok = env.sink.state(localAddr(c))
		return ok && cond(st)
	})
	return st
}

// metric sums what a collector collects: 0 before a vector has a child
// (Serve creates its transport's series when it starts, which may come
// after the test's first look), where testutil.ToFloat64 would panic.
func (env *testEnv) metric(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	sum := 0.0
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			env.t.Fatal(err)
		}
		sum += d.GetCounter().GetValue() + d.GetGauge().GetValue()
	}
	return sum
}

func TestServerManyClients(t *testing.T) {
	const clients, perClient = 50, 200
	// QuietGap off: the cat-style clients' pieces must not be cut apart by a
	// slow scheduler, and write.socket-style messages are split by their
	// record starts and the final EOF.
	env := startServer(t, Config{QuietGap: 0}, nil)

	want := make([][]string, clients)
	conns := make([]net.Conn, clients)
	var sent sync.WaitGroup
	var mu sync.Mutex
	totalBytes := 0
	for i := range clients {
		conns[i] = env.dial()
		for j := range perClient {
			msg := fmt.Sprintf("[2026-11-25 17:%02d:%02d] client_%d: %d", j/60, j%60, i, j)
			if i%3 == 2 {
				msg += " " // cat(msg, "\n") sends the separator too
			}
			want[i] = append(want[i], msg)
		}
		sent.Add(1)
		go func(c net.Conn, style int, msgs []string) {
			defer sent.Done()
			n := 0
			w := func(s string) {
				if _, err := io.WriteString(c, s); err != nil {
					t.Errorf("write: %v", err)
				}
				n += len(s)
			}
			switch style {
			case 0: // writeLines, several lines per write
				for k := 0; k < len(msgs); k += 7 {
					w(strings.Join(msgs[k:min(k+7, len(msgs))], "\n") + "\n")
				}
			case 1: // write.socket: no terminator, one write per message
				for _, m := range msgs {
					w(m)
				}
			case 2: // cat(msg, "\n"): message, separator and newline separately
				for _, m := range msgs {
					w(strings.TrimSuffix(m, " "))
					w(" ")
					w("\n")
				}
			}
			c.(*net.TCPConn).CloseWrite()
			mu.Lock()
			totalBytes += n
			mu.Unlock()
		}(conns[i], i%3, want[i])
	}
	sent.Wait()

	for i, c := range conns {
		st := env.waitSession(c, fmt.Sprintf("client %d to finish", i), func(st sessionState) bool { return st.closed })
		if !slices.Equal(st.msgs, want[i]) {
			t.Errorf("client %d (style %d): got %d messages, want %d; first differences: %q", i, i%3, len(st.msgs), len(want[i]), firstDiff(st.msgs, want[i]))
		}
		if st.closeErr != nil || len(st.oversized) != 0 {
			t.Errorf("client %d: close error %v, oversized %v", i, st.closeErr, st.oversized)
		}
	}
	m := env.srv.m
	waitFor(t, "connections gauge to drop to 0", func() bool { return env.metric(m.connections) == 0 })
	if got := env.metric(m.framedMessages); got != clients*perClient {
		t.Errorf("framed messages = %v, want %d", got, clients*perClient)
	}
	if got := env.metric(m.connectionsTotal); got != clients {
		t.Errorf("connections total = %v, want %d", got, clients)
	}
	if got := env.metric(m.receivedBytes); got != float64(totalBytes) {
		t.Errorf("received bytes = %v, want %d", got, totalBytes)
	}
}

func firstDiff(got, want []string) []string {
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || got[i] != want[i] {
			var d []string
			if i < len(got) {
				d = append(d, "got "+got[i])
			}
			if i < len(want) {
				d = append(d, "want "+want[i])
			}
			return d
		}
	}
	return nil
}

func TestServerQuietGapDeliversUnterminatedMessage(t *testing.T) {
	env := startServer(t, Config{QuietGap: 20 * time.Millisecond}, nil)
	c := env.dial()

	// What R's write.socket sends: no terminator, and the connection stays
	// open for the next message, which may come much later.
	write(t, c, "[2026-11-25 17:06:16] - Random Poisson: 11")
	st := env.waitSession(c, "the unterminated message", func(st sessionState) bool { return len(st.msgs) == 1 })
	if st.msgs[0] != "[2026-11-25 17:06:16] - Random Poisson: 11" || st.closed {
		t.Fatalf("session = %+v", st)
	}

	write(t, c, "[2026-11-25 17:06:17] - Random Poisson: 13")
	env.waitSession(c, "the second message", func(st sessionState) bool { return len(st.msgs) == 2 })

	// A late newline after the quiet-gap flush adds nothing; the next
	// message is still fine.
	write(t, c, "\n")
	write(t, c, "a: 1\n")
	st = env.waitSession(c, "the third message", func(st sessionState) bool { return len(st.msgs) >= 3 })
	want := []string{"[2026-11-25 17:06:16] - Random Poisson: 11", "[2026-11-25 17:06:17] - Random Poisson: 13", "a: 1"}
	if !slices.Equal(st.msgs, want) || st.closed {
		t.Fatalf("session = %+v, want messages %q and still open", st, want)
	}
}

func TestServerHostileClientsDoNotDelayOthers(t *testing.T) {
	env := startServer(t, Config{MaxMessageBytes: 1024, QuietGap: 20 * time.Millisecond}, nil)

	// A sends 10 MiB without any terminator.
	const garbage = 10 << 20
	hostile := env.dial()
	hostileDone := make(chan error, 1)
	go func() {
		chunk := bytes.Repeat([]byte("garbage "), 8<<10)
		var err error
		for n := 0; n < garbage && err == nil; n += len(chunk) {
			_, err = hostile.Write(chunk)
		}
		hostileDone <- err
	}()
	// B sends half a message and then nothing.
	silent := env.dial()
	write(t, silent, "[2026-11-25 17:06:16] silent: 1")

	waitFor(t, "the server to be reading the garbage", func() bool { return env.metric(env.srv.m.receivedBytes) > 1<<20 })

	good := env.dial()
	var want []string
	for i := range 100 {
		msg := fmt.Sprintf("good: %d", i)
		want = append(want, msg)
		write(t, good, msg+"\n")
	}
	st := env.waitSession(good, "the good client's messages", func(st sessionState) bool { return len(st.msgs) == len(want) })
	if !slices.Equal(st.msgs, want) {
		t.Fatalf("good client's messages = %q", st.msgs)
	}
	env.waitSession(silent, "the silent client's half message", func(st sessionState) bool {
		return slices.Equal(st.msgs, []string{"[2026-11-25 17:06:16] silent: 1"})
	})

	// The server read all of the garbage (A was never blocked) and discarded
	// it; A's connection is still open.
	if err := <-hostileDone; err != nil {
		t.Fatalf("hostile write: %v", err)
	}
	write(t, hostile, "\n")
	st = env.waitSession(hostile, "the garbage to be discarded", func(st sessionState) bool {
		sum := 0
		for _, d := range st.oversized {
			sum += d
		}
		return sum > garbage/2
	})
	if st.closed {
		t.Fatal("hostile client's connection was closed")
	}
	write(t, hostile, "after: 1\n")
	env.waitSession(hostile, "a message after the garbage", func(st sessionState) bool {
		return len(st.msgs) > 0 && st.msgs[len(st.msgs)-1] == "after: 1"
	})
}

func TestServerOversizedKeepsConnection(t *testing.T) {
	env := startServer(t, Config{MaxMessageBytes: 100, QuietGap: 0}, nil)
	c := env.dial()
	write(t, c, "before: 1\n"+strings.Repeat("x", 1000))
	write(t, c, "\nafter: 2\n")
	st := env.waitSession(c, "the message after the oversized one", func(st sessionState) bool { return len(st.msgs) == 2 })
	if !slices.Equal(st.msgs, []string{"before: 1", "after: 2"}) || !slices.Equal(st.oversized, []int{1000}) || st.closed {
		t.Fatalf("session = %+v", st)
	}
	if got := env.metric(env.srv.m.oversizedMessages); got != 1 {
		t.Errorf("oversized messages = %v, want 1", got)
	}
	write(t, c, "more: 3\n")
	env.waitSession(c, "another message", func(st sessionState) bool { return len(st.msgs) == 3 })
}

func TestServerMaxConnections(t *testing.T) {
	env := startServer(t, Config{MaxConnections: 2}, nil)
	m := env.srv.m
	c1, c2 := env.dial(), env.dial()
	waitFor(t, "two sessions", func() bool { return env.sink.count() == 2 })

	reject := func(want float64) {
		t.Helper()
		// The reset may even beat the client's connect() to its check of
		// the socket, making the dial itself fail.
		if c, err := net.Dial("tcp4", env.addr); err == nil {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := c.Read(make([]byte, 1))
			c.Close()
			if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read from a rejected connection: %v, want EOF or reset", err)
			}
		}
		waitFor(t, "the rejection to be counted", func() bool { return env.metric(m.rejectedMaxConns) == want })
	}
	reject(1)
	reject(2)

	write(t, c1, "one: 1\n")
	write(t, c2, "two: 2\n")
	env.waitSession(c1, "c1's message", func(st sessionState) bool { return slices.Equal(st.msgs, []string{"one: 1"}) })
	env.waitSession(c2, "c2's message", func(st sessionState) bool { return slices.Equal(st.msgs, []string{"two: 2"}) })

	// A closed connection frees its slot.
	c1.Close()
	env.waitSession(c1, "c1 to close", func(st sessionState) bool { return st.closed })
	waitFor(t, "one open connection", func() bool { return env.metric(m.connections) == 1 })
	c3 := env.dial()
	write(t, c3, "three: 3\n")
	env.waitSession(c3, "c3's message", func(st sessionState) bool { return slices.Equal(st.msgs, []string{"three: 3"}) })

	if got := env.metric(m.connectionsTotal); got != 3 {
		t.Errorf("connections total = %v, want 3 (rejected ones not counted)", got)
	}
	// Two rejections within a minute: one log line.
	if n := strings.Count(env.logs.String(), "connection rejected"); n != 1 {
		t.Errorf("%d rejection log lines, want 1:\n%s", n, env.logs.String())
	}
}

// TestServerQuietGapSparesTerminatedSenders: once a connection has ended a
// message with a newline, the start of its next message is waited for, not
// cut by the quiet gap; on a loaded machine the rest can come long after.
func TestServerQuietGapSparesTerminatedSenders(t *testing.T) {
	env := startServer(t, Config{QuietGap: 20 * time.Millisecond}, nil)
	c := env.dial()
	write(t, c, "a: 1\n")
	env.waitSession(c, "the first message", func(st sessionState) bool { return len(st.msgs) == 1 })
	write(t, c, "[2026-11-25 17:06:16] - b:")
	time.Sleep(10 * 20 * time.Millisecond) // ten quiet gaps
	if st, _ := env.sink.state(localAddr(c)); len(st.msgs) != 1 {
		t.Fatalf("messages %q: the half message was cut by the quiet gap", st.msgs)
	}
	write(t, c, " 2\n")
	st := env.waitSession(c, "the second message", func(st sessionState) bool { return len(st.msgs) == 2 })
	if want := []string{"a: 1", "[2026-11-25 17:06:16] - b: 2"}; !slices.Equal(st.msgs, want) {
		t.Fatalf("messages %q, want %q", st.msgs, want)
	}
}

func TestServerEOFFlushesTail(t *testing.T) {
	env := startServer(t, Config{QuietGap: time.Hour}, nil)
	c := env.dial()
	write(t, c, "a: 1\n[2026-11-25 17:06:16] b: 2")
	c.(*net.TCPConn).CloseWrite()
	st := env.waitSession(c, "the session to close", func(st sessionState) bool { return st.closed })
	if !slices.Equal(st.msgs, []string{"a: 1", "[2026-11-25 17:06:16] b: 2"}) || st.closeErr != nil {
		t.Fatalf("session = %+v, want both messages and Close(nil)", st)
	}
	// The server closed its side too.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read after the server closed: %v, want EOF", err)
	}
}

func TestServerShutdownFlushesTail(t *testing.T) {
	// A QuietGap of an hour: only Shutdown can end the tail.
	env := startServer(t, Config{QuietGap: time.Hour}, nil)
	c := env.dial()
	const tail = "[2026-11-25 17:06:16] tail: 1"
	write(t, c, "first: 1\n"+tail)
	waitFor(t, "the server to read everything", func() bool {
		return env.metric(env.srv.m.receivedBytes) == float64(len("first: 1\n"+tail))
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	st, _ := env.sink.state(localAddr(c))
	if !slices.Equal(st.msgs, []string{"first: 1", tail}) || !st.closed || !errors.Is(st.closeErr, ErrShutdown) {
		t.Fatalf("session = %+v, want the tail and Close(ErrShutdown)", st)
	}
	if err := env.serveResult(); err != nil {
		t.Fatalf("Serve returned %v after Shutdown", err)
	}
	if got := env.metric(env.srv.m.connections); got != 0 {
		t.Errorf("connections = %v after Shutdown", got)
	}
	// Serve on a new listener returns nil at once.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.srv.Serve(l); err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
}

func TestServerShutdownReadsBufferedData(t *testing.T) {
	// Shutdown right after the client wrote: what is in the kernel's buffer
	// is still read during the drain. DrainTimeout is generous so a slow
	// machine cannot fail this.
	env := startServer(t, Config{QuietGap: time.Hour, DrainTimeout: time.Second}, nil)
	c := env.dial()
	waitFor(t, "the session", func() bool { return env.sink.count() == 1 })
	var want []string
	var buf bytes.Buffer
	for i := range 1000 {
		want = append(want, fmt.Sprintf("[2026-11-25 17:06:16] m: %d", i))
		buf.WriteString(want[i])
	}
	write(t, c, buf.String())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	st, _ := env.sink.state(localAddr(c))
	if !slices.Equal(st.msgs, want) || !errors.Is(st.closeErr, ErrShutdown) {
		t.Fatalf("got %d messages (close error %v), want %d: %q", len(st.msgs), st.closeErr, len(want), firstDiff(st.msgs, want))
	}
}

func TestServerShutdownContextExpires(t *testing.T) {
	sink := &recSink{block: make(chan struct{}), blocked: make(chan struct{}, 1)}
	env := startServer(t, Config{}, sink)
	c := env.dial()
	write(t, c, "a: 1\n")
	<-sink.blocked // the connection's goroutine is stuck in Session.Message

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := env.srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown with an expired context = %v, want context.Canceled", err)
	}
	close(sink.block)
	st := env.waitSession(c, "the session to close", func(st sessionState) bool { return st.closed })
	if !errors.Is(st.closeErr, ErrShutdown) || !slices.Equal(st.msgs, []string{"a: 1"}) {
		t.Fatalf("session = %+v", st)
	}
	waitFor(t, "the connection goroutine to end", func() bool { return env.metric(env.srv.m.connections) == 0 })
}

// fakeListener returns the errors in errs from Accept, then blocks until
// closed.
type fakeListener struct {
	mu     sync.Mutex
	errs   []error
	closed chan struct{}
	once   sync.Once
}

func (l *fakeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Unlock()
	<-l.closed
	return nil, net.ErrClosed
}

func (l *fakeListener) errorsLeft() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.errs)
}

func (l *fakeListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *fakeListener) Addr() net.Addr { return &net.TCPAddr{} }

type tempError struct{}

func (tempError) Error() string   { return "temporary" }
func (tempError) Temporary() bool { return true }
func (tempError) Timeout() bool   { return false }

func TestServeAcceptErrors(t *testing.T) {
	srv := NewServer(Config{}, &recSink{}, nil, nil, time.Now)

	// Temporary errors are retried; after Shutdown Serve returns nil.
	l := &fakeListener{errs: []error{tempError{}, tempError{}, tempError{}}, closed: make(chan struct{})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	waitFor(t, "the temporary errors to be retried", func() bool { return l.errorsLeft() == 0 })

	// Another listener with a permanent error makes its Serve return it.
	permanent := errors.New("permanent")
	if err := srv.Serve(&fakeListener{errs: []error{permanent}, closed: make(chan struct{})}); err != permanent {
		t.Errorf("Serve with a permanent accept error = %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after Shutdown = %v, want nil", err)
	}
}

func TestServerMetrics(t *testing.T) {
	env := startServer(t, Config{MaxMessageBytes: 10, QuietGap: 0}, nil)
	const input = "a: 1\r\nb: 2\x00" + "much too long\n" + "[2026-1"
	c := env.dial()
	write(t, c, input)
	c.Close()
	waitFor(t, "the session to close", func() bool {
		st, ok := env.sink.state(localAddr(c))
		return ok && st.closed
	})
	waitFor(t, "the connection to be gone", func() bool { return env.metric(env.srv.m.connections) == 0 })
	want := fmt.Sprintf(`
# HELP rexporter_connection_turn_wait_seconds_total Time client connections with data to handle waited for their turn, beyond --max-busy-connections handling theirs (summed over connections).
# TYPE rexporter_connection_turn_wait_seconds_total counter
rexporter_connection_turn_wait_seconds_total 0
# HELP rexporter_connections Open client connections.
# TYPE rexporter_connections gauge
rexporter_connections 0
# HELP rexporter_connections_rejected_total Client connections reset without being served (at once, or after waiting for a free slot), by reason.
# TYPE rexporter_connections_rejected_total counter
rexporter_connections_rejected_total{reason="max_connections"} 0
rexporter_connections_rejected_total{reason="not_allowed"} 0
# HELP rexporter_connections_total Client connections accepted and served (rejected ones are not counted here), by transport (a UDP datagram and an HTTP request are one each).
# TYPE rexporter_connections_total counter
rexporter_connections_total{transport="tcp"} 1
# HELP rexporter_connections_waiting Client connections accepted beyond the connection limit that wait for a free slot.
# TYPE rexporter_connections_waiting gauge
rexporter_connections_waiting 0
# HELP rexporter_connections_waiting_turn Client connections with data to handle that wait for their turn (see --max-busy-connections).
# TYPE rexporter_connections_waiting_turn gauge
rexporter_connections_waiting_turn 0
# HELP rexporter_framed_messages_total Complete messages cut from the byte streams and handed on for parsing, by transport.
# TYPE rexporter_framed_messages_total counter
rexporter_framed_messages_total{transport="tcp"} 3
# HELP rexporter_oversized_messages_total Messages discarded because they were longer than the message size limit.
# TYPE rexporter_oversized_messages_total counter
rexporter_oversized_messages_total 1
# HELP rexporter_received_bytes_total Bytes received from clients, by transport.
# TYPE rexporter_received_bytes_total counter
rexporter_received_bytes_total{transport="tcp"} %d
# HELP rexporter_rejected_bytes_total Bytes that were waiting in the sockets of rejected client connections, by reason (where the platform tells).
# TYPE rexporter_rejected_bytes_total counter
rexporter_rejected_bytes_total{reason="max_connections"} 0
rexporter_rejected_bytes_total{reason="not_allowed"} 0
`, len(input))
	if err := testutil.GatherAndCompare(env.reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestDataWaiting(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	if _, known := dataWaiting(server); !known {
		t.Skip("dataWaiting cannot tell on this platform")
	}
	if waiting, _ := dataWaiting(server); waiting {
		t.Fatal("data waiting on a fresh connection")
	}
	write(t, client, "abc")
	waitFor(t, "the data to be seen", func() bool { w, _ := dataWaiting(server); return w })
	// Peeking does not consume.
	buf := make([]byte, 10)
	if n, err := server.Read(buf); n != 3 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if waiting, _ := dataWaiting(server); waiting {
		t.Fatal("data waiting after reading everything")
	}
	client.Close()
	waitFor(t, "the EOF to be seen", func() bool { w, _ := dataWaiting(server); return w })
}

// TestServerTailWaitIsPerTail: no connection-wide mode. After a newline
// message, the next unterminated tail waits longer (TailWait); once a
// glued message ends it, the following tail is judged on its own and
// flushed after the quiet gap again.
func TestServerTailWaitIsPerTail(t *testing.T) {
	env := startServer(t, Config{QuietGap: 20 * time.Millisecond, TailWait: time.Hour}, nil)
	c := env.dial()
	write(t, c, "a: 1\n")
	env.waitSession(c, "the newline message", func(st sessionState) bool { return len(st.msgs) == 1 })
	write(t, c, "Mean: 1")
	write(t, c, "Mean: 2")
	st := env.waitSession(c, "the glued messages", func(st sessionState) bool { return len(st.msgs) == 3 })
	if want := []string{"a: 1", "Mean: 1", "Mean: 2"}; !slices.Equal(st.msgs, want) {
		t.Fatalf("messages %q, want %q", st.msgs, want)
	}
	// Later messages, one at a time, are flushed by the quiet gap.
	for i := 3; i < 6; i++ {
		write(t, c, fmt.Sprintf("Mean: %d", i))
		env.waitSession(c, fmt.Sprintf("message %d", i), func(st sessionState) bool { return len(st.msgs) == i+1 })
	}
}

// TestServerTailWaitBound: a tail that does not look complete is flushed
// after TailWait, not earlier and not only at the end of the connection.
func TestServerTailWaitBound(t *testing.T) {
	const tailWait = 100 * time.Millisecond
	env := startServer(t, Config{QuietGap: 20 * time.Millisecond, TailWait: tailWait}, nil)
	tests := map[string]struct{ before, tail string }{
		"after a newline message": {"a: 1\n", "b: 2"},
		"ending after the colon":  {"", "b:"},
		"ending in a name":        {"", "Random Poi"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := env.dial()
			n := 0
			if tc.before != "" {
				write(t, c, tc.before)
				n = 1
				env.waitSession(c, "the first message", func(st sessionState) bool { return len(st.msgs) == 1 })
			}
			start := time.Now()
			write(t, c, tc.tail)
			st := env.waitSession(c, "the tail", func(st sessionState) bool { return len(st.msgs) == n+1 })
			if el := time.Since(start); el < tailWait {
				t.Errorf("tail flushed after %v, want at least %v", el, tailWait)
			}
			if st.msgs[n] != tc.tail || st.closed {
				t.Errorf("session %+v, want the tail %q and still open", st, tc.tail)
			}
		})
	}
}
