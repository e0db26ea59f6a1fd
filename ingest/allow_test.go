package ingest

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAllowed(t *testing.T) {
	prefixes := func(ss ...string) []netip.Prefix {
		var ps []netip.Prefix
		for _, s := range ss {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		return ps
	}
	tests := map[string]struct {
		allow []netip.Prefix
		addr  netip.Addr
		want  bool
	}{
		"empty list allows IPv4":                {nil, netip.MustParseAddr("203.0.113.7"), true},
		"empty list allows IPv6":                {nil, netip.MustParseAddr("2001:db8::1"), true},
		"empty list allows an unknown address":  {nil, netip.Addr{}, true},
		"IPv4 prefix contains":                  {prefixes("10.0.0.0/8"), netip.MustParseAddr("10.1.2.3"), true},
		"IPv4 prefix does not contain":          {prefixes("10.0.0.0/8"), netip.MustParseAddr("11.0.0.1"), false},
		"second prefix matches":                 {prefixes("10.0.0.0/8", "192.168.1.0/24"), netip.MustParseAddr("192.168.1.200"), true},
		"no prefix matches":                     {prefixes("10.0.0.0/8", "192.168.1.0/24"), netip.MustParseAddr("192.168.2.1"), false},
		"single IPv4 /32 matches itself":        {prefixes("127.0.0.2/32"), netip.MustParseAddr("127.0.0.2"), true},
		"single IPv4 /32 refuses its neighbour": {prefixes("127.0.0.2/32"), netip.MustParseAddr("127.0.0.1"), false},
		"single IPv6 /128 matches itself":       {prefixes("::1/128"), netip.MustParseAddr("::1"), true},
		"single IPv6 /128 refuses another":      {prefixes("::1/128"), netip.MustParseAddr("::2"), false},
		"IPv6 prefix contains":                  {prefixes("2001:db8::/32"), netip.MustParseAddr("2001:db8:1::5"), true},
		"zone is ignored":                       {prefixes("fe80::/10"), netip.MustParseAddr("fe80::1%eth0"), true},
		"mapped address matches IPv4 prefix":    {prefixes("127.0.0.0/8"), netip.MustParseAddr("::ffff:127.0.0.1"), true},
		"mapped address outside IPv4 prefix":    {prefixes("10.0.0.0/8"), netip.MustParseAddr("::ffff:127.0.0.1"), false},
		"mapped address matches single IPv4":    {prefixes("1.2.3.4/32"), netip.MustParseAddr("::ffff:1.2.3.4"), true},
		"mapped prefix matches IPv4 address":    {prefixes("::ffff:10.0.0.0/104"), netip.MustParseAddr("10.9.8.7"), true},
		"mapped prefix matches mapped address":  {prefixes("::ffff:10.0.0.0/104"), netip.MustParseAddr("::ffff:10.9.8.7"), true},
		"IPv4 address never matches IPv6 any":   {prefixes("::/0"), netip.MustParseAddr("10.0.0.1"), false},
		"IPv4 any matches every IPv4":           {prefixes("0.0.0.0/0"), netip.MustParseAddr("10.0.0.1"), true},
		"IPv4 any refuses IPv6":                 {prefixes("0.0.0.0/0"), netip.MustParseAddr("2001:db8::1"), false},
		"unmasked prefix is masked":             {prefixes("10.1.2.3/8"), netip.MustParseAddr("10.200.0.1"), true},
		"non-empty list refuses unknown":        {prefixes("0.0.0.0/0", "::/0"), netip.Addr{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Allowed(tc.allow, tc.addr); got != tc.want {
				t.Errorf("Allowed(%v, %v) = %v, want %v", tc.allow, tc.addr, got, tc.want)
			}
		})
	}
}

// dialFrom connects to addr from the loopback address local (on Linux all of
// 127.0.0.0/8 is loopback), skipping the test where that is impossible. It
// returns the connection, or the dial error of a connection reset before
// connect() returned.
func dialFrom(t *testing.T, local, addr string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp4", addr)
	if err != nil && strings.Contains(err.Error(), "assign requested address") {
		t.Skipf("cannot bind a client to %s: %v", local, err)
	}
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func TestServerAllowList(t *testing.T) {
	env := startServer(t, Config{
		Allow:          []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
		MaxConnections: 1,
	}, nil)
	m := env.srv.m

	refused := func(want float64) {
		t.Helper()
		// The reset may even beat the client's connect() to its check of
		// the socket, making the dial itself fail.
		if c, err := dialFrom(t, "127.0.0.1", env.addr); err == nil {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := c.Read(make([]byte, 1))
			if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read from a refused connection: %v, want EOF or reset", err)
			}
		}
		waitFor(t, "the refusal to be counted", func() bool { return env.metric(m.rejectedNotAllowed) == want })
	}
	refused(1)
	refused(2)

	c, err := dialFrom(t, "127.0.0.2", env.addr)
	if err != nil {
		t.Fatal(err)
	}
	write(t, c, "allowed: 1\n")
	env.waitSession(c, "the allowed client's message", func(st sessionState) bool {
		return slices.Equal(st.msgs, []string{"allowed: 1"})
	})

	// With the one slot taken, a refused client is still refused for its
	// address, not for the limit.
	refused(3)
	if got := env.metric(m.rejectedMaxConns); got != 0 {
		t.Errorf("max_connections rejections = %v, want 0", got)
	}
	if got := env.metric(m.connectionsTotal); got != 1 {
		t.Errorf("connections total = %v, want 1 (refused ones not counted)", got)
	}
	if env.sink.count() != 1 {
		t.Errorf("%d sessions, want 1", env.sink.count())
	}
	// Three refusals within a minute: one log line, naming the client.
	logs := env.logs.String()
	if n := strings.Count(logs, "address not in the allowlist"); n != 1 {
		t.Errorf("%d refusal log lines, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "remote=127.0.0.1:") || !strings.Contains(logs, "level=WARN") {
		t.Errorf("refusal log lacks the remote address or warn level:\n%s", logs)
	}
}

func TestLogLimiter(t *testing.T) {
	var l logLimiter
	t0 := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		want int
	}{
		{0, 1},                // the first is logged at once
		{time.Second, 0},      // then silence for a minute
		{59 * time.Second, 0}, //
		{time.Minute, 3},      // a minute later: this one and the two held back
		{time.Minute + 1, 0},  //
		{3 * time.Minute, 2},  //
	}
	for i, s := range steps {
		if got := l.note(t0.Add(s.at)); got != s.want {
			t.Errorf("step %d (%v): note = %d, want %d", i, s.at, got, s.want)
		}
	}
}
