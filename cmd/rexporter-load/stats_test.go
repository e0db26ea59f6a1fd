package main

import (
	"math"
	"testing"
)

func TestMedianPercentileSpread(t *testing.T) {
	nan := math.NaN()
	tests := map[string]struct {
		xs          []float64
		median, p90 float64
		spread      spread
	}{
		"three runs":                 {xs: []float64{3, 1, 2}, median: 2, p90: 3, spread: spread{2, 1, 3}},
		"even count: mean of middle": {xs: []float64{4, 1, 3, 2}, median: 2.5, p90: 4, spread: spread{2.5, 1, 4}},
		"one run":                    {xs: []float64{7}, median: 7, p90: 7, spread: spread{7, 7, 7}},
		"ten latencies":              {xs: []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, median: 5.5, p90: 9, spread: spread{5.5, 1, 10}},
		"unmeasured runs left out":   {xs: []float64{nan, 5, 1}, median: 3, p90: 5, spread: spread{3, 1, 5}},
		"nothing":                    {xs: nil, median: nan, p90: nan, spread: spread{nan, nan, nan}},
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var clean []float64
			for _, x := range tc.xs {
				if !math.IsNaN(x) {
					clean = append(clean, x)
				}
			}
			if got := median(clean); !same(got, tc.median) {
				t.Errorf("median %v, want %v", got, tc.median)
			}
			if got := percentile(clean, 90); !same(got, tc.p90) {
				t.Errorf("p90 %v, want %v", got, tc.p90)
			}
			got := spreadOf(tc.xs)
			if !same(got.Median, tc.spread.Median) || !same(got.Min, tc.spread.Min) || !same(got.Max, tc.spread.Max) {
				t.Errorf("spread %+v, want %+v", got, tc.spread)
			}
		})
	}
	if xs := []float64{3, 1, 2}; median(xs) != 2 || xs[0] != 3 {
		t.Errorf("median sorted its argument: %v", xs)
	}
}

func TestRatio(t *testing.T) {
	if r := ratio(1e6, 4e6); r != 0.25 {
		t.Errorf("ratio %v", r)
	}
	for _, c := range [][2]float64{{1, 0}, {math.NaN(), 1}, {1, math.NaN()}} {
		if r := ratio(c[0], c[1]); !math.IsNaN(r) {
			t.Errorf("ratio(%v, %v) = %v, want NaN", c[0], c[1], r)
		}
	}
}
