package main

import (
	"math"
	"slices"
)

// percentile is the nearest-rank p-th percentile of xs (p in (0, 100]):
// the smallest value with at least p % of the values at or below it (100
// is the maximum). It is NaN for no values.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// median is the middle value of xs, or the mean of the two middle ones;
// NaN for no values.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// spread is a figure over several runs: its median and its range.
type spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// spreadOf summarizes xs; NaN values (not measured) are left out, and with
// none left every field is NaN.
func spreadOf(xs []float64) spread {
	var ok []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			ok = append(ok, x)
		}
	}
	if len(ok) == 0 {
		return spread{math.NaN(), math.NaN(), math.NaN()}
	}
	return spread{Median: median(ok), Min: slices.Min(ok), Max: slices.Max(ok)}
}

// ratio is a/b, NaN when b is 0 or either is NaN (not measured).
func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return a / b
}
