package main

import (
	"testing"
	"time"
)

func TestProbesQuantile(t *testing.T) {
	n := len(latencyGrid)
	counts := func(f func(g int) (hits, tries int)) ([]int, []int) {
		h, tr := make([]int, n), make([]int, n)
		for g := range n {
			h[g], tr[g] = f(g)
		}
		return h, tr
	}
	at := func(d time.Duration) int {
		for g, x := range latencyGrid {
			if x == d {
				return g
			}
		}
		t.Fatalf("%v is not on the grid", d)
		return 0
	}
	tests := map[string]struct {
		f        func(g int) (hits, tries int)
		offset   time.Duration
		upper    []float64
		q        float64
		want     float64
		wantNote string
	}{
		"counted before any delay": {
			f: func(int) (int, int) { return 10, 10 }, q: 0.5, want: 0,
		},
		"half from 300µs, all from 600µs": {
			f: func(g int) (int, int) {
				switch {
				case g >= at(600*time.Microsecond):
					return 10, 10
				case g >= at(300*time.Microsecond):
					return 5, 10
				}
				return 0, 10
			},
			q: 0.5, want: 300e-6,
		},
		"p90 of the same": {
			f: func(g int) (int, int) {
				switch {
				case g >= at(600*time.Microsecond):
					return 10, 10
				case g >= at(300*time.Microsecond):
					return 5, 10
				}
				return 0, 10
			},
			q: 0.9, want: 600e-6,
		},
		"a miss at a longer delay moves the quantile past it": {
			f: func(g int) (int, int) {
				if g == at(2*time.Millisecond) {
					return 4, 10
				}
				return 10, 10
			},
			q: 0.5, want: 3e-3,
		},
		"the quiet gap is added": {
			f: func(g int) (int, int) { return 1, 1 }, offset: 20 * time.Millisecond, q: 0.5, want: 20e-3,
		},
		"nothing tried": {
			f: func(int) (int, int) { return 0, 0 }, upper: []float64{0.004}, q: 0.5, want: 0.004,
		},
		"beyond the grid: the upper bounds": {
			f:     func(int) (int, int) { return 0, 1 },
			upper: []float64{0.2, 0.1, 0.3}, q: 0.5, want: 0.2,
		},
		"fewer probes than grid points": {
			f: func(g int) (int, int) {
				if g < 3 {
					return 1, 1
				}
				return 0, 0
			},
			upper: []float64{0.001, 0.002, 0.003}, q: 0.5, want: 0,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h, tr := counts(tc.f)
			p := probes{offset: tc.offset, hits: h, tries: tr, upper: tc.upper}
			if got := p.quantile(tc.q); got != tc.want {
				t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestLatencyGridIncreases(t *testing.T) {
	for i := 1; i < len(latencyGrid); i++ {
		if latencyGrid[i] <= latencyGrid[i-1] {
			t.Fatalf("grid not increasing at %d: %v", i, latencyGrid)
		}
	}
}
