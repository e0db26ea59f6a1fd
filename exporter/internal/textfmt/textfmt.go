// Package textfmt writes the Prometheus text format 0.0.4 and OpenMetrics
// 1.0.0 text line by line, from names, rendered labels and values: the
// exporter's scrape writes its families with it instead of building
// client_golang's protobuf messages first.
//
// It writes exactly what prometheus/common/expfmt writes for the same
// families (the exporter's tests check that byte for byte). It knows nothing
// of metrics or series, and imports only the standard library.
package textfmt

import (
	"io"
	"math"
	"strconv"
	"strings"
)

// flushAt is how much output is buffered before it is written out.
const flushAt = 64 << 10

// Writer appends exposition lines to a buffer and writes it out in chunks.
// The first write error stops all later writes; Err returns it.
type Writer struct {
	w   io.Writer
	om  bool
	buf []byte
	err error

	les map[leKey][]byte // formatted le values of bucket lists, by list
}

// NewWriter returns a Writer to w, of OpenMetrics text if openMetrics is
// set (without its final "# EOF": the caller writes that after every other
// family), else of the text format 0.0.4.
func NewWriter(w io.Writer, openMetrics bool) *Writer {
	x := &Writer{}
	x.Reset(w, openMetrics)
	return x
}

// Reset discards what x holds and makes it write to w, like NewWriter: a
// Writer embedded in a caller's struct needs no allocation of its own.
func (x *Writer) Reset(w io.Writer, openMetrics bool) {
	if x.buf == nil {
		x.buf = make([]byte, 0, flushAt+4096)
	}
	x.w, x.om, x.buf, x.err = w, openMetrics, x.buf[:0], nil
	clear(x.les)
}

// Err returns the first error that writing out met.
func (x *Writer) Err() error { return x.err }

// Flush writes out what is buffered.
func (x *Writer) Flush() {
	if x.err == nil && len(x.buf) > 0 {
		_, x.err = x.w.Write(x.buf)
	}
	x.buf = x.buf[:0]
}

func (x *Writer) maybeFlush() {
	if len(x.buf) >= flushAt {
		x.Flush()
	}
}

// leKey identifies a list of bucket bounds; metrics of one mapping rule share
// the list, so its le values are formatted once per Writer.
type leKey struct {
	first *float64
	n     int
}

// LeValues returns the bounds formatted as le values, each followed by a NUL
// separator, and +Inf last. Lists are told apart by their first element's
// address and their length: pass the same slice for the same bounds.
func (x *Writer) LeValues(bounds []float64) []byte {
	k := leKey{n: len(bounds)}
	if len(bounds) > 0 {
		k.first = &bounds[0]
	}
	if b, ok := x.les[k]; ok {
		return b
	}
	var b []byte
	for _, v := range bounds {
		b = append(x.appendValue(b, v), 0)
	}
	b = append(x.appendValue(b, math.Inf(+1)), 0)
	if x.les == nil {
		x.les = map[leKey][]byte{}
	}
	x.les[k] = b
	return b
}

// Header writes the HELP and TYPE lines of a family. In OpenMetrics a
// counter's family name has no _total (its samples keep it).
func (x *Writer) Header(name, help, typ string) {
	x.HelpStart(name, typ)
	x.Help(help)
	x.HelpEnd(name, typ)
}

// HelpStart, Help and HelpEnd write what Header writes, with a HELP text
// given in parts (Help once per part, each escaped like the whole), so
// that a caller can write a HELP text it would otherwise have to build.
func (x *Writer) HelpStart(name, typ string) {
	x.buf = append(x.buf, "# HELP "...)
	x.buf = append(x.buf, x.familyName(name, typ)...)
	x.buf = append(x.buf, ' ')
}

// familyName is the name of a family in the HELP and TYPE lines: in
// OpenMetrics a counter's has no _total (its samples keep it).
func (x *Writer) familyName(name, typ string) string {
	if x.om && typ == "counter" {
		return strings.TrimSuffix(name, "_total")
	}
	return name
}

// Help writes a part of the HELP text started by HelpStart.
func (x *Writer) Help(part string) {
	x.buf = appendEscaped(x.buf, part, x.om)
}

// HelpEnd ends the HELP line and writes the TYPE line.
func (x *Writer) HelpEnd(name, typ string) {
	x.buf = append(x.buf, "\n# TYPE "...)
	x.buf = append(x.buf, x.familyName(name, typ)...)
	x.buf = append(x.buf, ' ')
	x.buf = append(x.buf, typ...)
	x.buf = append(x.buf, '\n')
}

// Sample writes one sample line: name and suffix, the rendered labels
// (name="value" pairs, already escaped, without braces; see Labels), the
// value.
func (x *Writer) Sample(name, suffix, labels string, v float64) {
	x.name(name, suffix, labels)
	x.buf = x.appendValue(x.buf, v)
	x.buf = append(x.buf, '\n')
	x.maybeFlush()
}

// Count writes a sample whose value is a count: an integer in OpenMetrics.
func (x *Writer) Count(name, suffix, labels string, n uint64) {
	x.name(name, suffix, labels)
	x.appendCount(n)
}

// Buckets writes a histogram's bucket lines: les is LeValues' list for its
// bounds, counts the cumulative counts, one per bound and the last for +Inf.
// The line's head up to the le value is built once and copied for each
// bucket, and the buffer is flushed only after the last line: a histogram
// is most of a scrape's lines.
func (x *Writer) Buckets(name, labels string, les []byte, counts []uint64) {
	start := len(x.buf)
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, "_bucket{"...)
	x.buf = append(x.buf, labels...)
	if labels != "" {
		x.buf = append(x.buf, ',')
	}
	x.buf = append(x.buf, `le="`...)
	// head stays valid when append moves the buffer: the old array keeps it.
	head := x.buf[start:len(x.buf):len(x.buf)]
	for i, n := range counts {
		if i > 0 {
			x.buf = append(x.buf, head...)
		}
		end := 0
		for les[end] != 0 {
			end++
		}
		x.buf = append(x.buf, les[:end]...)
		les = les[end+1:]
		x.buf = append(x.buf, `"} `...)
		x.buf = x.appendCountValue(x.buf, n)
		x.buf = append(x.buf, '\n')
	}
	x.maybeFlush()
}

// appendCount ends a sample line with a count.
func (x *Writer) appendCount(n uint64) {
	x.buf = x.appendCountValue(x.buf, n)
	x.buf = append(x.buf, '\n')
	x.maybeFlush()
}

// appendCountValue formats a count: an integer in OpenMetrics, a float in
// the text format (which is the integer's digits below a million).
func (x *Writer) appendCountValue(b []byte, n uint64) []byte {
	if x.om || n < 1e6 {
		return strconv.AppendUint(b, n, 10)
	}
	return appendFloat(b, float64(n))
}

func (x *Writer) name(name, suffix, labels string) {
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, suffix...)
	if labels != "" {
		x.buf = append(x.buf, '{')
		x.buf = append(x.buf, labels...)
		x.buf = append(x.buf, '}')
	}
	x.buf = append(x.buf, ' ')
}

func (x *Writer) appendValue(b []byte, v float64) []byte {
	if x.om {
		return appendOMFloat(b, v)
	}
	return appendFloat(b, v)
}

// appendFloat formats a value as the text format does.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, +1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	case f == 0:
		return append(b, '0') // also -0
	case f > -1e6 && f < 1e6 && f == math.Trunc(f):
		// What 'g' writes for an integer below a million, faster.
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendOMFloat formats a value as OpenMetrics does: like appendFloat, but a
// number with neither '.' nor 'e' gets ".0".
func appendOMFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendFloat(b, f)
	}
	start := len(b)
	b = appendFloat(b, f)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, '.', '0')
}

// appendEscaped escapes a HELP text or label value: backslash and newline
// always, the double quote in label values and in OpenMetrics. The text
// between escapes is copied whole (a HELP text is mostly plain).
func appendEscaped(b []byte, s string, quote bool) []byte {
	for {
		i := 0
		for i < len(s) && s[i] != '\\' && s[i] != '\n' && (s[i] != '"' || !quote) {
			i++
		}
		b = append(b, s[:i]...)
		if i == len(s) {
			return b
		}
		switch s[i] {
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, `\"`...)
		}
		s = s[i+1:]
	}
}

// Labels renders label pairs as name="value",... in the order given, values
// escaped: the labels argument of Sample, Count and Buckets.
func Labels(names, values []string) string {
	if len(names) == 0 {
		return ""
	}
	size := 0
	for i, n := range names {
		size += len(n) + len(values[i]) + 4
	}
	b := make([]byte, 0, size)
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n...)
		b = append(b, `="`...)
		b = appendEscaped(b, values[i], true)
		b = append(b, '"')
	}
	return string(b)
}
