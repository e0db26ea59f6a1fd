package ingest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Sink receives the messages of every connection.
type Sink interface {
	// NewSession is called once per served connection, before its first
	// message, in the order the connections were accepted (one at a time,
	// never concurrently), so a sink may take the order of NewSession calls
	// as the order in which connections arrived.
	NewSession(remote netip.AddrPort) Session
}

// Session is one client connection's view of the sink. Its methods are
// called from that connection's goroutine only, never concurrently. They
// must be fast: while they run, the connection is not read, and an R client
// whose data is not read blocks in write.socket.
type Session interface {
	// Begin comes before the messages framed from one read (or cut by the
	// quiet gap, or at the end) with the time the read returned: they were
	// received together and share that receive time. A session may keep
	// its bookkeeping for the batch and publish it in End, which follows
	// them; nothing else is called in between.
	Begin(now time.Time)
	// End closes the batch that Begin opened.
	End()
	// Message receives one complete message without its terminator. The
	// slice is only valid during the call. It is always between Begin and
	// End.
	Message(msg []byte)
	// Oversized notes a message longer than Config.MaxMessageBytes, which
	// was discarded; dropped is its length.
	Oversized(dropped int)
	// Close is called once when the connection has ended, after its last
	// message: with nil for a clean EOF, else the read error (a reset, ...)
	// or ErrShutdown.
	Close(err error)
}

// ErrShutdown is given to Session.Close for connections ended by
// Server.Shutdown.
var ErrShutdown = errors.New("server shutting down")

// Defaults for the zero fields of Config (QuietGap and ConnWait excepted,
// see there).
const (
	DefaultMaxConnections  = 1024
	DefaultQuietGap        = 20 * time.Millisecond
	DefaultReadBufferBytes = 16384
	DefaultTailWait        = 500 * time.Millisecond
	DefaultConnWait        = 5 * time.Second
	// maxDefaultDrainTimeout caps the default DrainTimeout.
	maxDefaultDrainTimeout = 100 * time.Millisecond
)

// Config configures a Server. Zero fields take the documented defaults.
type Config struct {
	// MaxMessageBytes is the longest message accepted; longer ones are
	// discarded and counted. Default DefaultMaxMessageBytes (65536).
	MaxMessageBytes int
	// MaxConnections limits the open connections across all listeners.
	// Default DefaultMaxConnections (1024).
	MaxConnections int
	// MaxBusyConnections is how many connections handle what they read at
	// once (framing it and applying it to the sink); the others wait their
	// turn, oldest first, without reading, and what their clients send
	// waits in the kernel's socket buffers. Of the busy ones, at most
	// MaxBusyConnections-1 (at least 1) may be connections whose last batch
	// was costly (see Costly): a flood of new names from many connections
	// then leaves a turn to the others. So, under any load, a scrape or a
	// status request competes with a few busy goroutines rather than with
	// every connection. Default runtime.GOMAXPROCS(0). It applies to
	// stream connections (TCP, Unix); UDP sockets and HTTP pushes are read
	// as before.
	MaxBusyConnections int
	// QuietGap is how long an unterminated tail may wait for more data
	// before it is taken as a complete message. R's write.socket sends no
	// terminator, so without this a value would only show up when the next
	// message arrives. Unlike the other fields, 0 (or a negative value)
	// disables the quiet-gap flush; use DefaultQuietGap (20ms) for the
	// default. It applies to a tail that looks like a whole message: one
	// that ends in a value, and whose previous message on the connection
	// did not end at '\n' or NUL; other tails wait TailWait. A client that
	// stalls for longer than this in the middle of writing a message gets
	// it cut in two; R sends each message with one send(), so that takes a
	// message larger than the socket buffers.
	QuietGap time.Duration
	// TailWait is how long a pending tail that does not look like a whole
	// message (it ends in a name or right after ':', or the message before
	// it on the connection ended at '\n' or NUL, so its sender ends its
	// messages and is likely still sending this one) may wait for more
	// data before it is flushed anyway. Never less than QuietGap; unused
	// when QuietGap is disabled. Default DefaultTailWait (500ms).
	TailWait time.Duration
	// ReadBufferBytes is the size of each connection's read buffer.
	// Default DefaultReadBufferBytes (16384).
	ReadBufferBytes int
	// DrainTimeout is how long Shutdown lets open connections go on reading
	// what has already arrived before it flushes and closes them. Default
	// min(QuietGap, 100ms), or 20ms when QuietGap is disabled.
	DrainTimeout time.Duration
	// ConnWait is how long a new connection beyond MaxConnections waits
	// for a free slot before it is refused. It is not read while it waits
	// (the kernel buffers what the client sends, up to the socket buffer),
	// and it takes the first slot that frees up, so a burst of short
	// connections that close faster than they are read loses nothing. At
	// most MaxConnections connections wait; while that many do, the
	// listeners stop accepting, and newer connections stay in the kernel's
	// backlog (connect succeeds there and the client writes into its
	// buffer) until a waiting one gets a slot or times out. Like QuietGap,
	// 0 (or a negative value) disables waiting: a connection beyond the
	// limit is reset at once. Use DefaultConnWait (5s) for the default.
	ConnWait time.Duration
	// Allow lists the client networks that may connect; empty (the
	// default) allows every client. A connection from elsewhere is accepted
	// and reset at once, before it counts towards MaxConnections (see
	// Serve). A single address is a /32 or /128 prefix. IPv4 clients match
	// IPv4 prefixes, also when a dual-stack listener reports them as
	// IPv4-mapped IPv6 addresses (see Allowed).
	Allow []netip.Prefix
}

// DefaultConfig returns a Config with every field at its default, including
// QuietGap.
func DefaultConfig() Config {
	return Config{
		MaxMessageBytes: DefaultMaxMessageBytes,
		MaxConnections:  DefaultMaxConnections,
		QuietGap:        DefaultQuietGap,
		TailWait:        DefaultTailWait,
		ConnWait:        DefaultConnWait,
		ReadBufferBytes: DefaultReadBufferBytes,
		DrainTimeout:    DefaultQuietGap,
	}
}

func (c Config) withDefaults() Config {
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.MaxBusyConnections <= 0 {
		c.MaxBusyConnections = defaultBusy()
	}
	if c.QuietGap < 0 {
		c.QuietGap = 0
	}
	if c.TailWait <= 0 {
		c.TailWait = DefaultTailWait
	}
	c.TailWait = max(c.TailWait, c.QuietGap)
	if c.ConnWait < 0 {
		c.ConnWait = 0
	}
	if c.ReadBufferBytes <= 0 {
		c.ReadBufferBytes = DefaultReadBufferBytes
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = min(c.QuietGap, maxDefaultDrainTimeout)
		if c.QuietGap == 0 {
			c.DrainTimeout = DefaultQuietGap
		}
	}
	if len(c.Allow) > 0 {
		// A copy, so that the caller's slice may change while serving.
		allow := make([]netip.Prefix, len(c.Allow))
		for i, p := range c.Allow {
			allow[i] = normalizePrefix(p)
		}
		c.Allow = allow
	}
	return c
}

// Server accepts R clients' TCP connections and hands the messages framed
// from them to a Sink. Each connection is read by its own goroutine, which
// never stops reading while the connection is open and never closes it
// because of what it sent (see Serve).
type Server struct {
	cfg  Config
	sink Sink
	log  *slog.Logger
	now  func() time.Time
	m    *metrics
	// turns bounds the connections handling a read at once.
	turns *turns

	// done is closed when Shutdown starts.
	done chan struct{}
	wg   sync.WaitGroup // connection goroutines

	mu        sync.Mutex
	stopping  bool
	drainEnd  time.Time // when draining connections are closed
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	// waiting holds the connections waiting for a slot, oldest first (at
	// most MaxConnections). queueRoom is closed, and replaced, whenever
	// one leaves it, to wake listeners that stopped accepting.
	waiting   []*waiter
	queueRoom chan struct{}
	// pz is the hand-over pause under way, if any (see Pause).
	pz *pause
	// Rejections are logged at most once a minute per reason.
	maxConnsLog   logLimiter
	notAllowedLog logLimiter
}

// logLimiter lets a repeated warning through at most once a minute and
// counts the occurrences in between. Its user holds Server.mu.
type logLimiter struct {
	last    time.Time // when the last warning was let through
	pending int       // occurrences since then, including the current one
}

// note records one occurrence at t and returns how many occurrences the
// warning to log now covers, or 0 if none is to be logged.
func (l *logLimiter) note(t time.Time) int {
	l.pending++
	if !l.last.IsZero() && t.Sub(l.last) < time.Minute {
		return 0
	}
	l.last = t
	n := l.pending
	l.pending = 0
	return n
}

// NewServer returns a Server that hands messages to sink and registers its
// self-metrics with reg (which may be nil). now is the clock used for
// deadlines and log rate limits; pass time.Now.
func NewServer(cfg Config, sink Sink, reg prometheus.Registerer, logger *slog.Logger, now func() time.Time) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	cfg = cfg.withDefaults()
	m := newMetrics(reg)
	return &Server{
		cfg:       cfg,
		sink:      sink,
		log:       logger,
		now:       now,
		m:         m,
		turns:     newTurns(cfg.MaxBusyConnections, now, m),
		done:      make(chan struct{}),
		listeners: make(map[*net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
		queueRoom: make(chan struct{}),
	}
}

// Config returns the configuration in force: the one NewServer was given,
// with its zero fields at their defaults.
func (s *Server) Config() Config { return s.cfg }

// Serve accepts connections on l until Shutdown, then returns nil; on any
// other accept error it returns that error. Temporary accept errors (out of
// file descriptors, ...) are retried after a short back-off. Serve may be
// called for several listeners; it closes l when it returns.
//
// A connection beyond Config.MaxConnections is still accepted and waits
// up to Config.ConnWait for a slot (see there); one that gets none is reset
// (linger 0), as is one beyond the limit when ConnWait is 0, rather than
// being left in the kernel's backlog for good: an R client connecting to a
// backlog that is never accepted blocks forever, while a reset is an error
// it sees. Such connections are counted in
// rexporter_connections_rejected_total{reason="max_connections"}, the bytes
// that were waiting in their sockets (where the platform tells) in
// rexporter_rejected_bytes_total, and logged at most once a minute. A
// connection from an address outside a non-empty Config.Allow is rejected
// the same way, before it counts towards MaxConnections, in
// reason="not_allowed".
func (s *Server) Serve(l net.Listener) error {
	if !s.addListener(&l) {
		l.Close()
		return nil
	}
	defer s.removeListener(&l)
	tr := listenerTransport(l)
	s.m.transport(tr) // its series exist from the start

	var delay time.Duration
	for {
		if !s.waitQueueRoom() {
			return nil
		}
		nc, err := l.Accept()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// Only a hand-over pause sets a deadline (see Pause).
				if s.parkListener(l) {
					continue
				}
				return nil
			}
			if s.isStopping() {
				return nil
			}
			if !isTemporary(err) {
				return err
			}
			// Back off like net/http: 5ms doubling up to 1s.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else {
				delay = min(2*delay, time.Second)
			}
			s.log.Warn("accept failed, retrying", "err", err, "retry_in", delay.String())
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
				return nil
			}
			continue
		}
		delay = 0
		s.handle(nc, tr)
	}
}

// isTemporary reports whether an accept error is worth retrying. It asks
// for the (deprecated, but still what net/http relies on) Temporary method
// through an interface so as not to depend on net.Error's.
func isTemporary(err error) bool {
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

func (s *Server) addListener(l *net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) removeListener(l *net.Listener) {
	s.mu.Lock()
	_, ok := s.listeners[l]
	delete(s.listeners, l)
	s.mu.Unlock()
	if ok {
		(*l).Close()
	}
}

func (s *Server) isStopping() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// handle starts serving an accepted connection, or rejects it.
func (s *Server) handle(nc net.Conn, tr Transport) {
	remote := addrPort(nc.RemoteAddr())
	if s.isStopping() {
		nc.Close()
		return
	}
	// cfg.Allow never changes, so it is checked without the lock, and a
	// refused client never takes a connection slot.
	if tr.checksAllow() && !Allowed(s.cfg.Allow, remote.Addr()) {
		s.mu.Lock()
		logged := s.notAllowedLog.note(s.now())
		s.mu.Unlock()
		s.refuse(nc, "not_allowed")
		if logged > 0 {
			s.log.Warn("connection rejected: address not in the allowlist",
				"remote", remote.String(), "rejected_since_last_log", logged)
		}
		return
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if len(s.conns) < s.cfg.MaxConnections && len(s.waiting) == 0 {
		c := s.startLocked(nc, remote, tr)
		s.mu.Unlock()
		c.start()
		return
	}
	if s.cfg.ConnWait > 0 && len(s.waiting) < s.cfg.MaxConnections {
		w := &waiter{nc: nc, remote: remote, tr: tr}
		s.waiting = append(s.waiting, w)
		s.m.waiting.Inc()
		w.timer = time.AfterFunc(s.cfg.ConnWait, func() { s.expire(w) })
		s.mu.Unlock()
		return
	}
	logged := s.maxConnsLog.note(s.now())
	s.mu.Unlock()
	s.refuseMaxConns(nc, remote, logged)
}

// reset closes a rejected connection. Linger 0 makes Close send a reset
// rather than a FIN, so the client learns at once instead of writing into a
// half-closed connection.
func reset(nc net.Conn) {
	if tc, ok := nc.(interface{ SetLinger(int) error }); ok {
		tc.SetLinger(0)
	}
	nc.Close()
}

func (s *Server) connDone(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	// The slot goes to the connection that has waited longest.
	var next *conn
	if len(s.waiting) > 0 && !s.stopping {
		w := s.popWaiterLocked(0)
		next = s.startLocked(w.nc, w.remote, w.tr)
	}
	s.mu.Unlock()
	s.m.connections.Dec()
	if next != nil {
		next.start()
	}
	s.wg.Done()
}

// Shutdown stops the server: it closes the listeners, lets every open
// connection read for Config.DrainTimeout more what has already arrived
// (R clients send and forget, so this is data the user expects to see),
// then flushes each connection's tail, closes its session with ErrShutdown
// and closes it. It waits for all connection goroutines. If ctx ends first,
// it closes the connections at once and returns ctx.Err(); their goroutines
// still end as soon as their Session calls return.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopping {
		s.stopping = true
		s.drainEnd = s.now().Add(s.cfg.DrainTimeout)
		close(s.done)
	}
	drainEnd := s.drainEnd
	for l := range s.listeners {
		(*l).Close()
	}
	conns := make([]*conn, 0, len(s.conns)+len(s.waiting))
	for c := range s.conns {
		conns = append(conns, c)
	}
	// Connections still waiting for a slot are read during the drain too:
	// what their clients sent is data the user expects to see.
	var late []*conn
	for len(s.waiting) > 0 {
		w := s.popWaiterLocked(0)
		c := s.startLocked(w.nc, w.remote, w.tr)
		conns = append(conns, c)
		late = append(late, c)
	}
	s.mu.Unlock()

	for _, c := range conns {
		c.drain(drainEnd)
	}
	for _, c := range late {
		c.start()
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// addrPort returns a TCP address as a netip.AddrPort, IPv4-mapped IPv6
// addresses unmapped (a dual-stack listener reports R's IPv4 clients so).
func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	case nil:
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return ap
}
