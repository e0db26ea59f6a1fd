package exporter

import (
	"maps"
	"net/netip"
	"testing"
	"time"
)

// TestLastValueByArrival applies connections' messages in another order than
// they arrived, as goroutines may: the gauge, progress and state keep what
// arrived last.
func TestLastValueByArrival(t *testing.T) {
	tests := map[string]struct {
		first, second    string // sent on a connection accepted first / second
		applySecondFirst bool
		metric           string
		want             float64
	}{
		"short connections applied out of order": {
			first: "x: 1", second: "x: 2", applySecondFirst: true, metric: "x", want: 2,
		},
		"short connections applied in order": {
			first: "x: 1", second: "x: 2", metric: "x", want: 2,
		},
		"progress": {
			first: "p: 1/10", second: "p: 2/10", applySecondFirst: true, metric: "p_done", want: 2,
		},
		"state": {
			first: "s: loading", second: "s: fitting", applySecondFirst: true, metric: "s", want: 1, // s{state="fitting"}
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newJobFixture(t, Options{})
			a := f.e.NewSession(netip.MustParseAddrPort("127.0.0.1:1"))
			f.now = f.now.Add(time.Millisecond)
			b := f.e.NewSession(netip.MustParseAddrPort("127.0.0.1:2"))
			f.now = f.now.Add(time.Millisecond)
			if tc.applySecondFirst {
				f.send(b, tc.second)
				f.send(a, tc.first)
			} else {
				f.send(a, tc.first)
				f.send(b, tc.second)
			}
			a.Close(nil)
			b.Close(nil)
			if tc.metric == "s" {
				if n := f.count("s", "state", "fitting"); n != 1 {
					t.Fatalf("no fitting state")
				}
				mfs, _ := f.user.Gather()
				for _, mf := range mfs {
					if mf.GetName() != "s" {
						continue
					}
					for _, m := range mf.GetMetric() {
						for _, l := range m.GetLabel() {
							if l.GetName() == "state" && (l.GetValue() == "fitting") != (m.GetGauge().GetValue() == 1) {
								t.Errorf("state %s = %v, want fitting current", l.GetValue(), m.GetGauge().GetValue())
							}
						}
					}
				}
				return
			}
			if got := f.gaugesByJob(tc.metric); !maps.Equal(got, map[string]float64{"127.0.0.1": tc.want}) {
				t.Errorf("%s = %v, want %v", tc.metric, got, tc.want)
			}
		})
	}
}

// TestLaterReadWins checks a long-lived connection: a value read later wins
// over one read earlier, whichever session applies last.
func TestLaterReadWins(t *testing.T) {
	f := newJobFixture(t, Options{})
	a := f.e.NewSession(netip.MustParseAddrPort("127.0.0.1:1"))
	b := f.e.NewSession(netip.MustParseAddrPort("127.0.0.1:2"))
	f.send(a, "job: j", "x: 0")
	f.send(b, "job: j", "x: 0")
	t1 := f.now.Add(5 * time.Second)
	t2 := t1.Add(time.Second)
	b.Begin(t2)
	b.Message([]byte("x: 2"))
	b.End()
	a.Begin(t1) // read before b's, applied after it
	a.Message([]byte("x: 1"))
	a.End()
	if got := f.gaugesByJob("x"); got["j"] != 2 {
		t.Errorf("x = %v, want 2 (read last)", got)
	}
	if got := f.gaugesByJob("x_messages_total"); got["j"] != 4 {
		t.Errorf("x_messages_total = %v, want every value counted (4)", got)
	}
}
