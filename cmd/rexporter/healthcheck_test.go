package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthcheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("Healthy\n")) })
	mux.HandleFunc("/sick", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusServiceUnavailable) })
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "prom" || p != "s3cret" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tlsSrv := httptest.NewTLSServer(mux)
	t.Cleanup(tlsSrv.Close)

	// A port that refuses connections: listen, note the address, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/-/healthy"
	_ = l.Close()

	withAuth := strings.Replace(srv.URL, "http://", "http://prom:s3cret@", 1)
	tests := map[string]struct {
		args     []string
		wantCode int
		wantErr  string // in stderr
	}{
		"healthy":                    {args: []string{"--url", srv.URL + "/-/healthy"}, wantCode: 0},
		"unhealthy status":           {args: []string{"--url", srv.URL + "/sick"}, wantCode: 1, wantErr: "503"},
		"nothing listening":          {args: []string{"--url", refused}, wantCode: 1, wantErr: "refused"},
		"basic auth from the URL":    {args: []string{"--url", withAuth + "/auth"}, wantCode: 0},
		"wrong basic auth":           {args: []string{"--url", srv.URL + "/auth"}, wantCode: 1, wantErr: "401"},
		"password is not logged":     {args: []string{"--url", strings.Replace(withAuth, "s3cret", "wrong", 1) + "/auth"}, wantCode: 1, wantErr: "prom:xxxxx@"},
		"timeout":                    {args: []string{"--url", srv.URL + "/slow", "--timeout", "100ms"}, wantCode: 1, wantErr: "deadline"},
		"self-signed TLS is refused": {args: []string{"--url", tlsSrv.URL + "/-/healthy"}, wantCode: 1, wantErr: "certificate"},
		"self-signed TLS accepted":   {args: []string{"--url", tlsSrv.URL + "/-/healthy", "--tls.insecure-skip-verify"}, wantCode: 0},
		"not an http URL":            {args: []string{"--url", "127.0.0.1:9100"}, wantCode: 2, wantErr: "--url"},
		"non-positive timeout":       {args: []string{"--timeout", "0s"}, wantCode: 2, wantErr: "--timeout"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := run(ctx, append([]string{"healthcheck"}, tc.args...), strings.NewReader(""), &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr does not mention %q:\n%s", tc.wantErr, stderr.String())
			}
			if strings.Contains(stderr.String(), "s3cret") || strings.Contains(stderr.String(), ":wrong@") {
				t.Errorf("stderr leaks the password:\n%s", stderr.String())
			}
		})
	}
}

// TestHealthcheckDefaults pins the defaults the Dockerfile's HEALTHCHECK
// relies on: it runs with no flags at all.
func TestHealthcheckDefaults(t *testing.T) {
	c, cmd, err := parse(t, []string{"healthcheck"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cmd != "healthcheck" || c.Healthcheck.URL != "http://127.0.0.1:9100/-/healthy" || c.Healthcheck.Timeout != 3*time.Second {
		t.Errorf("command %q, defaults %+v", cmd, c.Healthcheck)
	}
}
