package exporter

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// stalledNow reports what the snapshot says about the job.
func (f *jobFixture) stalledNow(job string) (bool, time.Duration) {
	f.t.Helper()
	for _, j := range f.e.Snapshot().Jobs {
		if j.Name == job {
			return j.Stalled, j.StallAfter
		}
	}
	f.t.Fatalf("no job %q", job)
	return false, 0
}

func TestStalledJob(t *testing.T) {
	f := newJobFixture(t, Options{StallFactor: 10, StallMin: time.Second, StallMax: time.Hour})
	s := f.e.NewSession(netip.AddrPort{})
	f.send(s, "job: fit")
	if st, after := f.stalledNow("fit"); st || after != time.Hour {
		t.Fatalf("a new job: stalled %v after %s; want false, the cap while its rhythm is unknown", st, after)
	}
	for i := 0; i < 20; i++ {
		f.now = f.now.Add(50 * time.Millisecond)
		f.send(s, "x: 1")
	}
	st, after := f.stalledNow("fit")
	if st || after != time.Second {
		t.Fatalf("steady every 50ms: stalled %v after %s; want false after the floor 1s", st, after)
	}
	// Run messages (what `rexporter run` sends every second) are not the job speaking.
	for i := 0; i < 3; i++ {
		f.now = f.now.Add(time.Second)
		f.send(s, "run: cpu 1")
	}
	if st, _ := f.stalledNow("fit"); !st {
		t.Fatal("silent for 3s with only run messages: not stalled")
	}
	if f.count("rexporter_job_stalled", "r_job", "fit") != 1 {
		t.Fatal("no rexporter_job_stalled sample")
	}
	f.send(s, "x: 2")
	if st, _ := f.stalledNow("fit"); st {
		t.Fatal("still stalled after it spoke again")
	}
	s.Close(nil)
	f.now = f.now.Add(30 * time.Minute)
	if st, _ := f.stalledNow("fit"); st {
		t.Fatal("an ended job is stalled")
	}
}

// TestSteadyJobNeverStalls sends a few hundred messages with a jittery but
// steady rhythm, at times in bursts, and checks the job is never stalled
// just before a message arrives.
func TestSteadyJobNeverStalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, gap := range map[string]func() time.Duration{
		// Each case draws from rng in turn; map order makes the draws
		// differ from run to run, which the bound must withstand anyway.
		"uniform jitter":   func() time.Duration { return time.Duration((0.2 + 1.6*rng.Float64()) * float64(100*time.Millisecond)) },
		"exponential gaps": func() time.Duration { return time.Duration(rng.ExpFloat64() * float64(100*time.Millisecond)) },
		"bursts and pauses": func() time.Duration {
			return map[bool]time.Duration{true: 5 * time.Second, false: time.Millisecond}[rng.IntN(5) == 0]
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newJobFixture(t, Options{StallFactor: 10, StallMin: 200 * time.Millisecond, StallMax: time.Hour})
			s := f.e.NewSession(netip.AddrPort{})
			f.send(s, "job: steady")
			for i := 0; i < 400; i++ {
				f.now = f.now.Add(gap())
				if st, after := f.stalledNow("steady"); st && i > 40 {
					t.Fatalf("message %d: stalled (after %s)", i, after)
				}
				f.send(s, "x: 1")
			}
		})
	}
}
