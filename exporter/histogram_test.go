package exporter

import (
	"log/slog"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"

	"github.com/rexporter/rexporter/mapping"
)

// TestHistogramFamilies checks what a protobuf scrape (the only one that
// carries native buckets) gets for a histogram: classic buckets always,
// native ones only when the mapping keeps them, and counts that agree.
func TestHistogramFamilies(t *testing.T) {
	tests := map[string]struct {
		config     string
		wantNative bool
	}{
		"default mapping keeps native buckets":  {"", true},
		"native_histogram false turns them off": {"defaults:\n  native_histogram: false\n", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mapper := mapping.Default()
			if tc.config != "" {
				var err error
				if mapper, err = mapping.Parse([]byte(tc.config), "test.yml"); err != nil {
					t.Fatal(err)
				}
			}
			user := prometheus.NewRegistry()
			e, err := New(Options{Mapper: mapper}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
			if err != nil {
				t.Fatal(err)
			}
			s := e.NewSession(netip.AddrPort{})
			values := []string{"0.001", "3", "3", "7", "250", "1e+05", "NaN", "Inf"}
			for _, v := range values {
				s.Message([]byte("wait: " + v))
			}
			h := gatherHistogram(t, user, "wait_values")
			const finite = 6 // NaN and Inf stay out of the histogram
			if got := h.GetSampleCount(); got != finite {
				t.Errorf("sample count = %d, want %d", got, finite)
			}
			if got, want := h.GetSampleSum(), 0.001+3+3+7+250+1e5; math.Abs(got-want) > 1e-9 {
				t.Errorf("sample sum = %v, want %v", got, want)
			}
			buckets := h.GetBucket()
			if len(buckets) != len(mapping.DefaultBuckets) {
				t.Fatalf("%d classic buckets, want %d", len(buckets), len(mapping.DefaultBuckets))
			}
			prev := uint64(0)
			for _, b := range buckets {
				want := uint64(0)
				for _, v := range []float64{0.001, 3, 3, 7, 250, 1e5} {
					if v <= b.GetUpperBound() {
						want++
					}
				}
				if b.GetCumulativeCount() != want || b.GetCumulativeCount() < prev {
					t.Errorf("bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
				}
				prev = b.GetCumulativeCount()
			}
			native := h.Schema != nil
			if native != tc.wantNative {
				t.Fatalf("native buckets present = %v, want %v", native, tc.wantNative)
			}
			if native {
				// Deltas: their running sum is each bucket's count.
				var total, run int64
				for _, d := range h.GetPositiveDelta() {
					run += d
					total += run
				}
				if got := uint64(total) + h.GetZeroCount(); got != finite {
					t.Errorf("native buckets hold %d observations, want %d", got, finite)
				}
			}
		})
	}
}

func gatherHistogram(t *testing.T, g prometheus.Gatherer, name string) *dto.Histogram {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetHistogram()
		}
	}
	t.Fatalf("no family %s", name)
	return nil
}

// TestHistogramMatchesClientGolang observes the same values into this
// package's histogram and into client_golang's, and compares everything a
// protobuf scrape gets: classic buckets, count, sum, and the native schema,
// zero bucket, spans and deltas, also after the native resolution had to
// halve (client_golang halves the same way within its first hour).
func TestHistogramMatchesClientGolang(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := map[string]struct {
		values    []float64
		factor    float64
		maxNative uint32
		halves    bool // the native resolution must have halved
	}{
		"poisson draws": {values: draws(200, func() float64 { return float64(rng.IntN(25)) }), factor: 1.1, maxNative: 160},
		"both signs and zero": {values: []float64{-3, -0.5, 0, 0, 1e-40, -1e-40, 2, 7, 7, 1e6},
			factor: 1.1, maxNative: 160},
		"wide range halves the resolution": {values: draws(500, func() float64 {
			return (rng.Float64() - 0.3) * math.Pow(10, float64(rng.IntN(30)-10))
		}), factor: 1.1, maxNative: 20, halves: true},
		"coarse factor": {values: draws(100, func() float64 { return rng.ExpFloat64() * 1000 }), factor: 4, maxNative: 160},
		"fine factor":   {values: draws(100, func() float64 { return rng.NormFloat64() }), factor: 1.01, maxNative: 0},
	}
	bounds := mapping.DefaultBuckets
	desc := prometheus.NewDesc("x_values", "help", nil, nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ours := newHistogram(desc, nil, nil, bounds, tc.factor, tc.maxNative)
			theirs := prometheus.NewHistogram(prometheus.HistogramOpts{
				Name: "x_values", Help: "help", Buckets: bounds,
				NativeHistogramBucketFactor:     tc.factor,
				NativeHistogramMaxBucketNumber:  tc.maxNative,
				NativeHistogramMinResetDuration: nativeHistogramMinReset,
			})
			for _, v := range tc.values {
				ours.observe([]float64{v})
				theirs.Observe(v)
			}
			var got, want dto.Metric
			if err := ours.Write(&got); err != nil {
				t.Fatal(err)
			}
			if err := theirs.Write(&want); err != nil {
				t.Fatal(err)
			}
			want.Histogram.CreatedTimestamp = nil
			if halved := got.Histogram.GetSchema() < nativeSchema(tc.factor); halved != tc.halves {
				t.Errorf("schema %d from factor %v: halved = %v, want %v", got.Histogram.GetSchema(), tc.factor, halved, tc.halves)
			}
			if math.Abs(got.Histogram.GetSampleSum()-want.Histogram.GetSampleSum()) < 1e-6*math.Abs(want.Histogram.GetSampleSum()) {
				got.Histogram.SampleSum = want.Histogram.SampleSum // summed in another order
			}
			if !proto.Equal(got.Histogram, want.Histogram) {
				t.Errorf("histograms differ:\nours:   %v\ntheirs: %v", got.Histogram, want.Histogram)
			}
		})
	}
}

func draws(n int, f func() float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f()
	}
	return v
}

// TestNativeBucketsAreSparse sends values hundreds of powers of ten apart
// with no bucket limit: they keep their resolution, and a histogram holds
// one bucket per value, not per key between them.
func TestNativeBucketsAreSparse(t *testing.T) {
	h := newHistogram(prometheus.NewDesc("x_values", "help", nil, nil), nil, nil, nil, 1.1, 0)
	values := []float64{1e-30, 1e300, -1e-35, -1e250, 3, 3, 1e-300} // the last is in the zero bucket
	for _, v := range values {
		h.observe([]float64{v})
	}
	if want := nativeSchema(1.1); h.schema != want {
		t.Errorf("schema %d, want %d: nothing asked for less resolution", h.schema, want)
	}
	if got := len(h.pos.keys) + len(h.neg.keys); got != 5 {
		t.Errorf("%d buckets, want 5 (one per distinct value)", got)
	}
	if h.zero != 1 {
		t.Errorf("zero bucket %d, want 1", h.zero)
	}
	for _, v := range values[:len(values)-1] {
		side := &h.pos
		if v < 0 {
			side = &h.neg
		}
		if _, found := slices.BinarySearch(side.keys, nativeKey(math.Abs(v), h.schema)); !found {
			t.Errorf("%g: no bucket for it", v)
		}
	}
}
