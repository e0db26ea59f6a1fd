package parser

import (
	"bytes"
	"strconv"
)

// RunVerb is what a run control message (KindRun) says.
type RunVerb uint8

// The verbs of `run: <verb> <argument>`. The whole message is the one field
// named "run"; its value starts with the verb, and the argument is the rest
// of the line, commas and colons included (an error line has both).
const (
	RunNone    RunVerb = iota
	RunExit            // run: exit 1            the exit status, 0 to 255
	RunSignal          // run: signal SIGTERM    the job was killed by this signal
	RunOOM             // run: oom               the kernel's OOM killer ended the job
	RunError           // run: error Error in f(): boom   the job's last error line
	RunParam           // run: param alpha=0.5   one parameter of the run
	RunCPU             // run: cpu 12.5          CPU seconds the job's processes used
	RunRSS             // run: rss 104857600     resident memory of the job's processes, bytes
	RunIgnored         // run: ignored 12        output lines of the job that were no message, so far
	RunDropped         // run: dropped 3         lines rexporter run could not deliver, so far
	RunHelp            // run: help loss=Training loss   a description of an R name, for its HELP text
)

var runVerbs = map[string]RunVerb{
	"exit": RunExit, "signal": RunSignal, "oom": RunOOM, "error": RunError,
	"param": RunParam, "cpu": RunCPU, "rss": RunRSS, "ignored": RunIgnored, "dropped": RunDropped,
	"help": RunHelp,
}

// String returns the verb as written.
func (v RunVerb) String() string {
	for s, w := range runVerbs {
		if w == v {
			return s
		}
	}
	return ""
}

// parseRun recognises a run control message: exactly one field named "run"
// whose value starts with a verb. Any other "run" field (`run: 3`, `run:
// fitting`, `run: 1, x: 2`) is an ordinary value, so names that worked
// before keep working. It reports whether rest was one; err is then the
// verdict on its argument.
func parseRun(rest []byte, m *Message) (bool, error) {
	if len(rest) < 4 || string(rest[:3]) != "run" || (rest[3] != ':' && !isSpace(rest[3])) {
		return false, nil // most names starting with r: no scan for the colon
	}
	c := nameColon(rest)
	if c < 0 || string(trimSpace(rest[:c])) != "run" {
		return false, nil
	}
	val := trimSpace(rest[c+1:])
	word, arg := val, []byte(nil)
	if i := bytes.IndexAny(val, " \t"); i >= 0 {
		word, arg = val[:i], trimSpace(val[i+1:])
	}
	verb, ok := runVerbs[string(word)]
	if !ok {
		return false, nil
	}
	if verb != RunError && verb != RunParam && verb != RunHelp && bytes.ContainsAny(arg, ",;") {
		return false, nil // several fields after all: `run: exit 1, x: 2`
	}
	m.Kind, m.Verb, m.Arg = KindRun, verb, arg
	switch verb {
	case RunOOM:
		if len(arg) > 0 {
			return true, newError(ErrBadValue, "run oom", arg, nil)
		}
		return true, nil
	case RunExit:
		if n, err := strconv.Atoi(string(arg)); err != nil || n < 0 || n > 255 {
			return true, newError(ErrBadValue, "run exit status", val, nil)
		}
	case RunIgnored, RunDropped:
		if _, err := strconv.ParseUint(string(arg), 10, 64); err != nil {
			return true, newError(ErrBadValue, "run "+verb.String(), val, nil)
		}
	case RunCPU, RunRSS:
		if f, err := strconv.ParseFloat(string(arg), 64); err != nil || f < 0 || f != f {
			return true, newError(ErrBadValue, "run "+verb.String(), val, nil)
		}
	case RunParam:
		if k, _, ok := bytes.Cut(arg, []byte("=")); !ok || len(trimSpace(k)) == 0 {
			return true, newError(ErrBadValue, "run param (want key=value)", val, nil)
		}
	case RunHelp:
		if k, v, ok := bytes.Cut(arg, []byte("=")); !ok || len(trimSpace(k)) == 0 || len(trimSpace(v)) == 0 {
			return true, newError(ErrBadValue, "run help (want name=text)", val, nil)
		}
	}
	if len(arg) == 0 {
		return true, newError(ErrEmptyValue, "run "+verb.String(), val, nil)
	}
	return true, nil
}

// RunParamKV splits the argument of a `run: param` or `run: help` message
// into its key (the parameter, or the R name described) and value, both
// trimmed.
func RunParamKV(arg []byte) (key, value []byte) {
	k, v, _ := bytes.Cut(arg, []byte("="))
	return trimSpace(k), trimSpace(v)
}
