// Package testharness is what the end-to-end tests (e2e) and the deployment
// checks (tools/deploycheck, a separate module) share to drive the real
// rexporter binary: its output collected while it runs, the addresses it
// reports, free loopback ports, and the external tools a test needs. It
// imports only the standard library, so the tools module takes nothing
// else from the main one.
package testharness

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// SyncBuffer collects a child's output for the test to read while it runs.
type SyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write implements io.Writer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Addresses are the first ingest and web addresses rexporter logs (with
// --log.format json) once it listens.
type Addresses struct {
	Ingest, Web string
}

// Line reads one log line and reports whether both addresses are known.
func (a *Addresses) Line(line []byte) bool {
	var l struct{ Msg, Address string }
	if json.Unmarshal(line, &l) == nil {
		switch {
		case l.Msg == "listening for r messages" && a.Ingest == "":
			a.Ingest = l.Address
		case l.Msg == "Listening on" && a.Web == "":
			a.Web = l.Address
		}
	}
	return a.Ingest != "" && a.Web != ""
}

// FreePort returns a loopback address nobody listens on right now, for
// programs (Prometheus 2.42) that cannot report the port they bound.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// RequireTool returns the path of an external program the test needs. A
// developer without it gets a skip; CI (CI=true) must have it, so there a
// missing tool fails the test instead of hiding it (scripts/test installs
// every one).
func RequireTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (CI=true, so this is a failure): apt-get install %s", name, debianPackage)
	}
	t.Skipf("%s not found; apt-get install %s (scripts/test does)", name, debianPackage)
	return ""
}
