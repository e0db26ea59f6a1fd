package main

import (
	"context"
	"fmt"
	"log/slog"
	"syscall"
	"time"
)

// Measurement is what one run measured on one endpoint (exporter or
// baseline). Durations are in seconds, sizes in bytes; a figure that was not
// measured is 0 (latencies: LatencyProbes is 0).
type Measurement struct {
	Sent          int64   `json:"sent"`         // messages written
	Counted       int64   `json:"counted"`      // rexporter_messages_total grew by this much
	ParseErrors   int64   `json:"parse_errors"` // rexporter_parse_errors_total grew by this much
	Seconds       float64 `json:"seconds"`      // first write → /metrics counted every message
	SendSeconds   float64 `json:"send_seconds"` // first write → last write returned
	Rate          float64 `json:"rate"`         // Sent / Seconds, messages/s
	Polls         int     `json:"polls"`        // scrapes while waiting for the counter
	CPUSeconds    float64 `json:"cpu_seconds"`  // the endpoint's CPU over Seconds, minus the polls' estimated cost
	CPURaw        float64 `json:"cpu_raw"`      // the same, polls included
	CPUPerMillion float64 `json:"cpu_per_million"`
	SenderCPU     float64 `json:"sender_cpu"` // this tool's own CPU over the load (the sender)
	PeakRSS       int64   `json:"peak_rss"`   // VmHWM after the load and the scrapes

	ScrapeText        float64 `json:"scrape_text"` // median full scrape, text format
	ScrapeTextBytes   int     `json:"scrape_text_bytes"`
	ScrapeOpenMetrics float64 `json:"scrape_openmetrics"`
	ScrapeOMBytes     int     `json:"scrape_openmetrics_bytes"`
	ScrapeCPU         float64 `json:"scrape_cpu"` // CPU per text scrape
	PollCPU           float64 `json:"poll_cpu"`   // CPU per poll, when polls read only the page's head (--warm modes)

	// With --warm: every name was sent once before the load, and /metrics
	// counted them this long after the first write; Series is
	// rexporter_series then.
	WarmSeconds float64 `json:"warm_seconds,omitempty"`
	WarmRate    float64 `json:"warm_rate,omitempty"` // names / WarmSeconds: new series per second
	Series      float64 `json:"series,omitempty"`

	// Latency is from a message's write until a scrape started then shows
	// it counted (see measureLatency).
	LatencyProbes int     `json:"latency_probes"`
	LatencyP50    float64 `json:"latency_p50"`
	LatencyP90    float64 `json:"latency_p90"`
}

// measure runs the phases the options ask for against one endpoint: the
// load, the timed scrapes, then the latency probes.
func measure(ctx context.Context, c *RunCmd, p *Payload, ep *endpoint, logger *slog.Logger) (Measurement, error) {
	var m Measurement
	sc := newScraper(ep.metrics)
	full := sc
	if c.lean {
		// Polls read the counters at the page's head only, and the timed
		// scrapes keep nothing: a page of 100,000 names is hundreds of MB.
		sc.mode = scrapeHead
		full = newScraper(ep.metrics)
		full.mode = scrapeStream
	}
	if ep.statsd {
		// statsd_exporter writes its own metrics last: its polls read the
		// whole page, and the timed scrapes read nothing in it.
		sc.mode, sc.statsd, full.statsd = scrapeFull, true, true
	}
	if ep.pid > 0 && ep.cmd == nil {
		if err := resetPeakRSS(ep.pid); err != nil {
			logger.Warn("cannot reset the peak RSS: it covers the process's whole life", "pid", ep.pid, "err", err)
		}
	}
	if c.Warm {
		if err := warmUp(ctx, c, p, ep, sc, &m); err != nil {
			return m, err
		}
		logger.Info("warmed up", "endpoint", ep.name, "names", c.Names, "series", m.Series, "seconds", fmt.Sprintf("%.3f", m.WarmSeconds))
	}
	if c.Messages > 0 {
		if err := measureLoad(ctx, c, p, ep, sc, &m); err != nil {
			return m, err
		}
	}
	if c.Scrapes > 0 {
		if err := measureScrapes(ctx, c.Scrapes, !c.lean, ep, full, &m); err != nil {
			return m, err
		}
		pollCPU := m.ScrapeCPU
		if c.lean {
			var err error
			if pollCPU, err = measurePollCPU(ctx, c.Scrapes, ep, sc); err != nil {
				return m, err
			}
			m.PollCPU = pollCPU
		}
		m.CPUSeconds = max(0, m.CPURaw-float64(m.Polls)*pollCPU)
		if m.Counted > 0 {
			m.CPUPerMillion = m.CPUSeconds / float64(m.Counted) * 1e6
		}
	}
	if ep.pid > 0 {
		rss, err := peakRSS(ep.pid)
		if err != nil {
			return m, err
		}
		m.PeakRSS = rss
	}
	if c.Latency > 0 {
		offset := time.Duration(0)
		if !c.Newline {
			offset = ep.quietGap
		}
		pr, err := measureLatency(ctx, c.Latency, offset, p, ep, sc)
		if err != nil {
			return m, err
		}
		m.LatencyProbes, m.LatencyP50, m.LatencyP90 = c.Latency, pr.quantile(0.5), pr.quantile(0.9)
	}
	return m, nil
}

// measureLoad sends the load and waits until /metrics counts all of it.
func measureLoad(ctx context.Context, c *RunCmd, p *Payload, ep *endpoint, sc *scraper, m *Measurement) error {
	base, err := sc.scrape(ctx, acceptText)
	if err != nil {
		return err
	}
	cpu0, err := endpointCPU(ep)
	if err != nil {
		return err
	}
	self0 := selfCPU()
	res, err := sendLoad(ctx, p, loadPlan{
		addr: ep.ingest, conns: c.Connections, total: c.Messages, rate: c.Rate,
		duration: c.Duration, grace: c.WaitTimeout,
	})
	m.Sent = res.sent
	if err != nil {
		return err
	}
	m.SenderCPU = selfCPU() - self0
	done, polls, err := sc.waitFor(ctx, base.processed()+float64(res.sent+res.control), c.WaitTimeout, c.Poll)
	m.Polls = polls
	if err != nil {
		return fmt.Errorf("%s: %w", ep.name, err)
	}
	cpu1, err := endpointCPU(ep)
	if err != nil {
		return err
	}
	m.Counted = int64(done.messages-base.messages) - res.control
	m.ParseErrors = int64(done.parseErrors - base.parseErrors)
	m.Seconds = done.header.Sub(res.first).Seconds()
	m.SendSeconds = res.last.Sub(res.first).Seconds()
	m.Rate = float64(m.Sent) / m.Seconds
	m.CPURaw = cpu1 - cpu0
	m.CPUSeconds = m.CPURaw
	if m.Counted > 0 {
		m.CPUPerMillion = m.CPUSeconds / float64(m.Counted) * 1e6
	}
	return nil
}

// warmUp sends every name once (the ring's first names messages) and waits
// until /metrics counts them, so that the timed load updates series that
// exist rather than creating them.
func warmUp(ctx context.Context, c *RunCmd, p *Payload, ep *endpoint, sc *scraper, m *Measurement) error {
	base, err := sc.scrape(ctx, acceptText)
	if err != nil {
		return err
	}
	res, err := sendLoad(ctx, p, loadPlan{
		addr: ep.ingest, conns: min(c.Connections, c.Names), total: int64(c.Names),
		duration: c.WaitTimeout, grace: c.WaitTimeout,
	})
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	done, _, err := sc.waitFor(ctx, base.processed()+float64(res.sent+res.control), c.WaitTimeout, c.Poll)
	if err != nil {
		return fmt.Errorf("warm-up, %s: %w", ep.name, err)
	}
	m.WarmSeconds = done.header.Sub(res.first).Seconds()
	m.WarmRate = float64(c.Names) / m.WarmSeconds
	m.Series = done.series
	return nil
}

// measurePollCPU is the CPU one poll (a head-only scrape) costs the
// endpoint, over n polls.
func measurePollCPU(ctx context.Context, n int, ep *endpoint, sc *scraper) (float64, error) {
	cpu0, err := endpointCPU(ep)
	if err != nil {
		return 0, err
	}
	for range n {
		if _, err := sc.scrape(ctx, acceptText); err != nil {
			return 0, err
		}
	}
	cpu1, err := endpointCPU(ep)
	return (cpu1 - cpu0) / float64(n), err
}

// measureScrapes times n full scrapes in text and, if openMetrics, in
// OpenMetrics (median), and the CPU one text scrape costs the endpoint, to
// take the polls out of the load's CPU figure.
func measureScrapes(ctx context.Context, n int, openMetrics bool, ep *endpoint, sc *scraper, m *Measurement) error {
	cpu0, err := endpointCPU(ep)
	if err != nil {
		return err
	}
	text := make([]float64, n)
	for i := range text {
		s, err := sc.scrape(ctx, acceptText)
		if err != nil {
			return err
		}
		text[i], m.ScrapeTextBytes = s.end.Sub(s.start).Seconds(), s.bytes
	}
	cpu1, err := endpointCPU(ep)
	if err != nil {
		return err
	}
	m.ScrapeCPU = (cpu1 - cpu0) / float64(n)
	m.ScrapeText = median(text)
	if !openMetrics {
		return nil
	}
	om := make([]float64, n)
	for i := range om {
		s, err := sc.scrape(ctx, acceptOpenMetrics)
		if err != nil {
			return err
		}
		om[i], m.ScrapeOMBytes = s.end.Sub(s.start).Seconds(), s.bytes
	}
	m.ScrapeOpenMetrics = median(om)
	return nil
}

// endpointCPU is the endpoint's CPU-seconds so far, 0 without a pid.
func endpointCPU(ep *endpoint) (float64, error) {
	if ep.pid == 0 {
		return 0, nil
	}
	return cpuSeconds(ep.pid)
}

// selfCPU is this process's user plus system CPU-seconds so far.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
