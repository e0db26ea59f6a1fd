package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// A hand-over moves a running server into a new process without closing a
// connection: R kills its script with SIGPIPE when the server closes its
// socket, so a restart that closes connections kills R jobs. The old
// process pauses (Server.Pause): its listeners stop accepting (new clients
// wait in the kernel's backlog) and every connection stops reading at a
// clean point, between two reads, where its whole state is the Framer's
// pending bytes and the session's. It passes the listening and connected
// sockets (Paused.Files) and the states (Paused.States) to the new process,
// which serves each connection from where the old one stopped (Adopt). A
// client that writes meanwhile writes into the kernel's socket buffer; no
// byte is read twice or lost, since the old process reads nothing after the
// pause. If the new process fails, the old one resumes (Paused.Resume);
// if it takes over, the old one releases everything (Paused.Release)
// without closing a connection's session.

// Suspender is implemented by a Session that can carry its state into
// another process. Suspend is called in the connection's goroutine at the
// pause; the session may be used again if the hand-over fails.
type Suspender interface {
	Suspend() ([]byte, error)
}

// Resumer is implemented by a Sink that can continue a suspended session.
type Resumer interface {
	ResumeSession(remote netip.AddrPort, state []byte) (Session, error)
}

// ConnState is one connection's state at a hand-over.
type ConnState struct {
	Remote string `json:"remote"`
	// Waiting: the connection was waiting for a slot and was never read;
	// the new process treats it as newly accepted.
	Waiting bool        `json:"waiting,omitempty"`
	Framer  FramerState `json:"framer"`
	// Session is the Suspender's state, nil if the session has none.
	Session       []byte `json:"session,omitempty"`
	ReceivedBytes int64  `json:"received_bytes,omitempty"`
	Messages      int64  `json:"messages,omitempty"`
}

// ErrPaused is returned by Pause when a pause is already under way or the
// server is shutting down.
var ErrPaused = errors.New("server is paused or shutting down")

// pause is a hand-over in progress. Guarded by Server.mu unless noted.
type pause struct {
	listeners sync.WaitGroup // one per listener loop until it stops accepting
	conns     sync.WaitGroup // one per connection until it parks or ends
	mu        sync.Mutex
	parked    map[*conn]ConnState
	errs      []error
	done      chan struct{} // closed by Resume or Release
	released  bool          // set before done is closed
}

// Paused is a server stopped for a hand-over: nothing is accepted or read
// until Resume; after Release it never serves again.
type Paused struct {
	s       *Server
	p       *pause
	ls      []*net.Listener
	conns   []*conn
	states  []ConnState
	waiters []*waiter
	files   []*os.File
	nls     int
}

// Pause stops accepting and reading and returns the state to hand over.
// It waits until every connection has stopped at a clean point, or until
// ctx ends (a Session call that does not return), in which case it resumes
// and returns the error.
func (s *Server) Pause(ctx context.Context) (*Paused, error) {
	s.mu.Lock()
	if s.stopping || s.pz != nil {
		s.mu.Unlock()
		return nil, ErrPaused
	}
	p := &pause{parked: map[*conn]ConnState{}, done: make(chan struct{})}
	s.pz = p
	pd := &Paused{s: s, p: p}
	for l := range s.listeners {
		pd.ls = append(pd.ls, l)
		p.listeners.Add(1)
		setAcceptDeadline(*l, pastDeadline)
	}
	// A listener loop waiting for queue room takes it when the waiters
	// leave below, then finds its deadline passed.
	for len(s.waiting) > 0 {
		pd.waiters = append(pd.waiters, s.popWaiterLocked(0))
	}
	s.mu.Unlock()

	if err := waitGroup(ctx, &p.listeners); err != nil {
		pd.Resume()
		return nil, fmt.Errorf("pause: listeners did not stop: %w", err)
	}
	s.mu.Lock()
	for c := range s.conns {
		if c.requestPause(p) {
			pd.conns = append(pd.conns, c)
		}
	}
	s.mu.Unlock()
	if err := waitGroup(ctx, &p.conns); err != nil {
		pd.Resume()
		return nil, fmt.Errorf("pause: connections did not stop: %w", err)
	}
	p.mu.Lock()
	err := errors.Join(p.errs...)
	p.mu.Unlock()
	if err == nil {
		err = pd.collect()
	}
	if err != nil {
		pd.Resume()
		return nil, err
	}
	return pd, nil
}

// pastDeadline makes Accept and Read fail at once.
var pastDeadline = time.Unix(1, 0)

func setAcceptDeadline(l net.Listener, t time.Time) {
	if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
		_ = d.SetDeadline(t)
	}
}

func waitGroup(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// filer is what listeners and connections that can be handed over have.
type filer interface{ File() (*os.File, error) }

// collect duplicates the sockets' descriptors: listeners first, then the
// parked connections, then the waiting ones.
func (pd *Paused) collect() error {
	add := func(x any, what string) error {
		f, ok := x.(filer)
		if !ok {
			return fmt.Errorf("pause: a %s (%T) cannot be handed over", what, x)
		}
		file, err := f.File()
		if err != nil {
			return fmt.Errorf("pause: %s: %w", what, err)
		}
		pd.files = append(pd.files, file)
		return nil
	}
	for _, l := range pd.ls {
		if err := add(*l, "listener"); err != nil {
			return err
		}
	}
	pd.nls = len(pd.ls)
	pd.p.mu.Lock()
	parked := pd.p.parked
	pd.p.mu.Unlock()
	for _, c := range pd.conns {
		st, ok := parked[c]
		if !ok {
			continue // it ended before the pause
		}
		if err := add(c.nc, "connection"); err != nil {
			return err
		}
		pd.states = append(pd.states, st)
	}
	for _, w := range pd.waiters {
		if err := add(w.nc, "connection"); err != nil {
			return err
		}
		pd.states = append(pd.states, ConnState{Remote: w.remote.String(), Waiting: true})
	}
	return nil
}

// Listeners returns duplicates of the listening sockets' descriptors, for
// exec.Cmd.ExtraFiles.
func (pd *Paused) Listeners() []*os.File { return pd.files[:pd.nls] }

// Conns returns duplicates of the connections' descriptors, in the order
// of States.
func (pd *Paused) Conns() []*os.File { return pd.files[pd.nls:] }

// States returns each handed-over connection's state, in the order of Conns.
func (pd *Paused) States() []ConnState { return pd.states }

// closeFiles closes the duplicated descriptors (the sockets stay open).
func (pd *Paused) closeFiles() {
	for _, f := range pd.files {
		f.Close()
	}
	pd.files = nil
}

// Resume undoes the pause: the hand-over did not happen, and the server
// serves every connection and listener on as before.
func (pd *Paused) Resume() { pd.end(false) }

// Release ends the server after a successful hand-over (the new process
// has its own descriptors of every socket): listener loops return nil and
// connection goroutines end without flushing or closing their sessions;
// this process's descriptors are closed, which leaves the sockets open in
// the new process.
func (pd *Paused) Release() {
	pd.end(true)
	pd.closeFiles()
	for _, w := range pd.waiters {
		w.nc.Close()
	}
}

func (pd *Paused) end(released bool) {
	s := pd.s
	s.mu.Lock()
	if s.pz != pd.p {
		s.mu.Unlock()
		return
	}
	s.pz = nil
	if released && !s.stopping {
		s.stopping = true
		close(s.done)
	}
	pd.p.released = released
	close(pd.p.done)
	if !released {
		for _, l := range pd.ls {
			setAcceptDeadline(*l, time.Time{})
		}
		for _, w := range pd.waiters {
			if len(s.conns) < s.cfg.MaxConnections {
				c := s.startLocked(w.nc, w.remote, w.tr)
				defer c.start()
				continue
			}
			s.waiting = append(s.waiting, w)
			s.m.waiting.Inc()
			w.timer = time.AfterFunc(s.cfg.ConnWait, func() { s.expire(w) })
		}
	}
	s.mu.Unlock()
	if !released {
		pd.closeFiles()
	}
}

// parkListener is called by a listener loop whose Accept failed during a
// pause; it reports whether to go on serving.
func (s *Server) parkListener(l net.Listener) bool {
	s.mu.Lock()
	p := s.pz
	s.mu.Unlock()
	if p == nil {
		return !s.isStopping()
	}
	p.listeners.Done()
	<-p.done
	if p.released {
		return false
	}
	setAcceptDeadline(l, time.Time{})
	return true
}

// requestPause makes the connection's next (or current) read fail at once,
// so that it parks for p. It reports false for a connection that has
// ended already. Called with Server.mu held.
func (c *conn) requestPause(p *pause) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return false
	}
	p.conns.Add(1)
	c.pz, c.pauseAcked = p, false
	c.nc.SetReadDeadline(pastDeadline)
	return true
}

// pauseRequested reports whether the connection is to park.
func (c *conn) pauseRequested() *pause {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pz
}

// park suspends the connection between two reads: it reports its state
// and waits for the end of the pause. It reports whether to go on serving
// (the hand-over failed).
func (c *conn) park(p *pause) bool {
	st := ConnState{Remote: c.remote.String(), Framer: c.framer.State(),
		ReceivedBytes: c.totalBytes, Messages: c.totalMsgs}
	var err error
	if sp, ok := c.sess.(Suspender); ok {
		st.Session, err = sp.Suspend()
	}
	p.mu.Lock()
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("connection %s: %w", st.Remote, err))
	} else {
		p.parked[c] = st
	}
	p.mu.Unlock()
	c.ackPause()
	<-p.done
	if p.released {
		return false
	}
	c.mu.Lock()
	c.pz = nil
	c.mu.Unlock()
	// Read on where it stopped: the tail's wait starts again.
	if !c.rearmQuiet() {
		c.quiet.armed = false
		c.setDeadline(time.Time{})
	}
	return true
}

// ackPause tells Pause, once, that the connection stopped.
func (c *conn) ackPause() {
	c.mu.Lock()
	p := c.pz
	acked := c.pauseAcked
	c.pauseAcked = true
	c.mu.Unlock()
	if p != nil && !acked {
		p.conns.Done()
	}
}

// Adopt serves a connection handed over by another process from the state
// that process reported, without a connection slot check (it had one
// there). A waiting connection is handled like a newly accepted one.
func (s *Server) Adopt(nc net.Conn, st ConnState) error {
	tr := connTransport(nc)
	if st.Waiting {
		s.handle(nc, tr)
		return nil
	}
	remote := addrPort(nc.RemoteAddr())
	var sess Session
	if r, ok := s.sink.(Resumer); ok && st.Session != nil {
		var err error
		if sess, err = r.ResumeSession(remote, st.Session); err != nil {
			return fmt.Errorf("adopt %s: %w", remote, err)
		}
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return ErrShutdown
	}
	c := newConn(s, nc, remote, tr)
	c.adopted = true
	c.framer.Restore(st.Framer)
	c.totalBytes, c.totalMsgs = st.ReceivedBytes, st.Messages
	if sess == nil {
		sess = s.sink.NewSession(remote)
	}
	c.sess = sess
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	c.rearmQuiet()
	c.start()
	return nil
}

// endPause marks the connection ended (its session closed) and tells a
// pause waiting for it.
func (c *conn) endPause() {
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
	c.ackPause()
}
