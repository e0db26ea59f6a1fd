package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
)

var update = flag.Bool("update", false, "rewrite the generated flag tables in docs/flags.md")

// repoRoot is the repository's top directory, seen from this package.
const repoRoot = "../.."

const (
	flagsBegin = "<!-- Generated from the CLI's kong model by `go test ./cmd/rexporter -run TestDocsFlags -update`; do not edit by hand. -->"
	flagsEnd   = "<!-- End of generated flag tables. -->"
)

// flagTables renders every command's flags from the kong model: what --help
// shows, as markdown.
func flagTables(t *testing.T) string {
	t.Helper()
	var cli CLI
	p, err := newParser(&cli, io.Discard, io.Discard, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	table := func(title string, n *kong.Node, flags []*kong.Flag) {
		fmt.Fprintf(&b, "### %s\n\n", title)
		if n != nil && n.Help != "" {
			fmt.Fprintf(&b, "%s\n\n", n.Help)
		}
		if n != nil {
			for _, a := range n.Positional {
				fmt.Fprintf(&b, "Argument `%s`: %s\n\n", strings.ToUpper(a.Name), cell(a.Help))
			}
		}
		if len(flags) == 0 {
			return
		}
		b.WriteString("| flag | environment variable | default | |\n|---|---|---|---|\n")
		for _, f := range flags {
			if f.Hidden || f.Name == "help" {
				continue
			}
			name := "`--" + f.Name + "`"
			if f.IsBool() && f.Tag.Negatable != "" {
				name = "`--[no-]" + f.Name + "`"
			}
			for _, a := range f.Aliases {
				name += ", `--" + a + "`"
			}
			env := ""
			if len(f.Envs) > 0 {
				env = "`" + strings.Join(f.Envs, "`, `") + "`"
			}
			def := ""
			if f.HasDefault && f.Default != "" {
				def = "`" + f.Default + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, env, def, cell(f.Help))
		}
		b.WriteString("\n")
	}
	table("Every command", nil, p.Model.Flags)
	for _, n := range p.Model.Children {
		table("`rexporter "+n.Name+"`", n, n.Flags)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// cell makes help text safe inside a markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// TestDocsFlags keeps docs/flags.md's tables equal to the kong model, so the
// reference says what --help says. Run with -update to rewrite them.
func TestDocsFlags(t *testing.T) {
	path := filepath.Join(repoRoot, "docs", "flags.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, flagsBegin), strings.Index(doc, flagsEnd)
	if i < 0 || j < i {
		t.Fatalf("docs/flags.md lacks the markers %q … %q", flagsBegin, flagsEnd)
	}
	want := flagTables(t)
	got := doc[i+len(flagsBegin)+1 : j]
	if got == "\n"+want+"\n" {
		return
	}
	if *update {
		doc = doc[:i+len(flagsBegin)] + "\n\n" + want + "\n" + doc[j:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/flags.md's flag tables differ from the CLI; run go test ./cmd/rexporter -run TestDocsFlags -update and review the diff.\nwant:\n%s", want)
}

// metricName finds rexporter_* metric names in backticks at the start of a
// table row, as docs/metrics.md lists them.
var metricName = regexp.MustCompile("(?m)^\\| `(rexporter_[a-z_]+)")

// TestDocsSelfMetrics runs the real exporter, drives it until every self
// metric exists (a job that ended, an overflow series), and checks that the
// rexporter_* families /metrics exposes are exactly those docs/metrics.md
// lists.
func TestDocsSelfMetrics(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range metricName.FindAllStringSubmatch(string(raw), -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(documented)
	documented = slices.Compact(documented)

	ingestAddr, webAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--listen", ingestAddr, "--listen", "udp://127.0.0.1:0", "--metrics", webAddr, "--max-series", "1", "--recognise", "--log.level", "error"},
			strings.NewReader(""), io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("rexporter did not stop")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + webAddr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for code, _ := get("/-/ready"); code != http.StatusOK; code, _ = get("/-/ready") {
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	send := func(msgs string) {
		c, err := net.DialTimeout("tcp", ingestAddr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte(msgs))
		_ = c.Close()
	}
	// A job that ended, with what rexporter run says: every job metric.
	send("job: docs\nx: 1\nrun: param a=1\nrun: cpu 1\nrun: rss 1\nrun: exit 0\nbye\n")
	send("x: 2\n") // another series of x beyond --max-series 1: the overflow
	var exposed []string
	for {
		_, body := get("/metrics")
		exposed = exposed[:0]
		for _, line := range strings.Split(body, "\n") {
			if name, ok := strings.CutPrefix(line, "# TYPE "); ok && strings.HasPrefix(name, "rexporter_") {
				exposed = append(exposed, strings.Fields(name)[0])
			}
		}
		slices.Sort(exposed)
		if slices.Contains(exposed, "rexporter_series_overflow_total") && slices.Contains(exposed, "rexporter_job_end_timestamp_seconds") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overflow and the ended job never showed:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, n := range exposed {
		if !slices.Contains(documented, n) {
			t.Errorf("/metrics exposes %s, which docs/metrics.md does not list", n)
		}
	}
	for _, n := range documented {
		if !slices.Contains(exposed, n) {
			t.Errorf("docs/metrics.md lists %s, which /metrics does not expose", n)
		}
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// mdLink finds the targets of markdown links and images.
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsLinks checks that every relative link in README.md, BENCHMARKS.md
// and docs/ names a file in the repository and, with a #fragment into a
// markdown file, one of its headings.
func TestDocsLinks(t *testing.T) {
	files := []string{"README.md", "BENCHMARKS.md"}
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		files = append(files, filepath.Join("docs", filepath.Base(d)))
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		text := stripCode(string(raw))
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(target, "#")
			abs := filepath.Join(root, filepath.Dir(f), path)
			if path == "" {
				abs = filepath.Join(root, f)
			}
			if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s: link %s leaves the repository", f, target)
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s: link %s: no such file in the repository", f, target)
				continue
			}
			if frag != "" && strings.HasSuffix(abs, ".md") {
				body, _ := os.ReadFile(abs)
				if !slices.Contains(anchors(string(body)), frag) {
					t.Errorf("%s: link %s: no heading with that anchor", f, target)
				}
			}
		}
	}
}

// stripCode drops fenced code blocks, whose brackets are not links.
func stripCode(s string) string {
	var out []string
	in := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// anchors lists the GitHub anchors of a markdown file's headings: lower
// case, punctuation removed, spaces as hyphens.
func anchors(md string) []string {
	var out []string
	for _, line := range strings.Split(stripCode(md), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(h) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}
