package exporter

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rexporter/rexporter/parser"
)

// Bounds of what a job's run control messages (`run: ...`, see
// parser.RunVerb) may add: they become label values, so they are capped.
const (
	// MaxParams is how many parameters a job keeps; later new keys are
	// ignored (a key already known may still change its value).
	MaxParams = 32
	// MaxParamValueBytes bounds a parameter's value, MaxParamKeyBytes its
	// label name (param_ and the sanitized key).
	MaxParamValueBytes = 128
	MaxParamKeyBytes   = 64
	// MaxErrorLineBytes bounds the job's last error line.
	MaxErrorLineBytes = 256
	// MaxHelps bounds the R names described with `run: help` (over all
	// jobs; later new names are ignored), MaxHelpBytes each description.
	MaxHelps     = 4096
	MaxHelpBytes = 256
)

// The ending states that `run:` messages give a job (see job.state).
const (
	stateFailed    = "failed"     // exited with a status other than 0
	stateKilled    = "killed"     // ended by a signal
	stateOOMKilled = "oom_killed" // ended by the kernel's OOM killer
)

// jobRun is what run control messages told about a job: how it ended, its
// parameters and its resource use. Guarded by Exporter.mu.
type jobRun struct {
	exited   bool
	exitCode int
	signal   string
	oom      bool
	errLine  string
	params   []Label // in the order they came; Name is the label name
	cpu, rss float64
	hasCPU   bool
	hasRSS   bool
	// ignored and dropped are rexporter run's counts of the job's output
	// lines that were no message and of lines it could not deliver.
	ignored, dropped uint64
}

// ending is the state the job ends in when its last connection goes, or ""
// when no run message said how it ended.
func (r *jobRun) ending() string {
	switch {
	case r.oom:
		return stateOOMKilled
	case r.signal != "":
		return stateKilled
	case r.exited && r.exitCode == 0:
		return stateFinished
	case r.exited:
		return stateFailed
	}
	return ""
}

// restart forgets how the last run of the job ended, when it is up again;
// its parameters and resource use stay until they are stated anew.
func (r *jobRun) restart() {
	r.exited, r.exitCode, r.signal, r.oom, r.errLine = false, 0, "", false, ""
}

// applyRun applies one run control message to the session's job.
func (s *Session) applyRun(m *parser.Message) {
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	r := &s.job.run
	switch m.Verb {
	case parser.RunExit:
		r.exited = true
		r.exitCode, _ = strconv.Atoi(string(m.Arg))
	case parser.RunSignal:
		r.signal = boundText(parser.DisplayName(m.Arg), 32)
	case parser.RunOOM:
		r.oom = true
		if r.signal == "" {
			r.signal = "SIGKILL"
		}
	case parser.RunError:
		r.errLine = boundText(parser.DisplayName(m.Arg), MaxErrorLineBytes)
	case parser.RunParam:
		k, v := parser.RunParamKV(m.Arg)
		r.setParam(parser.DisplayName(k), parser.DisplayName(v))
	case parser.RunCPU:
		r.cpu, _ = strconv.ParseFloat(string(m.Arg), 64)
		r.hasCPU = true
	case parser.RunRSS:
		r.rss, _ = strconv.ParseFloat(string(m.Arg), 64)
		r.hasRSS = true
	case parser.RunIgnored:
		n, _ := strconv.ParseUint(string(m.Arg), 10, 64)
		r.ignored = max(r.ignored, n) // a counter: an older count arriving late changes nothing
	case parser.RunDropped:
		n, _ := strconv.ParseUint(string(m.Arg), 10, 64)
		r.dropped = max(r.dropped, n)
	case parser.RunHelp:
		name, text := parser.RunParamKV(m.Arg)
		e.setHelp(string(name), parser.DisplayName(text))
	}
}

// setHelp records the description of an R name (`run: help`) for the HELP
// texts of metrics made from now on: at most MaxHelps names, MaxHelpBytes
// each. Called with e.mu held.
func (e *Exporter) setHelp(name, text string) {
	if _, ok := e.helps[name]; ok || len(e.helps) < MaxHelps {
		e.helps[name] = boundText(text, MaxHelpBytes)
	}
}

// setParam sets a parameter: its label name is param_ and the key made a
// metric name (parser.MetricName rules); two keys with one label name share
// it, the last value winning.
func (r *jobRun) setParam(key, value string) {
	name := boundText("param_"+parser.MetricName([]byte(key)), MaxParamKeyBytes)
	value = boundText(value, MaxParamValueBytes)
	for i := range r.params {
		if r.params[i].Name == name {
			r.params[i].Value = value
			return
		}
	}
	if len(r.params) < MaxParams {
		r.params = append(r.params, Label{Name: name, Value: value})
	}
}

// sortedParams returns the parameters sorted by label name.
func (r *jobRun) sortedParams() []Label {
	ps := slices.Clone(r.params)
	slices.SortFunc(ps, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	return ps
}

// boundText makes s one line of at most n bytes, cut at a rune boundary,
// control characters replaced by spaces.
func boundText(s string, n int) string {
	control := func(r rune) bool { return r < 0x20 || r == 0x7f }
	if strings.IndexFunc(s, control) >= 0 { // a copy only when there is one
		s = strings.Map(func(r rune) rune {
			if control(r) {
				return ' '
			}
			return r
		}, s)
	}
	s = strings.TrimSpace(s)
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = strings.TrimSpace(s[:n])
	}
	return s
}

// runSnap is a job's run information read for one scrape or snapshot.
type runSnap struct {
	ending   string
	exited   bool
	exitCode int
	signal   string
	errLine  string
	params   []Label // sorted by name
	cpu, rss float64
	hasCPU   bool
	hasRSS   bool
	ignored  float64
	dropped  float64
}

// snapRun copies the run information. Called with e.mu held.
func (j *job) snapRun() runSnap {
	r := &j.run
	s := runSnap{ending: r.ending(), exited: r.exited, exitCode: r.exitCode, signal: r.signal, errLine: r.errLine,
		cpu: r.cpu, rss: r.rss, hasCPU: r.hasCPU, hasRSS: r.hasRSS, ignored: float64(r.ignored), dropped: float64(r.dropped)}
	if len(r.params) > 0 {
		s.params = r.sortedParams()
	}
	return s
}

// runStatus fills the run and stall fields of a job's status. Called with
// e.mu held.
func (e *Exporter) runStatus(j *job, js *JobStatus, now time.Time) {
	r := j.snapRun()
	if r.exited {
		code := r.exitCode
		js.ExitCode = &code
	}
	js.Signal, js.Error, js.Params = r.signal, r.errLine, r.params
	if r.hasCPU {
		js.CPUSeconds = &r.cpu
	}
	if r.hasRSS {
		js.ResidentBytes = &r.rss
	}
	if j.connections > 0 {
		js.Stalled, js.StallAfter = e.stalled(j, now)
	}
}
