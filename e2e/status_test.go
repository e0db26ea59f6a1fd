package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// statusDoc is the part of /api/status these tests read.
type statusDoc struct {
	Series []struct {
		RName string `json:"r_name"`
		Job   string `json:"job"`
		Value string `json:"value"`
	} `json:"series"`
	Messages []struct {
		Text    string `json:"text"`
		Outcome string `json:"outcome"`
	} `json:"messages"`
}

// TestStatusAPI sends from a real TCP client and reads the values and raw
// messages back from /api/status of the real binary.
func TestStatusAPI(t *testing.T) {
	p := startExporter(t)
	if resp, body := p.get(t, "/api/status"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/status: %s\n%s", resp.Status, body)
	}
	c := p.dial(t)
	write(t, c, "job: e2e-status\n[2026-11-25 17:06:16] - Random Poisson: 11\nx: 0,5\n")
	p.waitFor(t, "the value", counterAtLeast("random_poisson", 11, "r_job", "e2e-status"))
	p.waitFor(t, "the parse error", counterAtLeast("rexporter_parse_errors_total", 1, "reason", "decimal_comma"))

	_, body := p.get(t, "/api/status")
	var doc statusDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if len(doc.Series) != 1 || doc.Series[0].RName != "Random Poisson" || doc.Series[0].Job != "e2e-status" || doc.Series[0].Value != "11" {
		t.Errorf("series %+v", doc.Series)
	}
	want := []string{"x: 0,5 decimal_comma", "[2026-11-25 17:06:16] - Random Poisson: 11 ok", "job: e2e-status ok"}
	var got []string
	for _, m := range doc.Messages {
		got = append(got, m.Text+" "+m.Outcome)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages %q, want %q", got, want)
	}
}

// TestStatusPageRoutes checks how flags change what / serves.
func TestStatusPageRoutes(t *testing.T) {
	tests := map[string]struct {
		flags      []string
		pageHas    string
		pageStatus int
		apiStatus  int
	}{
		"status page with the telemetry path's link": {
			flags: []string{"--web.telemetry-path", "/r-metrics"}, pageStatus: 200,
			pageHas: `<a href="/r-metrics">Metrics</a>`, apiStatus: 200,
		},
		"disabled: the landing page": {
			flags: []string{"--web.disable-status-page"}, pageStatus: 200,
			pageHas: "Status messages from R jobs as Prometheus metrics", apiStatus: 404,
		},
		// With the metrics at /, every path answers with them.
		"metrics at /: no page": {
			flags: []string{"--web.telemetry-path", "/"}, pageStatus: 200, pageHas: "# TYPE rexporter_messages_total counter", apiStatus: 200,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := startExporter(t, tc.flags...)
			resp, page := p.get(t, "/")
			if resp.StatusCode != tc.pageStatus || !strings.Contains(page, tc.pageHas) {
				t.Errorf("/: %s, want %d with %q:\n%.500s", resp.Status, tc.pageStatus, tc.pageHas, page)
			}
			if resp, body := p.get(t, "/api/status"); resp.StatusCode != tc.apiStatus {
				t.Errorf("/api/status: %s, want %d:\n%.300s", resp.Status, tc.apiStatus, body)
			}
		})
	}
}

// TestStatusPageAuth: the page, its assets and its JSON sit behind the same
// basic auth as /metrics under --web.config.file.
func TestStatusPageAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, "--web.config.file", cfg)
	for _, path := range []string{"/", "/api/status", "/static/status.js"} {
		for name, tc := range map[string]struct {
			user, pass string
			want       int
		}{
			"no credentials":    {want: http.StatusUnauthorized},
			"wrong password":    {user: "prometheus", pass: "nope", want: http.StatusUnauthorized},
			"right credentials": {user: "prometheus", pass: "s3cret", want: http.StatusOK},
		} {
			t.Run(path+" "+name, func(t *testing.T) {
				if got := getStatus(t, "http://"+p.web+path, tc.user, tc.pass); got != tc.want {
					t.Errorf("status %d, want %d", got, tc.want)
				}
			})
		}
	}
}
