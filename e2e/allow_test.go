package e2e

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// dialFrom connects to the ingest port from a chosen loopback address (on
// Linux all of 127.0.0.0/8 is loopback), skipping the test where a client
// cannot be bound to it. A nil connection means the reset beat connect().
func (p *exporterProc) dialFrom(t *testing.T, local string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: testTimeout}
	c, err := d.Dial("tcp4", p.ingest)
	if err != nil && strings.Contains(err.Error(), "assign requested address") {
		t.Skipf("cannot bind a client to %s: %v", local, err)
	}
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

// TestListenAllow runs the exporter with --listen.allow 127.0.0.2/32: a
// client from 127.0.0.1 is reset at once, counted and logged; a client bound
// to 127.0.0.2 gets its message through.
func TestListenAllow(t *testing.T) {
	p := startExporter(t, "--listen.allow", "127.0.0.2/32")

	mfs, _ := p.scrape(t)
	if v, ok := value(mfs, "rexporter_connections_rejected_total", "reason", "not_allowed"); !ok || v != 0 {
		t.Errorf(`rejected{reason="not_allowed"} = %v (present %v), want 0 before any client`, v, ok)
	}

	if c, err := p.dialFrom(t, "127.0.0.1"); err == nil {
		// What it writes may or may not be accepted by the kernel before the
		// reset; reading must end with EOF or a reset, never block.
		_, _ = c.Write([]byte("refused: 1\n"))
		_ = c.SetReadDeadline(time.Now().Add(testTimeout))
		_, err := c.Read(make([]byte, 1))
		if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read from a refused connection: %v, want EOF or reset", err)
		}
	}
	p.waitFor(t, "the refusal to be counted",
		counterAtLeast("rexporter_connections_rejected_total", 1, "reason", "not_allowed"))

	c, err := p.dialFrom(t, "127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	write(t, c, blog(6, "Random Poisson", 11)+"\n")
	mfs = p.waitFor(t, "the allowed client's message", counterAtLeast("random_poisson_messages_total", 1))
	if v, _ := value(mfs, "random_poisson"); v != 11 {
		t.Errorf("random_poisson = %v, want 11", v)
	}
	if _, ok := value(mfs, "refused_messages_total"); ok {
		t.Error("the refused client's message was applied")
	}
	if v, _ := value(mfs, "rexporter_connections_rejected_total", "reason", "not_allowed"); v != 1 {
		t.Errorf(`rejected{reason="not_allowed"} = %v, want 1`, v)
	}
	if v, _ := value(mfs, "rexporter_connections_rejected_total", "reason", "max_connections"); v != 0 {
		t.Errorf(`rejected{reason="max_connections"} = %v, want 0`, v)
	}
	if v, _ := value(mfs, "rexporter_connections_total"); v != 1 {
		t.Errorf("connections total = %v, want 1 (the refused one is not served)", v)
	}

	// One warning naming the refused client's address.
	found := false
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		var l struct{ Level, Msg, Remote string }
		if json.Unmarshal([]byte(line), &l) != nil || !strings.Contains(l.Msg, "not in the allowlist") {
			continue
		}
		found = true
		if l.Level != "WARN" || !strings.HasPrefix(l.Remote, "127.0.0.1:") {
			t.Errorf("refusal logged as %s with remote %q, want WARN from 127.0.0.1: %s", l.Level, l.Remote, line)
		}
	}
	if !found {
		t.Errorf("no refusal warning logged:\n%s", p.stderr)
	}
}

// TestListenAllowBadCIDR checks that a bad --listen.allow stops the exporter
// at once with a line naming the flag.
func TestListenAllowBadCIDR(t *testing.T) {
	out, err := exec.Command(binary, "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--listen.allow", "10.0.0.0/33").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("exit: %v, want a non-zero exit code:\n%s", err, out)
	}
	if !strings.Contains(string(out), `--listen.allow "10.0.0.0/33"`) {
		t.Errorf("error does not name the flag and value:\n%s", out)
	}
}
