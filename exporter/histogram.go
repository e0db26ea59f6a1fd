package exporter

import (
	"math"
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// histogram is a series' <name>_values: classic buckets kept here as plain
// atomic counts, so a scrape can read them without building protobufs, and,
// when the mapping asks for them, native buckets kept by a native-only
// client_golang histogram (only protobuf scrapes read those).
//
// The count is the sum of the bucket counts, so buckets and count always
// agree; the sum may lag a concurrent observation by that one value.
type histogram struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	bounds []float64       // upper bounds, without +Inf
	counts []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	sum    atomic.Uint64   // float64 bits
	native prometheus.Histogram
}

func newHistogram(desc *prometheus.Desc, labelValues []string, bounds []float64, nativeFactor float64, nativeMax uint32) *histogram {
	if n := len(bounds); n > 0 && math.IsInf(bounds[n-1], +1) {
		bounds = bounds[:n-1]
	}
	h := &histogram{
		desc:   desc,
		labels: prometheus.MakeLabelPairs(desc, labelValues),
		bounds: bounds,
		counts: make([]atomic.Uint64, len(bounds)+1),
	}
	if nativeFactor > 1 {
		h.native = prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:                            "native",
			Help:                            "native buckets",
			NativeHistogramBucketFactor:     nativeFactor,
			NativeHistogramMaxBucketNumber:  nativeMax,
			NativeHistogramMinResetDuration: nativeHistogramMinReset,
		})
	}
	return h
}

// observe adds one finite value.
func (h *histogram) observe(v float64) {
	i := len(h.bounds)
	if i > 0 && v <= h.bounds[i-1] {
		// Few buckets: a linear scan beats a binary search's branches.
		if i <= 16 {
			for j, b := range h.bounds {
				if v <= b {
					i = j
					break
				}
			}
		} else {
			i = sort.SearchFloat64s(h.bounds, v)
		}
	}
	h.counts[i].Add(1)
	addFloat(&h.sum, v)
	if h.native != nil {
		h.native.Observe(v)
	}
}

// read fills cumulative with the cumulative count of each bucket (the last is
// +Inf, i.e. the count) and returns the sum.
func (h *histogram) read(cumulative []uint64) (sum float64) {
	var c uint64
	for i := range h.counts {
		c += h.counts[i].Load()
		cumulative[i] = c
	}
	return math.Float64frombits(h.sum.Load())
}

// Desc implements prometheus.Metric.
func (h *histogram) Desc() *prometheus.Desc { return h.desc }

// Write implements prometheus.Metric: the classic buckets, and the native
// ones when kept (with the native part's own count and sum, which cover the
// same observations).
func (h *histogram) Write(out *dto.Metric) error {
	cumulative := make([]uint64, len(h.counts))
	sum := h.read(cumulative)
	count := cumulative[len(cumulative)-1]
	if h.native != nil {
		if err := h.native.Write(out); err != nil {
			return err
		}
	} else {
		out.Histogram = &dto.Histogram{SampleCount: &count, SampleSum: &sum}
	}
	out.Label = h.labels
	buckets := make([]*dto.Bucket, len(h.bounds))
	for i, b := range h.bounds {
		buckets[i] = &dto.Bucket{CumulativeCount: &cumulative[i], UpperBound: &b}
	}
	out.Histogram.Bucket = buckets
	return nil
}
