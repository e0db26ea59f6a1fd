package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rexporter/rexporter/internal/testharness"
)

// TestUnixSocket: --listen.unix-mode is applied to the socket file; a
// second instance on the same path refuses with a clear error and leaves
// the first one serving; a socket file left by a killed instance is
// removed and listened on again; a path that is not a socket is never
// removed.
func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.sock")
	p := startExporterOn(t, "unix://"+path, "--listen.unix-mode", "0600")
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket file mode %v, want a socket with 0600", fi.Mode())
	}
	streamPieces(t, "unix", path, []string{"Unix: 1\n"})
	p.waitFor(t, "the message", counterAtLeast("unix", 1, "r_job", "local"))

	second := func() (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, "--listen", "unix://"+path, "--metrics", "127.0.0.1:0")
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	code, out := second()
	want := "--listen unix://" + path + ": cannot listen: another process listens on this socket"
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("second instance: exit %d, output %q; want exit 1 and %q", code, out, want)
	}
	streamPieces(t, "unix", path, []string{"Unix: 2\n"})
	p.waitFor(t, "the first instance still serving", counterAtLeast("unix", 2, "r_job", "local"))

	// SIGKILL leaves the socket file behind; the next start removes it.
	_ = p.cmd.Process.Kill()
	<-p.exited
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the killed instance's socket file: %v", err)
	}
	p2 := startExporterOn(t, "unix://"+path)
	streamPieces(t, "unix", path, []string{"Unix: 3\n"})
	p2.waitFor(t, "the message", counterAtLeast("unix", 3, "r_job", "local"))

	file := filepath.Join(dir, "not-a-socket")
	if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "--listen", "unix://"+file, "--metrics", "127.0.0.1:0")
	b, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(b), "exists and is not a socket") {
		t.Errorf("a regular file as the socket: exit %d, %s", cmd.ProcessState.ExitCode(), b)
	}
	if got, _ := os.ReadFile(file); string(got) != "keep me" {
		t.Errorf("the regular file was changed: %q", got)
	}
}

// TestPushBasicAuth: POST /api/v1/messages is behind --web.config.file's
// basic auth, like /metrics.
func TestPushBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, "--web.config.file", cfg)
	post := func(user, pass string) int {
		req, err := http.NewRequest(http.MethodPost, "http://"+p.web+"/api/v1/messages", strings.NewReader("Authed: 1\n"))
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := (&http.Client{Timeout: testTimeout}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("", ""); got != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", got)
	}
	if got := post("prometheus", "nope"); got != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", got)
	}
	if got := post("prometheus", "s3cret"); got != http.StatusNoContent {
		t.Errorf("right credentials: %d, want 204", got)
	}
}

// TestRTransports: real R sends through pipe() to `rexporter pipe --to`,
// through `Rscript | rexporter pipe` serving its own metrics, and with
// curl and httr to POST /api/v1/messages.
func TestRTransports(t *testing.T) {
	requireR(t)
	p := startExporter(t)
	url := "http://" + p.web + "/api/v1/messages"

	t.Run("pipe() to rexporter pipe --to", func(t *testing.T) {
		r := runR(t, nil, "-e", fmt.Sprintf(`
con <- pipe("%s pipe --job rpipe --to %s", "w")
for (i in 1:5) writeLines(paste0("[", Sys.time(), "] - R pipe: ", i), con)
close(con)`, binary, p.ingest))
		mfs := p.waitFor(t, "R's messages", counterAtLeast("r_pipe_messages_total", 5, "r_job", "rpipe"))
		if got, _ := value(mfs, "r_pipe", "r_job", "rpipe"); got != 5 {
			t.Errorf("r_pipe = %v, want 5", got)
		}
		if n := strings.Count(r.stdout.String(), "] - R pipe: "); n != 5 {
			t.Errorf("R's stdout has %d of the 5 lines pipe passed through:\n%s", n, r.stdout)
		}
	})

	t.Run("Rscript | rexporter pipe", func(t *testing.T) {
		web := net.JoinHostPort("127.0.0.1", unusedPort(t))
		ctx, cancel := context.WithTimeout(context.Background(), rTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-c", fmt.Sprintf(
			`Rscript -e 'for (i in 1:3) { cat(sprintf("iter: %%d, loss: %%.2f\n", i, 1/i)); flush(stdout()) }; cat("bye\n")' | %s pipe --job rscript --metrics %s --linger 1h`,
			binary, web))
		var out testharness.SyncBuffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			// SIGTERM to the pipeline's process group ends pipe's --linger.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			_ = cmd.Wait()
		}()
		for deadline := time.Now().Add(testTimeout); ; time.Sleep(20 * time.Millisecond) {
			if c, err := net.Dial("tcp", web); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pipe never served %s:\n%s", web, out.String())
			}
		}
		pp := &exporterProc{web: web}
		mfs := pp.waitFor(t, "the job to finish", counterAtLeast("rexporter_job_state", 1, "r_job", "rscript", "state", "finished"))
		if got, _ := value(mfs, "loss", "r_job", "rscript"); got != 0.33 {
			t.Errorf("loss = %v, want 0.33", got)
		}
		if !strings.Contains(out.String(), "iter: 3, loss: 0.33\nbye\n") {
			t.Errorf("pipe did not pass R's output through:\n%s", out.String())
		}
	})

	for _, tc := range []struct{ pkg, code string }{
		{"curl", `h <- curl::new_handle(post = TRUE, postfields = "Curl: 1\nCurl: 2\n")
res <- curl::curl_fetch_memory(paste0("%s", "?job=rcurl"), handle = h)
cat(res$status_code, "\n")`},
		{"httr", `res <- httr::POST(paste0("%s", "?job=rhttr"), body = "Httr: 1\nHttr: 2\n")
cat(httr::status_code(res), "\n")`},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			if rEval(t, fmt.Sprintf(`cat(requireNamespace("%s", quietly = TRUE))`, tc.pkg)) != "TRUE" {
				if os.Getenv("CI") == "true" {
					t.Fatalf("R package %s is required in CI (apt-get install r-cran-%s)", tc.pkg, tc.pkg)
				}
				t.Skipf("R package %s not installed", tc.pkg)
			}
			out := rEval(t, fmt.Sprintf(tc.code, url))
			if !strings.HasSuffix(out, "204") {
				t.Errorf("R printed %q, want status 204", out)
			}
			name := strings.ToLower(tc.pkg)
			p.waitFor(t, "R's push", counterAtLeast(name+"_messages_total", 2, "r_job", "r"+name))
		})
	}
}
