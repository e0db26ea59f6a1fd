package exporter

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// exposeFormats pairs each Format with the expfmt format it must equal.
var exposeFormats = map[string]struct {
	f   Format
	exp expfmt.Format
}{
	"text":        {FormatText, expfmt.NewFormat(expfmt.TypeTextPlain)},
	"openmetrics": {FormatOpenMetrics, expfmt.NewFormat(expfmt.TypeOpenMetrics)},
}

// TestExposeMatchesExpfmt checks the exporter's own exposition writer against
// client_golang's Gather plus expfmt's encoders, byte for byte, on every
// golden case and in both formats.
func TestExposeMatchesExpfmt(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.in")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		for fname, f := range exposeFormats {
			t.Run(strings.TrimSuffix(filepath.Base(in), ".in")+"/"+fname, func(t *testing.T) {
				e, user, _ := feedGolden(t, in, goldenCaseOptions(t, in))
				want, got := expfmtExposition(t, user, f.exp), exposition(t, e, f.f)
				if got != want {
					t.Errorf("Expose differs from expfmt:\n%s", lineDiff(want, got))
				}
			})
		}
	}
}

// expfmtExposition is what client_golang and expfmt write for a registry.
func expfmtExposition(t testing.TB, g prometheus.Gatherer, f expfmt.Format) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, f)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatalf("encode %s: %v", mf.GetName(), err)
		}
	}
	return buf.String()
}

func exposition(t testing.TB, e *Exporter, f Format) string {
	t.Helper()
	var buf bytes.Buffer
	if err := e.Expose(&buf, f); err != nil {
		t.Fatalf("expose: %v", err)
	}
	return buf.String()
}

// lineDiff shows the first lines where two expositions differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 8; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + "\n  want: " + wl + "\n  got:  " + gl + "\n")
			shown++
		}
	}
	return b.String()
}
