package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var messageRE = regexp.MustCompile(`^\[2026-11-25 17:06:16\] - Random Poisson (\d+): ([0-9.e+-]+)$`)

func TestPayloadSendsExactlyTheRequestedMessagesAndNames(t *testing.T) {
	tests := map[string]struct {
		names, perWrite, conns int
		total                  int64
		newline                bool
	}{
		"one name, batched":                       {names: 1, perWrite: 100, conns: 64, total: 20_000, newline: true},
		"10,000 names over 64 connections":        {names: 10_000, perWrite: 100, conns: 64, total: 25_000, newline: true},
		"fewer messages than names":               {names: 10_000, perWrite: 100, conns: 64, total: 2_345, newline: true},
		"R's pattern: one message a write, glued": {names: 1, perWrite: 1, conns: 64, total: 5_000},
		"odd sizes, glued":                        {names: 7, perWrite: 3, conns: 5, total: 1_001},
		"more connections than writes":            {names: 3, perWrite: 100, conns: 64, total: 250, newline: true},
		"one message":                             {names: 1, perWrite: 100, conns: 4, total: 1, newline: true},
		"ring wraps several times":                {names: 2, perWrite: 10, conns: 3, total: 10_007},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := BuildPayload(tc.names, tc.perWrite, tc.newline)
			if p.Len()%tc.perWrite != 0 || p.Len() < tc.names {
				t.Fatalf("ring of %d messages: not a multiple of %d per write, or fewer than %d names", p.Len(), tc.perWrite, tc.names)
			}
			var count int64
			names, vals := map[string]bool{}, map[string]bool{}
			for i := range tc.conns {
				var stream []byte
				for w := int64(i); w < p.Writes(tc.total); w += int64(tc.conns) {
					b, k := p.Write(w, tc.total)
					if k < 1 || k > tc.perWrite {
						t.Fatalf("write %d has %d messages, want 1 to %d", w, k, tc.perWrite)
					}
					stream = append(stream, b...)
				}
				msgs := split(stream, tc.newline)
				for _, m := range msgs {
					sm := messageRE.FindStringSubmatch(m)
					if sm == nil {
						t.Fatalf("connection %d sends %q", i, m)
					}
					names[sm[1]], vals[sm[2]] = true, true
				}
				count += int64(len(msgs))
			}
			if count != tc.total {
				t.Errorf("%d messages sent, want %d", count, tc.total)
			}
			if want := min(int64(tc.names), tc.total); int64(len(names)) != want {
				t.Errorf("%d distinct names, want %d", len(names), want)
			}
			if want := min(int64(len(values)), tc.total/int64(tc.names)); int64(len(vals)) < want {
				t.Errorf("%d distinct values, want at least %d so the histograms see a spread", len(vals), want)
			}
		})
	}
}

// split cuts a connection's byte stream into messages the way the exporter
// and the baseline count them: at newlines, or before each '[' (no message
// holds another '[').
func split(stream []byte, newline bool) []string {
	if len(stream) == 0 {
		return nil
	}
	if newline {
		if stream[len(stream)-1] != '\n' {
			return []string{"unterminated: " + string(stream)}
		}
		return strings.Split(string(stream[:len(stream)-1]), "\n")
	}
	if bytes.IndexByte(stream, '\n') >= 0 {
		return []string{"newline in a glued stream"}
	}
	parts := strings.Split(string(stream), "[")
	out := make([]string, 0, len(parts)-1)
	for _, s := range parts[1:] {
		out = append(out, "["+s)
	}
	if parts[0] != "" {
		out = append(out, "before the first record: "+parts[0])
	}
	return out
}

func TestPayloadMessage(t *testing.T) {
	p := BuildPayload(3, 4, true)
	if got, want := string(p.Message(0)), "[2026-11-25 17:06:16] - Random Poisson 0: 11\n"; got != want {
		t.Errorf("message 0 = %q, want %q", got, want)
	}
	if got, want := string(p.Message(4)), "[2026-11-25 17:06:16] - Random Poisson 1: 7\n"; got != want {
		t.Errorf("message 4 = %q, want %q", got, want)
	}
	if got, want := string(p.Message(p.Len()+1)), string(p.Message(1)); got != want {
		t.Errorf("message Len+1 = %q, want message 1 %q", got, want)
	}
	if b, k := p.Write(3, 10); b != nil || k != 0 {
		t.Errorf("write past the end: %q, %d", b, k)
	}
}

func TestBuildLargePayload(t *testing.T) {
	tests := map[string]struct{ names, wantLen int }{
		"few names: every value":     {names: 1000, wantLen: 16_000},
		"100,000 names: 16 values":   {names: 100_000, wantLen: 1_600_000},
		"1,000,000 names: 2 values":  {names: 1_000_000, wantLen: 2_000_000},
		"3,000,000 names: one value": {names: 3_000_000, wantLen: 3_000_000},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := BuildLargePayload(tc.names, 100, true)
			if p.Len() != tc.wantLen {
				t.Errorf("ring of %d messages, want %d", p.Len(), tc.wantLen)
			}
			last := messageRE.FindSubmatch(bytes.TrimSuffix(p.Message(tc.names-1), []byte("\n")))
			if last == nil || string(last[1]) != strconv.Itoa(tc.names-1) {
				t.Errorf("message %d: %q", tc.names-1, p.Message(tc.names-1))
			}
		})
	}
}

var statsdRE = regexp.MustCompile(`^random_poisson_(\d+|job):([0-9.e+-]+)\|g\nrandom_poisson_(\d+|job)_total:1\|c\nrandom_poisson_(\d+|job)_values:([0-9.e+-]+)\|h\n$`)

// TestStatsdPayload checks the StatsD ring: every message is a gauge, a
// counter and a histogram line of one name with one value, the writes of
// a load carry exactly the messages asked for, and the first names
// messages carry every name.
func TestStatsdPayload(t *testing.T) {
	for name, tc := range map[string]struct {
		names, perWrite int
		total           int64
	}{
		"10 names":     {names: 10, perWrite: 3, total: 1_000},
		"10,000 names": {names: 10_000, perWrite: 100, total: 25_000},
	} {
		t.Run(name, func(t *testing.T) {
			p := BuildStatsdPayload(tc.names, tc.perWrite)
			if p.Len()%tc.perWrite != 0 || p.Len() < tc.names {
				t.Fatalf("ring of %d messages: not a multiple of %d per write, or fewer than %d names", p.Len(), tc.perWrite, tc.names)
			}
			seen := map[string]bool{}
			for j := range tc.names {
				m := statsdRE.FindStringSubmatch(string(p.Message(j)))
				if m == nil || m[1] != m[3] || m[1] != m[4] || m[2] != m[5] {
					t.Fatalf("message %d is %q, want one name's gauge, counter and histogram with one value", j, p.Message(j))
				}
				seen[m[1]] = true
			}
			if len(seen) != tc.names {
				t.Errorf("the first %d messages carry %d names", tc.names, len(seen))
			}
			var lines int64
			for w := range p.Writes(tc.total) {
				b, _ := p.Write(w, tc.total)
				lines += int64(bytes.Count(b, []byte("\n")))
			}
			if want := tc.total * statsdEvents; lines != want {
				t.Errorf("the writes carry %d lines, want %d", lines, want)
			}
			if m := statsdRE.FindStringSubmatch(string(p.JobMessage())); m == nil {
				t.Errorf("the job message %q is not one message", p.JobMessage())
			}
		})
	}
}
