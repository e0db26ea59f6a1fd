package exporter

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/rexporter/rexporter/parser"
)

// The series state format (--state.file and the hand-over): one JSON
// document whose header names the format and its version. JSON keeps it
// readable with jq; floats round-trip exactly (Go writes the shortest
// representation that parses back to the same bits), and NaN and ±Inf,
// which JSON lacks, are written as strings.

// StateFormat is the "format" value of every state document.
const StateFormat = "rexporter-state"

// StateVersion is the version of the state format this build writes. It
// reads versions 1 to StateVersion.
const StateVersion = 1

// Errors of LoadState, checked with errors.Is.
var (
	// ErrStateForeign: the data is not a rexporter state document at all.
	ErrStateForeign = errors.New("not a rexporter state file")
	// ErrStateVersion: a state document of a version this build cannot read.
	ErrStateVersion = errors.New("unsupported state file version")
	// ErrStateCorrupt: a rexporter state document that does not decode or
	// whose contents are inconsistent.
	ErrStateCorrupt = errors.New("corrupt state file")
)

// stateDoc is the whole state document.
type stateDoc struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Saved is when it was written (Unix nanoseconds): restored jobs that
	// were running ended then, as far as the new process knows.
	Saved    int64       `json:"saved_ns"`
	Messages jfloat      `json:"messages_total"`
	Jobs     []jobState  `json:"jobs"`
	Series   []seriesRec `json:"series"`
	// Tombs are the totals of counters that expired (see tomb).
	Tombs []seriesRec `json:"tombstones,omitempty"`
	// Helps are the descriptions `run: help` gave R names (raw name ->
	// text), so restored metrics keep their HELP text.
	Helps map[string]string `json:"helps,omitempty"`
}

// jobState is one job.
type jobState struct {
	Name        string `json:"name"`
	Start       int64  `json:"start_ns"`
	End         int64  `json:"end_ns,omitempty"`
	State       string `json:"state"`
	Messages    uint64 `json:"messages"`
	LastMessage int64  `json:"last_message_ns,omitempty"`
	Refused     uint64 `json:"refused,omitempty"`
	// Run is what `run:` messages told about the job (absent when none
	// did; documents without it load as before).
	Run *runState `json:"run,omitempty"`
}

// runState is a job's jobRun.
type runState struct {
	Exited   bool    `json:"exited,omitempty"`
	ExitCode int     `json:"exit_code,omitempty"`
	Signal   string  `json:"signal,omitempty"`
	OOM      bool    `json:"oom,omitempty"`
	Error    string  `json:"error,omitempty"`
	Params   []Label `json:"params,omitempty"`
	CPU      *jfloat `json:"cpu,omitempty"`
	RSS      *jfloat `json:"rss,omitempty"`
	Ignored  uint64  `json:"ignored,omitempty"`
	Dropped  uint64  `json:"dropped,omitempty"`
}

// state is r as saved, nil for a job no run message spoke of.
func (r *jobRun) state() *runState {
	if !r.exited && r.signal == "" && !r.oom && r.errLine == "" && len(r.params) == 0 && !r.hasCPU && !r.hasRSS && r.ignored == 0 && r.dropped == 0 {
		return nil
	}
	rs := &runState{Exited: r.exited, ExitCode: r.exitCode, Signal: r.signal, OOM: r.oom, Error: r.errLine,
		Params: r.params, Ignored: r.ignored, Dropped: r.dropped}
	if r.hasCPU {
		v := jfloat(r.cpu)
		rs.CPU = &v
	}
	if r.hasRSS {
		v := jfloat(r.rss)
		rs.RSS = &v
	}
	return rs
}

// restore sets r from a saved state.
func (r *jobRun) restore(rs *runState) {
	if rs == nil {
		return
	}
	r.exited, r.exitCode, r.signal, r.oom, r.errLine = rs.Exited, rs.ExitCode, rs.Signal, rs.OOM, rs.Error
	r.params, r.ignored, r.dropped = rs.Params, rs.Ignored, rs.Dropped
	if rs.CPU != nil {
		r.cpu, r.hasCPU = float64(*rs.CPU), true
	}
	if rs.RSS != nil {
		r.rss, r.hasRSS = float64(*rs.RSS), true
	}
}

// seriesRec is one series (or one tombstone: then only the counter and
// histogram parts are set).
type seriesRec struct {
	Job string `json:"job"`
	// Name is the raw R name when it is valid UTF-8; otherwise NameRaw
	// holds its bytes (latin1 names).
	Name    string `json:"name,omitempty"`
	NameRaw []byte `json:"name_raw,omitempty"`
	// OverflowOf is set for a metric's overflow series: the metric's base
	// name. Job and Name are empty then.
	OverflowOf string     `json:"overflow_of,omitempty"`
	Folded     uint64     `json:"folded,omitempty"`
	Kind       string     `json:"kind"`
	Unit       string     `json:"unit,omitempty"`
	Updated    int64      `json:"updated_ns,omitempty"`
	Stamp      int64      `json:"stamp_ns,omitempty"`
	Last       jfloat     `json:"last"`
	Steps      jfloat     `json:"steps,omitempty"`
	Count      jfloat     `json:"count,omitempty"`
	LastTotal  jfloat     `json:"last_total,omitempty"`
	States     []string   `json:"states,omitempty"`
	Current    int        `json:"current,omitempty"`
	Hist       *histState `json:"hist,omitempty"`
}

// histState is a histogram: classic bucket counts (not cumulative, the last
// is +Inf) with their bounds, and the native buckets when kept.
type histState struct {
	Bounds    []jfloat `json:"bounds"`
	Counts    []uint64 `json:"counts"`
	Sum       jfloat   `json:"sum"`
	Native    bool     `json:"native,omitempty"`
	Schema    int32    `json:"schema,omitempty"`
	Zero      uint64   `json:"zero,omitempty"`
	PosKeys   []int32  `json:"pos_keys,omitempty"`
	PosCounts []uint64 `json:"pos_counts,omitempty"`
	NegKeys   []int32  `json:"neg_keys,omitempty"`
	NegCounts []uint64 `json:"neg_counts,omitempty"`
}

// jfloat is a float64 that JSON can carry whatever its value: NaN, +Inf and
// -Inf are strings.
type jfloat float64

// MarshalJSON implements json.Marshaler.
func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *jfloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		*f = jfloat(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jfloat(v)
	return nil
}

var kindNames = map[valueKind]string{kindNumber: "number", kindProgress: "progress", kindState: "state"}

func kindByName(s string) (valueKind, bool) {
	for k, n := range kindNames {
		if n == s {
			return k, true
		}
	}
	return 0, false
}

func unitByName(s string) (parser.Unit, bool) {
	for _, u := range []parser.Unit{parser.UnitNone, parser.UnitSeconds, parser.UnitBytes, parser.UnitRatio} {
		if u.Suffix() == s {
			return u, true
		}
	}
	return 0, false
}

// raw returns the record's raw R name.
func (r *seriesRec) raw() string {
	if r.NameRaw != nil {
		return string(r.NameRaw)
	}
	return r.Name
}

// setRaw stores a raw R name.
func (r *seriesRec) setRaw(raw string) {
	if utf8.ValidString(raw) {
		r.Name = raw
		return
	}
	r.NameRaw = []byte(raw)
}

// check validates a decoded document completely, before anything of it is
// applied: a document is loaded whole or not at all.
func (d *stateDoc) check() error {
	jobs := map[string]bool{}
	for i, j := range d.Jobs {
		if j.Name == "" || jobs[j.Name] {
			return fmt.Errorf("%w: job %d: empty or repeated name %q", ErrStateCorrupt, i, j.Name)
		}
		if !slices.Contains(jobStates, j.State) {
			return fmt.Errorf("%w: job %q: unknown state %q", ErrStateCorrupt, j.Name, j.State)
		}
		jobs[j.Name] = true
	}
	for i := range d.Series {
		r := &d.Series[i]
		if r.OverflowOf == "" && !jobs[r.Job] {
			return fmt.Errorf("%w: series %d (%q): unknown job %q", ErrStateCorrupt, i, r.raw(), r.Job)
		}
		if err := r.check(); err != nil {
			return fmt.Errorf("%w: series %d (%q): %v", ErrStateCorrupt, i, r.raw(), err)
		}
	}
	for i := range d.Tombs {
		if err := d.Tombs[i].check(); err != nil {
			return fmt.Errorf("%w: tombstone %d: %v", ErrStateCorrupt, i, err)
		}
	}
	return nil
}

func (r *seriesRec) check() error {
	if _, ok := kindByName(r.Kind); !ok {
		return fmt.Errorf("unknown kind %q", r.Kind)
	}
	if _, ok := unitByName(r.Unit); !ok {
		return fmt.Errorf("unknown unit %q", r.Unit)
	}
	if r.OverflowOf == "" && r.raw() == "" {
		return errors.New("no name")
	}
	if len(r.States) > 0 && (r.Current < 0 || r.Current >= len(r.States)) {
		return fmt.Errorf("current state %d out of range", r.Current)
	}
	if h := r.Hist; h != nil {
		if len(h.Counts) != len(h.Bounds)+1 {
			return fmt.Errorf("%d bucket counts for %d bounds", len(h.Counts), len(h.Bounds))
		}
		if len(h.PosKeys) != len(h.PosCounts) || len(h.NegKeys) != len(h.NegCounts) {
			return errors.New("native bucket keys and counts differ in length")
		}
		if !slices.IsSorted(h.PosKeys) || !slices.IsSorted(h.NegKeys) {
			return errors.New("native bucket keys out of order")
		}
		if h.Native && (h.Schema < minNativeSchema || h.Schema > maxNativeSchema) {
			return fmt.Errorf("native schema %d out of range", h.Schema)
		}
	}
	return nil
}
