package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// floodJob names the flood's connections' job, so that they share one
// job's series as the workers of one R job would.
const floodJob = "job: flood\n"

// floodSendBuffer is each flood connection's socket send buffer.
const floodSendBuffer = 64 << 10

// appendFlood appends n messages of never-seen names to buf: "Flood c<conn>
// n<k>" for k from k0, each with the stamp, the value 1 and a newline.
func appendFlood(buf []byte, conn int, k0 int64, n int) []byte {
	for k := k0; k < k0+int64(n); k++ {
		buf = append(buf, stamp...)
		buf = append(buf, "Flood c"...)
		buf = strconv.AppendInt(buf, int64(conn), 10)
		buf = append(buf, " n"...)
		buf = strconv.AppendInt(buf, k, 10)
		buf = append(buf, ": 1\n"...)
	}
	return buf
}

// floodPlan is a bounded flood: conns connections, perWrite messages per
// write, at most total messages in all, for at most duration.
type floodPlan struct {
	addr     string
	conns    int
	perWrite int
	total    int64
	duration time.Duration
	grace    time.Duration // bounds a write still blocked after duration
}

// sendFlood dials every connection, names its job, then starts them all at
// once; each writes batches of never-seen names until the duration is over
// or its share of total is sent, then closes. As sendLoad, the sent count
// is exact.
func sendFlood(ctx context.Context, plan floodPlan) (loadResult, error) {
	// A small send buffer keeps the backlog small: a slow exporter would
	// otherwise still be draining megabytes per connection long after the
	// flood's duration.
	conns, err := dialJob(ctx, plan.addr, plan.conns, []byte(floodJob), func(c net.Conn) {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(floodSendBuffer)
		}
	})
	defer closeAll(conns)
	if err != nil {
		return loadResult{}, err
	}
	var stop atomic.Bool
	watch := context.AfterFunc(ctx, func() { stop.Store(true) })
	defer watch()
	share := plan.total / int64(plan.conns)
	sent := make([]int64, len(conns))
	errs := make([]error, len(conns))
	ends := make([]time.Time, len(conns))
	t0 := time.Now()
	stopAt := t0.Add(plan.duration)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			defer func() { ends[i] = time.Now(); _ = c.Close() }()
			if errs[i] = c.SetWriteDeadline(stopAt.Add(plan.grace)); errs[i] != nil {
				return
			}
			buf := make([]byte, 0, plan.perWrite*64)
			for sent[i] < share && time.Now().Before(stopAt) && !stop.Load() {
				n := int(min(int64(plan.perWrite), share-sent[i]))
				buf = appendFlood(buf[:0], i, sent[i], n)
				if _, err := c.Write(buf); err != nil {
					errs[i] = fmt.Errorf("flood connection %d after %d messages: %w", i, sent[i], err)
					return
				}
				sent[i] += int64(n)
			}
		})
	}
	wg.Wait()
	return loadOutcome(ctx, t0, sent, ends, errs)
}

// floodSample is one poll of the exporter's counters during a flood.
type floodSample struct {
	at      time.Time
	series  float64
	refused float64
}

// floodRates reads the flood's two rates from polls taken while it was
// sent (in time order), starting at start with series0 series, against
// the cap limit:
//   - newPerSec: series created per second until the cap, from the last
//     poll below the cap (all of them if it never filled). If the first
//     poll already saw the cap full it is a lower bound, the cap's new
//     series over the time to that poll, and lowerBound is set.
//   - refusedPerSec: names refused per second from the first poll at the
//     cap to the last; NaN with fewer than two such polls.
func floodRates(polls []floodSample, start time.Time, series0, limit float64) (newPerSec, refusedPerSec float64, capAt time.Duration, lowerBound bool) {
	newPerSec, refusedPerSec, capAt = math.NaN(), math.NaN(), -1
	full := -1
	for i, p := range polls {
		if p.series >= limit {
			full = i
			break
		}
	}
	rate := func(p floodSample) float64 {
		return ratio(p.series-series0, p.at.Sub(start).Seconds())
	}
	switch {
	case full < 0 && len(polls) > 0:
		newPerSec = rate(polls[len(polls)-1])
	case full == 0:
		newPerSec, lowerBound = rate(polls[0]), true
	case full > 0:
		newPerSec = rate(polls[full-1])
	}
	if full < 0 {
		return newPerSec, refusedPerSec, capAt, lowerBound
	}
	capAt = polls[full].at.Sub(start)
	if last := polls[len(polls)-1]; len(polls)-full >= 2 {
		refusedPerSec = ratio(last.refused-polls[full].refused, last.at.Sub(polls[full].at).Seconds())
	}
	return newPerSec, refusedPerSec, capAt, lowerBound
}
