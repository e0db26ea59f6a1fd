package status

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/rexporter/rexporter/exporter"
)

func number(name string, v float64, applied uint64) exporter.SeriesStatus {
	return exporter.SeriesStatus{RName: name, Metric: name, Kind: "number", Value: v, Applied: applied}
}

func TestHistoryValues(t *testing.T) {
	tests := map[string]struct {
		samples [][]exporter.SeriesStatus
		id      string
		want    []float32
	}{
		"oldest first": {
			samples: [][]exporter.SeriesStatus{{number("x", 1, 1)}, {number("x", 2, 2)}, {number("x", 3, 3)}},
			id:      "x", want: []float32{1, 2, 3},
		},
		"bounded to the last points": {
			samples: func() (s [][]exporter.SeriesStatus) {
				for i := range 10 {
					s = append(s, []exporter.SeriesStatus{number("x", float64(i), uint64(i))})
				}
				return s
			}(),
			id: "x", want: []float32{6, 7, 8, 9},
		},
		"a series that disappears is dropped": {
			samples: [][]exporter.SeriesStatus{{number("x", 1, 1), number("y", 1, 1)}, {number("y", 2, 2)}},
			id:      "x", want: nil,
		},
		"a series that comes back starts again": {
			samples: [][]exporter.SeriesStatus{{number("x", 1, 1)}, {}, {number("x", 5, 1)}},
			id:      "x", want: []float32{5},
		},
		"states have no values": {
			samples: [][]exporter.SeriesStatus{{{RName: "s", Metric: "s", Kind: "state", State: "fitting"}}},
			id:      "s", want: []float32{},
		},
		"non-finite values are kept": {
			samples: [][]exporter.SeriesStatus{{number("x", math.Inf(1), 1)}},
			id:      "x", want: []float32{float32(math.Inf(1))},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := NewHistory(4)
			for i, s := range tc.samples {
				h.Add(Sample{Time: t0.Add(time.Duration(i) * 5 * time.Second), Series: s})
			}
			if got := h.Values(tc.id); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("values %v, want %v", got, tc.want)
			}
		})
	}
}

// TestHistoryBounded checks the memory bound: one track per series of the
// last sample, each with at most points values.
func TestHistoryBounded(t *testing.T) {
	const points = 180
	h := NewHistory(points)
	for i := range 1000 {
		var series []exporter.SeriesStatus
		for j := range 50 {
			// Every sample replaces a fifth of the series.
			series = append(series, number(string(rune('a'+j%26))+string(rune('0'+(i/5+j)%10)), float64(i), uint64(i)))
		}
		h.Add(Sample{Time: t0.Add(time.Duration(i) * time.Second), Series: series})
	}
	if n := h.Len(); n > 50 {
		t.Errorf("%d tracks, want at most the 50 series of the last sample", n)
	}
	h.mu.Lock()
	for k, tr := range h.tracks {
		if len(tr.values) > points || cap(tr.values) > points {
			t.Errorf("%s holds %d values (cap %d), want at most %d", k, len(tr.values), cap(tr.values), points)
		}
	}
	h.mu.Unlock()
	h.Clear()
	if n := h.Len(); n != 0 {
		t.Errorf("%d tracks after Clear", n)
	}
}

func TestHistoryRate(t *testing.T) {
	tests := map[string]struct {
		counts []uint64 // one sample every 5 s, from t0
		at     time.Duration
		now    uint64
		want   float64
		ok     bool
	}{
		"no sample":                   {at: 0, now: 10},
		"too soon after the first":    {counts: []uint64{0}, at: 500 * time.Millisecond, now: 3},
		"since the first sample":      {counts: []uint64{0}, at: 2 * time.Second, now: 3, want: 1.5, ok: true},
		"over the last rateSamples":   {counts: []uint64{0, 100, 110, 120, 130, 140}, at: 27 * time.Second, now: 147, want: 37.0 / 17, ok: true},
		"the count went back to zero": {counts: []uint64{50, 60, 2}, at: 12 * time.Second, now: 4, want: 2.0 / 2, ok: true},
		"idle":                        {counts: []uint64{7, 7, 7}, at: 11 * time.Second, now: 7, want: 0, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := NewHistory(10)
			for i, c := range tc.counts {
				h.Add(Sample{Time: t0.Add(time.Duration(i) * 5 * time.Second), Series: []exporter.SeriesStatus{number("x", 1, c)}})
			}
			got, ok := h.Rate("x", t0.Add(tc.at), float64(tc.now))
			if ok != tc.ok || math.Abs(got-tc.want) > 0.001 {
				t.Errorf("rate %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestHistoryRateOfANewSeries: a series first seen at a later sample was at
// 0 at the sample before, so its first messages have a rate at once.
func TestHistoryRateOfANewSeries(t *testing.T) {
	h := NewHistory(10)
	h.Add(Sample{Time: t0})
	h.Add(Sample{Time: t0.Add(5 * time.Second), Series: []exporter.SeriesStatus{number("x", 1, 10)}})
	got, ok := h.Rate("x", t0.Add(6*time.Second), 12)
	if !ok || got != 2 {
		t.Errorf("rate %v, %v; want 2 per second since the sample before it appeared", got, ok)
	}
}

func TestSeriesID(t *testing.T) {
	tests := map[string]struct {
		s    exporter.SeriesStatus
		want string
	}{
		"plain":          {exporter.SeriesStatus{Metric: "random_poisson"}, "random_poisson"},
		"job":            {exporter.SeriesStatus{Metric: "x", Job: "fit"}, `x{r_job="fit"}`},
		"labels and job": {exporter.SeriesStatus{Metric: "loss", Labels: []exporter.Label{{Name: "split", Value: "tr\"ain"}}, Job: "a"}, `loss{split="tr\"ain",r_job="a"}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := seriesID(&tc.s); got != tc.want {
				t.Errorf("seriesID = %s, want %s", got, tc.want)
			}
		})
	}
}
