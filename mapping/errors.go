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
}

// Error formats the problem as `mapping.yml:7: rules[1].buckets.factor must be > 1`.
func (e *Error) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

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

func (l *errorList) err() error { return errors.Join(l.errs...) }

// yamlLineRE picks the line out of the YAML parser's messages
// ("yaml: line 3: did not find expected key").
var yamlLineRE = regexp.MustCompile(`(?s)^yaml: (?:line (\d+): )?(.*)$`)

// addYAML reports a syntax error of the YAML parser in the file:line form.
func (l *errorList) addYAML(err error) {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		l.add(0, "invalid YAML: %s", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	line, _ := strconv.Atoi(m[1])
	l.add(line, "invalid YAML: %s", strings.ReplaceAll(m[2], "\n", " "))
}
