package exporter

import (
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// histogram is a series' <name>_values: classic buckets and, when the
// mapping keeps them, native (exponential) buckets, under one mutex. An
// uncontended lock and a few plain increments cost less than the atomics and
// sync.Map of client_golang's histogram, and every read (a scrape) sees
// buckets, count and sum of the same observations.
//
// Native buckets follow client_golang's: schema from the factor, the same
// bucket keys and zero threshold, and when there are more than maxBuckets
// the resolution halves (schema - 1, down to -4). Unlike client_golang's,
// it never resets itself after an hour, so its _count and _sum only ever
// grow while the series lives.
type histogram struct {
	// desc and labels are made on first use (Collect) from d and
	// labelValues, as the descriptors are (see descs).
	d           *descs
	labelValues []string
	once        sync.Once
	desc        *prometheus.Desc
	labels      []*dto.LabelPair
	bounds      []float64 // classic upper bounds, without +Inf

	mu       sync.Mutex
	counts   []uint64   // classic, per bucket (not cumulative); the last is +Inf
	inline   [32]uint64 // counts' storage when it fits: one allocation, near the lock
	sum      float64
	native   bool
	schema   int32
	max      int // native buckets allowed, 0 for no limit
	zero     uint64
	pos, neg nativeSide
}

// nativeSide is the native buckets of one sign: their keys in order and
// their counts. A histogram has few buckets (max_buckets, 160 by default), so
// a binary search, after a look at the bucket used last, is cheap, and the
// memory is per bucket, not per range of values.
type nativeSide struct {
	keys   []int32
	counts []uint64
	last   int // index of the bucket added to last
}

// add counts one value at key and reports whether its bucket is new.
func (n *nativeSide) add(key int32) bool {
	if n.last < len(n.keys) && n.keys[n.last] == key {
		n.counts[n.last]++
		return false
	}
	i, found := slices.BinarySearch(n.keys, key)
	n.last = i
	if found {
		n.counts[i]++
		return false
	}
	n.keys = slices.Insert(n.keys, i, key)
	n.counts = slices.Insert(n.counts, i, 1)
	return true
}

// halve merges bucket k into ceil(k/2), for schema - 1. The keys stay in
// order, so equal merged keys are neighbours.
func (n *nativeSide) halve() {
	out := 0
	for i, k := range n.keys {
		k = (k + 1) >> 1
		if out > 0 && n.keys[out-1] == k {
			n.counts[out-1] += n.counts[i]
			continue
		}
		n.keys[out], n.counts[out] = k, n.counts[i]
		out++
	}
	n.keys, n.counts, n.last = n.keys[:out], n.counts[:out], 0
}

// nativeZeroThreshold is client_golang's DefNativeHistogramZeroThreshold:
// values this close to 0 count in the zero bucket.
const nativeZeroThreshold = 2.938735877055719e-39

// Native schemas: 8 is the finest, -4 the coarsest.
const (
	maxNativeSchema = 8
	minNativeSchema = -4
)

// newHistogram makes a histogram whose descriptor is desc, or if nil the
// histogram family's of d.
func newHistogram(desc *prometheus.Desc, d *descs, labelValues []string, bounds []float64, nativeFactor float64, nativeMax uint32) *histogram {
	if n := len(bounds); n > 0 && math.IsInf(bounds[n-1], +1) {
		bounds = bounds[:n-1]
	}
	h := &histogram{
		desc:        desc,
		d:           d,
		labelValues: labelValues,
		bounds:      bounds,
	}
	if n := len(bounds) + 1; n <= len(h.inline) {
		h.counts = h.inline[:n]
	} else {
		h.counts = make([]uint64, n)
	}
	if nativeFactor > 1 {
		h.native = true
		h.schema = nativeSchema(nativeFactor)
		h.max = int(nativeMax)
	}
	return h
}

// nativeSchema is the finest schema whose bucket factor is at most factor.
func nativeSchema(factor float64) int32 {
	floor := math.Floor(math.Log2(math.Log2(factor)))
	return int32(max(minNativeSchema, min(maxNativeSchema, -floor)))
}

// observe adds values; NaN and ±Inf are left out.
func (h *histogram) observe(vs []float64) {
	h.mu.Lock()
	h.observeLocked(vs)
	h.mu.Unlock()
}

// observeLocked is observe with h.mu held.
func (h *histogram) observeLocked(vs []float64) {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		h.counts[h.bucket(v)]++
		h.sum += v
		if h.native {
			h.observeNative(v)
		}
	}
}

// bucket is the classic bucket of v: the first whose bound is >= v.
func (h *histogram) bucket(v float64) int {
	n := len(h.bounds)
	if n == 0 || v > h.bounds[n-1] {
		return n
	}
	if n > 32 {
		return sort.SearchFloat64s(h.bounds, v)
	}
	// Few buckets: a linear scan beats a binary search's branches.
	for j, b := range h.bounds {
		if v <= b {
			return j
		}
	}
	return n
}

// observeNative adds v to its native bucket. Called with h.mu held.
func (h *histogram) observeNative(v float64) {
	side := &h.pos
	switch {
	case v > nativeZeroThreshold:
	case v < -nativeZeroThreshold:
		side = &h.neg
	default:
		h.zero++
		return
	}
	if side.add(nativeKey(math.Abs(v), h.schema)) && h.max > 0 && len(h.pos.keys)+len(h.neg.keys) > h.max && h.schema > minNativeSchema {
		h.halve()
	}
}

// nativeKey is the bucket of a positive finite value at a schema: bucket k
// holds (base^(k-1), base^k] with base 2^(2^-schema).
func nativeKey(v float64, schema int32) int32 {
	frac, exp := math.Frexp(v)
	if schema > 0 {
		bounds := nativeBounds[schema]
		return int32(sort.SearchFloat64s(bounds, frac) + (exp-1)*len(bounds))
	}
	key := exp
	if frac == 0.5 {
		key--
	}
	offset := (1 << -schema) - 1
	return int32((key + offset) >> -schema)
}

// halve merges pairs of native buckets: schema - 1, bucket k into ceil(k/2).
// Called with h.mu held.
func (h *histogram) halve() {
	h.schema--
	h.pos.halve()
	h.neg.halve()
}

// nativeBounds[s] are the bucket boundaries within one power of two at
// schema s > 0, as fractions in [0.5, 1): 2^(i/2^s)/2. Every other one is
// taken from the schema below so that merged buckets line up exactly.
var nativeBounds = func() [maxNativeSchema + 1][]float64 {
	var all [maxNativeSchema + 1][]float64
	all[0] = []float64{0.5}
	for s := 1; s <= maxNativeSchema; s++ {
		n := 1 << s
		factor := math.Exp2(math.Exp2(float64(-s)))
		b := make([]float64, n)
		b[0] = 0.5
		for j := 1; j < n; j++ {
			if j%2 == 0 {
				b[j] = all[s-1][j/2]
			} else {
				b[j] = b[j-1] * factor
			}
		}
		all[s] = b
	}
	return all
}()

// read fills cumulative with the cumulative count of each classic bucket
// (the last is +Inf, i.e. the count) and returns the sum.
func (h *histogram) read(cumulative []uint64) (sum float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cumulate(cumulative)
	return h.sum
}

// cumulate fills cumulative from the bucket counts and returns the count.
// Called with h.mu held.
func (h *histogram) cumulate(cumulative []uint64) uint64 {
	var c uint64
	for i, n := range h.counts {
		c += n
		cumulative[i] = c
	}
	return c
}

// Desc implements prometheus.Metric.
func (h *histogram) Desc() *prometheus.Desc {
	h.once.Do(h.describe)
	return h.desc
}

// describe makes the descriptor and label pairs, on first use.
func (h *histogram) describe() {
	if h.desc == nil {
		h.desc = h.d.get(famHist)
	}
	h.labels = prometheus.MakeLabelPairs(h.desc, h.labelValues)
}

// Write implements prometheus.Metric: classic buckets, and native ones
// when kept.
func (h *histogram) Write(out *dto.Metric) error {
	h.once.Do(h.describe)
	cumulative := make([]uint64, len(h.counts))
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.cumulate(cumulative)
	sum := h.sum
	his := &dto.Histogram{SampleCount: &c, SampleSum: &sum, Bucket: make([]*dto.Bucket, len(h.bounds))}
	for i := range h.bounds {
		his.Bucket[i] = &dto.Bucket{CumulativeCount: &cumulative[i], UpperBound: &h.bounds[i]}
	}
	if h.native {
		schema, threshold, zero := h.schema, float64(nativeZeroThreshold), h.zero
		his.Schema, his.ZeroThreshold, his.ZeroCount = &schema, &threshold, &zero
		his.PositiveSpan, his.PositiveDelta = nativeSpans(&h.pos)
		his.NegativeSpan, his.NegativeDelta = nativeSpans(&h.neg)
	}
	out.Histogram = his
	out.Label = h.labels
	return nil
}

// nativeSpans encodes native buckets as protobuf spans and count deltas. A
// gap of one or two empty buckets stays inside a span, as client_golang
// does.
func nativeSpans(n *nativeSide) ([]*dto.BucketSpan, []int64) {
	if len(n.keys) == 0 {
		return nil, nil
	}
	var (
		spans  []*dto.BucketSpan
		deltas []int64
		prev   int64
		next   int32
	)
	add := func(count int64) {
		*spans[len(spans)-1].Length++
		deltas = append(deltas, count-prev)
		prev = count
	}
	for i, k := range n.keys {
		gap := k - next
		if i == 0 || gap > 2 {
			offset, length := gap, uint32(0)
			spans = append(spans, &dto.BucketSpan{Offset: &offset, Length: &length})
		} else {
			for range gap {
				add(0)
			}
		}
		add(int64(n.counts[i]))
		next = k + 1
	}
	return spans, deltas
}
