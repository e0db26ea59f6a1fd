package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rexporter/rexporter/exporter"
)

// mib is a mebibyte, the unit of the memory figures.
const mib = 1 << 20

// memory returns the exporter's resident set size now (VmRSS) and its peak
// over the process's life so far (VmHWM), in bytes, from /proc/<pid>/status.
func (p *exporterProc) memory(t *testing.T) (rss, peak int64) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("memory is read from /proc/<pid>/status, which only Linux has")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "VmHWM:	   12345 kB"
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/status: %s: %v", p.cmd.Process.Pid, sc.Text(), err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rss == 0 || peak == 0 {
		t.Fatalf("/proc/%d/status has no VmRSS or VmHWM", p.cmd.Process.Pid)
	}
	return rss, peak
}

// requireFiles skips the test when this process may not open n files
// (Go raises the soft limit to the hard one at start; the exporter inherits
// the same limits), except in CI, where it must fail rather than pass
// silently.
func requireFiles(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < n {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ulimit -n is %d, this test needs %d", lim.Cur, n)
		}
		t.Skipf("ulimit -n is %d, this test needs %d", lim.Cur, n)
	}
}

// goodClient is a well-behaved R client that keeps sending newline-ended
// blog messages for the name "Good Client" on its own connection while a
// test attacks the exporter next to it.
type goodClient struct {
	c     net.Conn
	stop  chan struct{}
	done  chan struct{}
	sent  int   // messages written, read after done
	bytes int64 // bytes written, read after done
	err   error
}

// startGoodClient connects, waits until the exporter has applied the
// client's first message (so its series exists before any attack fills a
// cap), then keeps sending one message every few milliseconds. It returns
// once the client holds its identity alone (exporter.IdentityHold after it
// connected, and a message later): the attack's connection, unnamed from
// the same host, then takes the identity 127.0.0.1#2 from its start, and
// neither moves during the attack (which one would move depended on which
// was first read after its hold, a race that gave the good client a
// second series now and then).
func startGoodClient(t *testing.T, p *exporterProc) *goodClient {
	t.Helper()
	dialed := time.Now()
	g := &goodClient{c: p.dial(t), stop: make(chan struct{}), done: make(chan struct{})}
	g.send()
	if g.err != nil {
		t.Fatal(g.err)
	}
	p.waitFor(t, "the good client's first message", counterAtLeast("good_client_messages_total", 1))
	defer func() {
		// A fixed protocol time, not a speed: the hold (and a margin for
		// the accept after the dial), then one more message applied.
		time.Sleep(time.Until(dialed.Add(exporter.IdentityHold + 50*time.Millisecond)))
		mfs, _ := p.scrape(t)
		n := sum(mfs, "good_client_messages_total")
		p.waitFor(t, "a good message after the identity hold", counterAtLeast("good_client_messages_total", n+1))
	}()
	go func() {
		defer close(g.done)
		for g.err == nil {
			select {
			case <-g.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			g.send()
		}
	}()
	return g
}

func (g *goodClient) send() {
	msg := blog(g.sent%60, "Good Client", g.sent) + "\n"
	if _, err := io.WriteString(g.c, msg); err != nil {
		g.err = err
		return
	}
	g.sent++
	g.bytes += int64(len(msg))
}

// finish stops the client and returns what it sent; the connection stays
// open (closed at cleanup).
func (g *goodClient) finish(t *testing.T) (sent int, bytes int64) {
	t.Helper()
	close(g.stop)
	<-g.done
	if g.err != nil {
		t.Errorf("good client: %v", g.err)
	}
	return g.sent, g.bytes
}

// scrapeWatch scrapes /metrics over and over while an attack runs and
// records every answer that is not a 200 with a parseable exposition.
type scrapeWatch struct {
	stop    chan struct{}
	done    chan struct{}
	scrapes int
	errs    []string
}

func watchScrapes(p *exporterProc) *scrapeWatch {
	w := &scrapeWatch{stop: make(chan struct{}), done: make(chan struct{})}
	client := &http.Client{Timeout: testTimeout}
	go func() {
		defer close(w.done)
		for {
			if err := checkScrape(client, "http://"+p.web+"/metrics"); err != nil {
				w.errs = append(w.errs, err.Error())
			}
			w.scrapes++
			select {
			case <-w.stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	return w
}

// checkScrape fetches one exposition and parses it.
func checkScrape(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("/metrics answered %s: %s", resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	if _, err := parser.TextToMetricFamilies(resp.Body); err != nil {
		return fmt.Errorf("/metrics does not parse: %w", err)
	}
	return nil
}

// finish stops the watcher and fails the test for every bad scrape.
func (w *scrapeWatch) finish(t *testing.T) int {
	t.Helper()
	close(w.stop)
	<-w.done
	for _, e := range w.errs {
		t.Error(e)
	}
	return w.scrapes
}

// connPool holds many client connections open, closed at cleanup or by
// closeAll.
type connPool struct {
	mu    sync.Mutex
	conns []net.Conn
}

// dialMany opens n connections to addr with a few dialers in parallel and
// returns the first error.
func (cp *connPool) dialMany(addr string, n int) error {
	const workers = 8
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		next     = make(chan struct{}, n)
	)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				c, err := net.DialTimeout("tcp4", addr, testTimeout)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				cp.mu.Lock()
				cp.conns = append(cp.conns, c)
				cp.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func (cp *connPool) closeAll() {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, c := range cp.conns {
		_ = c.Close()
	}
	cp.conns = nil
}
