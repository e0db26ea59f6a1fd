package ingest

import "time"

// quietGap is the state of a connection's quiet-gap deadline. R's
// write.socket sends no terminator, so a message's end is normally only
// seen when the next one arrives, which may be minutes later. A tail that
// sees no more data for a while is taken as complete instead (see
// tailWait). The conn methods below are all its goroutine (serve) does
// about it; the read deadline itself is set through setDeadline.
type quietGap struct {
	armed    bool      // a deadline for the pending tail is set
	armedAt  time.Time // when it expires
	lastData time.Time // when the last read that left a tail pending returned
}

// tailWait is how long the pending tail may go without new data before it
// is flushed. Each tail is judged on its own evidence, never on what the
// connection sent before it: a tail that looks like a whole message (it
// ends in a value, and the message before it did not end at '\n' or NUL)
// waits QuietGap; any other (it ends in a name or right after ':', or its
// sender ends its messages with '\n', so on a loaded machine the rest may
// come long after its start, and cutting it would make two bad messages of
// one good one) waits TailWait, but no longer.
func (c *conn) tailWait() time.Duration {
	gap := c.srv.cfg.QuietGap
	if c.framer.TailComplete() {
		return gap
	}
	return max(c.srv.cfg.TailWait, gap)
}

// arm sets the tail's deadline to at.
func (c *conn) arm(at time.Time) {
	c.quiet.armed, c.quiet.armedAt = true, at
	c.setDeadline(at)
}

// dataRead moves the deadline after a read that returned data at now and
// framed it. The deadline is only touched when the pending state changes
// or the wait gets shorter, not on every read.
func (c *conn) dataRead(now time.Time) {
	if c.srv.cfg.QuietGap <= 0 {
		return
	}
	switch {
	case c.framer.Pending():
		c.quiet.lastData = now
		if at := now.Add(c.tailWait()); !c.quiet.armed || at.Before(c.quiet.armedAt) {
			c.arm(at)
		}
	case c.quiet.armed:
		c.quiet.armed = false
		c.setDeadline(time.Time{})
	}
}

// quietExpired handles a read deadline that expired for the quiet gap (not
// for a hand-over pause or the end of a drain): it flushes the pending tail
// if the connection really was quiet for the tail's wait.
func (c *conn) quietExpired() {
	c.quiet.armed = false
	if !c.framer.Pending() {
		c.setDeadline(time.Time{})
		return
	}
	// The deadline was set when the tail first appeared, and an expired
	// deadline fails a Read without looking for data. So check that the
	// connection really was quiet before cutting a message that may be in
	// the middle of arriving: if data came less than the tail's wait ago,
	// wait for that long after it instead; if this goroutine was held up (a
	// loaded machine) and data is waiting in the socket, read that first.
	if quietAt := c.quiet.lastData.Add(c.tailWait()); c.srv.now().Before(quietAt) {
		c.arm(quietAt)
		return
	}
	c.setDeadline(time.Time{})
	if waiting, _ := dataWaiting(c.nc); waiting {
		return // the next read re-arms the quiet gap
	}
	c.flush()
}

// rearmQuiet starts the pending tail's wait again from now, for a
// connection that reads on after a hand-over pause or was adopted from
// another process. It reports whether it did: false without a pending tail
// or without a quiet gap.
func (c *conn) rearmQuiet() bool {
	if !c.framer.Pending() || c.srv.cfg.QuietGap <= 0 {
		return false
	}
	c.quiet.lastData = c.srv.now()
	c.arm(c.quiet.lastData.Add(c.tailWait()))
	return true
}
