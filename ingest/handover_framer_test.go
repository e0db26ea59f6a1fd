package ingest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// stateRecorder is an Emitter that keeps what it is given.
type stateRecorder struct{ out []string }

func (r *stateRecorder) Message(msg []byte) { r.out = append(r.out, string(msg)) }
func (r *stateRecorder) Oversized(dropped int) {
	r.out = append(r.out, fmt.Sprintf("<oversized %d>", dropped))
}

// TestFramerStateRestore cuts streams of every framing (write.socket glued
// records, NUL, CRLF, pieces, oversized messages) at random points, moves
// the Framer's state into a fresh Framer at each cut, and checks that the
// messages are exactly those of one Framer fed the whole stream.
func TestFramerStateRestore(t *testing.T) {
	streams := map[string]string{
		"glued write.socket records": "[2026-11-25 17:06:16] - Random Poisson: 11[2026-11-25 17:06:17] - Random Poisson: 13[2026-11-25 17:06:18] - Random Poisson: 9",
		"glued names":                "Mean: 1.5Mean: 2.25Mean: 0.7loss: 0.5acc: 0.9elapsed: 12 ms Loss: 0.5",
		"newlines and CRLF":          "a: 1\nb: 2\r\nc: 3\r\n\r\nd: 4\n",
		"NUL":                        "a: 1\x00b: 2\x00c: 3",
		"cat pieces":                 "a: 1 \nb: 2 \n",
		"undecided":                  "x: 1, [2026-12-01] y: 2\nCheckpoint: [2026-12-01] saved\nSaved [2026-12-01] n: 1\nbig: 1,234,567\n",
		"oversized":                  "a: 1\n" + string(slices.Repeat([]byte("z"), 300)) + "\nb: 2[2026-11-25 17:06:17] - c: 3",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, stream := range streams {
		t.Run(name, func(t *testing.T) {
			var want stateRecorder
			one := NewFramer(100)
			one.Feed([]byte(stream), &want)
			one.Flush(&want)
			for trial := range 300 {
				var got stateRecorder
				f := NewFramer(100)
				rest := []byte(stream)
				for len(rest) > 0 {
					n := 1 + rng.IntN(min(len(rest), 1+trial%40))
					f.Feed(rest[:n], &got)
					rest = rest[n:]
					if rng.IntN(2) == 0 {
						st := f.State()
						f = NewFramer(100)
						f.Restore(st)
					}
				}
				f.Flush(&got)
				if !slices.Equal(got.out, want.out) {
					t.Fatalf("trial %d:\n got %q\nwant %q", trial, got.out, want.out)
				}
			}
		})
	}
}
