package exporter

import (
	"fmt"
	"maps"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// gaugesByJob returns the samples of a family by their r_job label.
func (f *jobFixture) gaugesByJob(name string) map[string]float64 {
	f.t.Helper()
	mfs, err := f.user.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			job := ""
			for _, lp := range m.GetLabel() {
				if lp.GetName() == jobLabel {
					job = lp.GetValue()
				}
			}
			switch {
			case m.Gauge != nil:
				out[job] = m.GetGauge().GetValue()
			case m.Counter != nil:
				out[job] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// TestUnnamedIdentity drives connections that never name themselves through
// a script of steps ("open A 10.0.0.1", "send A x: 1", "close A", "wait 1s")
// and checks which series the values end up in.
func TestUnnamedIdentity(t *testing.T) {
	tests := map[string]struct {
		steps []string
		want  map[string]float64 // gauge x by r_job
		msgs  map[string]float64 // x_messages_total by r_job, if given
	}{
		"the blog's single client is one series named after its host": {
			steps: []string{"open A 127.0.0.1", "send A x: 1", "wait 1s", "send A x: 2", "wait 1s", "send A x: 3"},
			want:  map[string]float64{"127.0.0.1": 3},
		},
		"two long-lived clients from one host stay apart": {
			steps: []string{"open A 127.0.0.1", "open B 127.0.0.1", "send A x: 1", "wait 1s", "send A x: 2",
				"send B x: 10", "wait 1s", "send B x: 20", "send A x: 3"},
			want: map[string]float64{"127.0.0.1": 3, "127.0.0.1#2": 20},
		},
		"two long-lived clients started together separate after the hold": {
			steps: []string{"open A 127.0.0.1", "open B 127.0.0.1", "send A x: 1", "send B x: 10", "wait 1s",
				"send A x: 2", "send B x: 20", "send A x: 3", "send B x: 30"},
			want: map[string]float64{"127.0.0.1": 3, "127.0.0.1#2": 30},
		},
		"clients on two hosts stay apart": {
			steps: []string{"open A 10.0.0.1", "open B 10.0.0.2", "send A x: 1", "send B x: 2"},
			want:  map[string]float64{"10.0.0.1": 1, "10.0.0.2": 2},
		},
		"an IPv4-mapped address is the IPv4 host": {
			steps: []string{"open A ::ffff:10.0.0.1", "send A x: 1"},
			want:  map[string]float64{"10.0.0.1": 1},
		},
		"sequential short connections are one series": {
			steps: shortConns(100, false),
			want:  map[string]float64{"127.0.0.1": 100},
			msgs:  map[string]float64{"127.0.0.1": 100},
		},
		"overlapping short connections share the identity": {
			steps: shortConns(100, true),
			want:  map[string]float64{"127.0.0.1": 100},
			msgs:  map[string]float64{"127.0.0.1": 100},
		},
		"short connections beside a long-lived client get the next identity": {
			steps: append([]string{"open L 127.0.0.1", "send L x: -1", "wait 1s", "send L x: -2"}, shortConns(10, true)...),
			want:  map[string]float64{"127.0.0.1": -2, "127.0.0.1#2": 10},
		},
		"an identity is free again when its holder has gone": {
			steps: []string{"open A 127.0.0.1", "send A x: 1", "wait 1s", "send A x: 2", "close A",
				"open B 127.0.0.1", "send B x: 5", "wait 1s", "send B x: 6"},
			want: map[string]float64{"127.0.0.1": 6},
		},
		"a named connection leaves its identity": {
			steps: []string{"open A 127.0.0.1", "send A x: 1", "wait 1s", "send A job: fit", "send A x: 2",
				"open B 127.0.0.1", "send B x: 7", "wait 1s", "send B x: 8"},
			want: map[string]float64{"127.0.0.1": 8, "fit": 2},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newJobFixture(t, Options{})
			conns := map[string]*Session{}
			port := uint16(40000)
			for _, st := range tc.steps {
				op, arg, _ := strings.Cut(st, " ")
				switch op {
				case "open":
					id, host, _ := strings.Cut(arg, " ")
					port++
					conns[id] = f.e.NewSession(netip.AddrPortFrom(netip.MustParseAddr(host), port))
				case "send":
					id, msg, _ := strings.Cut(arg, " ")
					f.send(conns[id], msg)
				case "close":
					conns[arg].Close(nil)
					delete(conns, arg)
				case "wait":
					d, err := time.ParseDuration(arg)
					if err != nil {
						t.Fatal(err)
					}
					f.now = f.now.Add(d)
				default:
					t.Fatalf("bad step %q", st)
				}
			}
			if got := f.gaugesByJob("x"); !maps.Equal(got, tc.want) {
				t.Errorf("x by r_job = %v, want %v", got, tc.want)
			}
			if tc.msgs != nil {
				if got := f.gaugesByJob("x_messages_total"); !maps.Equal(got, tc.msgs) {
					t.Errorf("x_messages_total by r_job = %v, want %v", got, tc.msgs)
				}
			}
		})
	}
}

// shortConns returns the steps of n connections that each send one value
// (1..n) and close; with overlap, each closes only after the next opened.
func shortConns(n int, overlap bool) []string {
	var steps []string
	for i := 1; i <= n; i++ {
		c := fmt.Sprintf("S%d", i)
		steps = append(steps, "open "+c+" 127.0.0.1", fmt.Sprintf("send %s x: %d", c, i))
		if overlap && i > 1 {
			steps = append(steps, fmt.Sprintf("close S%d", i-1))
		}
		if !overlap {
			steps = append(steps, "close "+c)
		}
		steps = append(steps, "wait 10ms")
	}
	if overlap {
		steps = append(steps, fmt.Sprintf("close S%d", n))
	}
	return steps
}

func TestJobName(t *testing.T) {
	tests := map[string]struct{ raw, want string }{
		"plain":                   {"fit-model", "fit-model"},
		"punctuation is kept":     {"fit (v2) #3 [a=b]", "fit (v2) #3 [a=b]"},
		"latin1 is decoded":       {"Temp\xe9rature", "Température"},
		"control characters":      {"a\x01b\x7fc", "a b c"},
		"surrounding space":       {"  fit  ", "fit"},
		"only control characters": {"\x01\x02", ""},
		"cut at MaxJobNameBytes":  {strings.Repeat("a", 200), strings.Repeat("a", MaxJobNameBytes)},
		"cut on a rune boundary":  {strings.Repeat("a", MaxJobNameBytes-1) + "é", strings.Repeat("a", MaxJobNameBytes-1)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := jobName([]byte(tc.raw)); got != tc.want {
				t.Errorf("jobName(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

// TestMaxSeriesPerJob checks that one job cannot take every series: beyond
// its share its new names are refused and counted for it, while another
// job still gets new series.
func TestMaxSeriesPerJob(t *testing.T) {
	f := newJobFixture(t, Options{MaxSeries: 100, MaxSeriesPerJob: 3})
	greedy := f.e.NewSession(netip.MustParseAddrPort("10.0.0.1:1"))
	f.send(greedy, "job: greedy")
	for i := range 10 {
		f.send(greedy, fmt.Sprintf("name %d: 1", i))
	}
	f.send(greedy, "name 9: 2") // a refused name counts each time it is sent
	other := f.e.NewSession(netip.MustParseAddrPort("10.0.0.2:1"))
	f.send(other, "job: other", "fresh: 1")
	if got := f.gaugesByJob("rexporter_job_series"); !maps.Equal(got, map[string]float64{"greedy": 3, "other": 1}) {
		t.Errorf("rexporter_job_series = %v", got)
	}
	if got := f.gaugesByJob("rexporter_job_series_refused_total"); !maps.Equal(got, map[string]float64{"greedy": 8, "other": 0}) {
		t.Errorf("rexporter_job_series_refused_total = %v", got)
	}
	if got := f.gaugesByJob("fresh"); got["other"] != 1 {
		t.Errorf("the other job's new name was refused: %v", got)
	}
}
