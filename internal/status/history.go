package status

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rexporter/rexporter/exporter"
)

// rateSamples is how many samples a rate spans: with the default sampling
// interval, messages per second over the last 15 to 20 seconds.
const rateSamples = 4

// minRateWindow is the shortest time a rate is computed over; before it a
// rate is unknown rather than wildly noisy.
const minRateWindow = time.Second

// History keeps what the page shows over time: per series the last values
// for its sparkline, and per series, job and exporter counter the last few
// samples of a count for its rate. It is bounded: at most points values per
// series, and only for what the last sample saw (a series that disappears
// from the exporter disappears from the history at the next sample).
type History struct {
	mu     sync.Mutex
	points int
	gen    uint64
	last   time.Time // of the previous sample; zero before the first
	tracks map[string]*track
}

// track is the history of one series, job or counter.
type track struct {
	values []float32 // the last values, a ring once full; nil for counts only
	head   int       // the oldest value, once the ring is full
	counts counts
	gen    uint64 // the sample that last saw it
}

// counts remembers the last rateSamples samples of a count.
type counts struct {
	t    [rateSamples]time.Time
	v    [rateSamples]float64
	n    int // samples held
	next int // where the next one goes
}

// NewHistory keeps up to points values per series.
func NewHistory(points int) *History {
	return &History{points: points, tracks: map[string]*track{}}
}

// Sample is one sample of everything the history follows.
type Sample struct {
	Time   time.Time
	Series []exporter.SeriesStatus
	Jobs   []exporter.JobStatus
	Totals map[string]float64 // exporter counters by key (see Health)
}

// Add records a sample and forgets everything it does not contain.
func (h *History) Add(s Sample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gen++
	for i := range s.Series {
		st := &s.Series[i]
		tr := h.track(seriesID(st))
		if st.Kind != "state" {
			tr.push(float32(st.Value), h.points)
		}
		tr.counts.add(s.Time, float64(st.Applied))
	}
	for _, j := range s.Jobs {
		h.track(jobKey(j.Name)).counts.add(s.Time, float64(j.Messages))
	}
	for k, v := range s.Totals {
		h.track(totalKey(k)).counts.add(s.Time, v)
	}
	for k, tr := range h.tracks {
		if tr.gen != h.gen {
			delete(h.tracks, k)
		}
	}
	h.last = s.Time
}

// track returns the track for key, creating it. Called with h.mu held.
func (h *History) track(key string) *track {
	tr := h.tracks[key]
	if tr == nil {
		tr = &track{}
		h.tracks[key] = tr
		if !h.last.IsZero() {
			// It did not exist at the previous sample, so its count was
			// 0 then: its first messages count towards its rate.
			tr.counts.add(h.last, 0)
		}
	}
	tr.gen = h.gen
	return tr
}

// Clear forgets everything, as when no one watches any more.
func (h *History) Clear() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.tracks)
	h.last = time.Time{}
}

// Len is the number of tracks held, for tests.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.tracks)
}

// Values returns a series' recent values, oldest first.
func (h *History) Values(id string) []float32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	tr := h.tracks[id]
	if tr == nil {
		return nil
	}
	out := make([]float32, 0, len(tr.values))
	out = append(out, tr.values[tr.head:]...)
	return append(out, tr.values[:tr.head]...)
}

// Rate returns the per-second rate of the count under key, given its value
// now, over the samples held; false while it is unknown.
func (h *History) Rate(key string, now time.Time, v float64) (float64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	tr := h.tracks[key]
	if tr == nil {
		return 0, false
	}
	return tr.counts.rate(now, v)
}

func (tr *track) push(v float32, points int) {
	if tr.values == nil {
		tr.values = make([]float32, 0, points) // exactly: never grown past it
	}
	if len(tr.values) < points {
		tr.values = append(tr.values, v)
		return
	}
	tr.values[tr.head] = v
	tr.head = (tr.head + 1) % points
}

func (c *counts) add(t time.Time, v float64) {
	if c.n > 0 && v < c.v[(c.next+rateSamples-1)%rateSamples] {
		c.n = 0 // the series was recreated: its count started again
	}
	c.t[c.next], c.v[c.next] = t, v
	c.next = (c.next + 1) % rateSamples
	c.n = min(c.n+1, rateSamples)
}

func (c *counts) rate(now time.Time, v float64) (float64, bool) {
	if c.n == 0 {
		return 0, false
	}
	oldest := (c.next - c.n + rateSamples) % rateSamples
	dt := now.Sub(c.t[oldest])
	if dt < minRateWindow || v < c.v[oldest] {
		return 0, false
	}
	r := (v - c.v[oldest]) / dt.Seconds()
	return math.Round(r*1000) / 1000, true
}

// seriesID names a series the way Prometheus does, metric{label="value"},
// which is unique since no two series share a metric and label values.
func seriesID(s *exporter.SeriesStatus) string {
	var b strings.Builder
	b.WriteString(s.Metric)
	sep := "{"
	for _, l := range s.Labels {
		b.WriteString(sep + l.Name + "=" + strconv.Quote(l.Value))
		sep = ","
	}
	if s.Job != "" {
		b.WriteString(sep + "r_job=" + strconv.Quote(s.Job))
		sep = ","
	}
	if sep == "," {
		b.WriteString("}")
	}
	return b.String()
}

// jobKey and totalKey keep jobs and counters apart from series in the
// history; a series ID never starts with a NUL.
func jobKey(name string) string   { return "\x00job\x00" + name }
func totalKey(name string) string { return "\x00total\x00" + name }
