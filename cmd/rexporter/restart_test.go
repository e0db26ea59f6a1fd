package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rexporter/rexporter/exporter"
)

func TestSocketRole(t *testing.T) {
	tests := map[string]string{
		"web": roleWeb, "metrics": roleWeb, "rexporter-web": roleWeb, "rexporter-metrics": roleWeb,
		"ingest": roleIngest, "": roleIngest, "unknown": roleIngest, "rexporter.socket": roleIngest, "webby": roleIngest,
	}
	for name, want := range tests {
		if got := socketRole(name); got != want {
			t.Errorf("socketRole(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestSystemdListenersOtherPID: variables meant for another process (a
// parent's LISTEN_PID) are ignored, and removed either way.
func TestSystemdListenersOtherPID(t *testing.T) {
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()+1))
	t.Setenv("LISTEN_FDS", "2")
	t.Setenv("LISTEN_FDNAMES", "ingest:web")
	in, err := systemdListeners()
	if in != nil || err != nil {
		t.Errorf("got %v, %v; want nothing", in, err)
	}
	if v := os.Getenv("LISTEN_FDS"); v != "" {
		t.Errorf("LISTEN_FDS still set: %q", v)
	}
}

// TestRestartEndpoint checks POST /-/restart: 403 without
// --web.enable-lifecycle, the serve loop's answer with it, 503 once the
// loop has stopped, and every other path still served by the handler.
func TestRestartEndpoint(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "inner") })
	reqs := make(chan chan error)
	stopped := make(chan struct{})
	post := func(h http.Handler) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/restart", nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := post(withRestart(inner, false, reqs, stopped)); code != http.StatusForbidden {
		t.Errorf("disabled: %d, want 403", code)
	}
	h := withRestart(inner, true, reqs, stopped)
	for _, answer := range []error{nil, errors.New("the new process exited")} {
		go func() { reply := <-reqs; reply <- answer }()
		code, body := post(h)
		if want := map[bool]int{true: 200, false: 500}[answer == nil]; code != want {
			t.Errorf("answer %v: %d %q, want %d", answer, code, body, want)
		}
	}
	close(stopped)
	if code, _ := post(h); code != http.StatusServiceUnavailable {
		t.Errorf("stopped: %d, want 503", code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Body.String() != "inner" {
		t.Errorf("other paths: %q", rec.Body.String())
	}
}

// TestStateKeeper checks saving, loading, refusing a bad file unless told
// to ignore it, and that a keeper stopped by a hand-over writes nothing.
func TestStateKeeper(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	newKeeper := func() (*stateKeeper, *exporter.Exporter) {
		exp, err := exporter.New(exporter.Options{}, prometheus.NewRegistry(), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		c := &ServeCmd{StateFile: path, StateInterval: time.Minute}
		return newStateKeeper(c, exp, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now), exp
	}
	k, _ := newKeeper()
	if err := k.load(false); err != nil {
		t.Fatalf("no file yet: %v", err)
	}
	if err := k.save(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	k2, _ := newKeeper()
	if err := k2.load(false); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(path, []byte("not state"), 0o600); err != nil {
		t.Fatal(err)
	}
	k3, _ := newKeeper()
	err := k3.load(false)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--state.ignore-errors") {
		t.Errorf("bad file: %v, want an error naming it and the flag", err)
	}
	if err := k3.load(true); err != nil {
		t.Errorf("bad file, ignored: %v", err)
	}
	k3.stop()
	if err := k3.save(); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(path); string(raw) != "not state" {
		t.Errorf("a stopped keeper wrote the file: %q", raw)
	}
}

func TestRestartFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"negative state interval": {"--state.interval", "-1s"},
		"zero restart timeout":    {"--restart.timeout", "0s"},
	} {
		t.Run(name, func(t *testing.T) {
			var cli CLI
			p, err := newParser(&cli, io.Discard, io.Discard, func(int) {})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Parse(args); err == nil {
				t.Errorf("%v accepted", args)
			}
		})
	}
}

// TestContinuedRegistry checks that the rexporter_*_total counters a
// hand-over carries continue from the old totals, labels apart, and that
// other families and rexporter_messages_total (series state) are untouched.
func TestContinuedRegistry(t *testing.T) {
	newReg := func() (*prometheus.Registry, *prometheus.CounterVec, prometheus.Counter, prometheus.Gauge) {
		reg := prometheus.NewRegistry()
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rexporter_x_total", Help: "x"}, []string{"reason"})
		msgs := prometheus.NewCounter(prometheus.CounterOpts{Name: "rexporter_messages_total", Help: "m"})
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "rexporter_connections", Help: "c"})
		reg.MustRegister(vec, msgs, g)
		return reg, vec, msgs, g
	}
	oldReg, oldVec, oldMsgs, oldG := newReg()
	oldVec.WithLabelValues("a").Add(3)
	oldVec.WithLabelValues("b").Add(5)
	oldMsgs.Add(7)
	oldG.Set(2)
	// The totals travel in the hand-over's JSON document, as for real.
	doc, err := json.Marshal(handoverDoc{SelfCounters: selfCounters(&continuedRegistry{Registry: oldReg})})
	if err != nil {
		t.Fatal(err)
	}
	var received handoverDoc
	if err := json.Unmarshal(doc, &received); err != nil {
		t.Fatal(err)
	}
	carried := received.SelfCounters
	if len(carried) != 2 {
		t.Fatalf("carried %v, want the two rexporter_x_total samples", carried)
	}

	newRegistry, vec, _, _ := newReg()
	vec.WithLabelValues("a").Add(1)
	cont := &continuedRegistry{Registry: newRegistry, offsets: carried}
	got := map[string]float64{}
	mfs, err := cont.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			got[counterKey(mf.GetName(), m)] = v
		}
	}
	want := map[string]float64{
		"rexporter_x_total\x1freason=a": 4,
		"rexporter_messages_total":      0,
		"rexporter_connections":         0,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%q = %v, want %v", k, got[k], w)
		}
	}
	// The label value b appears once the new process counts it.
	vec.WithLabelValues("b")
	if again := selfCounters(cont); again["rexporter_x_total\x1freason=b"] != 5 {
		t.Errorf("after a second hand-over: %v, want b at 5", again)
	}
}
