package exporter

import "time"

// DefaultBuckets are the classic histogram buckets used when nothing else is
// configured. R values come in every range, so the buckets are log-spaced
// (1, 2.5 and 5 per decade) from 0.001 to 1,000,000, with 0 as the first
// boundary so that negative values and zeros land together. That is 29
// boundaries: coarse, but wide. Native histograms (bucket factor 1.1) give the
// fine resolution for scrapers that negotiate them.
var DefaultBuckets = []float64{
	0,
	0.001, 0.0025, 0.005,
	0.01, 0.025, 0.05,
	0.1, 0.25, 0.5,
	1, 2.5, 5,
	10, 25, 50,
	100, 250, 500,
	1000, 2500, 5000,
	10000, 25000, 50000,
	100000, 250000, 500000,
	1000000,
}

// NativeHistogramBucketFactor is the growth factor between native-histogram
// buckets (schema 3, about 9% relative error), the usual choice.
const NativeHistogramBucketFactor = 1.1

// nativeHistogramMaxBuckets bounds the sparse buckets of one histogram; beyond
// it client_golang widens the buckets instead of growing without bound.
const nativeHistogramMaxBuckets = 160

// nativeHistogramMinReset is how long a native histogram keeps its resolution
// before it may reset to regain it when it has too many buckets.
const nativeHistogramMinReset = time.Hour
