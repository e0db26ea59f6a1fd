package ingest

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Costly is implemented by a Session that can tell whether the batch it
// just ended (End) was an expensive one: names it had to create or refuse
// rather than update. Such a connection is likely to send another, and it
// takes its turns among the other costly ones (see Config.MaxBusyConnections).
type Costly interface {
	Costly() bool
}

// turns lets at most busy connections handle a read at once, and at most
// costly of them ones whose last batch was costly. The others wait their
// turn, oldest first, without reading, so their clients' data waits in the
// kernel's socket buffers: what a flood of connections costs is bounded,
// and a scrape (or a quiet connection) competes with a few busy goroutines
// rather than with every connection.
type turns struct {
	busy, costly chan struct{}
	// cheap counts the connections that are not costly and wait for a
	// turn or have one: only while there are any do costly turns rest.
	cheap   atomic.Int64
	now     func() time.Time
	sleep   func(time.Duration) // time.Sleep; a test's recorder
	waiting prometheus.Gauge
	waited  prometheus.Counter // seconds
}

// newTurns returns the turns for busy connections at once (at least 1), of
// which at most busy-1 (at least 1) costly ones, counting the waits in m.
func newTurns(busy int, now func() time.Time, m *metrics) *turns {
	busy = max(busy, 1)
	return &turns{
		busy:    make(chan struct{}, busy),
		costly:  make(chan struct{}, max(busy-1, 1)),
		now:     now,
		sleep:   time.Sleep,
		waiting: m.turnWaiting,
		waited:  m.turnWait,
	}
}

// take waits for a turn; costly says the connection's last batch was. For
// a costly turn it returns when the turn began, for give's rest (a cheap
// turn reads no clock: the zero time).
func (t *turns) take(costly bool) time.Time {
	if !costly {
		t.cheap.Add(1)
	} else {
		t.acquire(t.costly)
	}
	t.acquire(t.busy)
	if !costly {
		return time.Time{}
	}
	return t.now()
}

// acquire takes a slot of ch: at once when one is free, else waiting,
// counted in the metrics (the clock is read only then).
func (t *turns) acquire(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
		return
	default:
	}
	start := t.now()
	t.waiting.Inc()
	ch <- struct{}{}
	t.waiting.Dec()
	t.waited.Add(t.now().Sub(start).Seconds())
}

// give ends a turn taken with take(costly), which returned start. While
// cheap connections want turns, a costly turn is followed by a rest as long
// as the turn before the next costly turn begins, so that costly work takes
// at most half of a CPU from them; with none, costly turns follow each
// other at once.
func (t *turns) give(costly bool, start time.Time) {
	<-t.busy
	if !costly {
		t.cheap.Add(-1)
		return
	}
	if d := t.now().Sub(start); d > 0 && t.cheap.Load() > 0 {
		t.sleep(d)
	}
	<-t.costly
}

// defaultBusy is Config.MaxBusyConnections' default.
func defaultBusy() int { return runtime.GOMAXPROCS(0) }
