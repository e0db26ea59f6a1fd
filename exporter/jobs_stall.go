package exporter

import (
	"slices"
	"sync"
	"time"
)

// Defaults of the stall options (see Options.StallFactor).
const (
	DefaultStallFactor = 10
	DefaultStallMin    = 30 * time.Second
	DefaultStallMax    = time.Hour
)

// gapWindow is how many recent gaps between a job's messages decide its
// usual gap; minGaps is how many it needs before the usual gap is known.
const (
	gapWindow = 64
	minGaps   = 4
)

// gaps holds the last gapWindow gaps between the reads that brought a job's
// own messages (run control messages from `rexporter run` do not count: the
// wrapper sends them whether or not the job makes progress).
type gaps struct {
	mu   sync.Mutex
	ring [gapWindow]float32 // seconds
	n    int                // gaps held, at most gapWindow
	next int
}

// add records a gap.
func (g *gaps) add(d time.Duration) {
	g.mu.Lock()
	g.ring[g.next] = float32(d.Seconds())
	g.next = (g.next + 1) % gapWindow
	g.n = min(g.n+1, gapWindow)
	g.mu.Unlock()
}

// usual is the job's usual gap: the longest of its recent gaps, so that a
// job that sends in bursts is judged by its pauses between bursts, not by
// the gaps inside a burst. ok is false until minGaps gaps are known.
func (g *gaps) usual() (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n < minGaps {
		return 0, false
	}
	return time.Duration(float64(slices.Max(g.ring[:g.n])) * float64(time.Second)), true
}

// stallAfter is how long the job may be silent before it is stalled:
// StallFactor times its usual gap, at least StallMin and at most StallMax;
// StallMax while its usual gap is unknown.
func (e *Exporter) stallAfter(j *job) time.Duration {
	o := &e.opts
	u, ok := j.gaps.usual()
	if !ok {
		return o.StallMax
	}
	d := time.Duration(o.StallFactor * float64(u))
	return min(max(d, o.StallMin), o.StallMax)
}

// stalled reports whether a job is up but has sent nothing of its own for
// longer than stallAfter, and that bound. Called with e.mu held.
func (e *Exporter) stalled(j *job, now time.Time) (bool, time.Duration) {
	after := e.stallAfter(j)
	last := j.lastMessage.Load()
	if j.connections == 0 || last == 0 {
		return false, after
	}
	return now.Sub(time.Unix(0, last)) > after, after
}

// spoke records a batch of the job's own messages received at nowNano;
// values says it held values. The gap between two batches of values feeds
// the usual gap (a job: message before the first values would add the R
// session's start-up time to it).
func (j *job) spoke(nowNano int64, values bool) {
	j.lastMessage.Store(nowNano)
	if !values {
		return
	}
	if prev := j.lastValues.Swap(nowNano); prev != 0 && nowNano > prev {
		j.gaps.add(time.Duration(nowNano - prev))
	}
}
