package main

import (
	"slices"
	"strings"
	"sync"
)

// outbox is the bounded queue of lines between the job and the exporter.
// push never blocks: when the queue is full the oldest line is dropped and
// counted, so the job never waits for the exporter (the R helper's promise).
type outbox struct {
	mu      sync.Mutex
	lines   []string // a ring of capacity max
	head, n int
	max     int
	dropped uint64
	closed  bool
	notify  chan struct{}

	// preamble is said first on every new connection: the job's name,
	// parameters and descriptions, so that an exporter restarted mid-run
	// knows them again.
	job    string
	params []string // run: param lines, in order, one per key
	helps  []string // run: help lines, in order
}

func newOutbox(max int, job string) *outbox {
	return &outbox{lines: make([]string, max), max: max, job: job, notify: make(chan struct{}, 1)}
}

// push queues a line.
func (o *outbox) push(line string) {
	o.mu.Lock()
	if o.n == o.max {
		o.head = (o.head + 1) % o.max
		o.n--
		o.dropped++
	}
	o.lines[(o.head+o.n)%o.max] = line
	o.n++
	o.mu.Unlock()
	select {
	case o.notify <- struct{}{}:
	default:
	}
}

// take removes and returns every queued line, and whether the outbox is
// closed (nothing more will come once it is empty).
func (o *outbox) take() ([]string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, 0, o.n)
	for ; o.n > 0; o.n-- {
		out = append(out, o.lines[o.head])
		o.lines[o.head] = ""
		o.head = (o.head + 1) % o.max
	}
	return out, o.closed
}

// lost counts lines written to a connection that failed: they may or may not
// have arrived.
func (o *outbox) lost(n int) {
	o.mu.Lock()
	o.dropped += uint64(n)
	o.mu.Unlock()
}

// close says no more lines will come.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	select {
	case o.notify <- struct{}{}:
	default:
	}
}

// setJob records the job's name for later connections.
func (o *outbox) setJob(job string) {
	o.mu.Lock()
	o.job = job
	o.mu.Unlock()
}

// setParam records a run: param line for later connections; key is its
// parameter's key.
func (o *outbox) setParam(key, line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, p := range o.params {
		if paramKey(p) == key {
			o.params[i] = line
			return
		}
	}
	if len(o.params) < 64 {
		o.params = append(o.params, line)
	}
}

// describe queues a run: help line and keeps it for later connections.
func (o *outbox) describe(line string) {
	o.mu.Lock()
	o.helps = append(o.helps, line)
	o.mu.Unlock()
	o.push(line)
}

// preambleLines returns what a new connection says first.
func (o *outbox) preambleLines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Concat([]string{"job: " + o.job}, o.params, o.helps)
}

func (o *outbox) droppedLines() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}

// peekClosed reports how many lines wait and whether the outbox is closed.
func (o *outbox) peekClosed() (int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n, o.closed
}

// paramKey is the key of a "run: param key=value" line.
func paramKey(line string) string {
	_, kv, _ := strings.Cut(line, "run: param ")
	k, _, _ := strings.Cut(kv, "=")
	return strings.TrimSpace(k)
}
