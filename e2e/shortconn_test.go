package e2e

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// samples counts a family's samples.
func samples(mfs map[string]*dto.MetricFamily, name string) int {
	return len(mfs[name].GetMetric())
}

// TestShellLoopOneConnectionPerMessage sends 3,000 messages from a bash loop
// that opens a connection per message (echo > /dev/tcp/...), and 300 from an
// nc loop, at full speed: every message counts, the gauge ends at the last
// value sent, and a sender is one series.
func TestShellLoopOneConnectionPerMessage(t *testing.T) {
	tests := map[string]struct {
		tool, pkg string
		n         int
		loop      string // %[1]s port, %[2]d count
	}{
		"bash /dev/tcp": {"bash", "bash", 3000,
			`for i in $(seq 1 %[2]d); do echo "Shell iter: $i" > /dev/tcp/127.0.0.1/%[1]s; done`},
		"nc": {"nc", "netcat-openbsd", 300,
			`for i in $(seq 1 %[2]d); do echo "Shell iter: $i" | nc -N 127.0.0.1 %[1]s; done`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireTool(t, tc.tool, tc.pkg)
			p := startExporter(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
			defer cancel()
			out, err := exec.CommandContext(ctx, "bash", "-c", fmt.Sprintf(tc.loop, portOf(t, p.ingest), tc.n)).CombinedOutput()
			if err != nil {
				t.Fatalf("%s loop: %v\n%s", name, err, out)
			}
			want := float64(tc.n)
			mfs := p.waitFor(t, "every message", func(m map[string]*dto.MetricFamily) bool {
				v, _ := value(m, "shell_iter_messages_total")
				open, _ := value(m, "rexporter_connections")
				return v >= want && open == 0
			})
			checkSamples(t, mfs, []sampleWant{
				{"shell_iter_messages_total", []string{"r_job", "127.0.0.1"}, want},
				{"shell_iter", []string{"r_job", "127.0.0.1"}, want}, // the last value sent
				{"rexporter_connections_total", nil, want},
			})
			if n := samples(mfs, "shell_iter"); n != 1 {
				t.Errorf("%d shell_iter series, want one for the one sender", n)
			}
			if got := sum(mfs, "rexporter_connections_rejected_total"); got != 0 {
				t.Errorf("%v connections rejected", got)
			}
		})
	}
}

// TestBurstOfShortConnections: 8 clients each connect, write 300 lines and
// close, over and over at full speed for 2 s, against --max-connections 16.
// With the default --conn-wait connections beyond the limit wait for a slot,
// so every line written is framed and applied, none reset.
func TestBurstOfShortConnections(t *testing.T) {
	t.Parallel()
	p := startExporter(t, "--max-connections", "16")
	const clients, lines = 8, 300
	var written, conns atomic.Int64
	deadline := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			msg := []byte{}
			for i := range lines {
				msg = fmt.Appendf(msg, "burst %d: %d\n", c, i)
			}
			for k := 0; k < 5000 && time.Now().Before(deadline); k++ {
				nc, err := net.Dial("tcp4", p.ingest)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				if _, err := nc.Write(msg); err != nil {
					t.Errorf("write: %v", err)
					nc.Close()
					return
				}
				nc.Close()
				written.Add(lines)
				conns.Add(1)
			}
		})
	}
	wg.Wait()
	w := float64(written.Load())
	mfs := p.waitFor(t, "every line written", func(m map[string]*dto.MetricFamily) bool {
		framed, _ := value(m, "rexporter_framed_messages_total")
		open, _ := value(m, "rexporter_connections")
		waiting, _ := value(m, "rexporter_connections_waiting")
		return framed >= w && open == 0 && waiting == 0
	})
	checkSamples(t, mfs, []sampleWant{
		{"rexporter_framed_messages_total", nil, w},
		{"rexporter_messages_total", nil, w},
		{"rexporter_connections_total", nil, float64(conns.Load())},
	})
	if got := sum(mfs, "rexporter_connections_rejected_total"); got != 0 {
		t.Errorf("%v connections rejected, want none with the default wait", got)
	}
	t.Logf("%d connections, %v lines", conns.Load(), w)
}

// TestConnectionWaitsForASlot: beyond --max-connections a connection waits
// for a free slot: it is served when one frees in time, with everything it
// wrote while waiting, and reset after --conn-wait when none does, counted
// with the bytes that waited in it.
func TestConnectionWaitsForASlot(t *testing.T) {
	t.Parallel()
	p := startExporter(t, "--max-connections", "2", "--conn-wait", "2s")
	held := []net.Conn{p.dial(t), p.dial(t)}
	write(t, held[0], "held: 1\n")
	write(t, held[1], "held: 2\n")
	p.waitFor(t, "two connections served", counterAtLeast("held_messages_total", 2))

	// A third connection writes while it waits; a slot frees within the wait.
	waiting := p.dial(t)
	write(t, waiting, "waited: 1\n")
	p.waitFor(t, "one connection waiting", func(m map[string]*dto.MetricFamily) bool {
		v, _ := value(m, "rexporter_connections_waiting")
		return v == 1
	})
	held[0].Close()
	mfs := p.waitFor(t, "the waiting connection served", counterAtLeast("waited_messages_total", 1))
	checkSamples(t, mfs, []sampleWant{
		{"rexporter_connections_rejected_total", []string{"reason", "max_connections"}, 0},
		{"rexporter_connections_waiting", nil, 0},
	})

	// Now both slots stay held: a fourth connection is reset after the wait,
	// and what it wrote is counted as rejected bytes, not lost silently.
	lost := "lost: 1\n"
	c := p.dial(t)
	write(t, c, lost)
	buf := make([]byte, 1)
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := c.Read(buf); err == nil {
		t.Fatal("the exporter sent data")
	}
	mfs = p.waitFor(t, "the refusal counted", counterAtLeast("rexporter_connections_rejected_total", 1, "reason", "max_connections"))
	checkSamples(t, mfs, []sampleWant{
		{"rexporter_rejected_bytes_total", []string{"reason", "max_connections"}, float64(len(lost))},
	})
	if _, ok := mfs["lost_messages_total"]; ok {
		t.Error("a refused connection's message was applied")
	}
	held[1].Close()
	waiting.Close()
}
