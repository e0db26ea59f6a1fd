package exporter

import (
	"math"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// series is the state of one R name. Updates are lock-free; the collector
// reads it at scrape time.
type series struct {
	raw      string // the name as received
	families families

	last     atomic.Uint64 // float64 bits of the last value
	messages atomic.Uint64
	hist     prometheus.Histogram

	gaugeDesc   *prometheus.Desc
	counterDesc *prometheus.Desc
}

func newSeries(raw, display string, f families, buckets []float64) *series {
	return &series{
		raw:      raw,
		families: f,
		gaugeDesc: prometheus.NewDesc(f.gauge,
			"Last value of R name "+quote(display)+".", nil, nil),
		counterDesc: prometheus.NewDesc(f.counter+"_total",
			"Messages that carried a value for R name "+quote(display)+".", nil, nil),
		hist: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:                            f.histogram,
			Help:                            "Distribution of the finite values of R name " + quote(display) + ".",
			Buckets:                         buckets,
			NativeHistogramBucketFactor:     NativeHistogramBucketFactor,
			NativeHistogramMaxBucketNumber:  nativeHistogramMaxBuckets,
			NativeHistogramMinResetDuration: nativeHistogramMinReset,
		}),
	}
}

// observe applies one value. NaN and ±Inf set the gauge (R really sent them)
// but would poison a histogram's sum forever, so they stay out of it.
func (s *series) observe(v float64) (finite bool) {
	s.last.Store(math.Float64bits(v))
	s.messages.Add(1)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	s.hist.Observe(v)
	return true
}

// collect sends the series' three metrics.
func (s *series) collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(s.gaugeDesc, prometheus.GaugeValue, math.Float64frombits(s.last.Load()))
	ch <- prometheus.MustNewConstMetric(s.counterDesc, prometheus.CounterValue, float64(s.messages.Load()))
	ch <- s.hist
}

// quote puts an R name in double quotes for HELP texts; the exposition format
// escapes backslashes and newlines itself.
func quote(s string) string { return `"` + s + `"` }
