package status

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rexporter/rexporter/exporter"
)

// Response is the JSON document of /api/status.
type Response struct {
	Now      time.Time `json:"now"`
	Exporter Health    `json:"exporter"`
	History  struct {
		IntervalSeconds     float64    `json:"interval_seconds"`
		Points              int        `json:"points"`
		WatchTimeoutSeconds float64    `json:"watch_timeout_seconds"`
		Since               *time.Time `json:"since"` // when someone started watching
	} `json:"history"`
	Series        []Series  `json:"series"`
	SeriesTotal   int       `json:"series_total"`   // series in the exporter
	SeriesMatched int       `json:"series_matched"` // of those, matching the filter q
	Jobs          []Job     `json:"jobs"`
	Messages      []Message `json:"messages"`
	// MessagesRecorded counts the messages the ring has seen (only while
	// someone watches).
	MessagesRecorded uint64 `json:"messages_recorded"`
	// Refused are the last messages and fields rexporter dropped, newest
	// first, with the reason they were counted under; kept whether or not
	// anyone watches.
	Refused []Refused `json:"refused"`
}

// Refused is a dropped message, or a dropped field of one.
type Refused struct {
	Time   time.Time `json:"time"`
	Remote string    `json:"remote"`
	Job    string    `json:"job"`
	Field  string    `json:"field,omitempty"` // the R name of a dropped field; absent when the whole message was dropped
	Reason string    `json:"reason"`          // the reason label it was counted under
	Error  string    `json:"error,omitempty"`
	Text   string    `json:"text"` // the start of the message
}

// buildRefused converts the exporter's list.
func buildRefused(rs []exporter.Refused) []Refused {
	out := make([]Refused, 0, len(rs))
	for _, r := range rs {
		remote := ""
		if r.Remote.IsValid() {
			remote = r.Remote.String()
		}
		out = append(out, Refused{Time: r.Time.UTC(), Remote: remote, Job: r.Job, Field: r.Field, Reason: r.Reason, Error: r.Error, Text: r.Text})
	}
	return out
}

// Series is one series of the exporter.
type Series struct {
	ID       string            `json:"id"` // metric{label="value",...}
	RName    string            `json:"r_name"`
	Metric   string            `json:"metric"`
	Kind     string            `json:"kind"`
	Types    []string          `json:"types"`
	Unit     string            `json:"unit"`
	Job      string            `json:"job"`
	Labels   map[string]string `json:"labels,omitempty"`
	Overflow bool              `json:"overflow,omitempty"`
	// Value is the gauge value, or the steps done of a progress, written as
	// /metrics writes it ("NaN", "+Inf" included); "" for a state.
	Value    string     `json:"value"`
	Steps    string     `json:"steps,omitempty"`
	State    string     `json:"state,omitempty"`
	Messages uint64     `json:"messages"`
	Rate     *float64   `json:"messages_per_second"`
	Updated  *time.Time `json:"updated"`
	History  points     `json:"history"`
}

// Job is one job the exporter knows.
type Job struct {
	Name        string     `json:"name"`
	State       string     `json:"state"`
	Connections int        `json:"connections"`
	Start       time.Time  `json:"start"`
	End         *time.Time `json:"end"`
	LastMessage *time.Time `json:"last_message"`
	Messages    uint64     `json:"messages"`
	Rate        *float64   `json:"messages_per_second"`
	Run
}

// Run is what rexporter run (or run: messages) told about a job, and
// whether it is stalled.
type Run struct {
	ExitCode      *int              `json:"exit_code"`
	Signal        string            `json:"signal,omitempty"`
	Error         string            `json:"error,omitempty"`
	Params        map[string]string `json:"params,omitempty"` // label name (param_<key>) -> value
	CPUSeconds    *float64          `json:"cpu_seconds"`
	ResidentBytes *float64          `json:"resident_bytes"`
	Stalled       bool              `json:"stalled"`
	// StallAfter is how long the job may be silent before it is stalled,
	// in seconds; absent while it is not up.
	StallAfter *float64 `json:"stall_after_seconds"`
}

// runOf converts a job's run fields.
func runOf(j *exporter.JobStatus) Run {
	r := Run{ExitCode: j.ExitCode, Signal: j.Signal, Error: j.Error, CPUSeconds: j.CPUSeconds,
		ResidentBytes: j.ResidentBytes, Stalled: j.Stalled}
	if len(j.Params) > 0 {
		r.Params = make(map[string]string, len(j.Params))
		for _, p := range j.Params {
			r.Params[p.Name] = p.Value
		}
	}
	if j.StallAfter > 0 {
		s := j.StallAfter.Seconds()
		r.StallAfter = &s
	}
	return r
}

// points are sparkline values: JSON numbers, null where not finite.
type points []float32

// MarshalJSON implements json.Marshaler.
func (p points) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+8*len(p))
	b = append(b, '[')
	for i, v := range p {
		if i > 0 {
			b = append(b, ',')
		}
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, f, 'g', -1, 32)
	}
	return append(b, ']'), nil
}

// formatValue writes a value as /metrics does, but without an exponent for
// everyday magnitudes (123456789 rather than 1.23456789e+08).
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	if a := math.Abs(v); a == 0 || (a >= 1e-4 && a < 1e15) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// buildSeries turns the snapshot's series into the response's, sorted by R
// name, job and ID, keeping those that match q (case-insensitive, in the R
// name, metric, job or ID) up to limit.
func (p *Page) buildSeries(snap *exporter.Snapshot, q string, limit int) (out []Series, matched int) {
	q = strings.ToLower(q)
	list := make([]Series, 0, min(len(snap.Series), limit))
	all := make([]*exporter.SeriesStatus, 0, len(snap.Series))
	for i := range snap.Series {
		all = append(all, &snap.Series[i])
	}
	ids := make(map[*exporter.SeriesStatus]string, len(all))
	for _, s := range all {
		ids[s] = seriesID(s)
	}
	slices.SortFunc(all, func(a, b *exporter.SeriesStatus) int {
		if c := strings.Compare(a.RName, b.RName); c != 0 {
			return c
		}
		if c := strings.Compare(a.Job, b.Job); c != 0 {
			return c
		}
		return strings.Compare(ids[a], ids[b])
	})
	for _, s := range all {
		id := ids[s]
		if q != "" && !strings.Contains(strings.ToLower(s.RName+"\x00"+s.Metric+"\x00"+s.Job+"\x00"+id), q) {
			continue
		}
		matched++
		if len(list) == limit {
			continue
		}
		list = append(list, p.series(s, id, snap.Time))
	}
	return list, matched
}

// series builds one series of the response.
func (p *Page) series(s *exporter.SeriesStatus, id string, now time.Time) Series {
	out := Series{
		ID: id, RName: s.RName, Metric: s.Metric, Kind: s.Kind, Types: s.Types, Unit: s.Unit,
		Job: s.Job, Overflow: s.Overflow, Messages: s.Applied, Updated: timePtr(s.Updated),
		History: points(p.hist.Values(id)),
	}
	if out.History == nil {
		out.History = points{}
	}
	for _, l := range s.Labels {
		if out.Labels == nil {
			out.Labels = map[string]string{}
		}
		out.Labels[l.Name] = l.Value
	}
	switch s.Kind {
	case "state":
		out.State = s.State
	case "progress":
		out.Value, out.Steps = formatValue(s.Value), formatValue(s.Steps)
	default:
		out.Value = formatValue(s.Value)
	}
	if r, ok := p.hist.Rate(id, now, float64(s.Applied)); ok {
		out.Rate = &r
	}
	return out
}

// buildJobs turns the snapshot's jobs into the response's, sorted by name.
func (p *Page) buildJobs(snap *exporter.Snapshot) []Job {
	out := make([]Job, 0, len(snap.Jobs))
	for _, j := range snap.Jobs {
		job := Job{
			Name: j.Name, State: j.State, Connections: j.Connections, Start: j.Start.UTC(),
			End: timePtr(j.End), LastMessage: timePtr(j.LastMessage), Messages: j.Messages,
			Run: runOf(&j),
		}
		if r, ok := p.hist.Rate(jobKey(j.Name), snap.Time, float64(j.Messages)); ok {
			job.Rate = &r
		}
		out = append(out, job)
	}
	slices.SortFunc(out, func(a, b Job) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// timePtr is t in UTC, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
