package soak

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/ingest"
)

// resumeSink is the sink of the process that takes connections over: it
// resumes their sessions (ingest.Resumer).
type resumeSink struct{ *sink }

func (s resumeSink) ResumeSession(remote netip.AddrPort, state []byte) (ingest.Session, error) {
	es, err := s.e.ResumeSession(remote, state)
	if err != nil {
		return nil, err
	}
	s.opened.Add(1)
	return &session{Session: es, sink: s.sink}, nil
}

// TestSoakHandover runs the soak's 64 clients at full speed with every
// framing (glued write.socket records, NUL, CRLF, cat pieces, newlines) and
// hands the server over to a second server and exporter in the middle, the
// way a restart does between two processes: pause, save the series state,
// duplicate every socket, load and adopt, release. Every message must be
// counted exactly once, and every byte read once, across the two.
func TestSoakHandover(t *testing.T) {
	const (
		clients = 64
		maxMsgs = 1 << 22
	)
	d := soakDuration(t)
	old := newRig(t)

	results := make([]tally, clients)
	errs := make([]error, clients)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for id := range clients {
		wg.Go(func() {
			c, err := net.Dial("tcp", old.addr)
			if err != nil {
				errs[id] = err
				return
			}
			defer c.Close()
			c.SetWriteDeadline(deadline.Add(testTimeout))
			results[id], errs[id] = soakClient(c, id, framing(id%int(nFramings)), maxMsgs, deadline)
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	waitFor(ctx, t, "every client to connect and send", func() bool {
		return old.sink.opened.Load() == clients && sum(t, old.self, "rexporter_framed_messages_total") >= 100*clients
	})
	time.Sleep(d / 3)

	// The hand-over, as cmd/rexporter does it across exec.
	logger := slog.New(slog.DiscardHandler)
	paused, err := old.srv.Pause(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var state bytes.Buffer
	if err := old.sink.e.SaveState(&state); err != nil {
		t.Fatal(err)
	}
	user, self := prometheus.NewRegistry(), prometheus.NewRegistry()
	exp, err := exporter.New(exporter.Options{}, user, self, logger, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exp.LoadState(&state); err != nil {
		t.Fatal(err)
	}
	nsk := &sink{e: exp}
	srv := ingest.NewServer(ingest.DefaultConfig(), resumeSink{nsk}, self, logger, time.Now)
	var ls []net.Listener
	for _, f := range paused.Listeners() {
		l, err := net.FileListener(f)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	states := paused.States()
	adopted := 0
	for i, f := range paused.Conns() {
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Adopt(c, states[i]); err != nil {
			t.Fatal(err)
		}
		adopted++
	}
	serveErr := make(chan error, len(ls))
	for _, l := range ls {
		go func() { serveErr <- srv.Serve(l) }()
	}
	paused.Release()
	select {
	case err := <-old.serveErr:
		if err != nil {
			t.Errorf("old Serve: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("old Serve did not return after Release")
	}
	pending := 0
	for _, st := range states {
		if len(st.Framer.Pending) > 0 {
			pending++
		}
	}
	t.Logf("handed over %d connections (%d with a pending tail)", adopted, pending)
	// Under the race detector some clients may be done before the pause;
	// their sessions closed in the old server.
	if closedBefore := old.sink.closed.Load(); adopted == 0 || int64(adopted)+closedBefore != clients {
		t.Errorf("handed over %d connections, %d closed before, want %d in all", adopted, closedBefore, clients)
	}

	wg.Wait()
	for id, err := range errs {
		if err != nil {
			t.Fatalf("client %d (%v): %v", id, framing(id%int(nFramings)), err)
		}
	}
	waitFor(ctx, t, "every session to close", func() bool { return old.sink.closed.Load()+nsk.closed.Load() == clients })

	var good, bad, sent int64
	usums := sums(t, user)
	for id, tl := range results {
		good += tl.good
		bad += tl.bad
		sent += tl.bytes
		name := fmt.Sprintf("conn_%d_value_messages_total", id)
		if got := usums[name]; got != float64(tl.good) {
			t.Errorf("client %d (%v): %s = %v, sent %d good messages", id, framing(id%int(nFramings)), name, got, tl.good)
		}
	}
	oldSelf, newSelf := sums(t, old.self), sums(t, self)
	if got := newSelf["rexporter_messages_total"]; got != float64(good) {
		t.Errorf("rexporter_messages_total = %v, want %d (restored and continued)", got, good)
	}
	for name, want := range map[string]int64{
		"rexporter_framed_messages_total": good + bad,
		"rexporter_received_bytes_total":  sent,
	} {
		if got := oldSelf[name] + newSelf[name]; got != float64(want) {
			t.Errorf("%s: %v before + %v after = %v, want %d", name, oldSelf[name], newSelf[name], got, want)
		}
	}
	if got := oldSelf["rexporter_parse_errors_total"] + newSelf["rexporter_parse_errors_total"]; got != float64(bad) {
		t.Errorf("parse errors %v, want %d", got, bad)
	}
	for i, err := range append(old.sink.closeErrs(), nsk.closeErrs()...) {
		if err != nil {
			t.Errorf("session %d closed with %v, want a clean EOF", i, err)
		}
	}
	t.Logf("%d messages (%d good), %d bytes; %d framed before the hand-over, %d after",
		good+bad, good, sent, int64(oldSelf["rexporter_framed_messages_total"]), int64(newSelf["rexporter_framed_messages_total"]))

	sctx, scancel := context.WithTimeout(context.Background(), testTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Error(err)
	}
	for range ls {
		if err := <-serveErr; err != nil {
			t.Errorf("new Serve: %v", err)
		}
	}
}
