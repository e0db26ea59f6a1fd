package runner

import (
	"bytes"
	"strings"
)

// RError keeps the last error line R printed on stderr: "Error in f(x) :
// boom" or "Error: boom". When R breaks the line after "Error in f(x) :",
// the next line (the message) is joined to it.
type RError struct {
	last string
	cont bool // the last line was an error head waiting for its message
	max  int
}

// NewRError keeps error lines of at most max bytes.
func NewRError(max int) *RError { return &RError{max: max} }

// Line looks at one stderr line.
func (r *RError) Line(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if r.cont {
		r.cont = false
		if msg := strings.TrimSpace(string(line)); msg != "" && (line[0] == ' ' || line[0] == '\t') {
			r.set(r.last + " " + msg)
			return
		}
	}
	if !IsRError(line) {
		return
	}
	r.set(strings.TrimSpace(string(line)))
	r.cont = bytes.HasSuffix(bytes.TrimSpace(line), []byte(":"))
}

func (r *RError) set(s string) {
	if len(s) > r.max {
		s = s[:r.max]
	}
	r.last = s
}

// Last returns the last error line, "" if none.
func (r *RError) Last() string { return r.last }

// IsRError reports whether a line is R's report of an error.
func IsRError(line []byte) bool {
	return bytes.HasPrefix(line, []byte("Error in ")) || bytes.HasPrefix(line, []byte("Error: "))
}

// rChatter are the starts of lines that R itself prints, which would read
// as `Name: value` messages but are not the job's.
var rChatter = [][]byte{
	[]byte("Error in "), []byte("Error: "), []byte("Warning message"), []byte("Warning in "),
	[]byte("Warning: "), []byte("In addition: "), []byte("Calls: "), []byte("Execution halted"),
	[]byte("Loading required package: "), []byte("Attaching package: "), []byte("Timing stopped at: "),
}

// IsRChatter reports whether a line is one R prints itself (errors,
// warnings, package loading), never a message of the job.
func IsRChatter(line []byte) bool {
	for _, p := range rChatter {
		if bytes.HasPrefix(line, p) {
			return true
		}
	}
	return false
}
