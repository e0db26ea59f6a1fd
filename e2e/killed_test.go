package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// killedClientEnv makes the test binary a client process (see TestMain): it
// connects to the address in the variable, writes what it reads from stdin
// one line per write (the last, unterminated, piece in a write of its own),
// says "sent" on stdout and waits to be killed.
const killedClientEnv = "REXPORTER_E2E_KILLED_CLIENT"

// killedClientResetEnv, set to 1, makes that client's connection end with a
// reset rather than a FIN when it is killed (SO_LINGER 0).
const killedClientResetEnv = "REXPORTER_E2E_KILLED_CLIENT_RESET"

// killedClient is the client process's main.
func killedClient() int {
	payload, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, err := net.Dial("tcp4", os.Getenv(killedClientEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv(killedClientResetEnv) == "1" {
		if err := c.(*net.TCPConn).SetLinger(0); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	for _, piece := range strings.SplitAfter(string(payload), "\n") {
		if piece == "" {
			continue
		}
		if _, err := io.WriteString(c, piece); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fmt.Println("sent")
	time.Sleep(10 * testTimeout) // until SIGKILL; a deadline if none comes
	return 1
}

// TestClientKilledMidMessage runs a client in a process of its own that
// names its job, sends complete messages, then half of one, and is killed
// with SIGKILL. The quiet gap is off, so the half message stays pending
// until the connection ends. All complete messages count; the tail is then
// a message like any other (docs/messages.md, "Framing": "At EOF the unterminated tail
// is a message"): applied if it parses, else dropped and counted as a parse
// error. A reset instead of a FIN (the client had set SO_LINGER 0) ends the
// connection the same way. The job vanished: it never said bye.
func TestClientKilledMidMessage(t *testing.T) {
	const complete = 100
	tests := map[string]struct {
		tail      string
		reset     bool
		wantCount float64 // killed_client_messages_total
		wantValue float64 // killed_client
		wantParse string  // the tail's parse error reason, if any
	}{
		"FIN, the tail parses":   {tail: "Killed Client: 4", wantCount: complete + 1, wantValue: 4},
		"FIN, half a name":       {tail: "[2026-11-25 17:06:07] - Killed Cli", wantCount: complete, wantValue: complete - 1, wantParse: "no_fields"},
		"FIN, half a unit":       {tail: "Killed Client: 4e", wantCount: complete, wantValue: complete - 1, wantParse: "bad_value"},
		"reset, the tail parses": {tail: "Killed Client: 4", reset: true, wantCount: complete + 1, wantValue: 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startExporter(t, "--quiet-gap", "0", "--log.level", "debug")
			var payload strings.Builder
			payload.WriteString("job: killed\n")
			for i := range complete {
				payload.WriteString(blog(i%60, "Killed Client", i) + "\n")
			}
			payload.WriteString(tc.tail)

			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), killedClientEnv+"="+p.ingest)
			if tc.reset {
				cmd.Env = append(cmd.Env, killedClientResetEnv+"=1")
			}
			cmd.Stdin = strings.NewReader(payload.String())
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			if line, err := bufio.NewReader(out).ReadString('\n'); line != "sent\n" {
				t.Fatalf("client process said %q, %v", line, err)
			}

			// Every byte has arrived, the tail is pending: kill the client.
			job := []string{"r_job", "killed"}
			mfs := p.waitFor(t, "every byte", counterAtLeast("rexporter_received_bytes_total", float64(payload.Len())))
			if v, _ := value(mfs, "killed_client_messages_total", job...); v != complete {
				t.Fatalf("before the kill: %v messages, want %d", v, complete)
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			mfs = p.waitFor(t, "the job to vanish and its connection to end", func(m map[string]*dto.MetricFamily) bool {
				conns, _ := value(m, "rexporter_connections")
				return counterAtLeast("rexporter_job_state", 1, "r_job", "killed", "state", "vanished")(m) && conns == 0
			})

			wantParse := 0.0
			if tc.wantParse != "" {
				wantParse = 1
			}
			checks := []sampleWant{
				{"killed_client_messages_total", job, tc.wantCount},
				{"killed_client", job, tc.wantValue},
				{"rexporter_framed_messages_total", nil, 1 + complete + 1},
				{"rexporter_received_bytes_total", nil, float64(payload.Len())},
				{"rexporter_connections", nil, 0},
				{"rexporter_job_up", []string{"r_job", "killed"}, 0},
			}
			if tc.wantParse != "" {
				checks = append(checks, sampleWant{"rexporter_parse_errors_total", []string{"reason", tc.wantParse}, wantParse})
			}
			checkSamples(t, mfs, checks)
			// The debug log says how the connection ended, once ingest logs
			// its end (after the session's, so after the job vanished).
			for deadline := time.Now().Add(testTimeout); !strings.Contains(p.stderr.String(), `"received_bytes"`); {
				if time.Now().After(deadline) {
					t.Fatalf("no connection closed in the log:\n%s", p.stderr)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if reset := strings.Contains(p.stderr.String(), "connection reset by peer"); reset != tc.reset {
				t.Errorf("connection reset: %v, want %v; log:\n%s", reset, tc.reset, p.stderr)
			}
			if got := sum(mfs, "rexporter_parse_errors_total"); got != wantParse {
				t.Errorf("parse errors = %v, want %v", got, wantParse)
			}
		})
	}
}
