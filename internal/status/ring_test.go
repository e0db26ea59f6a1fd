package status

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rexporter/rexporter/exporter"
)

var t0 = time.Date(2026, 11, 25, 17, 6, 16, 0, time.UTC)

func tapped(i int, text string) exporter.TappedMessage {
	return exporter.TappedMessage{
		Time:    t0.Add(time.Duration(i) * time.Second),
		Remote:  netip.MustParseAddrPort("127.0.0.1:4000"),
		Job:     "fit",
		Text:    []byte(text),
		Outcome: exporter.OutcomeOK,
	}
}

func TestRing(t *testing.T) {
	tests := map[string]struct {
		record    func(r *Ring)
		wantTotal uint64
		want      []Message // newest first; only the first len(want) are compared
		wantLen   int
	}{
		"empty": {record: func(*Ring) {}, want: []Message{}},
		"newest first": {
			record: func(r *Ring) {
				r.Record(tapped(0, "a: 1"))
				r.Record(tapped(1, "b: 2"))
			},
			wantTotal: 2, wantLen: 2,
			want: []Message{
				{Time: t0.Add(time.Second), Remote: "127.0.0.1:4000", Job: "fit", Text: "b: 2", Bytes: 4, Outcome: "ok"},
				{Time: t0, Remote: "127.0.0.1:4000", Job: "fit", Text: "a: 1", Bytes: 4, Outcome: "ok"},
			},
		},
		"wraps at RingSize": {
			record: func(r *Ring) {
				for i := range RingSize + 30 {
					r.Record(tapped(i, fmt.Sprintf("n: %d", i)))
				}
			},
			wantTotal: RingSize + 30, wantLen: RingSize,
			want: []Message{{Time: t0.Add((RingSize + 29) * time.Second), Remote: "127.0.0.1:4000", Job: "fit", Text: "n: 129", Bytes: 6, Outcome: "ok"}},
		},
		"long message is cut": {
			record:    func(r *Ring) { r.Record(tapped(0, strings.Repeat("x", 2000))) },
			wantTotal: 1, wantLen: 1,
			want: []Message{{Time: t0, Remote: "127.0.0.1:4000", Job: "fit", Text: strings.Repeat("x", MaxMessageBytes), Bytes: 2000, Truncated: true, Outcome: "ok"}},
		},
		"cut inside a UTF-8 character": {
			record:    func(r *Ring) { r.Record(tapped(0, strings.Repeat("x", MaxMessageBytes-1)+"é: 1")) },
			wantTotal: 1, wantLen: 1,
			want: []Message{{Time: t0, Remote: "127.0.0.1:4000", Job: "fit", Text: strings.Repeat("x", MaxMessageBytes-1), Bytes: MaxMessageBytes + 4, Truncated: true, Outcome: "ok"}},
		},
		"latin1 is decoded": {
			record:    func(r *Ring) { r.Record(tapped(0, "temp\xe9rature: 1")) },
			wantTotal: 1, wantLen: 1,
			want: []Message{{Time: t0, Remote: "127.0.0.1:4000", Job: "fit", Text: "température: 1", Bytes: 14, Outcome: "ok"}},
		},
		"parse error with its reason": {
			record: func(r *Ring) {
				m := tapped(0, "x: 0,5")
				m.Outcome, m.Error, m.Job, m.Remote = "missing_colon", `bad field "5": field without ':'`, "", netip.AddrPort{}
				r.Record(m)
			},
			wantTotal: 1, wantLen: 1,
			want: []Message{{Time: t0, Text: "x: 0,5", Bytes: 6, Outcome: "missing_colon", Error: `bad field "5": field without ':'`}},
		},
		"refused fields": {
			record: func(r *Ring) {
				m := tapped(0, "x: fitting, job: 1")
				m.Refused[0] = exporter.Refusal{Name: "x", Reason: "kind_mismatch"}
				m.Refused[1] = exporter.Refusal{Name: "job", Reason: "reserved"}
				m.NRefused, m.MoreRefused = 2, 3
				r.Record(m)
			},
			wantTotal: 1, wantLen: 1,
			want: []Message{{
				Time: t0, Remote: "127.0.0.1:4000", Job: "fit", Text: "x: fitting, job: 1", Bytes: 18, Outcome: "ok",
				Refused: []Refusal{{"x", "kind_mismatch"}, {"job", "reserved"}}, MoreRefused: 3,
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := NewRing()
			tc.record(r)
			got, total := r.Messages()
			if total != tc.wantTotal || len(got) != tc.wantLen {
				t.Fatalf("%d messages (%d recorded), want %d (%d)", len(got), total, tc.wantLen, tc.wantTotal)
			}
			if !reflect.DeepEqual(got[:len(tc.want)], tc.want) {
				t.Errorf("messages:\n got %+v\nwant %+v", got[:len(tc.want)], tc.want)
			}
		})
	}
}

// TestRingCopies checks that the ring keeps its own copy: the connection's
// buffer is reused as soon as Record returns.
func TestRingCopies(t *testing.T) {
	r := NewRing()
	buf := []byte("loss: 0.25")
	m := tapped(0, "")
	m.Text = buf
	r.Record(m)
	copy(buf, "XXXXXXXXXX")
	got, _ := r.Messages()
	if got[0].Text != "loss: 0.25" {
		t.Errorf("text %q after the buffer changed, want the original", got[0].Text)
	}
}

// TestRingRecordAllocatesNothing: recording copies into the preallocated
// slots.
func TestRingRecordAllocatesNothing(t *testing.T) {
	r := NewRing()
	m := tapped(0, strings.Repeat("y: 1, ", 200))
	if n := testing.AllocsPerRun(100, func() { r.Record(m) }); n != 0 {
		t.Errorf("Record allocates %v times, want 0", n)
	}
}
