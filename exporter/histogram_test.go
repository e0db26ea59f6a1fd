package exporter

import (
	"log/slog"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

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
