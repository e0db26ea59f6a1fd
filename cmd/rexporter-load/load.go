package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// loadPlan is one bounded load: total messages over conns connections, at
// most rate messages/s in all (0: unlimited), stopped after duration.
type loadPlan struct {
	addr     string
	conns    int
	total    int64
	rate     float64
	duration time.Duration
	// grace bounds a write still blocked after duration (the exporter has
	// stopped reading): it then fails instead of hanging.
	grace time.Duration
}

// loadResult is what was sent and when.
type loadResult struct {
	sent    int64     // messages written completely, the job messages aside
	control int64     // the job messages, one per connection
	first   time.Time // just before the first write
	last    time.Time // when the last write returned
}

// sendLoad dials every connection, then starts them all at once; each sends
// its writes (see Payload.Write) and closes. A write either completes or
// fails the load, so the sent count is exact: the duration cap is checked
// between writes, never inside one.
func sendLoad(ctx context.Context, p *Payload, plan loadPlan) (loadResult, error) {
	// Every connection belongs to one named job, as the workers of one R
	// job do: they share the series of each name. (Unnamed, each
	// long-lived connection would be a job of its own.) The exporter counts
	// these messages too; Measure takes them off.
	conns, err := dialJob(ctx, plan.addr, plan.conns, p.JobMessage(), nil)
	defer closeAll(conns)
	if err != nil {
		return loadResult{}, err
	}

	var stop atomic.Bool
	watch := context.AfterFunc(ctx, func() { stop.Store(true) })
	defer watch()
	sent := make([]int64, len(conns))
	errs := make([]error, len(conns))
	ends := make([]time.Time, len(conns))
	var t0 time.Time // set before start closes, read after
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			<-start
			sent[i], errs[i] = sendConn(ctx.Done(), c, p, plan, int64(i), t0, &stop)
			ends[i] = time.Now()
			_ = c.Close()
		})
	}
	t0 = time.Now()
	close(start)
	wg.Wait()
	return loadOutcome(ctx, t0, sent, ends, errs)
}

// dialJob dials n connections to addr, each prepared (when prepare is not
// nil) and then sent job, the message that names their job. It returns the
// connections it made, also on an error: the caller closes them.
func dialJob(ctx context.Context, addr string, n int, job []byte, prepare func(net.Conn)) ([]net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := d.DialContext(ctx, "tcp4", addr)
		if err != nil {
			return conns, fmt.Errorf("connect to %s: %w", addr, err)
		}
		conns = append(conns, c)
		if prepare != nil {
			prepare(c)
		}
		if _, err := c.Write(job); err != nil {
			return conns, fmt.Errorf("name the job on %s: %w", addr, err)
		}
	}
	return conns, nil
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
}

// loadOutcome is the result of a load whose connections started at t0, each
// (one job message apiece) sent sent[i] messages, ended at ends[i] and
// failed with errs[i]: the first error, or ctx's.
func loadOutcome(ctx context.Context, t0 time.Time, sent []int64, ends []time.Time, errs []error) (loadResult, error) {
	res := loadResult{first: t0, control: int64(len(sent))}
	for i, n := range sent {
		res.sent += n
		if ends[i].After(res.last) {
			res.last = ends[i]
		}
	}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	return res, ctx.Err()
}

// sendConn sends connection i's writes: i, i+conns, i+2·conns, … of the
// plan, paced by the rate limit, until they are done, the duration is over
// or stop is set (done closes then too). It returns the messages written.
func sendConn(done <-chan struct{}, c net.Conn, p *Payload, plan loadPlan, i int64, first time.Time, stop *atomic.Bool) (int64, error) {
	stopAt := first.Add(plan.duration)
	if err := c.SetWriteDeadline(stopAt.Add(plan.grace)); err != nil {
		return 0, err
	}
	var sent int64
	for w := i; w < p.Writes(plan.total); w += int64(plan.conns) {
		now := time.Now()
		if !now.Before(stopAt) || stop.Load() {
			break
		}
		if plan.rate > 0 {
			due := first.Add(time.Duration(float64(w*int64(p.perWrite)) / plan.rate * float64(time.Second)))
			if !due.Before(stopAt) {
				break
			}
			if wait := due.Sub(now); wait > 0 {
				select { // at most until stopAt
				case <-done:
					return sent, nil
				case <-time.After(wait):
				}
			}
		}
		b, k := p.Write(w, plan.total)
		if _, err := c.Write(b); err != nil {
			return sent, fmt.Errorf("connection %d after %d messages: %w", i, sent, err)
		}
		sent += int64(k)
	}
	return sent, nil
}
