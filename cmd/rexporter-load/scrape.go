package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Accept headers for the two exposition formats.
const (
	acceptText        = "text/plain;version=0.0.4"
	acceptOpenMetrics = "application/openmetrics-text;version=1.0.0"
)

// scrapeMode is how much of a page a scrape reads and keeps.
type scrapeMode int

const (
	// scrapeFull reads and keeps the whole page.
	scrapeFull scrapeMode = iota
	// scrapeStream reads the whole page (a full scrape, timed to its last
	// byte) but keeps only the exporter's own metrics at its head: a
	// 1,000,000-name page is gigabytes.
	scrapeStream
	// scrapeHead reads only the exporter's own metrics at the head of the
	// page and then hangs up: a poll of the counters that costs neither
	// side a full page (the exporter still starts writing it).
	scrapeHead
)

// scraper fetches /metrics over one kept-alive, uncompressed connection.
type scraper struct {
	client *http.Client
	url    string
	mode   scrapeMode
	// statsd: the page is statsd_exporter's, whose messages are its events
	// divided by statsdEvents (see BuildStatsdPayload).
	statsd bool
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
	series      float64 // rexporter_series
	refused     float64 // rexporter_rejected_names_total{reason="max_series" or "max_series_per_job"}
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
	if resp.StatusCode != http.StatusOK {
		return sample{}, fmt.Errorf("%s answered %s", s.url, resp.Status)
	}
	if s.mode == scrapeFull {
		_, err = io.Copy(&s.body, resp.Body)
		smp.bytes = s.body.Len()
	} else {
		smp.bytes, err = s.readHead(resp.Body)
	}
	if err != nil {
		return sample{}, fmt.Errorf("read %s: %w", s.url, err)
	}
	smp.end = time.Now()
	page := s.body.Bytes()
	if s.statsd {
		smp.messages, smp.parseErrors = parseStatsdCounters(page)
		return smp, nil
	}
	var ok bool
	smp.messages, smp.parseErrors, ok = parseCounters(page)
	if !ok {
		return sample{}, fmt.Errorf("%s has no rexporter_messages_total", s.url)
	}
	for v := range sampleValues(page, "rexporter_series") {
		smp.series = v
	}
	for labels, v := range samples(page, "rexporter_rejected_names_total") {
		if strings.Contains(labels, `reason="max_series"`) || strings.Contains(labels, `reason="max_series_per_job"`) {
			smp.refused += v
		}
	}
	return smp, nil
}

// readHead keeps the page's head, up to the first family that is not the
// exporter's own, in s.body; then, streaming, it reads the rest into
// nothing and returns the page's size, or, heading, it stops and returns
// the head's.
func (s *scraper) readHead(body io.Reader) (int, error) {
	r := bufio.NewReaderSize(body, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull { // a line longer than 64 KiB: not the head's
			err = nil
		}
		if isUserFamily(line) {
			if s.mode == scrapeHead {
				return s.body.Len(), nil
			}
			n, err := io.Copy(io.Discard, r)
			return s.body.Len() + len(line) + int(n), err
		}
		s.body.Write(line)
		if err == io.EOF {
			return s.body.Len(), nil
		}
		if err != nil {
			return s.body.Len(), err
		}
	}
}

// selfPrefixes start the names of the exporter's own families, which
// /metrics writes before the user's.
var selfPrefixes = []string{"rexporter_", "go_", "process_", "promhttp_"}

// isUserFamily tells whether line starts a family of the user's (a HELP or
// TYPE line of a name without a self prefix): the end of the page's head.
func isUserFamily(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("# HELP "))
	if !ok {
		if rest, ok = bytes.CutPrefix(line, []byte("# TYPE ")); !ok {
			return false
		}
	}
	for _, p := range selfPrefixes {
		if bytes.HasPrefix(rest, []byte(p)) {
			return false
		}
	}
	return true
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

// parseStatsdCounters reads statsd_exporter's page: the messages it has
// applied (the sum of statsd_exporter_events_total over its types, divided
// by statsdEvents) and the lines it could not use, counted as parse errors
// (statsd_exporter_sample_errors_total, and the events it dropped for a
// type conflict, statsd_exporter_events_conflict_total).
func parseStatsdCounters(page []byte) (messages, errs float64) {
	for v := range sampleValues(page, "statsd_exporter_events_total") {
		messages += v
	}
	for _, name := range []string{"statsd_exporter_sample_errors_total", "statsd_exporter_events_conflict_total"} {
		for v := range sampleValues(page, name) {
			errs += v
		}
	}
	return messages / statsdEvents, errs
}

// sampleValues yields the value of every sample line of the named metric:
// "name value", "name{labels} value", each optionally followed by a
// timestamp. Unparseable values are skipped.
func sampleValues(page []byte, name string) func(yield func(float64) bool) {
	return func(yield func(float64) bool) {
		for _, v := range samples(page, name) {
			if !yield(v) {
				return
			}
		}
	}
}

// samples yields the labels ("{…}", or "" without) and the value of every
// sample line of the named metric, as sampleValues.
func samples(page []byte, name string) func(yield func(string, float64) bool) {
	return func(yield func(string, float64) bool) {
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
			labels := ""
			if line[0] == '{' {
				j := bytes.LastIndexByte(line, '}')
				if j < 0 {
					continue
				}
				labels, line = string(line[:j+1]), line[j+1:]
			}
			f := bytes.Fields(line)
			if len(f) == 0 {
				continue
			}
			v, err := strconv.ParseFloat(string(f[0]), 64)
			if err != nil {
				continue
			}
			if !yield(labels, v) {
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
