package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestBasicAuth serves /metrics behind exporter-toolkit basic auth from
// --web.config.file: no or wrong credentials get 401, the right ones 200.
func TestBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, "--web.config.file", cfg)

	tests := map[string]struct {
		user, pass string
		want       int
	}{
		"no credentials":    {want: http.StatusUnauthorized},
		"wrong password":    {user: "prometheus", pass: "nope", want: http.StatusUnauthorized},
		"right credentials": {user: "prometheus", pass: "s3cret", want: http.StatusOK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "http://"+p.web+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := (&http.Client{Timeout: testTimeout}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}
