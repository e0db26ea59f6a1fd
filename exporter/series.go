package exporter

import (
	"math"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// jobLabel is the label that tells named jobs' series apart. It is not "job":
// Prometheus sets job and instance on every target.
const jobLabel = "r_job"

// family is what one R name owns in the exposition: its three metric
// families, shared by the series of every job that sends the name.
type family struct {
	raw      string // the name as first received
	families families
	refs     int // series using the family; guarded by Exporter.mu

	gauge, counter       *prometheus.Desc // for unnamed connections: no labels
	gaugeJob, counterJob *prometheus.Desc // for named jobs: the r_job label
	histHelp             string
}

func newFamily(raw, display string, f families) *family {
	gaugeHelp := "Last value of R name " + quote(display) + "."
	counterHelp := "Messages that carried a value for R name " + quote(display) + "."
	return &family{
		raw:        raw,
		families:   f,
		gauge:      prometheus.NewDesc(f.gauge, gaugeHelp, nil, nil),
		counter:    prometheus.NewDesc(f.counter+"_total", counterHelp, nil, nil),
		gaugeJob:   prometheus.NewDesc(f.gauge, gaugeHelp, []string{jobLabel}, nil),
		counterJob: prometheus.NewDesc(f.counter+"_total", counterHelp, []string{jobLabel}, nil),
		histHelp:   "Distribution of the finite values of R name " + quote(display) + ".",
	}
}

// series is the state of one R name from one job. Updates are lock-free;
// the collector reads it at scrape time.
type series struct {
	fam *family
	job string // "" for unnamed connections

	last     atomic.Uint64 // float64 bits of the last value
	messages atomic.Uint64
	hist     prometheus.Histogram
}

func newSeries(fam *family, job string, buckets []float64) *series {
	var labels prometheus.Labels
	if job != "" {
		labels = prometheus.Labels{jobLabel: job}
	}
	return &series{
		fam: fam,
		job: job,
		hist: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:                            fam.families.histogram,
			Help:                            fam.histHelp,
			ConstLabels:                     labels,
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
	last, n := math.Float64frombits(s.last.Load()), float64(s.messages.Load())
	if s.job == "" {
		ch <- prometheus.MustNewConstMetric(s.fam.gauge, prometheus.GaugeValue, last)
		ch <- prometheus.MustNewConstMetric(s.fam.counter, prometheus.CounterValue, n)
	} else {
		ch <- prometheus.MustNewConstMetric(s.fam.gaugeJob, prometheus.GaugeValue, last, s.job)
		ch <- prometheus.MustNewConstMetric(s.fam.counterJob, prometheus.CounterValue, n, s.job)
	}
	ch <- s.hist
}

// quote puts an R name in double quotes for HELP texts; the exposition format
// escapes backslashes and newlines itself.
func quote(s string) string { return `"` + s + `"` }
