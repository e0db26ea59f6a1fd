package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// recorder is an Emitter that copies everything it receives.
type recorder struct {
	msgs      []string
	oversized []int
	// events holds both in order: a message as itself, a discarded one as
	// "<oversized N>".
	events []string
}

func (r *recorder) Message(msg []byte) {
	r.msgs = append(r.msgs, string(msg))
	r.events = append(r.events, string(msg))
}

func (r *recorder) Oversized(dropped int) {
	r.oversized = append(r.oversized, dropped)
	r.events = append(r.events, fmt.Sprintf("<oversized %d>", dropped))
}

// flushStep in a test's chunks stands for a call to Flush.
const flushStep = "<flush>"

// blogMessage is what the R example from the blog post sends.
func blogMessage(i int) string {
	return fmt.Sprintf("[2026-11-25 17:%02d:%02d] - Random Poisson: %d", i/60%60, i%60, 7+i%9)
}

func blogMessages(n int) []string {
	msgs := make([]string, n)
	for i := range msgs {
		msgs[i] = blogMessage(i)
	}
	return msgs
}

type framerCase struct {
	max           int      // 0: 1024
	chunks        []string // fed in order; flushStep calls Flush
	want          []string
	wantOversized []int
	wantPending   bool // after the last chunk
}

// framerCases are the framing scenarios, shared with FuzzFramer's seed corpus.
func framerCases() map[string]framerCase {
	return map[string]framerCase{
		"newline": {
			chunks: []string{"a: 1\nb: 2\n"},
			want:   []string{"a: 1", "b: 2"},
		},
		"crlf": {
			chunks: []string{"a: 1\r\nb: 2\r\n"},
			want:   []string{"a: 1", "b: 2"},
		},
		"crlf split between feeds": {
			chunks: []string{"a: 1\r", "\nb: 2\r", "\n"},
			want:   []string{"a: 1", "b: 2"},
		},
		"only one cr is stripped": {
			chunks: []string{"a: 1\r\r\n"},
			want:   []string{"a: 1\r"},
		},
		"cr not before newline is kept": {
			chunks: []string{"a\rb\x00"},
			want:   []string{"a\rb"},
		},
		"nul": {
			chunks: []string{"a: 1\x00b: 2\x00"},
			want:   []string{"a: 1", "b: 2"},
		},
		"glued write.socket messages": {
			chunks: []string{"[2026-11-25 17:06:16] - Random Poisson: 11[2026-11-25 17:06:17] - Random Poisson: 13", flushStep},
			want:   []string{"[2026-11-25 17:06:16] - Random Poisson: 11", "[2026-11-25 17:06:17] - Random Poisson: 13"},
		},
		"glued write.socket messages wait for the next record or flush": {
			chunks:      []string{"[2026-11-25 17:06:16] - Random Poisson: 11[2026-11-25 17:06:17] - Random Poisson: 13"},
			want:        []string{"[2026-11-25 17:06:16] - Random Poisson: 11"},
			wantPending: true,
		},
		"ten glued blog messages in one feed": {
			chunks: []string{strings.Join(blogMessages(10), ""), flushStep},
			want:   blogMessages(10),
		},
		"glued messages completed by later feeds": {
			chunks: []string{blogMessage(1), blogMessage(2), blogMessage(3), flushStep},
			want:   []string{blogMessage(1), blogMessage(2), blogMessage(3)},
		},
		"record start after a value": {
			chunks: []string{"foo: 1[2026-11-25] bar: 2\n"},
			want:   []string{"foo: 1", "[2026-11-25] bar: 2"},
		},
		"date inside a name is no record start": {
			chunks: []string{"foo[2026-11-25] bar\n"},
			want:   []string{"foo[2026-11-25] bar"},
		},
		"date inside the timestamp is no record start": {
			chunks: []string{"[2026-11-25[2026-11-25\n"},
			want:   []string{"[2026-11-25[2026-11-25"},
		},
		"date right after the colon is a value": {
			chunks: []string{"Checkpoint: [2026-12-01] saved\nCheckpoint: [2026-12-01] saved", flushStep},
			want:   []string{"Checkpoint: [2026-12-01] saved", "Checkpoint: [2026-12-01] saved"},
		},
		"date after a comma is no record start": {
			chunks: []string{"x: 1, [2026-12-01 10:00] y: 2", flushStep},
			want:   []string{"x: 1, [2026-12-01 10:00] y: 2"},
		},
		"glued untimestamped messages": {
			chunks: []string{"Mean: 1.5Mean: 2.25Mean: 0.7", flushStep},
			want:   []string{"Mean: 1.5", "Mean: 2.25", "Mean: 0.7"},
		},
		"glued untimestamped messages emitted at once": {
			chunks:      []string{"Mean: 1.5Mean: 2.25Mean:"},
			want:        []string{"Mean: 1.5", "Mean: 2.25"},
			wantPending: true,
		},
		"glued messages completed by later feeds without timestamps": {
			chunks: []string{"loss: 0.5, acc: 0.9", "loss: 0.4, acc: 0.91", "loss: 0.3, acc: 0.92", flushStep},
			want:   []string{"loss: 0.5, acc: 0.9", "loss: 0.4, acc: 0.91", "loss: 0.3, acc: 0.92"},
		},
		"glued states": {
			chunks: []string{"status: running", "status: done", flushStep},
			want:   []string{"status: running", "status: done"},
		},
		"glued different names after numbers": {
			chunks: []string{"elapsed: 12 ms", "Loss: 0.5", "x: 1 ", "y: 2", flushStep},
			want:   []string{"elapsed: 12 ms", "Loss: 0.5", "x: 1 ", "y: 2"},
		},
		"glued after a newline message": {
			chunks: []string{"a: 1\nMean: 1.5", "Mean: 2.25", flushStep},
			want:   []string{"a: 1", "Mean: 1.5", "Mean: 2.25"},
		},
		"valid messages with colons in names stay whole": {
			chunks: []string{"wt:hp: 0.5, (Intercept): 2", flushStep, "Loss (train): 0.5", flushStep},
			want:   []string{"wt:hp: 0.5, (Intercept): 2", "Loss (train): 0.5"},
		},
		"name in name position is no repeat": {
			chunks: []string{"a: 1, ba: 2", flushStep},
			want:   []string{"a: 1, ba: 2"},
		},
		"bracket at message start is no boundary": {
			chunks: []string{"[2026-11-25 17:06:16] x: 1\n"},
			want:   []string{"[2026-11-25 17:06:16] x: 1"},
		},
		"bracket without a date is no boundary": {
			chunks: []string{"a[1] = 2[2026-1x-25] [20261125]\n"},
			want:   []string{"a[1] = 2[2026-1x-25] [20261125]"},
		},
		"bracket followed by a bracket": {
			chunks: []string{"a: 1[2026-1[2026-11-25 b\n"},
			want:   []string{"a: 1[2026-1", "[2026-11-25 b"},
		},
		"cat pieces": {
			chunks: []string{"a: 1", "", "\n"},
			want:   []string{"a: 1"},
		},
		"cat pieces with separator": {
			chunks: []string{"a: 1", " ", "\n"},
			want:   []string{"a: 1 "},
		},
		"newline after quiet-gap flush": {
			chunks: []string{"a: 1", flushStep, "\n", "b: 2", flushStep, " ", "\r\n"},
			want:   []string{"a: 1", "b: 2"},
		},
		"blank lines": {
			chunks: []string{"\n\n\r\n\x00\x00a: 1\n\n\nb: 2\n\n"},
			want:   []string{"a: 1", "b: 2"},
		},
		"only whitespace": {
			chunks: []string{" \t \n\t\t\r\n   ", "  ", flushStep},
		},
		"oversized message in the middle": {
			max:           16,
			chunks:        []string{"short: 1\n" + strings.Repeat("x", 40) + "\nnext: 2\n"},
			want:          []string{"short: 1", "next: 2"},
			wantOversized: []int{40},
		},
		"oversized message across feeds": {
			max:           16,
			chunks:        []string{"short: 1\nxxxxxxxx", strings.Repeat("x", 30), strings.Repeat("y", 30) + "\r", "\nnext: 2\n"},
			want:          []string{"short: 1", "next: 2"},
			wantOversized: []int{68},
		},
		"oversized glued record": {
			// While discarding, any date ends the message.
			max: 30,
			chunks: []string{
				"[2026-11-25 17:06:16] a: 1[2026-11-25 17:06:17] " + strings.Repeat("b", 40),
				"[2026-11-25 17:06:18] c: 3", flushStep,
			},
			want:          []string{"[2026-11-25 17:06:16] a: 1", "[2026-11-25 17:06:18] c: 3"},
			wantOversized: []int{62},
		},
		"oversized glued message without timestamps": {
			// While discarding, the grammar is not followed: the rest goes
			// up to a terminator, a date or Flush.
			max: 16,
			chunks: []string{
				"a: 1a: " + strings.Repeat("2", 40), "a: 3", flushStep, "a: 4", flushStep,
			},
			want:          []string{"a: 1", "a: 4"},
			wantOversized: []int{47},
		},
		"oversized ends at undecided prefix confirmed later": {
			max:           16,
			chunks:        []string{strings.Repeat("x", 20) + "[2026-", "11-25 ok\n"},
			want:          []string{"[2026-11-25 ok"},
			wantOversized: []int{20},
		},
		"oversized with undecided prefix that is not a record": {
			max:           8,
			chunks:        []string{strings.Repeat("x", 20) + "[2026-", "1x", flushStep},
			wantOversized: []int{28},
		},
		"oversized at flush": {
			max:           4,
			chunks:        []string{"abcdefgh", flushStep},
			wantOversized: []int{8},
		},
		"oversized by an undecided prefix at flush": {
			max:           4,
			chunks:        []string{"abc[2026", flushStep},
			wantOversized: []int{8},
		},
		"exactly the limit": {
			max:    5,
			chunks: []string{"abcde\nabcde\r\nab", "cde\r", "\nabcde\r", flushStep},
			want:   []string{"abcde", "abcde", "abcde", "abcde"},
		},
		"one over the limit": {
			max:           5,
			chunks:        []string{"abcdef\nabcde\r\r\nabcd", "ef\r", "\nok\n"},
			want:          []string{"ok"},
			wantOversized: []int{6, 6, 6},
		},
		"cr before a record start counts": {
			max:           11,
			chunks:        []string{"abc: efghijk\r", "[2026-11-25\n"},
			want:          []string{"[2026-11-25"},
			wantOversized: []int{13},
		},
		"flush with undecided prefix": {
			chunks: []string{"a: 11[2026-1", flushStep},
			want:   []string{"a: 11[2026-1"},
		},
		"undecided prefix kept pending": {
			chunks:      []string{"a: 11[2026-1"},
			wantPending: true,
		},
		"undecided prefix decided byte by byte": {
			chunks: []string{"a: 11[", "2", "0", "2", "6", "-", "1", "1", "-", "2", "5 b: 2\n"},
			want:   []string{"a: 11", "[2026-11-25 b: 2"},
		},
		"undecided prefix rejected": {
			chunks: []string{"a: 11[2026-1", "x\n"},
			want:   []string{"a: 11[2026-1x"},
		},
		"undecided prefix rejected by a terminator": {
			chunks: []string{"a: 11[2026-1", "\nb\n"},
			want:   []string{"a: 11[2026-1", "b"},
		},
	}
}

func TestFramer(t *testing.T) {
	for name, tc := range framerCases() {
		t.Run(name, func(t *testing.T) {
			max := tc.max
			if max == 0 {
				max = 1024
			}
			f := NewFramer(max)
			var r recorder
			for _, c := range tc.chunks {
				if c == flushStep {
					f.Flush(&r)
					continue
				}
				f.Feed([]byte(c), &r)
			}
			if !slices.Equal(r.msgs, tc.want) {
				t.Errorf("messages = %q, want %q", r.msgs, tc.want)
			}
			if !slices.Equal(r.oversized, tc.wantOversized) {
				t.Errorf("oversized = %v, want %v", r.oversized, tc.wantOversized)
			}
			if got := f.Pending(); got != tc.wantPending {
				t.Errorf("Pending() = %v, want %v", got, tc.wantPending)
			}
			// Same result from the reference model of the rules, for the
			// chunks up to the last Flush.
			// (The model knows no limits.)
			if i := slices.Index(tc.chunks, flushStep); i >= 0 && i == len(tc.chunks)-1 && len(tc.wantOversized) == 0 {
				var in []byte
				for _, c := range tc.chunks[:i] {
					in = append(in, c...)
				}
				if want := referenceFrame(in, max); !slices.Equal(r.events, want) {
					t.Errorf("events = %q, reference model says %q", r.events, want)
				}
			}
		})
	}
}

// TestFramerGluedSplitEverywhere feeds glued and mixed messages in two
// pieces, split at every possible offset.
func TestFramerGluedSplitEverywhere(t *testing.T) {
	inputs := map[string]struct {
		in   string
		want []string
	}{
		"glued write.socket messages": {
			in:   "[2026-11-25 17:06:16] - Random Poisson: 11[2026-11-25 17:06:17] - Random Poisson: 13",
			want: []string{"[2026-11-25 17:06:16] - Random Poisson: 11", "[2026-11-25 17:06:17] - Random Poisson: 13"},
		},
		"glued untimestamped messages": {
			in:   "Mean: 1.5Mean: 2.25Mean: 0.7",
			want: []string{"Mean: 1.5", "Mean: 2.25", "Mean: 0.7"},
		},
		"glued fields": {
			in:   "loss: 0.5, acc: 0.9loss: 0.4, acc: 0.91",
			want: []string{"loss: 0.5, acc: 0.9", "loss: 0.4, acc: 0.91"},
		},
		"glued states": {
			in:   "status: runningstatus: done",
			want: []string{"status: running", "status: done"},
		},
		"glued names with spaces": {
			in:   "Random Poisson: 11Random Poisson: 9",
			want: []string{"Random Poisson: 11", "Random Poisson: 9"},
		},
		"names after numbers": {
			in:   "loss: 0.5acc: 0.9x: 1 y: 2elapsed: 12 ms Loss: 0.5",
			want: []string{"loss: 0.5", "acc: 0.9", "x: 1 ", "y: 2", "elapsed: 12 ms ", "Loss: 0.5"},
		},
		"record after a value without a timestamp": {
			in:   "Poisson: 11[2026-11-25 17:06:16] - Random Poisson: 9",
			want: []string{"Poisson: 11", "[2026-11-25 17:06:16] - Random Poisson: 9"},
		},
		"dates inside messages": {
			in:   "Checkpoint: [2026-12-01] savedx: 1, [2026-12-01 10:00] y: 2",
			want: []string{"Checkpoint: [2026-12-01] savedx: 1, [2026-12-01 10:00] y: 2"},
		},
		"valid messages stay whole": {
			in:   "wt:hp: 0.5, (Intercept): 2",
			want: []string{"wt:hp: 0.5, (Intercept): 2"},
		},
		"mixed terminators and near misses": {
			in:   "a: 1\r\nb[2026-1x: 2\x00[2026-11-25] c: 3[2026-11-25] d: 4\n[2026-11",
			want: []string{"a: 1", "b[2026-1x: 2", "[2026-11-25] c: 3", "[2026-11-25] d: 4", "[2026-11"},
		},
	}
	for name, tc := range inputs {
		t.Run(name, func(t *testing.T) {
			for split := 0; split <= len(tc.in); split++ {
				f := NewFramer(1024)
				var r recorder
				f.Feed([]byte(tc.in[:split]), &r)
				f.Feed([]byte(tc.in[split:]), &r)
				f.Flush(&r)
				if !slices.Equal(r.msgs, tc.want) || len(r.oversized) != 0 {
					t.Errorf("split at %d: messages = %q, oversized = %v, want %q", split, r.msgs, r.oversized, tc.want)
				}
			}
		})
	}
}

// TestFramerMillionGlued frames a write.socket loop of a million
// untimestamped messages, fed in random chunk sizes: every message comes
// out, and the pending buffer stays small.
func TestFramerMillionGlued(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 50_000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []byte
	f := NewFramer(DefaultMaxMessageBytes)
	var c countEmitter
	for i := range n {
		stream = append(stream, "Mean: "...)
		stream = strconv.AppendFloat(stream, float64(i%1000)/8, 'g', -1, 64)
		if len(stream) < 4096 && i < n-1 {
			continue
		}
		for len(stream) > 0 {
			k := min(len(stream), 1+rng.IntN(512))
			f.Feed(stream[:k], &c)
			stream = stream[k:]
			if cap(f.buf) > 1024 {
				t.Fatalf("pending buffer capacity %d", cap(f.buf))
			}
		}
		stream = stream[:0]
	}
	f.Flush(&c)
	if c.msgs != n || c.oversized != 0 {
		t.Fatalf("%d messages, %d oversized, want %d messages", c.msgs, c.oversized, n)
	}
}

// TestFramerHugeUnterminated streams 256 MiB without a terminator (the
// 1 GiB case, scaled down) and checks that the Framer's memory stays bounded
// and the whole thing is one oversized message.
func TestFramerHugeUnterminated(t *testing.T) {
	const max = 65536
	total := 256 << 20
	if testing.Short() {
		total = 16 << 20
	}
	// Every chunk ends with an undecided record-start prefix that the next
	// one rejects.
	chunk := append(bytes.Repeat([]byte("x"), 64<<10-7), "[2026-1"...)
	f := NewFramer(max)
	var r recorder
	for fed := 0; fed < total; fed += len(chunk) {
		f.Feed(chunk, &r)
		if c := cap(f.buf); c > max+bufSlack {
			t.Fatalf("after %d bytes: pending buffer capacity %d > %d", fed+len(chunk), c, max+bufSlack)
		}
	}
	if !f.Pending() {
		t.Fatal("Pending() = false in the middle of a message")
	}
	if len(r.events) != 0 {
		t.Fatalf("events before Flush: %q", r.events)
	}
	f.Flush(&r)
	if !slices.Equal(r.oversized, []int{total}) || len(r.msgs) != 0 {
		t.Fatalf("oversized = %v, messages = %d, want one oversized message of %d bytes", r.oversized, len(r.msgs), total)
	}
	// Framing goes on normally.
	f.Feed([]byte("a: 1\n"), &r)
	if !slices.Equal(r.msgs, []string{"a: 1"}) {
		t.Fatalf("after the huge message: messages = %q", r.msgs)
	}
}

// TestFramerZeroCopy checks that messages inside the fed data are handed
// over as subslices of it when nothing is pending.
func TestFramerZeroCopy(t *testing.T) {
	data := []byte("a: 1\n[2026-11-25] b: 2[2026-11-25] c: 3\x00d")
	f := NewFramer(1024)
	var got int
	f.Feed(data, emitFunc(func(msg []byte) {
		got++
		// A subslice of data starting at index i has capacity cap(data)-i.
		if i := cap(data) - cap(msg); i < 0 || i >= len(data) || &data[i] != &msg[0] {
			t.Errorf("message %q was copied", msg)
		}
	}))
	if got != 3 {
		t.Fatalf("got %d messages, want 3", got)
	}
}

type emitFunc func(msg []byte)

func (f emitFunc) Message(msg []byte) { f(msg) }
func (f emitFunc) Oversized(int)      {}

// countEmitter counts without allocating.
type countEmitter struct{ msgs, oversized, bytes int }

func (c *countEmitter) Message(msg []byte) { c.msgs++; c.bytes += len(msg) }
func (c *countEmitter) Oversized(int)      { c.oversized++ }

// Batches as R clients send them, shared by the allocation test and the
// benchmarks.
var (
	newlineBatch = []byte(strings.Join(blogMessages(100), "\n") + "\n")
	gluedBatch   = []byte(strings.Join(blogMessages(100), ""))
	// A write.socket loop without timestamps: glued in one read, or one
	// message per read.
	gluedUntimestamped = []byte(strings.Repeat("Mean: 1.5", 50) + strings.Repeat("Mean: 0.25", 50))
	writeSocketPieces  = func() [][]byte {
		var p [][]byte
		for i := range 100 {
			p = append(p, []byte(fmt.Sprintf("Mean: %g", float64(i)/8)))
		}
		return p
	}()
	catPieces = func() [][]byte {
		var p [][]byte
		for _, m := range blogMessages(100) {
			p = append(p, []byte(m), []byte(" "), []byte("\n"))
		}
		return p
	}()
)

func TestFramerFeedAllocs(t *testing.T) {
	f := NewFramer(DefaultMaxMessageBytes)
	var c countEmitter
	for name, feed := range map[string]func(){
		"newline batch": func() { f.Feed(newlineBatch, &c) },
		"glued":         func() { f.Feed(gluedBatch, &c) },
		"pieces": func() {
			for _, p := range catPieces {
				f.Feed(p, &c)
			}
		},
	} {
		feed() // warm up: the pending buffer is allocated once
		if n := testing.AllocsPerRun(100, feed); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
}

func BenchmarkFramer(b *testing.B) {
	b.Run("newline_batch", func(b *testing.B) {
		benchFeed(b, [][]byte{newlineBatch}, 100)
	})
	b.Run("glued", func(b *testing.B) {
		benchFeed(b, [][]byte{gluedBatch}, 100)
	})
	b.Run("pieces", func(b *testing.B) {
		benchFeed(b, catPieces, 100)
	})
	b.Run("glued_untimestamped", func(b *testing.B) {
		benchFeed(b, [][]byte{gluedUntimestamped}, 100)
	})
	b.Run("write_socket_untimestamped", func(b *testing.B) {
		benchFeed(b, writeSocketPieces, 100)
	})
}

func benchFeed(b *testing.B, chunks [][]byte, msgsPerRun int) {
	f := NewFramer(DefaultMaxMessageBytes)
	var c countEmitter
	n := 0
	for _, ch := range chunks {
		n += len(ch)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, ch := range chunks {
			f.Feed(ch, &c)
		}
	}
	b.ReportMetric(float64(b.N*msgsPerRun)/b.Elapsed().Seconds(), "msgs/s")
}

// TestFramerTerminated: a stream counts as terminated once a message ended
// at '\n' or NUL; glued write.socket records never make it so.
func TestFramerTerminated(t *testing.T) {
	tests := map[string]struct {
		feeds []string
		want  bool
	}{
		"glued write.socket records": {[]string{"[2026-11-25 17:06:16] - a: 1[2026-11-25 17:06:17] - a: 2"}, false},
		"nothing ended yet":          {[]string{"a: 1"}, false},
		"a newline":                  {[]string{"a: 1\n"}, true},
		"a NUL":                      {[]string{"a: 1\x00"}, true},
		"a newline ending a tail":    {[]string{"a:", " 1", "\n"}, true},
		"CRLF":                       {[]string{"a: 1\r\n"}, true},
		"back to glued records":      {[]string{"x\n[2026-11-25 17:06:16] - a: 1[2026-11-25 17:06:17] - a: 2"}, false},
		"record start decided later": {[]string{"x\n[2026-11-25 17:06:16] - a: 1[2026-1", "1-25 17:06:17] - a: 2"}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := NewFramer(0)
			var r recorder
			for _, d := range tc.feeds {
				f.Feed([]byte(d), &r)
			}
			if got := f.Terminated(); got != tc.want {
				t.Errorf("Terminated() = %v, want %v", got, tc.want)
			}
		})
	}
}
