package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rexporter/rexporter/parser"
)

// referenceFrame is a deliberately simple model of the framing rules for
// input that arrives in one piece and ends with a Flush, for a limit no
// message reaches: it cuts at terminators, then cuts each terminated
// message at record starts and the unterminated rest with the glue rules
// too. It returns the events in the form the recorder uses.
func referenceFrame(in []byte, max int) []string {
	var events []string
	out := func(msg []byte) {
		switch {
		case len(msg) > max:
			events = append(events, fmt.Sprintf("<oversized %d>", len(msg)))
		case len(bytes.Trim(msg, " \t\r")) > 0:
			events = append(events, string(msg))
		}
	}
	// cut emits msg's pieces; the last one is handed back.
	cut := func(msg []byte, glue bool) []byte {
		for {
			var s parser.Splitter
			k := s.Scan(msg, glue)
			if k < 0 {
				return msg
			}
			out(msg[:k])
			msg = msg[k:]
		}
	}
	start := 0
	for i := 0; i < len(in); i++ {
		switch in[i] {
		case '\n':
			out(bytes.TrimSuffix(cut(in[start:i], false), []byte("\r")))
			start = i + 1
		case 0:
			out(cut(in[start:i], false))
			start = i + 1
		}
	}
	if start < len(in) {
		out(bytes.TrimSuffix(cut(in[start:], true), []byte("\r"))) // Flush acts like '\n'
	}
	return events
}

// frameChunks feeds chunks (copies, scribbled over after each Feed to catch
// retained slices) to a new Framer, then flushes it.
func frameChunks(t *testing.T, chunks [][]byte, max int) *recorder {
	t.Helper()
	f := NewFramer(max)
	r := &recorder{}
	for _, c := range chunks {
		c = bytes.Clone(c)
		f.Feed(c, r)
		for i := range c {
			c[i] = '?'
		}
		if cap(f.buf) > max+bufSlack {
			t.Fatalf("pending buffer capacity %d > limit %d + %d", cap(f.buf), max, bufSlack)
		}
	}
	f.Flush(r)
	if f.Pending() {
		t.Fatal("Pending() after Flush")
	}
	return r
}

func FuzzFramer(f *testing.F) {
	for _, tc := range framerCases() {
		var in []byte
		for _, c := range tc.chunks {
			if c != flushStep {
				in = append(in, c...)
			}
		}
		f.Add(in, uint8(tc.max), uint64(len(in)))
	}
	f.Add([]byte("[2026-11-25 17:06:16] - Random Poisson: 11[2026-11-25 17:06:17] - Random Poisson: 13"), uint8(0), uint64(7))
	f.Add([]byte("x[2026-11-2\r\n[2026-11-25\r[2026-1"), uint8(3), uint64(1))

	f.Fuzz(func(t *testing.T, in []byte, maxSel uint8, seed uint64) {
		// Small limits exercise the oversized paths; 0 means a roomy one.
		max := int(maxSel)%48 + 1
		if maxSel == 0 {
			max = 4096
		}
		want := referenceFrame(in, max)

		whole := frameChunks(t, [][]byte{in}, max)

		bytewise := make([][]byte, len(in))
		for i := range in {
			bytewise[i] = in[i : i+1]
		}
		single := frameChunks(t, bytewise, max)

		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		var random [][]byte
		for rest := in; len(rest) > 0; {
			n := min(len(rest), rng.IntN(24))
			random = append(random, rest[:n])
			rest = rest[n:]
		}
		chunked := frameChunks(t, random, max)

		// With a limit no message reaches, framing follows the model; in
		// pieces, glue rules may also cut terminated lines that arrived in
		// parts, but never lose, add or reorder a byte, and input without
		// terminators is cut the same however it arrives.
		roomy := maxSel == 0 && len(in) <= max
		if roomy && !slices.Equal(whole.events, want) {
			t.Fatalf("one chunk: events = %q, want (reference model) %q", whole.events, want)
		}
		for name, r := range map[string]*recorder{"1-byte chunks": single, "random chunks": chunked} {
			if !roomy {
				break
			}
			if !bytes.ContainsAny(in, "\n\x00") && !slices.Equal(r.events, want) {
				t.Fatalf("%s: events = %q, want (reference model) %q", name, r.events, want)
			}
			if got, want := strings.Join(r.msgs, ""), strings.Join(whole.msgs, ""); got != want {
				t.Fatalf("%s: messages %q, in one chunk %q", name, r.msgs, whole.msgs)
			}
		}
		for name, r := range map[string]*recorder{"one chunk": whole, "1-byte chunks": single, "random chunks": chunked} {
			total := 0
			for _, m := range r.msgs {
				if bytes.ContainsAny([]byte(m), "\n\x00") {
					t.Fatalf("%s: message %q contains a terminator", name, m)
				}
				if len(m) > max {
					t.Fatalf("%s: message of %d bytes exceeds the limit %d", name, len(m), max)
				}
				if len(bytes.Trim([]byte(m), " \t\r")) == 0 {
					t.Fatalf("%s: blank message %q", name, m)
				}
				total += len(m)
			}
			for _, d := range r.oversized {
				if d <= max {
					t.Fatalf("%s: oversized message of %d bytes is within the limit %d", name, d, max)
				}
				total += d
			}
			if total > len(in) {
				t.Fatalf("%s: %d bytes emitted or dropped from %d bytes of input", name, total, len(in))
			}
		}
	})
}
