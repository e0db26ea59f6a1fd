package main

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"time"
)

// latencyGrid are the delays after a probe's write (plus the quiet gap for
// unterminated messages to the exporter) at which it scrapes once. A scrape
// of the exporter takes longer than the latency to be measured, so timing
// the first scrape that shows a message would mostly measure the scrape;
// asking at a fixed delay whether a scrape started then shows it does not.
// The grid is finest around the 1 ms target.
var latencyGrid = []time.Duration{
	0, 100 * time.Microsecond, 200 * time.Microsecond, 300 * time.Microsecond,
	400 * time.Microsecond, 500 * time.Microsecond, 600 * time.Microsecond,
	700 * time.Microsecond, 800 * time.Microsecond, 900 * time.Microsecond,
	time.Millisecond, 1250 * time.Microsecond, 1500 * time.Microsecond,
	2 * time.Millisecond, 3 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
}

// probeTimeout bounds the wait for one latency probe to be counted.
const probeTimeout = 10 * time.Second

// probes is what the latency probes saw: per grid delay, how many probes
// were scraped at it and how many of those were already counted; and per
// probe the upper bound from scraping back to back until it was counted.
type probes struct {
	offset      time.Duration
	hits, tries []int
	upper       []float64 // seconds
}

// quantile is the smallest grid delay (plus the offset) at which, for it
// and every longer delay tried, at least q of the probes were counted: the
// q-th quantile of the latency at the grid's resolution. Beyond the grid it
// is the q-th percentile of the upper bounds.
func (p probes) quantile(q float64) float64 {
	best := -1
	for g := len(p.tries) - 1; g >= 0; g-- {
		if p.tries[g] == 0 {
			continue
		}
		if float64(p.hits[g]) < q*float64(p.tries[g]) {
			break
		}
		best = g
	}
	if best < 0 {
		return percentile(p.upper, q*100)
	}
	return (p.offset + latencyGrid[best]).Seconds()
}

// measureLatency sends n single messages on one connection, one at a time.
// Probe k waits its grid delay (cycling through latencyGrid) after the
// write, scrapes once and notes whether the message was counted, then
// scrapes back to back until it is, so that the next probe starts alone. A
// first, unscored message creates the name.
func measureLatency(ctx context.Context, n int, offset time.Duration, pl *Payload, ep *endpoint, sc *scraper) (probes, error) {
	pr := probes{offset: offset, hits: make([]int, len(latencyGrid)), tries: make([]int, len(latencyGrid))}
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp4", ep.ingest)
	if err != nil {
		return pr, err
	}
	defer conn.Close()
	base, err := sc.scrape(ctx, acceptText)
	if err != nil {
		return pr, err
	}
	want := base.processed()
	for k := 0; k <= n; k++ {
		want++
		_ = conn.SetWriteDeadline(time.Now().Add(probeTimeout))
		t0 := time.Now()
		if _, err := conn.Write(pl.Message(k)); err != nil {
			return pr, err
		}
		if k > 0 {
			g := (k - 1) % len(latencyGrid)
			waitUntil(t0.Add(offset + latencyGrid[g]))
			s, err := sc.scrape(ctx, acceptText)
			if err != nil {
				return pr, err
			}
			pr.tries[g]++
			if s.processed() >= want {
				pr.hits[g]++
				pr.upper = append(pr.upper, s.header.Sub(t0).Seconds())
				continue
			}
		}
		for {
			s, err := sc.scrape(ctx, acceptText)
			if err != nil {
				return pr, err
			}
			if s.processed() >= want {
				if k > 0 {
					pr.upper = append(pr.upper, s.header.Sub(t0).Seconds())
				}
				break
			}
			if time.Since(t0) > probeTimeout {
				return pr, fmt.Errorf("%s: latency probe %d not counted after %v", ep.name, k, probeTimeout)
			}
		}
	}
	return pr, nil
}

// waitUntil sleeps until about a millisecond before t, then spins: a
// sleep alone may oversleep by more than the grid's step.
func waitUntil(t time.Time) {
	if d := time.Until(t) - time.Millisecond; d > 0 {
		time.Sleep(d)
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
}
