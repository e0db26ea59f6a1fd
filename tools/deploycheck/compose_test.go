package deploycheck

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml the way `docker compose` would, with
// the given profiles and an empty environment (so ${VAR:-default}s take
// their defaults), and validates it against the compose specification.
func loadCompose(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithProfiles(profiles),
		cli.WithEnv(nil),
		cli.WithConsistency(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

func TestComposeProfiles(t *testing.T) {
	tests := map[string]struct {
		profiles []string
		want     []string
	}{
		"default":      {want: []string{"grafana", "prometheus", "rexporter"}},
		"demo profile": {profiles: []string{"demo"}, want: []string{"grafana", "prometheus", "r-demo", "rexporter"}},
		"agent profile": {profiles: []string{"agent"}, want: []string{"grafana", "prometheus", "prometheus-agent",
			"prometheus-central", "rexporter", "victoriametrics"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := loadCompose(t, tc.profiles...)
			got := p.ServiceNames()
			sort.Strings(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("services %v, want %v", got, tc.want)
			}
		})
	}
}

// readmeService is one row of the services table in docs/grafana.md's
// "Docker Compose" section.
type readmeService struct {
	image   string // "" when built from the Dockerfile
	ports   []string
	after   []string
	profile string
}

var backticked = regexp.MustCompile("`([^`]*)`")

// readmeServices parses the services table of docs/grafana.md's compose section.
func readmeServices(t *testing.T) map[string]readmeService {
	t.Helper()
	readme := string(readRepoFile(t, "docs/grafana.md"))
	start := strings.Index(readme, "\n## Docker Compose\n")
	if start < 0 {
		t.Fatal(`docs/grafana.md has no "## Docker Compose" section`)
	}
	section := readme[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	out := map[string]readmeService{}
	inTable := false
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| service |") {
			inTable = true
			continue
		}
		if !inTable || strings.HasPrefix(line, "|---") {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if len(out) > 0 {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 4 {
			t.Fatalf("README services table: short row %q", line)
		}
		ticks := func(s string) []string {
			var v []string
			for _, m := range backticked.FindAllStringSubmatch(s, -1) {
				v = append(v, m[1])
			}
			return v
		}
		names := ticks(cells[0])
		if len(names) == 0 {
			t.Fatalf("README services table: no service name in %q", line)
		}
		s := readmeService{ports: ticks(cells[2]), after: ticks(cells[3])}
		if len(names) > 1 && strings.Contains(cells[0], "profile") {
			s.profile = names[1]
		}
		if img := ticks(cells[1]); !strings.Contains(cells[1], "built from") && len(img) > 0 {
			s.image = img[0]
		}
		out[names[0]] = s
	}
	if len(out) == 0 {
		t.Fatal("docs/grafana.md: no services table (header \"| service |\") in \"Docker Compose\"")
	}
	return out
}

// TestComposeMatchesREADME checks services, images, published ports, start
// order and profiles against the table users read.
func TestComposeMatchesREADME(t *testing.T) {
	p := loadCompose(t, "demo", "agent")
	doc := readmeServices(t)
	for _, name := range p.ServiceNames() {
		if _, ok := doc[name]; !ok {
			t.Errorf("service %s is not in the README's table", name)
		}
	}
	for name, want := range doc {
		s, err := p.GetService(name)
		if err != nil {
			t.Errorf("README lists service %s: %v", name, err)
			continue
		}
		if want.image == "" {
			if s.Build == nil || s.Build.Context != p.WorkingDir || s.Build.Dockerfile != "Dockerfile" {
				t.Errorf("%s: README says built from the Dockerfile, compose has build %+v", name, s.Build)
			}
		} else if s.Image != want.image {
			t.Errorf("%s: image %q, README says %q", name, s.Image, want.image)
		}
		var ports []string
		for _, port := range s.Ports {
			if port.Published != strconv.Itoa(int(port.Target)) {
				t.Errorf("%s: port %s:%d; publish each port under its own number, as the README says", name, port.Published, port.Target)
			}
			ports = append(ports, port.Published)
		}
		if !slices.Equal(ports, want.ports) {
			t.Errorf("%s: ports %v, README says %v", name, ports, want.ports)
		}
		var after []string
		for dep, cond := range s.DependsOn {
			after = append(after, dep)
			if cond.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s waits for %s to be %q; want service_healthy", name, dep, cond.Condition)
			}
		}
		sort.Strings(after)
		if !slices.Equal(after, want.after) {
			t.Errorf("%s: depends on %v, README says %v", name, after, want.after)
		}
		var profile string
		if len(s.Profiles) > 0 {
			profile = s.Profiles[0]
		}
		if len(s.Profiles) > 1 || profile != want.profile {
			t.Errorf("%s: profiles %v, README says %q", name, s.Profiles, want.profile)
		}
	}
}

var pinnedTag = regexp.MustCompile(`^[a-z0-9./-]+:[A-Za-z0-9._-]+$`)

// TestComposeServices checks what makes the stack reproducible and
// self-starting: pinned images, healthchecks, named volumes, restarts.
func TestComposeServices(t *testing.T) {
	p := loadCompose(t, "demo", "agent")
	for _, s := range p.Services {
		if !pinnedTag.MatchString(s.Image) || strings.HasSuffix(s.Image, ":latest") {
			t.Errorf("%s: image %q is not pinned to a version tag", s.Name, s.Image)
		}
		if s.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("%s: restart %q, want unless-stopped", s.Name, s.Restart)
		}
		if s.Name == "r-demo" {
			continue // a client: nothing waits for it
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) < 2 || s.HealthCheck.Test[0] != "CMD" {
			t.Errorf("%s: want an exec-form healthcheck (CMD ...), got %+v", s.Name, s.HealthCheck)
		}
	}

	rex, err := p.GetService("rexporter")
	if err != nil {
		t.Fatal(err)
	}
	// The image is distroless: no shell, so the probe is the binary itself,
	// at the path the Dockerfile copies it to.
	if got := []string(rex.HealthCheck.Test); !slices.Equal(got, []string{"CMD", "/rexporter", "healthcheck"}) {
		t.Errorf("rexporter healthcheck %v", got)
	}
	if !slices.Equal([]string(rex.Command), []string{"--listen", "6000", "--metrics", ":9100"}) {
		t.Errorf("rexporter command %v; the README and healthcheck assume --listen 6000 --metrics :9100", rex.Command)
	}

	used := map[string]bool{}
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeVolume {
				used[v.Source] = true
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s: volume %s is not declared", s.Name, v.Source)
				}
			}
		}
	}
	for name := range p.Volumes {
		if !used[name] {
			t.Errorf("volume %s is declared but unused", name)
		}
	}
	for svc, target := range map[string]string{"prometheus": "/prometheus", "grafana": "/var/lib/grafana",
		"prometheus-agent": "/prometheus", "prometheus-central": "/prometheus", "victoriametrics": "/storage"} {
		if m := mountAt(t, p, svc, target); m == nil || m.Type != types.VolumeTypeVolume {
			t.Errorf("%s: want a named volume at %s so data survives `docker compose down`", svc, target)
		}
	}
}

// TestComposeBindMounts checks that every bind-mounted file or directory
// exists in the checkout, is read-only, and has the kind (file or
// directory) the container expects.
func TestComposeBindMounts(t *testing.T) {
	p := loadCompose(t, "demo", "agent")
	root := repoRoot(t)
	n := 0
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			n++
			rel, err := filepath.Rel(root, v.Source)
			if err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s: bind source %s is outside the repository", s.Name, v.Source)
				continue
			}
			fi, err := os.Stat(v.Source)
			if err != nil {
				t.Errorf("%s: bind source %s: %v", s.Name, rel, err)
				continue
			}
			if !v.ReadOnly {
				t.Errorf("%s: %s is mounted read-write; the container only reads it", s.Name, rel)
			}
			// A target with a file extension is a file the program opens;
			// mounting a directory there (or the reverse) breaks at start.
			wantFile := path.Ext(v.Target) != ""
			if wantFile != fi.Mode().IsRegular() {
				t.Errorf("%s: %s -> %s: source is dir=%v, target looks like a file=%v", s.Name, rel, v.Target, fi.IsDir(), wantFile)
			}
			if fi.IsDir() {
				entries, err := os.ReadDir(v.Source)
				if err != nil || len(entries) == 0 {
					t.Errorf("%s: %s is empty", s.Name, rel)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no bind mounts found; the stack needs its configuration mounted")
	}
}

// mountAt returns the service's volume mounted at target, or nil.
func mountAt(t *testing.T, p *types.Project, service, target string) *types.ServiceVolumeConfig {
	t.Helper()
	s, err := p.GetService(service)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Volumes {
		if s.Volumes[i].Target == target {
			return &s.Volumes[i]
		}
	}
	return nil
}
