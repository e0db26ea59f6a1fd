package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error is one problem in a mapping file. Parse and Load return every problem
// they find, joined with errors.Join; use errors.As to get the first.
type Error struct {
	// File is the file name given to Parse or Load.
	File string
	// Line is 1-based, 0 when the YAML parser did not say where.
	Line int
	// Msg names the key and the problem:
	// `rules[1].buckets.factor must be > 1`.
	Msg string

	// err is the error of another package the problem comes from
	// (recognise.ErrBadRegexp for a recogniser's regexp), for Unwrap.
	err error
}

// Error formats the problem as `mapping.yml:7: rules[1].buckets.factor must be > 1`.
func (e *Error) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

// Unwrap returns the error of another package the problem comes from, so
// that errors.Is(err, recognise.ErrBadRegexp) holds for a recogniser's bad
// regexp; nil for the file's own problems.
func (e *Error) Unwrap() error { return e.err }

// maxErrors bounds how many problems one Parse reports; a file that is wrong
// everywhere is usually not a mapping file at all.
const maxErrors = 20

// errorList collects the problems of one file.
type errorList struct {
	file string
	errs []error
}

func (l *errorList) add(line int, format string, args ...any) {
	if len(l.errs) == maxErrors {
		l.errs = append(l.errs, &Error{File: l.file, Line: line, Msg: "too many errors"})
	}
	if len(l.errs) > maxErrors {
		return
	}
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// addErr is add for a problem that comes from cause, an error of another
// package (see Error.Unwrap).
func (l *errorList) addErr(line int, cause error, format string, args ...any) {
	n := len(l.errs)
	l.add(line, format, args...)
	if len(l.errs) > n && n < maxErrors {
		l.errs[n].(*Error).err = cause
	}
}

func (l *errorList) err() error { return errors.Join(l.errs...) }

// yamlLineRE picks the line out of the YAML parser's messages
// ("yaml: line 3: did not find expected key").
var yamlLineRE = regexp.MustCompile(`(?s)^yaml: (?:line (\d+): )?(.*)$`)

// addYAML reports a syntax error of the YAML parser in the file:line form,
// at the line where the problem is (see problemLine).
func (l *errorList) addYAML(err error, data []byte) {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		l.add(0, "invalid YAML: %s", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	line, _ := strconv.Atoi(m[1])
	l.add(problemLine(data, line, m[2]), "invalid YAML: %s", strings.ReplaceAll(m[2], "\n", " "))
}

// maxProblemLineSearch bounds problemLine's work: one parse per line.
const maxProblemLineSearch = 2000

// problemLine finds the line a YAML syntax error is about. The YAML parser
// names the line where the enclosing block or flow collection starts (a
// mis-indented key on line 4 of a list begun on line 1 is reported at line
// 1), so this parses ever longer prefixes of the file: the first prefix
// that ends on a line at or after the reported one and fails with the same
// message ends on the line of the problem. If none does, the reported line
// stays.
func problemLine(data []byte, reported int, msg string) int {
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > maxProblemLineSearch {
		return reported
	}
	prefix := ""
	for i, line := range lines {
		prefix += line
		if i+1 < reported {
			continue
		}
		_, _, err := parseYAML([]byte(prefix))
		if err == nil {
			continue
		}
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil && m[2] == msg {
			return i + 1
		}
	}
	return reported
}
