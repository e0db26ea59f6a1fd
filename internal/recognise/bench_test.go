package recognise

import (
	"bytes"
	"testing"
)

// benchInput is what a busy job writes: mostly its own log lines, some
// traces, tables and progress redraws, taken from the real transcripts.
func benchInput(b *testing.B) (input []byte, lines int) {
	var buf bytes.Buffer
	for _, name := range transcripts(b) {
		tr := readTranscript(b, name)
		buf.Write(tr[Stdout])
	}
	for i := 0; i < 200; i++ {
		buf.WriteString("[2026-11-25 17:06:16] - loss: 0.2531, accuracy: 0.9134; epoch: 12\n")
		buf.WriteString("INFO fitting model 12 of 40 on 1,234 rows\n")
	}
	input = buf.Bytes()
	return input, bytes.Count(input, []byte("\n")) + bytes.Count(input, []byte("\r"))
}

// BenchmarkSet feeds the transcripts and log lines through the default Set in
// 4 KiB chunks, as a pipe reader would.
func BenchmarkSet(b *testing.B) {
	input, lines := benchInput(b)
	set := NewSet()
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		for rest := input; len(rest) > 0; {
			k := min(4096, len(rest))
			set.Feed(Stdout, rest[:k])
			rest = rest[k:]
		}
		set.Flush(Stdout)
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkUnrecognised is the common case: log lines no recogniser takes.
func BenchmarkUnrecognised(b *testing.B) {
	line := []byte("[2026-11-25 17:06:16] - loss: 0.2531, accuracy: 0.9134; epoch: 12, lr: 1e-04\n")
	chunk := bytes.Repeat(line, 50)
	set := NewSet()
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		if us := set.Feed(Stdout, chunk); len(us) != 0 {
			b.Fatal(us)
		}
	}
	b.ReportMetric(50*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
