package main

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseListen(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    ingestAddr
		wantErr string
	}{
		"bare port":         {in: "6000", want: ingestAddr{"tcp", ":6000"}},
		"host and port":     {in: "127.0.0.1:6000", want: ingestAddr{"tcp", "127.0.0.1:6000"}},
		"tcp scheme":        {in: "tcp://127.0.0.1:6000", want: ingestAddr{"tcp", "127.0.0.1:6000"}},
		"tcp bare port":     {in: "tcp://6000", want: ingestAddr{"tcp", ":6000"}},
		"udp":               {in: "udp://:6001", want: ingestAddr{"udp", ":6001"}},
		"udp bare port":     {in: "udp://6001", want: ingestAddr{"udp", ":6001"}},
		"unix":              {in: "unix:///run/rexporter.sock", want: ingestAddr{"unix", "/run/rexporter.sock"}},
		"unix relative":     {in: "unix://run/r.sock", wantErr: "absolute path"},
		"unknown scheme":    {in: "http://:6000", wantErr: `unknown scheme "http"`},
		"udp without port":  {in: "udp://host", wantErr: "not PORT"},
		"port out of range": {in: "udp://70000", wantErr: "out of range"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseListen(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]fs.FileMode{"0660": 0o660, "600": 0o600, "0777": 0o777} {
		if got, err := parseMode(in); err != nil || got != want {
			t.Errorf("parseMode(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0999", "rw", "01777"} {
		if _, err := parseMode(in); err == nil {
			t.Errorf("parseMode(%q) accepted", in)
		}
	}
}

// TestListenUnix: the mode is applied, a live socket is refused with
// errSocketInUse, a stale one is replaced, and a regular file is kept.
func TestListenUnix(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.sock")
	l, err := listenUnix(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, %v; want 0640", fi.Mode(), err)
	}
	if _, err := listenUnix(path, 0o660); !errors.Is(err, errSocketInUse) {
		t.Errorf("second listener: %v, want errSocketInUse", err)
	}
	// A stale socket file: one nothing listens on any more.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatal(err)
	}
	l, err = listenUnix(path, 0o660)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	l.Close()

	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := listenUnix(file, 0o660); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("regular file: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the regular file is gone: %v", err)
	}
}

// failWriter fails every write, like a connection to an exporter that is gone.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, net.ErrClosed }

// TestCopyStdin: the job line first, the input unchanged to both, and the
// tee goes on when the exporter side fails.
func TestCopyStdin(t *testing.T) {
	in := "a: 1\nnot a message\r\nb: 2"
	var out, tee strings.Builder
	if err := copyStdin(strings.NewReader(in), &out, &tee, "fit"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "job: fit\n"+in || tee.String() != in {
		t.Errorf("out %q, tee %q", out.String(), tee.String())
	}
	tee.Reset()
	err := copyStdin(strings.NewReader(in), failWriter{}, &tee, "fit")
	if !errors.Is(err, net.ErrClosed) || tee.String() != in {
		t.Errorf("failing exporter side: %v, tee %q; want the error and the whole input", err, tee.String())
	}
}
