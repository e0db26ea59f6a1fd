package main

import (
	"strconv"
)

// values are the numbers the messages carry, as R prints them, spread over
// several decades so that many histogram buckets are hit. All are finite, so
// every message updates the gauge, the counter and the histogram.
var values = [...]string{
	"11", "7", "0.25", "1e+05", "3.14159265358979", "42", "0.001", "1234.5",
	"9", "12", "2.5e-04", "880", "13", "0.5", "65536", "10",
}

// stamp is the blog's timestamp prefix; the framer splits glued messages at
// each "[date".
const stamp = "[2026-11-25 17:06:16] - "

// Payload is a pre-built ring of messages, so that sending costs one write
// call per --per-write messages and nothing else. Message j of the ring is
// "[2026-11-25 17:06:16] - Random Poisson <j mod names>: <value>", and global
// message g of a load is ring message g mod the ring's length; the first
// `names` messages therefore carry every name once.
type Payload struct {
	buf      []byte
	ends     []int // ends[j] is the offset just past ring message j
	names    int
	perWrite int
	newline  bool
	statsd   bool // in StatsD lines (BuildStatsdPayload)
}

// BuildPayload builds the ring for names distinct names, perWrite messages
// per write, with or without a newline after each message. Its length is a
// multiple of perWrite (so no write wraps around) and holds every name with
// each of the values.
func BuildPayload(names, perWrite int, newline bool) *Payload {
	return buildPayload(names, perWrite, newline, len(values))
}

// ringBudget bounds the ring's messages when there are many names (about
// 45 bytes each): 1,000,000 names get 2 values each instead of 16.
const ringBudget = 2_000_000

// BuildLargePayload is BuildPayload with fewer values per name once names ×
// 16 messages would exceed ringBudget (at least one value per name).
func BuildLargePayload(names, perWrite int, newline bool) *Payload {
	return buildPayload(names, perWrite, newline, largeCycles(names))
}

// largeCycles is how many values each name gets in a large ring: 16, fewer
// once names × 16 messages would exceed ringBudget, at least one.
func largeCycles(names int) int {
	return min(len(values), max(1, ringBudget/names))
}

// buildPayload builds a ring of names × cycles messages (rounded up to a
// multiple of perWrite): the names in turn, with values[0] the first time
// round, values[1] the second, and so on.
func buildPayload(names, perWrite int, newline bool, cycles int) *Payload {
	p := buildRing(names, perWrite, cycles, len(stamp)+32, func(buf []byte, id, v string) []byte {
		buf = append(buf, stamp...)
		buf = append(buf, "Random Poisson "...)
		buf = append(buf, id...)
		buf = append(buf, ": "...)
		buf = append(buf, v...)
		if newline {
			buf = append(buf, '\n')
		}
		return buf
	})
	p.newline = newline
	return p
}

// buildRing builds a ring of names × cycles messages, rounded up to a
// multiple of perWrite, message j written by appendMsg for name j mod names
// and value values[(j/names) mod len(values)], about size bytes each.
func buildRing(names, perWrite, cycles, size int, appendMsg func(buf []byte, id, v string) []byte) *Payload {
	n := names * cycles
	n = (n + perWrite - 1) / perWrite * perWrite
	p := &Payload{ends: make([]int, n), names: names, perWrite: perWrite}
	buf := make([]byte, 0, n*size)
	for j := range n {
		buf = appendMsg(buf, strconv.Itoa(j%names), values[(j/names)%len(values)])
		p.ends[j] = len(buf)
	}
	p.buf = buf
	return p
}

// BuildStatsdPayload is BuildLargePayload's ring for statsd_exporter doing
// rexporter's work: message j is the three StatsD lines that update name
// j mod names' gauge, counter and histogram with the same value,
// "random_poisson_<i>:<value>|g", "random_poisson_<i>_total:1|c" and
// "random_poisson_<i>_values:<value>|h", each ended by a newline.
func BuildStatsdPayload(names, perWrite int) *Payload {
	p := buildRing(names, perWrite, largeCycles(names), 96, appendStatsd)
	p.newline, p.statsd = true, true
	return p
}

// appendStatsd appends the StatsD lines of one message of name
// random_poisson_<id> and value v.
func appendStatsd(buf []byte, id, v string) []byte {
	for _, l := range [...]struct{ suffix, value, kind string }{{"", v, "g"}, {"_total", "1", "c"}, {"_values", v, "h"}} {
		buf = append(buf, "random_poisson_"...)
		buf = append(buf, id...)
		buf = append(buf, l.suffix...)
		buf = append(buf, ':')
		buf = append(buf, l.value...)
		buf = append(buf, '|')
		buf = append(buf, l.kind...)
		buf = append(buf, '\n')
	}
	return buf
}

// statsdEvents is how many StatsD events one message of a StatsD payload is.
const statsdEvents = 3

// JobMessage is the message that names a connection's job
// (rexporter-load), framed like the payload's messages: with a newline, or
// as a timestamped record that the next record's "[date" ends.
func (p *Payload) JobMessage() []byte {
	if p.statsd {
		// StatsD has no jobs: one message of a name of its own instead.
		return appendStatsd(nil, "job", "1")
	}
	if p.newline {
		return []byte("job: rexporter-load\n")
	}
	return []byte(stamp + "job: rexporter-load")
}

// Len is the number of messages in the ring.
func (p *Payload) Len() int { return len(p.ends) }

// Message returns ring message j (modulo the ring's length).
func (p *Payload) Message(j int) []byte {
	j %= len(p.ends)
	return p.buf[p.start(j):p.ends[j]]
}

func (p *Payload) start(j int) int {
	if j == 0 {
		return 0
	}
	return p.ends[j-1]
}

// Writes is the number of writes a load of total messages takes.
func (p *Payload) Writes(total int64) int64 {
	return (total + int64(p.perWrite) - 1) / int64(p.perWrite)
}

// Write returns the bytes of write w of a load of total messages, global
// messages w×perWrite up to the next perWrite or total, and their count.
// Connection i of c sends writes i, i+c, i+2c, …, so together the
// connections send exactly messages 0 … total-1.
func (p *Payload) Write(w, total int64) ([]byte, int) {
	first := w * int64(p.perWrite)
	k := int(min(int64(p.perWrite), total-first))
	if k <= 0 {
		return nil, 0
	}
	j := int(first % int64(len(p.ends)))
	return p.buf[p.start(j):p.ends[j+k-1]], k
}
