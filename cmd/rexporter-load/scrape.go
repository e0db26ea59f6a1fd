package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Accept headers for the two exposition formats.
const (
	acceptText        = "text/plain;version=0.0.4"
	acceptOpenMetrics = "application/openmetrics-text;version=1.0.0"
)

// scraper fetches /metrics over one kept-alive, uncompressed connection.
type scraper struct {
	client *http.Client
	url    string
	body   bytes.Buffer // reused: a 10,000-name page is several MB
}

func newScraper(url string) *scraper {
	return &scraper{
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1},
		},
		url: url,
	}
}

// sample is one scrape: the counters it showed and when.
type sample struct {
	messages    float64 // rexporter_messages_total
	parseErrors float64 // sum of rexporter_parse_errors_total
	start       time.Time
	header      time.Time // response headers in: the exporter gathered before this
	end         time.Time // body read
	bytes       int
}

// processed is every message the exporter has finished with: applied or
// dropped as unparseable.
func (s sample) processed() float64 { return s.messages + s.parseErrors }

// scrape fetches the page in the given format and reads the counters.
func (s *scraper) scrape(ctx context.Context, accept string) (sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return sample{}, err
	}
	req.Header.Set("Accept", accept)
	smp := sample{start: time.Now()}
	resp, err := s.client.Do(req)
	if err != nil {
		return sample{}, err
	}
	defer resp.Body.Close()
	smp.header = time.Now()
	s.body.Reset()
	if _, err := io.Copy(&s.body, resp.Body); err != nil {
		return sample{}, fmt.Errorf("read %s: %w", s.url, err)
	}
	smp.end = time.Now()
	if resp.StatusCode != http.StatusOK {
		return sample{}, fmt.Errorf("%s answered %s", s.url, resp.Status)
	}
	smp.bytes = s.body.Len()
	var ok bool
	smp.messages, smp.parseErrors, ok = parseCounters(s.body.Bytes())
	if !ok {
		return sample{}, fmt.Errorf("%s has no rexporter_messages_total", s.url)
	}
	return smp, nil
}

// parseCounters reads rexporter_messages_total and the sum of
// rexporter_parse_errors_total{…} from a text or OpenMetrics page. It only
// looks at the lines of those two families, so a page of many megabytes is
// searched, not parsed.
func parseCounters(page []byte) (messages, parseErrors float64, ok bool) {
	for v := range sampleValues(page, "rexporter_messages_total") {
		messages, ok = v, true
	}
	for v := range sampleValues(page, "rexporter_parse_errors_total") {
		parseErrors += v
	}
	return messages, parseErrors, ok
}

// sampleValues yields the value of every sample line of the named metric:
// "name value", "name{labels} value", each optionally followed by a
// timestamp. Unparseable values are skipped.
func sampleValues(page []byte, name string) func(yield func(float64) bool) {
	return func(yield func(float64) bool) {
		for rest := page; ; {
			i := bytes.Index(rest, []byte(name))
			if i < 0 {
				return
			}
			atLineStart := i == 0 || rest[i-1] == '\n'
			rest = rest[i+len(name):]
			if !atLineStart || len(rest) == 0 || (rest[0] != ' ' && rest[0] != '{') {
				continue
			}
			line := rest
			if j := bytes.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			if line[0] == '{' {
				j := bytes.LastIndexByte(line, '}')
				if j < 0 {
					continue
				}
				line = line[j+1:]
			}
			f := bytes.Fields(line)
			if len(f) == 0 {
				continue
			}
			v, err := strconv.ParseFloat(string(f[0]), 64)
			if err != nil {
				continue
			}
			if !yield(v) {
				return
			}
		}
	}
}

// waitFor scrapes until the exporter has processed want messages, and
// returns that scrape and how many it took. Polls cost the exporter a full
// gather, so it does not poll at a fixed rate: once the counter moves, it
// sleeps half the time the remaining messages should take at the observed
// pace (at least minPause, at most a second), closing in geometrically. The
// returned scrape's header time is when the count was seen: at most one
// gather later than when it was reached.
func (s *scraper) waitFor(ctx context.Context, want float64, timeout, minPause time.Duration) (sample, int, error) {
	deadline := time.Now().Add(timeout)
	var prev sample
	for polls := 1; ; polls++ {
		smp, err := s.scrape(ctx, acceptText)
		if err != nil {
			return sample{}, polls, err
		}
		if smp.processed() >= want {
			return smp, polls, nil
		}
		if time.Now().After(deadline) {
			return smp, polls, fmt.Errorf("after %v /metrics counted %.0f of %.0f messages (%.0f of them parse errors)",
				timeout, smp.processed(), want, smp.parseErrors)
		}
		pause := minPause
		if polls > 1 && smp.processed() > prev.processed() {
			pace := (smp.processed() - prev.processed()) / smp.header.Sub(prev.header).Seconds()
			eta := time.Duration((want - smp.processed()) / pace * float64(time.Second))
			pause = max(pause, eta/2)
		}
		prev = smp
		select {
		case <-ctx.Done():
			return smp, polls, ctx.Err()
		case <-time.After(min(pause, time.Second, time.Until(deadline)+time.Millisecond)):
		}
	}
}
