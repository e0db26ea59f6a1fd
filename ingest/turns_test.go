package ingest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// turnSink's sessions hold every message of a batch that their sink says
// is to be held until the test lets it go, and keep count of how many
// connections are inside a batch at once.
type turnSink struct {
	costly  bool // every session says its last batch was costly
	release chan struct{}

	mu      sync.Mutex
	inside  int // sessions between Begin and End
	most    int // the most at once
	msgs    int
	holding bool // hold the messages in Message until release
}

func (k *turnSink) NewSession(netip.AddrPort) Session { return &turnSession{k: k} }

func (k *turnSink) state() (inside, most, msgs int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.inside, k.most, k.msgs
}

func (k *turnSink) hold(on bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.holding, k.most = on, 0
}

type turnSession struct{ k *turnSink }

func (s *turnSession) Begin(time.Time) {
	k := s.k
	k.mu.Lock()
	defer k.mu.Unlock()
	k.inside++
	k.most = max(k.most, k.inside)
}

func (s *turnSession) End() {
	k := s.k
	k.mu.Lock()
	defer k.mu.Unlock()
	k.inside--
}

func (s *turnSession) Message([]byte) {
	k := s.k
	k.mu.Lock()
	k.msgs++
	hold := k.holding
	k.mu.Unlock()
	if hold {
		<-k.release
	}
}

func (s *turnSession) Oversized(int) {}
func (s *turnSession) Close(error)   {}
func (s *turnSession) Costly() bool  { return s.k.costly }

// TestTurns checks that at most MaxBusyConnections connections handle a
// read at once, and at most MaxBusyConnections-1 costly ones; the others
// wait (counted) and lose nothing.
func TestTurns(t *testing.T) {
	for name, tc := range map[string]struct {
		busy, conns int
		costly      bool
		most        int // connections inside a batch at once
	}{
		"cheap connections take every turn":   {busy: 2, conns: 5, most: 2},
		"three turns":                         {busy: 3, conns: 5, most: 3},
		"costly connections leave one turn":   {busy: 2, conns: 4, costly: true, most: 1},
		"costly connections with three turns": {busy: 3, conns: 5, costly: true, most: 2},
		"one turn, costly or not":             {busy: 1, conns: 3, costly: true, most: 1},
	} {
		t.Run(name, func(t *testing.T) {
			k := &turnSink{costly: tc.costly, release: make(chan struct{})}
			reg := prometheus.NewRegistry()
			srv := NewServer(Config{MaxBusyConnections: tc.busy, QuietGap: time.Hour}, k, reg, nil, time.Now)
			l, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(l)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				srv.Shutdown(ctx)
			})
			conns := make([]net.Conn, tc.conns)
			for i := range conns {
				c, err := net.Dial("tcp4", l.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns[i] = c
			}
			// A first message each, let through: a connection's first batch
			// is never costly, the ones after it are when the session says so.
			for i, c := range conns {
				write(t, c, fmt.Sprintf("first %d: 1\n", i))
			}
			waitFor(t, "the first messages", func() bool { _, _, n := k.state(); return n == tc.conns })

			k.hold(true)
			for i, c := range conns {
				write(t, c, fmt.Sprintf("second %d: 1\n", i))
			}
			waiting := srv.m.turnWaiting
			waitFor(t, "the turns taken and the rest waiting", func() bool {
				inside, _, _ := k.state()
				return inside == tc.most && testutil.ToFloat64(waiting) == float64(tc.conns-tc.most)
			})
			for range tc.conns {
				k.release <- struct{}{}
			}
			waitFor(t, "every message", func() bool { _, _, n := k.state(); return n == 2*tc.conns })
			if _, most, _ := k.state(); most != tc.most {
				t.Errorf("%d connections handled a read at once, want at most %d", most, tc.most)
			}
			if w := testutil.ToFloat64(srv.m.turnWait); w <= 0 {
				t.Errorf("rexporter_connection_turn_wait_seconds_total = %v, want > 0", w)
			}
			waitFor(t, "no connection waiting", func() bool { return testutil.ToFloat64(waiting) == 0 })
		})
	}
}

// TestCostlyTurnsRest checks the rest after a costly turn, on a fake clock:
// as long as the turn while a cheap connection has or wants a turn, none
// without one, and never for a cheap turn.
func TestCostlyTurnsRest(t *testing.T) {
	now := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	var rests []time.Duration
	tr := newTurns(2, func() time.Time { return now }, newMetrics(nil))
	tr.sleep = func(d time.Duration) { rests = append(rests, d) }
	turn := func(costly bool, d time.Duration) {
		start := tr.take(costly)
		now = now.Add(d)
		tr.give(costly, start)
	}

	turn(true, 5*time.Millisecond) // alone: no rest
	turn(false, 3*time.Millisecond)
	tr.take(false) // a cheap connection holds a turn
	turn(true, 7*time.Millisecond)
	tr.give(false, now)
	turn(true, 2*time.Millisecond) // alone again

	if want := []time.Duration{7 * time.Millisecond}; !slices.Equal(rests, want) {
		t.Errorf("rests %v, want %v", rests, want)
	}
	if n := tr.cheap.Load(); n != 0 {
		t.Errorf("%d cheap connections counted after all gave their turns back", n)
	}
}
