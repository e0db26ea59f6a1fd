package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/rexporter/rexporter/internal/testharness"
)

// transportCorpus is what TestTransportsSameMetrics sends through every
// transport: each item is one connection (datagram group, request), as the
// pieces its client writes one after the other, with how many messages it
// frames. It has R's framings and values, and bad input.
var transportCorpus = []struct {
	name   string
	pieces []string
	framed int
}{
	{"glued write.socket", []string{gluedBlog(10)}, 10},
	{"glued without timestamps", []string{"Mean: 1.5Mean: 2.25Mean: 0.7"}, 3},
	{"newline", []string{"Line a: 1\nLine a: 2\n"}, 2},
	{"crlf", []string{"Crlf: 3\r\nCrlf: 4\r\n"}, 2},
	{"nul", []string{"Nul: 5\x00Nul: 6\x00"}, 2},
	{"cat pieces", []string{"Cat Poisson: 21", " ", "\n", "Cat Poisson: 22", "\n"}, 2},
	{"r values", []string{
		"Loss: 1.5e-03, Acc: 45%, Rows: 1,234,567, elapsed: 12 ms, flag: TRUE, gone: NA, big: Inf\n",
		"progress: 45/100\nstatus: fitting model\n(Intercept): 37.2, wt:hp: 0.027\n",
	}, 4},
	{"bad input", []string{"hello world\nx: 0,5\n(): 1\nLoss: 0.5, Checkpoint: [2026-12-01] saved\n"}, 4},
}

func gluedBlog(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(blog(i, "Glued Poisson", i))
	}
	return b.String()
}

// transportRun is one transport under test: a running rexporter, how to
// send one corpus item to it, and how many extra messages it frames and
// applies (pipe's job line).
type transportRun struct {
	p     *exporterProc
	send  func(t *testing.T, pieces []string)
	extra int
}

// transportSetups start a rexporter for each transport.
var transportSetups = []struct {
	name  string
	start func(t *testing.T) transportRun
}{
	{"tcp", func(t *testing.T) transportRun {
		p := startExporter(t)
		return transportRun{p: p, send: func(t *testing.T, pieces []string) {
			streamPieces(t, "tcp4", p.ingest, pieces)
		}}
	}},
	{"unix", func(t *testing.T) transportRun {
		path := filepath.Join(t.TempDir(), "r.sock")
		p := startExporterOn(t, "unix://"+path)
		return transportRun{p: p, send: func(t *testing.T, pieces []string) {
			streamPieces(t, "unix", path, pieces)
		}}
	}},
	{"udp", func(t *testing.T) transportRun {
		p := startExporterOn(t, "udp://127.0.0.1:0")
		addr := strings.TrimPrefix(p.ingest, "udp://")
		return transportRun{p: p, send: func(t *testing.T, pieces []string) {
			// Each piece one datagram, as a shell's echo > /dev/udp would.
			c, err := net.Dial("udp4", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, s := range pieces {
				write(t, c, s)
			}
		}}
	}},
	{"http", func(t *testing.T) transportRun {
		p := startExporter(t)
		return transportRun{p: p, send: func(t *testing.T, pieces []string) {
			code, _ := push(t, p, "", strings.Join(pieces, ""))
			if code != http.StatusNoContent && code != http.StatusBadRequest {
				t.Fatalf("POST /api/v1/messages: %d", code)
			}
		}}
	}},
	{"stdin", func(t *testing.T) transportRun {
		pr, pw := io.Pipe()
		p := startPipe(t, pr, "--job", "corpus")
		t.Cleanup(func() { pw.Close() })
		return transportRun{p: p, extra: 1, send: func(t *testing.T, pieces []string) {
			for _, s := range pieces {
				if _, err := pw.Write([]byte(s)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}}
	}},
}

// streamPieces writes pieces on a fresh stream connection, apart, and
// closes it.
func streamPieces(t *testing.T, network, addr string, pieces []string) {
	t.Helper()
	c, err := net.DialTimeout(network, addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, s := range pieces {
		write(t, c, s)
		time.Sleep(5 * time.Millisecond)
	}
}

// push POSTs a body to /api/v1/messages (query: "?job=..." or "") and
// returns the status and the body of the answer.
func push(t *testing.T, p *exporterProc, query, body string) (int, http.Header) {
	t.Helper()
	client := http.Client{Timeout: testTimeout}
	resp, err := client.Post("http://"+p.web+"/api/v1/messages"+query, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

// TestTransportsSameMetrics sends the same corpus (glued, newline, CRLF,
// NUL, pieces, R values, bad input) through TCP, a Unix socket, UDP, HTTP
// push and rexporter pipe, each to an exporter of its own, item after item,
// and checks that every one ends with the same /metrics (the job label
// aside: each transport's client has an identity of its own), that TCP's
// has the values sent, and that each counts under its own transport label.
func TestTransportsSameMetrics(t *testing.T) {
	total := 0
	for _, item := range transportCorpus {
		total += item.framed
	}
	results := map[string]map[string]float64{}
	for _, setup := range transportSetups {
		t.Run(setup.name, func(t *testing.T) {
			run := setup.start(t)
			want := run.extra
			for _, item := range transportCorpus {
				run.send(t, item.pieces)
				want += item.framed
				run.p.waitFor(t, item.name+" framed", func(m map[string]*dto.MetricFamily) bool {
					return sum(m, "rexporter_framed_messages_total") >= float64(want)
				})
			}
			mfs, body := run.p.scrape(t)
			if got, _ := value(mfs, "rexporter_framed_messages_total", "transport", setup.name); got != float64(want) {
				t.Errorf("rexporter_framed_messages_total{transport=%q} = %v, want %v", setup.name, got, want)
			}
			// Each item is a connection, each UDP datagram, stdin all.
			conns := len(transportCorpus)
			switch setup.name {
			case "udp":
				conns = 0
				for _, item := range transportCorpus {
					conns += len(item.pieces)
				}
			case "stdin":
				conns = 1
			}
			if got, _ := value(mfs, "rexporter_connections_total", "transport", setup.name); got != float64(conns) ||
				sum(mfs, "rexporter_connections_total") != float64(conns) {
				t.Errorf("rexporter_connections_total{transport=%q} = %v (all transports %v), want %d",
					setup.name, got, sum(mfs, "rexporter_connections_total"), conns)
			}
			results[setup.name] = normalise(body, run.extra)
			promtoolCheckMetrics(t, body)
		})
	}
	tcp := results["tcp"]
	for name, want := range map[string]float64{
		"glued_poisson": 10, "glued_poisson_messages_total": 10, "mean": 0.7, "mean_messages_total": 3,
		"line_a": 2, "crlf": 4, "nul": 6, "cat_poisson": 22, "cat_poisson_messages_total": 2,
		"loss": 0.5, "acc_ratio": 0.45, "rows": 1234567, "elapsed_seconds": 0.012, "flag": 1, "big": math.Inf(1),
		"progress_done": 45, "intercept": 37.2, "wt_hp": 0.027, `status{state="fitting model"}`: 1,
		"rexporter_messages_total": float64(total - 3), "rexporter_missing_values_total": 1,
		`rexporter_parse_errors_total{reason="no_fields"}`: 1, `rexporter_parse_errors_total{reason="decimal_comma"}`: 1,
		`rexporter_parse_errors_total{reason="bad_name"}`: 1, `rexporter_field_errors_total{reason="bad_value"}`: 1,
	} {
		if got, ok := tcp[name]; !ok || got != want {
			t.Errorf("tcp: %s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	for _, setup := range transportSetups[1:] {
		got := results[setup.name]
		if got == nil {
			continue // its subtest failed
		}
		for _, k := range slices.Sorted(maps.Keys(tcp)) {
			if g, ok := got[k]; !ok || g != tcp[k] {
				t.Errorf("%s: %s = %v (present %v), tcp has %v", setup.name, k, g, ok, tcp[k])
			}
		}
		for k := range got {
			if _, ok := tcp[k]; !ok {
				t.Errorf("%s: %s = %v, which tcp does not have", setup.name, k, got[k])
			}
		}
	}
}

var (
	rJobLabel  = regexp.MustCompile(`r_job="[^"]*",?`)
	comparedRx = []string{"messages_total", "parse_errors_total", "field_errors_total", "oversized_messages_total",
		"rejected_names_total", "rejected_values_total", "missing_values_total", "nonfinite_values_total", "series"}
)

// normalise reads an exposition into sample → value, without the r_job
// label, keeping the user's series and the rexporter_ counters that must
// not depend on the transport; extra job messages are taken off.
func normalise(body string, extra int) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		series, val := line[:i], line[i+1:]
		name, _, _ := strings.Cut(series, "{")
		if rest, ok := strings.CutPrefix(name, "rexporter_"); ok {
			if !slices.Contains(comparedRx, rest) {
				continue
			}
		} else if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") || strings.HasPrefix(name, "promhttp_") {
			continue
		}
		series = strings.Replace(strings.Replace(rJobLabel.ReplaceAllString(series, ""), ",}", "}", 1), "{}", "", 1)
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		if series == "rexporter_messages_total" {
			v -= float64(extra)
		}
		out[series] = v
	}
	return out
}

// startPipe runs `rexporter pipe` with stdin and extra flags, serving its
// metrics on an ephemeral port, and waits until it reports the address.
func startPipe(t *testing.T, stdin io.Reader, extra ...string) *exporterProc {
	t.Helper()
	args := append([]string{"pipe", "--metrics", "127.0.0.1:0", "--log.format", "json"}, extra...)
	p := &exporterProc{stdout: &testharness.SyncBuffer{}, stderr: &testharness.SyncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Stdin = stdin
	p.cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = io.MultiWriter(p.stderr, pw)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.exitCode = p.cmd.ProcessState.ExitCode()
		_ = pw.Close()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var line struct{ Msg, Address string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "Listening on" {
				found <- line.Address
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case p.web = <-found:
	case <-p.exited:
		t.Fatalf("rexporter pipe exited early (%d):\n%s", p.exitCode, p.stderr)
	case <-time.After(testTimeout):
		t.Fatalf("rexporter pipe did not report its address:\n%s", p.stderr)
	}
	return p
}

// TestPipeTeesAndEnds: pipe copies its input to its output byte for byte,
// applies the messages in it as the job --job, and exits 0 at the end of
// its input (after --linger).
func TestPipeTeesAndEnds(t *testing.T) {
	input := "fitting the model\nepoch: 1, loss: 0.5\r\nepoch: 2, loss: 0.25\nno newline at the end"
	pr, pw := io.Pipe()
	p := startPipe(t, pr, "--job", "fit", "--linger", "1h")
	if _, err := io.WriteString(pw, input); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	// A scrape gathers the exporter's own metrics before the jobs, so one
	// taken while the input ends may show the job's end without the last
	// line's parse error: wait for both.
	ended := counterAtLeast("rexporter_job_state", 1, "r_job", "fit", "state", "vanished")
	bothBad := counterAtLeast("rexporter_parse_errors_total", 2, "reason", "no_fields")
	mfs := p.waitFor(t, "the job's end and both lines that are not messages", func(m map[string]*dto.MetricFamily) bool {
		return ended(m) && bothBad(m)
	})
	for _, c := range []struct {
		name string
		want float64
	}{{"loss", 0.25}, {"epoch", 2}, {"loss_messages_total", 2}} {
		if got, _ := value(mfs, c.name, "r_job", "fit"); got != c.want {
			t.Errorf("%s{r_job=\"fit\"} = %v, want %v", c.name, got, c.want)
		}
	}
	if got, _ := value(mfs, "rexporter_parse_errors_total", "reason", "no_fields"); got != 2 {
		t.Errorf("no_fields = %v, want 2 (the two lines that are not messages)", got)
	}
	if got := p.stdout.String(); got != input {
		t.Errorf("stdout %q, want the input unchanged %q", got, input)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM while lingering:\n%s", code, p.stderr)
	}
	// Without --linger it exits by itself at the end of its input.
	cmd := exec.Command(binary, "pipe", "--job", "quick", "--metrics", "127.0.0.1:0", "--no-tee")
	cmd.Stdin = strings.NewReader("x: 1\n")
	out, err := cmd.Output()
	if err != nil || len(out) != 0 {
		t.Errorf("pipe --no-tee: %v, stdout %q", err, out)
	}
}

// TestPipeForward: pipe --to forwards to a running rexporter as one
// connection named by --job; if none listens, the input still reaches
// stdout and pipe exits 1 naming --to.
func TestPipeForward(t *testing.T) {
	p := startExporter(t)
	cmd := exec.Command(binary, "pipe", "--job", "fwd", "--to", p.ingest)
	cmd.Stdin = strings.NewReader("Fwd: 1\nFwd: 2\n")
	out, err := cmd.Output()
	if err != nil || string(out) != "Fwd: 1\nFwd: 2\n" {
		t.Fatalf("pipe --to: %v, stdout %q", err, out)
	}
	p.waitFor(t, "the forwarded messages", counterAtLeast("fwd_messages_total", 2, "r_job", "fwd"))

	cmd = exec.Command(binary, "pipe", "--job", "fwd", "--to", "127.0.0.1:"+unusedPort(t))
	cmd.Stdin = strings.NewReader("Fwd: 3\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != 1 || string(out) != "Fwd: 3\n" || !strings.Contains(stderr.String(), "--to 127.0.0.1:") {
		t.Errorf("pipe --to nowhere: exit %d (%v), stdout %q, stderr %s", code, err, out, stderr.String())
	}
}

// TestPushEndpoint: POST /api/v1/messages answers as documented, is behind
// the web server's basic auth, and behind --listen.allow.
func TestPushEndpoint(t *testing.T) {
	p := startExporter(t, "--web.max-body-bytes", "1000")
	code, h := push(t, p, "?job=web", "Push: 1\nnope\nPush: 2\n")
	if code != http.StatusNoContent || h.Get("Rexporter-Messages") != "4" || h.Get("Rexporter-Invalid") != "1" ||
		!strings.HasPrefix(h.Get("Rexporter-First-Error"), "line 2: ") {
		t.Errorf("mixed body: %d %v", code, h)
	}
	if code, h = push(t, p, "", "nope\n"); code != http.StatusBadRequest || h.Get("Rexporter-First-Error") == "" {
		t.Errorf("no valid message: %d %v", code, h)
	}
	if code, _ = push(t, p, "", strings.Repeat("x: 1\n", 300)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over --web.max-body-bytes: %d", code)
	}
	mfs := p.waitFor(t, "the pushed values", counterAtLeast("push", 2, "r_job", "web"))
	if got, _ := value(mfs, "rexporter_connections_total", "transport", "http"); got != 2 {
		t.Errorf("rexporter_connections_total{transport=\"http\"} = %v, want 2 (the 413 applies nothing)", got)
	}
	if _, ok := value(mfs, "x"); ok {
		t.Errorf("the refused body was applied")
	}

	allow := startExporter(t, "--listen.allow", "10.0.0.0/8")
	if code, _ := push(t, allow, "", "x: 1\n"); code != http.StatusForbidden {
		t.Errorf("outside --listen.allow: %d, want 403", code)
	}
	mfs, _ = allow.scrape(t)
	if got, _ := value(mfs, "rexporter_connections_rejected_total", "reason", "not_allowed"); got != 1 {
		t.Errorf("not_allowed = %v, want 1", got)
	}
}

// udpAddress is the udp:// address a rexporter logged.
func (p *exporterProc) udpAddress(t *testing.T) string {
	t.Helper()
	for _, l := range strings.Split(p.stderr.String(), "\n") {
		var line struct{ Msg, Address string }
		if json.Unmarshal([]byte(l), &line) == nil && line.Msg == "listening for r messages" {
			if a, ok := strings.CutPrefix(line.Address, "udp://"); ok {
				return a
			}
		}
	}
	t.Fatalf("no udp listener in the log:\n%s", p.stderr)
	return ""
}

// TestUDPFlood floods a UDP listener with a small receive buffer while a
// TCP client sends at its own pace: the kernel's drops are counted, every
// datagram read or dropped is accounted for, the TCP client loses nothing,
// and memory stays bounded.
func TestUDPFlood(t *testing.T) {
	p := startExporter(t, "--listen", "udp://127.0.0.1:0", "--listen.udp-buffer-bytes", "4096")
	udp, err := net.Dial("udp4", p.udpAddress(t))
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()

	good := p.dial(t)
	stop := make(chan struct{})
	goodSent := make(chan int)
	go func() {
		n := 0
		defer func() { goodSent <- n }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			n++
			if _, err := fmt.Fprintf(good, "Good client: %d\n", n); err != nil {
				return
			}
		}
	}()

	const flood = 200_000
	sent := 0
	for i := range flood {
		if _, err := udp.Write([]byte("Flood: " + strconv.Itoa(i) + "\n")); err == nil {
			sent++
		}
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	goodN := <-goodSent
	// The kernel's drop count arrives with the next datagram read: send
	// markers until one is applied.
	markers := 0
	p.waitFor(t, "a marker", func(m map[string]*dto.MetricFamily) bool {
		if _, ok := value(m, "marker"); ok {
			return true
		}
		markers++
		write(t, udp, "Marker: 1\n")
		return false
	})
	mfs := p.waitFor(t, "the good client", counterAtLeast("good_client_messages_total", float64(goodN)))

	served, _ := value(mfs, "rexporter_connections_total", "transport", "udp")
	framed, _ := value(mfs, "rexporter_framed_messages_total", "transport", "udp")
	// The flood shares its host's identity with the TCP client (127.0.0.1,
	// then 127.0.0.1#2 once the client has been connected for a second).
	floodApplied := sum(mfs, "flood_messages_total")
	markersApplied := sum(mfs, "marker_messages_total")
	dropped, _ := value(mfs, "rexporter_udp_datagrams_dropped_total", "reason", "receive_buffer")
	total := float64(sent + markers)
	t.Logf("sent %d datagrams (+%d markers): %v read, %v dropped by the kernel (receive buffer), %v unaccounted (dropped before the socket)",
		sent, markers, served, dropped, total-served-dropped)
	if dropped == 0 {
		t.Errorf("no drops counted under a flood into a 4 KiB receive buffer")
	}
	if served+dropped > total {
		t.Errorf("read %v + dropped %v > sent %v", served, dropped, total)
	}
	if framed != served || floodApplied+markersApplied != served {
		t.Errorf("datagrams read %v, framed %v, applied %v + %v: want one message each", served, framed, floodApplied, markersApplied)
	}
	if got, _ := value(mfs, "good_client_messages_total"); got != float64(goodN) {
		t.Errorf("good client: %v messages applied, %d sent", got, goodN)
	}
	// The status page shows each transport.
	_, body := p.get(t, "/api/status")
	var st struct {
		Exporter struct {
			Transports map[string]struct {
				Connections float64 `json:"connections"`
			} `json:"transports"`
		} `json:"exporter"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if tr := st.Exporter.Transports; tr["udp"].Connections < served || tr["tcp"].Connections != 1 {
		t.Errorf("/api/status transports %+v, want udp >= %v and tcp 1", tr, served)
	}
	if _, peak := p.memory(t); peak > 100*mib {
		t.Errorf("peak RSS %d MiB, want under 100", peak/mib)
	}
}
