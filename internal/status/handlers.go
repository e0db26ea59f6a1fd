package status

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// indexData fills index.html.
type indexData struct {
	Version       string
	TelemetryPath string
}

// serveIndex serves the page itself. It does not count as watching: the
// page's script does, when it asks for the data.
func (p *Page) serveIndex(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	if err := p.index.Execute(&buf, indexData{Version: p.opts.Version, TelemetryPath: p.opts.TelemetryPath}); err != nil {
		p.opts.Logger.Error("cannot render the status page", "err", err)
		http.Error(w, "cannot render the status page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
}

// serveAPI serves the JSON document. Query parameters: q filters the series
// (case-insensitive substring of R name, metric, job or ID), limit caps how
// many are returned (default Options.SeriesLimit).
func (p *Page) serveAPI(w http.ResponseWriter, r *http.Request) {
	now := p.opts.Now()
	p.watch(now)
	limit := p.opts.SeriesLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			http.Error(w, "limit must be a positive integer", http.StatusBadRequest)
			return
		}
		limit = n
	}

	snap := p.opts.Source.Snapshot()
	health := gatherHealth(p.opts.Gatherer)
	resp := Response{Now: snap.Time.UTC()}
	resp.Series, resp.SeriesMatched = p.buildSeries(&snap, r.URL.Query().Get("q"), limit)
	resp.SeriesTotal = len(snap.Series)
	resp.Jobs = p.buildJobs(&snap)
	resp.Messages, resp.MessagesRecorded = p.ring.Messages()
	resp.Refused = buildRefused(snap.Refused)
	resp.Exporter = Health{
		Version:    p.opts.Version,
		Started:    p.started.UTC(),
		Ready:      p.opts.Ready(),
		Series:     len(snap.Series),
		MaxSeries:  snap.MaxSeries,
		Jobs:       len(snap.Jobs),
		Metrics:    map[string]HealthMetric{},
		Transports: gatherTransports(p.opts.Gatherer),
	}
	for _, h := range healthMetrics {
		v, ok := health[h.name]
		if !ok {
			continue
		}
		m := HealthMetric{Value: v}
		if rate, ok := p.hist.Rate(totalKey(h.name), snap.Time, v); ok && h.counter {
			m.Rate = &rate
		}
		resp.Exporter.Metrics[h.name] = m
	}
	resp.History.IntervalSeconds = p.opts.SampleInterval.Seconds()
	resp.History.Points = p.opts.HistoryPoints
	resp.History.WatchTimeoutSeconds = p.opts.WatchTimeout.Seconds()
	p.mu.Lock()
	resp.History.Since = timePtr(p.watchedSince)
	p.mu.Unlock()

	body, err := json.Marshal(resp)
	if err != nil {
		p.opts.Logger.Error("cannot encode the status", "err", err)
		http.Error(w, "cannot encode the status", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}
