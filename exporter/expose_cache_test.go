package exporter

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TestExposeCacheStepByStep feeds every golden input one line at a time and
// scrapes after each line, so that every scrape extends the cache of the one
// before (new series, new metrics, overflow series) or starts anew (expired
// series and jobs, a closed connection's job): each must write what a build
// from nothing writes, and what client_golang and expfmt write.
func TestExposeCacheStepByStep(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.in")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	text := expfmt.NewFormat(expfmt.TypeTextPlain)
	for _, in := range inputs {
		t.Run(strings.TrimSuffix(filepath.Base(in), ".in"), func(t *testing.T) {
			feedGoldenEach(t, in, goldenCaseOptions(t, in), func(n int, e *Exporter, user *prometheus.Registry) {
				got := exposition(t, e, FormatText)
				e.exposed.cur.Store(nil)
				if scratch := exposition(t, e, FormatText); got != scratch {
					t.Fatalf("line %d: the cached build differs from one from nothing:\n%s", n, lineDiff(scratch, got))
				}
				if want := expfmtExposition(t, user, text); got != want {
					t.Fatalf("line %d: Expose differs from expfmt:\n%s", n, lineDiff(want, got))
				}
			})
		})
	}
}

// TestExposeCacheExtends checks that a scrape after new series reuses the
// cache of the one before: only the new series are sorted in, families
// already known keep their entries, and a removal starts anew.
func TestExposeCacheExtends(t *testing.T) {
	e, _ := newCacheTestExporter(t, Options{MaxSeries: 8, MaxSeriesPerJob: 8, Mapper: mustMapper(t, "defaults:\n  families: [gauge]\n")})
	a, b := e.NewSession(netip.AddrPort{}), e.NewSession(netip.AddrPort{})
	a.Message([]byte("job: a"))
	b.Message([]byte("job: b"))
	a.Message([]byte("zeta: 1, alpha: 2"))
	first := exposition(t, e, FormatText)
	c1 := e.exposed.cur.Load()
	if c1 == nil || c1.n != 2 {
		t.Fatalf("cache after the first scrape: %+v", c1)
	}
	if got := exposition(t, e, FormatText); got != first || e.exposed.cur.Load() != c1 {
		t.Fatal("a scrape without new series did not reuse the cache")
	}

	b.Message([]byte("zeta: 3, mid: 4")) // a series of a known metric, and a new metric
	second := exposition(t, e, FormatText)
	c2 := e.exposed.cur.Load()
	if c2 == c1 || c2.gen != c1.gen || c2.n != 4 {
		t.Fatalf("cache after new series: %+v (before: %+v)", c2, c1)
	}
	if zeta := findEntry(c1.ents, "zeta"); zeta == nil || len(zeta.series) != 1 {
		t.Fatalf("the first cache changed: zeta = %+v", zeta)
	}
	if zeta := findEntry(c2.ents, "zeta"); zeta == nil || len(zeta.series) != 2 || zeta.series[0].job.name != "a" {
		t.Fatalf("zeta in the second cache = %+v", zeta)
	}
	if !strings.Contains(second, `mid{r_job="b"} 4`) || !strings.Contains(second, `zeta{r_job="b"} 3`) {
		t.Fatalf("new series missing:\n%s", second)
	}

	// Beyond the cap the new series folds into the overflow series, which
	// appears with its counter.
	for i := range 6 {
		b.Message(fmt.Appendf(nil, "zeta_%d: 1", i))
	}
	a.Message([]byte("mid: 5"))
	third := exposition(t, e, FormatText)
	if !strings.Contains(third, `mid{r_job="_overflow"} 5`) || !strings.Contains(third, `rexporter_series_overflow_total{metric="mid"} 1`) {
		t.Fatalf("overflow series missing:\n%s", third)
	}
	c3 := e.exposed.cur.Load()
	if c3.gen != c1.gen {
		t.Fatalf("generation changed without a removal: %d, was %d", c3.gen, c1.gen)
	}

	// A reload that drops every named series (the overflow series stays)
	// changes the generation.
	e.SetMapper(mustMapper(t, "defaults:\n  families: [counter]\n"))
	after := exposition(t, e, FormatText)
	if c4 := e.exposed.cur.Load(); c4.gen == c3.gen || c4.n != 1 {
		t.Fatalf("cache after the reload: %+v", c4)
	}
	if strings.Contains(after, "zeta") {
		t.Fatalf("removed series still written:\n%s", after)
	}
}

// TestExposeConcurrent scrapes while sessions create series, fold names into
// overflow series and update existing ones (run it with -race); at the end
// Expose writes what expfmt writes.
func TestExposeConcurrent(t *testing.T) {
	e, user := newCacheTestExporter(t, Options{MaxSeries: 3000, MaxSeriesPerJob: 3000})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			s := e.NewSession(netip.AddrPort{})
			s.Message(fmt.Appendf(nil, "job: j%d", c))
			for i := range 1000 {
				s.Message(fmt.Appendf(nil, "shared %d: %d, own %d %d: 1", i%50, i, c, i))
			}
			s.Close(nil)
		})
	}
	stop := make(chan struct{})
	var scrapes sync.WaitGroup
	for range 2 {
		scrapes.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := e.Expose(io.Discard, FormatText); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	scrapes.Wait()
	got := exposition(t, e, FormatText)
	if want := expfmtExposition(t, user, expfmt.NewFormat(expfmt.TypeTextPlain)); got != want {
		t.Fatalf("Expose differs from expfmt:\n%s", lineDiff(want, got))
	}
	e.exposed.cur.Store(nil)
	if scratch := exposition(t, e, FormatText); got != scratch {
		t.Fatalf("the cached build differs from one from nothing:\n%s", lineDiff(scratch, got))
	}
}

func newCacheTestExporter(t *testing.T, opts Options) (*Exporter, *prometheus.Registry) {
	t.Helper()
	user := prometheus.NewRegistry()
	e, err := New(opts, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return e, user
}
