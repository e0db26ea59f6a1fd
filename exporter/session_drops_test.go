package exporter

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// newDropExporter returns an exporter that logs text at the default level
// into buf, with a clock the test moves.
func newDropExporter(t *testing.T, now *time.Time) (*Exporter, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e, err := New(Options{}, prometheus.NewRegistry(), prometheus.NewRegistry(), logger, func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	return e, &buf
}

func dropLines(buf *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "msg=\"dropped ") {
			out = append(out, l)
		}
	}
	return out
}

// TestFirstDropOfEachReasonIsLogged checks that at the default level the
// first drop of each reason on each connection is a warning naming the job,
// the reason and the message, and that repeats are not.
func TestFirstDropOfEachReasonIsLogged(t *testing.T) {
	now := fixedNow
	e, buf := newDropExporter(t, &now)
	a := e.NewSession(netip.MustParseAddrPort("10.0.0.1:1"))
	a.Message([]byte("job: fit"))
	a.Message([]byte("hello world"))      // no_fields
	a.Message([]byte("hello again"))      // no_fields again: not logged
	a.Message([]byte("x: 12 parsecs"))    // bad_value
	a.Message([]byte("x: 1, job: other")) // reserved
	b := e.NewSession(netip.MustParseAddrPort("10.0.0.2:1"))
	b.Message([]byte("hello world")) // another connection: logged
	lines := dropLines(buf)
	if len(lines) != 4 {
		t.Fatalf("%d drop warnings, want 4:\n%s", len(lines), buf)
	}
	for i, want := range []string{`r_job=fit reason=no_fields message="hello world"`, `reason=bad_value`, `reason=reserved r_name=job`, `r_job="" reason=no_fields`} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "level=WARN") {
			t.Errorf("warning %d = %s, want it to contain %s", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[1], `err="bad value \"12 parsecs\"`) {
		t.Errorf("the warning does not explain the error: %s", lines[1])
	}
}

// TestDropWarningsAreRateLimited opens many connections that each drop one
// message: at most dropLogBurst warnings a minute, then one that says how
// many were held back.
func TestDropWarningsAreRateLimited(t *testing.T) {
	now := fixedNow
	e, buf := newDropExporter(t, &now)
	for i := range dropLogBurst + 15 {
		s := e.NewSession(netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(i+1)))
		s.Message([]byte("garbage"))
	}
	if n := len(dropLines(buf)); n != dropLogBurst {
		t.Fatalf("%d warnings, want %d", n, dropLogBurst)
	}
	now = now.Add(dropLogWindow)
	s := e.NewSession(netip.MustParseAddrPort("10.0.0.9:1"))
	s.Message([]byte("garbage"))
	lines := dropLines(buf)
	if len(lines) != dropLogBurst+1 || !strings.Contains(lines[len(lines)-1], "warnings_held_back=15") {
		t.Errorf("after the window: %d warnings, last %q; want %d, held back 15", len(lines), lines[len(lines)-1], dropLogBurst+1)
	}
}

// TestRecentRefused checks the list the status page shows: newest first,
// bounded, the field named for a field refusal, the text cut on a rune
// boundary.
func TestRecentRefused(t *testing.T) {
	now := fixedNow
	e, _ := newDropExporter(t, &now)
	s := e.NewSession(netip.MustParseAddrPort("10.0.0.1:1"))
	s.Message([]byte("job: fit"))
	for i := range MaxRefused + 5 {
		s.Message(fmt.Appendf(nil, "bad %d", i))
	}
	s.Message([]byte("x: 1, job: 2"))
	long := strings.Repeat("é", maxRefusedText)
	s.Message([]byte(long))
	got := e.RecentRefused()
	if len(got) != MaxRefused {
		t.Fatalf("%d refused, want %d", len(got), MaxRefused)
	}
	if got[0].Reason != "no_fields" || !strings.HasSuffix(got[0].Text, "...") || len(got[0].Text) > maxRefusedText+3 || !strings.HasPrefix(long, strings.TrimSuffix(got[0].Text, "...")) {
		t.Errorf("newest = %+v, want the long message cut on a rune boundary", got[0])
	}
	if r := got[1]; r.Field != "job" || r.Reason != "reserved" || r.Job != "fit" || r.Text != "x: 1, job: 2" {
		t.Errorf("second newest = %+v, want the reserved field job", r)
	}
	if r := got[2]; r.Text != fmt.Sprintf("bad %d", MaxRefused+4) || r.Error == "" {
		t.Errorf("third newest = %+v", r)
	}
}

// TestRefusedOncePerRead checks that a read full of bad messages lists its
// first drop, and the first of each other reason, not every one: the
// counters count them all.
func TestRefusedOncePerRead(t *testing.T) {
	now := fixedNow
	e, _ := newDropExporter(t, &now)
	s := e.NewSession(netip.MustParseAddrPort("10.0.0.1:1"))
	s.Begin(now)
	for i := range 100 {
		s.Message(fmt.Appendf(nil, "garbage %d", i))
	}
	s.Message([]byte("x: 12 parsecs"))
	s.End()
	got := e.RecentRefused()
	if len(got) != 2 || got[0].Reason != "bad_value" || got[1].Text != "garbage 0" {
		t.Errorf("refused %+v, want garbage 0 and the first bad_value", got)
	}
	s.Begin(now)
	s.Message([]byte("garbage again"))
	s.End()
	if got := e.RecentRefused(); len(got) != 3 || got[0].Text != "garbage again" {
		t.Errorf("after the next read: %+v, want its first drop listed", got)
	}
}
