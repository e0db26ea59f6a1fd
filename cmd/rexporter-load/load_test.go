package main

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// counter is the baseline's counting loop on a test listener. Its count is
// final once closed reaches the number of connections.
func counter(t *testing.T, sep byte) (addr string, count, closed *atomic.Int64) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	count, closed = new(atomic.Int64), new(atomic.Int64)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				countMessages(c, sep, count)
				closed.Add(1)
			}()
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String(), count, closed
}

func TestSendLoad(t *testing.T) {
	tests := map[string]struct {
		names, perWrite, conns int
		newline                bool
		total                  int64
		rate                   float64
		duration               time.Duration
		capped                 bool // the duration ends it
	}{
		"all messages, batched":            {names: 10, perWrite: 100, conns: 8, newline: true, total: 50_000, duration: 20 * time.Second},
		"all messages, one a write, glued": {names: 1, perWrite: 1, conns: 4, total: 5_000, duration: 20 * time.Second},
		"rate limit and duration cap": {
			names: 1, perWrite: 10, conns: 4, newline: true, total: 1_000_000, rate: 20_000,
			duration: 200 * time.Millisecond, capped: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sep := byte('\n')
			if !tc.newline {
				sep = '['
			}
			addr, count, closed := counter(t, sep)
			p := BuildPayload(tc.names, tc.perWrite, tc.newline)
			res, err := sendLoad(t.Context(), p, loadPlan{
				addr: addr, conns: tc.conns, total: tc.total, rate: tc.rate, duration: tc.duration, grace: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.capped && res.sent != tc.total {
				t.Errorf("sent %d, want %d", res.sent, tc.total)
			}
			if tc.capped {
				// The limiter never sends ahead of its schedule: at most rate ×
				// duration, plus one write per connection.
				if most := int64(tc.rate*tc.duration.Seconds()) + int64(tc.conns*tc.perWrite); res.sent > most || res.sent == 0 {
					t.Errorf("sent %d in a %v cap at %v/s, want 1 to %d", res.sent, tc.duration, tc.rate, most)
				}
			}
			if res.last.Before(res.first) {
				t.Errorf("last write %v before the first %v", res.last, res.first)
			}
			// Wait until the counter has read every connection to EOF.
			for deadline := time.Now().Add(10 * time.Second); closed.Load() < int64(tc.conns) && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			if got := count.Load(); got != res.sent+res.control || res.control != int64(tc.conns) {
				t.Errorf("the counter read %d messages, %d were sent and %d job messages (want one a connection)", got, res.sent, res.control)
			}
		})
	}
}

func TestSendLoadStopsOnCancel(t *testing.T) {
	addr, _, _ := counter(t, '\n')
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	p := BuildPayload(1, 1, true)
	start := time.Now()
	_, err := sendLoad(ctx, p, loadPlan{addr: addr, conns: 2, total: maxMessages, rate: 1000, duration: time.Minute, grace: time.Second})
	if err == nil {
		t.Error("no error after the context ended")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("sendLoad ran %v after a 100ms context", took)
	}
}

func TestSendLoadRefused(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	if _, err := sendLoad(t.Context(), BuildPayload(1, 1, true), loadPlan{addr: addr, conns: 1, total: 1, duration: time.Second}); err == nil {
		t.Error("no error from a closed port")
	}
}
