package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/rexporter/rexporter/exporter"
)

// maxScrapesInFlight bounds concurrent scrapes, as promhttp's
// MaxRequestsInFlight does: each one holds a buffer and a compressor.
const maxScrapesInFlight = 10

// scrapeFormats are the formats a scrape may ask for, in order of
// preference: expfmt's defaults, text and the OpenMetrics versions (made
// once: DefaultOpenMetricsAcceptedFormats copies them on every call).
var scrapeFormats = expfmt.DefaultOpenMetricsAcceptedFormats()

// exposer writes the user's metrics in a text format (exporter.Exporter).
type exposer interface {
	Expose(w io.Writer, f exporter.Format) error
}

// metricsHandler serves /metrics. For the two text formats (what Prometheus
// asks for unless it wants native histograms, and what curl gets) it writes
// the exporter's own metrics through expfmt and the user's through
// Exporter.Expose, which is several times faster than building protobuf
// messages for every sample. Anything else (protobuf, the only format that
// carries native histograms) goes to promhttp's handler over both registries.
type metricsHandler struct {
	self     prometheus.Gatherer
	exp      exposer
	fallback http.Handler
	inFlight chan struct{}
	logger   *slog.Logger
	gzips    sync.Pool
}

func newMetricsHandler(self prometheus.Gatherer, exp exposer, fallback http.Handler, logger *slog.Logger) *metricsHandler {
	return &metricsHandler{
		self:     self,
		exp:      exp,
		fallback: fallback,
		inFlight: make(chan struct{}, maxScrapesInFlight),
		logger:   logger,
		gzips: sync.Pool{New: func() any {
			// Speed over ratio: the exposition is repetitive enough that
			// level 1 already shrinks it about fifteenfold. klauspost/compress
			// (which Prometheus itself uses) compresses 2.6 times as fast as
			// compress/gzip for 3 % more bytes: a gzip scrape of 100,000
			// names costs 0.50 CPU-s instead of 0.69 (BENCHMARKS.md).
			w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
			return w
		}},
	}
}

func (h *metricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format := expfmt.NegotiateAccept(r.Header, scrapeFormats...)
	var f exporter.Format
	switch format.FormatType() {
	case expfmt.TypeTextPlain:
		f = exporter.FormatText
	case expfmt.TypeOpenMetrics:
		f = exporter.FormatOpenMetrics
	default:
		h.fallback.ServeHTTP(w, r)
		return
	}
	select {
	case h.inFlight <- struct{}{}:
		defer func() { <-h.inFlight }()
	default:
		http.Error(w, "Limit of concurrent requests reached, try again later.", http.StatusServiceUnavailable)
		return
	}

	// The self-metrics are gathered first: an error there is logged and
	// whatever could be gathered is served, never a 500 (a failed scrape
	// loses every series at once).
	mfs, err := h.self.Gather()
	if err != nil {
		h.logger.Error("gathering the exporter's own metrics", "err", err)
	}
	w.Header().Set("Content-Type", string(format))
	var out io.Writer = w
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		gz := h.gzips.Get().(*gzip.Writer)
		gz.Reset(w)
		defer func() {
			_ = gz.Close()
			h.gzips.Put(gz)
		}()
		w.Header().Set("Content-Encoding", "gzip")
		out = gz
	}
	enc := expfmt.NewEncoder(out, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			h.logger.Debug("writing metrics", "err", err)
			return
		}
	}
	if err := h.exp.Expose(out, f); err != nil {
		h.logger.Debug("writing metrics", "err", err)
		return
	}
	if f == exporter.FormatOpenMetrics {
		if _, err := expfmt.FinalizeOpenMetrics(out); err != nil {
			h.logger.Debug("writing metrics", "err", err)
		}
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (and
// does not refuse it with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
