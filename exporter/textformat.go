package exporter

import (
	"io"
	"math"
	"strconv"
	"strings"
)

// Format is an exposition format that the exporter writes itself, without
// building client_golang's protobuf messages first (see Exporter.Expose).
type Format uint8

const (
	// FormatText is the Prometheus text format 0.0.4.
	FormatText Format = iota
	// FormatOpenMetrics is OpenMetrics 1.0.0 text, without its final "# EOF"
	// (the caller writes that after every other family).
	FormatOpenMetrics
)

// flushAt is how much output is buffered before it is written out.
const flushAt = 64 << 10

// expWriter appends exposition lines to a buffer and writes it out in chunks.
// It writes exactly what prometheus/common/expfmt writes for the same
// families, which the tests check byte for byte.
type expWriter struct {
	w   io.Writer
	om  bool
	buf []byte
	err error

	cumulative []uint64         // scratch for histogram counts
	les        map[leKey][]byte // formatted le values of bucket lists, by list
}

// leKey identifies a list of bucket bounds; metrics of one mapping rule share
// the list, so its le values are formatted once per scrape.
type leKey struct {
	first *float64
	n     int
}

// leValues returns the bounds formatted as le values, each followed by a NUL
// separator, and +Inf last.
func (x *expWriter) leValues(bounds []float64) []byte {
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

func (x *expWriter) flush() {
	if x.err == nil && len(x.buf) > 0 {
		_, x.err = x.w.Write(x.buf)
	}
	x.buf = x.buf[:0]
}

func (x *expWriter) maybeFlush() {
	if len(x.buf) >= flushAt {
		x.flush()
	}
}

// header writes the HELP and TYPE lines of a family. In OpenMetrics a
// counter's family name has no _total (its samples keep it).
func (x *expWriter) header(name, help, typ string) {
	if x.om && typ == "counter" {
		name = strings.TrimSuffix(name, "_total")
	}
	x.buf = append(x.buf, "# HELP "...)
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, ' ')
	x.buf = appendEscaped(x.buf, help, x.om)
	x.buf = append(x.buf, "\n# TYPE "...)
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, ' ')
	x.buf = append(x.buf, typ...)
	x.buf = append(x.buf, '\n')
}

// sample writes one sample line: name and suffix, the rendered labels
// (name="value" pairs, already escaped, without braces), the value.
func (x *expWriter) sample(name, suffix, labels string, v float64) {
	x.name(name, suffix, labels)
	x.buf = x.appendValue(x.buf, v)
	x.buf = append(x.buf, '\n')
	x.maybeFlush()
}

// count writes a sample whose value is a count: an integer in OpenMetrics.
func (x *expWriter) count(name, suffix, labels string, n uint64) {
	x.name(name, suffix, labels)
	x.appendCount(n)
}

// bucket writes a histogram bucket; le is its formatted bound.
func (x *expWriter) bucket(name, labels string, le []byte, n uint64) {
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, "_bucket{"...)
	x.buf = append(x.buf, labels...)
	if labels != "" {
		x.buf = append(x.buf, ',')
	}
	x.buf = append(x.buf, `le="`...)
	x.buf = append(x.buf, le...)
	x.buf = append(x.buf, `"} `...)
	x.appendCount(n)
}

// appendCount ends a sample line with a count.
func (x *expWriter) appendCount(n uint64) {
	if x.om {
		x.buf = strconv.AppendUint(x.buf, n, 10)
	} else {
		x.buf = appendFloat(x.buf, float64(n))
	}
	x.buf = append(x.buf, '\n')
	x.maybeFlush()
}

func (x *expWriter) name(name, suffix, labels string) {
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, suffix...)
	if labels != "" {
		x.buf = append(x.buf, '{')
		x.buf = append(x.buf, labels...)
		x.buf = append(x.buf, '}')
	}
	x.buf = append(x.buf, ' ')
}

func (x *expWriter) appendValue(b []byte, v float64) []byte {
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
// always, the double quote in label values and in OpenMetrics.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// renderLabels renders label pairs as name="value",... in the order given.
func renderLabels(names, values []string) string {
	var b []byte
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
