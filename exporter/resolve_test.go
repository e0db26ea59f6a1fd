package exporter

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRefusalsUnderReadLock checks the refusals decided without the write
// lock once a cap is reached: the job's cap, --max-series for a new metric,
// and folding into an overflow series that exists already, with the same
// counters as when they are decided under it.
func TestRefusalsUnderReadLock(t *testing.T) {
	e, _ := newCacheTestExporter(t, Options{MaxSeries: 4, MaxSeriesPerJob: 3, Mapper: mustMapper(t, "defaults:\n  families: [gauge]\n")})
	session := func(job string) *Session {
		s := e.NewSession(netip.AddrPort{})
		s.Message([]byte("job: " + job))
		return s
	}
	a := session("a")
	a.Message([]byte("a1: 1, a2: 1, a3: 1"))
	a.Message([]byte("a4: 1")) // the job's cap
	b := session("b")
	b.Message([]byte("b1: 1")) // the 4th series
	b.Message([]byte("b2: 1")) // a new metric beyond --max-series
	b.Message([]byte("a1: 2")) // a known metric: its overflow series is made
	for i := range 3 {
		session(fmt.Sprint("c", i)).Message([]byte("a1: 3, a4: 1")) // folded; refused
	}
	want := map[string]float64{reasonJobSeries: 1, reasonMaxSeries: 4}
	for reason, n := range want {
		if got := testutil.ToFloat64(e.self.rejected[reason]); got != n {
			t.Errorf("rejected %s = %v, want %v", reason, got, n)
		}
	}
	if got := e.jobs["a"].refused.Load(); got != 1 {
		t.Errorf("job a refused %d, want 1", got)
	}
	if got := e.metrics["a1"].folded.Load(); got != 4 {
		t.Errorf("a1 folded %d, want 4", got)
	}
	out := exposition(t, e, FormatText)
	if !strings.Contains(out, `a1{r_job="_overflow"} 3`) || len(e.list) != 5 {
		t.Errorf("%d series:\n%s", len(e.list), out)
	}
}

// TestRefusalsConcurrent refuses a flood of new names from several sessions
// at once beyond --max-series (run it with -race): every one is counted.
func TestRefusalsConcurrent(t *testing.T) {
	e, _ := newCacheTestExporter(t, Options{MaxSeries: 100, MaxSeriesPerJob: 100})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			s := e.NewSession(netip.AddrPort{})
			s.Message(fmt.Appendf(nil, "job: j%d", c))
			for i := range 500 {
				s.Message(fmt.Appendf(nil, "flood %d %d: 1", c, i))
			}
		})
	}
	wg.Wait()
	refused := testutil.ToFloat64(e.self.rejected[reasonMaxSeries]) + testutil.ToFloat64(e.self.rejected[reasonJobSeries])
	if len(e.list) != 100 || refused != 4*500-100 {
		t.Errorf("%d series, %v refused; want 100 and %d", len(e.list), refused, 4*500-100)
	}
}
