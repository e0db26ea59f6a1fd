package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browserTimeout bounds the whole browser test: starting Chromium on a busy
// two-core machine takes seconds.
const browserTimeout = 90 * time.Second

// requireChromium returns the path of Debian's chromium. It skips the test
// when it is missing, except in CI, where a missing browser must fail.
func requireChromium(t *testing.T) string {
	t.Helper()
	return requireTool(t, "chromium", "chromium")
}

// artifactsDir is where tests leave files for humans: $REXPORTER_ARTIFACTS_DIR,
// or artifacts/ at the repository root.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("REXPORTER_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "artifacts")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts a headless Chromium with a fresh profile, closed at
// cleanup. The flags that stop its background networking matter here: on a
// closed network Chromium otherwise waits on connections that are refused.
func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(requireChromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for Chromium to exit, before the profile is removed
	})
	return browserCtx
}

// seriesValue is a page expression: the text of the value cell of the row
// of an R name in the series table, "" while there is none.
func seriesValue(rName string) string {
	return fmt.Sprintf(`(() => {
		const row = [...document.querySelectorAll('#series tbody tr')]
			.find((r) => r.querySelector('th') && r.querySelector('th').textContent === %s);
		const v = row && row.querySelector('.val');
		return v ? v.textContent : '';
	})()`, strconv.Quote(rName))
}

// TestStatusPageInBrowser loads the status page of the real binary in
// headless Chromium, fed by a real TCP client: the page shows the value the
// client sent, updates without a reload, shows a rejected message with its
// reason as plain text, has real table headers, fits a phone's width, and
// leaves screenshots in the artifacts directory.
func TestStatusPageInBrowser(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	p := startExporter(t)
	c := p.dial(t)
	write(t, c, "job: fit-model\n[2026-11-25 17:06:16] - Random Poisson: 11\n")
	p.waitFor(t, "the first value", counterAtLeast("random_poisson", 11, "r_job", "fit-model"))

	b := newBrowser(t, ctx)
	wait := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(b, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(testTimeout))); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(b, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}

	if err := chromedp.Do(b, chromedp.Navigate("http://"+p.web+"/")); err != nil {
		t.Fatal(err)
	}
	wait("the value the client sent", seriesValue("Random Poisson")+` === "11"`)
	eval(`window.__noReload = 1`)

	write(t, c, "Random Poisson: 42\n")
	wait("the new value without a reload", seriesValue("Random Poisson")+` === "42"`)
	if v := eval(`window.__noReload === 1`); v != true {
		t.Fatal("the page was reloaded: the marker set before the update is gone")
	}

	// Markup in an R name (which is accepted: names take any printable
	// text) and in a rejected value must show as text and never run: in the
	// series table, the last messages and the refused list.
	markup := `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`
	hostile := "x: " + markup
	write(t, c, markup+": 1\n"+hostile+"\n")
	wait("the rejected message with its reason", fmt.Sprintf(`[...document.querySelectorAll('#messages tbody tr')].some((r) =>
		r.querySelector('code').textContent === %s &&
		r.cells[2].textContent.includes('rejected: bad_value') &&
		r.cells[2].textContent.includes('not a number'))`, strconv.Quote(hostile)))
	wait("the markup name as text in the series table", fmt.Sprintf(`document.querySelector('#series tbody').textContent.includes(%s)`, strconv.Quote(markup)))
	wait("the refused value listed", fmt.Sprintf(`[...document.querySelectorAll('#refused tbody tr')].some((r) =>
		r.querySelector('code').textContent === %s && r.cells[2].textContent.includes('bad_value'))`, strconv.Quote(hostile)))
	if v := eval(`window.__xss === undefined && document.querySelectorAll('img, script:not([src])').length === 0`); v != true {
		t.Error("markup from a message was interpreted by the page")
	}

	// More for the screenshot: jobs that ended both ways, units, progress,
	// a state, and values changing across a few history samples.
	bye := p.dial(t)
	write(t, bye, "job: worker-1\nRandom Poisson: 9\nbye\n")
	_ = bye.Close()
	other := p.dial(t)
	write(t, other, "job: worker-2\nRandom Poisson: 13\n")
	_ = other.Close()
	for i := range 7 {
		write(t, c, fmt.Sprintf("loss train: %g, loss test: %g, accuracy: %d%%, fit time: %d ms, epoch: %d/20, phase: fitting model\n",
			0.9/float64(i+1), 1.0/float64(i+1)+0.05, 60+5*i, 800+137*(i%3), i+1))
		write(t, c, fmt.Sprintf("Random Poisson: %d\n", []int{11, 7, 14, 9, 12, 10, 15}[i]))
		time.Sleep(time.Second)
	}
	write(t, c, "x: 0,5\nloss train: fitting, job: 3\n")
	wait("the last values", seriesValue("epoch")+` === "7" && `+seriesValue("Random Poisson")+` === "15"`)
	wait("a sparkline with a line", `document.querySelector('#series svg.spark polyline') !== null`)
	wait("the worker that said bye", `document.querySelector('#jobs tbody').textContent.includes('finished (said bye)')`)
	wait("the last message", `document.querySelector('#messages tbody tr code').textContent === 'loss train: fitting, job: 3'`)
	// A job that ended without bye (as the blog's close.socket does) is shown
	// neutrally: on the wire it cannot be told from a crash.
	wait("the worker that ended without bye", `[...document.querySelectorAll('#jobs tbody tr')].some((r) =>
		r.cells[0].textContent === 'worker-2' && r.cells[1].textContent.includes('ended, no bye') &&
		!r.querySelector('.badge.bad'))`)
	// Counts are formatted alike everywhere: the --max-series cap reads
	// 10,000 in the series note as in the exporter panel.
	if v := eval(`document.querySelector('#series-note').textContent.includes('of at most 10,000') && document.querySelector('#st-series').textContent.includes('10,000')`); v != true {
		t.Errorf("the series cap is not written as 10,000 in both places: %v", eval(`document.querySelector('#series-note').textContent + ' | ' + document.querySelector('#st-series').textContent`))
	}
	time.Sleep(300 * time.Millisecond) // let the last redraw settle

	if n := eval(`document.querySelectorAll('thead th[scope="col"]').length`); n != float64(24) {
		t.Errorf("%v column headers with scope=col, want 24", n)
	}
	if v := eval(`[...document.querySelectorAll('table')].every((tb) => tb.tHead && tb.tHead.querySelectorAll('th[scope="col"]').length === tb.tHead.rows[0].cells.length)`); v != true {
		t.Error("a table has a header cell without scope=col")
	}

	// Readable contrast: every element with text of its own has at least
	// WCAG AA's 4.5:1 against the first opaque background behind it, in the
	// light and the dark colour scheme.
	setScheme := func(scheme string) {
		t.Helper()
		if _, err := chromedp.Call(b, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, scheme := range []string{"light", "dark"} {
		setScheme(scheme)
		wait(scheme+" colours", fmt.Sprintf(`matchMedia('(prefers-color-scheme: %s)').matches`, scheme))
		if bad := eval(lowContrastJS); fmt.Sprint(bad) != "[]" {
			t.Errorf("%s scheme: text below 4.5:1 contrast: %v", scheme, bad)
		}
	}
	setScheme("light")

	dir := artifactsDir(t)
	shot := func(name string, capture chromedp.Action[[]byte]) {
		t.Helper()
		png, err := chromedp.Run(b, capture)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	shot("status-page.png", chromedp.FullScreenshot(100))

	if err := chromedp.Do(b, chromedp.EmulateViewport(375, 800, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	wait("the narrow layout", `window.innerWidth === 375`)
	if v := eval(`[document.documentElement.scrollWidth, window.innerWidth]`); fmt.Sprint(v) != "[375 375]" {
		t.Errorf("at 375 px the page is %v px wide (scrollWidth, innerWidth): it overflows sideways", v)
	}
	shot("status-page-narrow.png", chromedp.CaptureScreenshot()) // the first screen of a phone
}

// lowContrastJS lists the elements whose own text has less than 4.5:1
// contrast (WCAG 2 relative luminance) with the first opaque background
// among them and their ancestors.
const lowContrastJS = `(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return parse(getComputedStyle(document.documentElement).backgroundColor) || {r: 255, g: 255, b: 255, a: 1};
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    const l1 = lum(parse(st.color)), l2 = lum(background(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) bad.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return bad;
})()`
