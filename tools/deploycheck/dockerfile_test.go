package deploycheck

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// TestDockerfileLint lints the shipped Dockerfile with BuildKit's linter,
// experimental rules included (the file asks for them), and wants no
// warning at all.
func TestDockerfileLint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	warnings, images, err := DockerfileLint(ctx, "Dockerfile", readRepoFile(t, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Error(w)
	}
	// Base images with build arguments expanded and names normalized, as a
	// build would pull them.
	for _, img := range images {
		if !pinnedTag.MatchString(img) || strings.HasSuffix(img, ":latest") {
			t.Errorf("base image %q is not pinned to a tag", img)
		}
	}
	want := []string{"docker.io/library/golang:" + goVersion(t) + "-bookworm", "gcr.io/distroless/static-debian12:nonroot"}
	slices.Sort(images)
	slices.Sort(want)
	if !slices.Equal(images, want) {
		t.Errorf("base images %v, want %v", images, want)
	}
}

// TestDockerfileLinterCatches makes sure the offline linter setup really
// reports problems: each broken Dockerfile must produce its rule's warning.
func TestDockerfileLinterCatches(t *testing.T) {
	tests := map[string]struct {
		dockerfile string
		want       string
	}{
		"clean":                {dockerfile: "FROM alpine:3.20\nCMD [\"true\"]\n"},
		"lower-case as":        {dockerfile: "FROM alpine:3.20 as base\nCMD [\"true\"]\n", want: "FromAsCasing"},
		"shell-form CMD":       {dockerfile: "FROM alpine:3.20\nCMD true\n", want: "JSONArgsRecommended"},
		"undefined variable":   {dockerfile: "FROM alpine:3.20\nENV GREETING=$NOT_DEFINED\nCMD [\"true\"]\n", want: "UndefinedVar"},
		"maintainer":           {dockerfile: "FROM alpine:3.20\nMAINTAINER me\nCMD [\"true\"]\n", want: "MaintainerDeprecated"},
		"stage description":    {dockerfile: "# check=experimental=all\n\n# compiles things\nFROM alpine:3.20 AS build\nCMD [\"true\"]\n", want: "InvalidDefinitionDescription"},
		"legacy ENV":           {dockerfile: "FROM alpine:3.20\nENV A b\nCMD [\"true\"]\n", want: "LegacyKeyValueFormat"},
		"duplicate stage name": {dockerfile: "FROM alpine:3.20 AS a\nFROM alpine:3.20 AS a\nCMD [\"true\"]\n", want: "DuplicateStageName"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			warnings, _, err := DockerfileLint(ctx, "Dockerfile", []byte(tc.dockerfile))
			got := strings.Join(warnings, "\n")
			if err != nil {
				got += "\nerror: " + err.Error()
			}
			switch {
			case tc.want == "" && got != "":
				t.Errorf("unexpected warnings:\n%s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("want %s, got:\n%s", tc.want, got)
			}
		})
	}
}

// TestDockerfileContents checks what the issue asks of the image beyond lint:
// multi-stage, static, non-root distroless, the two ports, a shell-free
// healthcheck and the version stamped in at build time.
func TestDockerfileContents(t *testing.T) {
	dt := readRepoFile(t, "Dockerfile")
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		t.Fatal(err)
	}
	stages, metaArgs, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages; want a build stage and a runtime stage", len(stages))
	}
	goVer := ""
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Key == "GO_VERSION" && kv.Value != nil {
				goVer = *kv.Value
			}
		}
	}
	if want := goVersion(t); goVer != want {
		t.Errorf("ARG GO_VERSION=%s, go.mod says go %s", goVer, want)
	}

	build, final := stages[0], stages[len(stages)-1]
	var buildRun string
	for _, c := range build.Commands {
		if r, ok := c.(*instructions.RunCommand); ok && strings.Contains(strings.Join(r.CmdLine, " "), "scripts/build") {
			buildRun = strings.Join(r.CmdLine, " ")
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "scripts/build /out/rexporter"} {
		if !strings.Contains(buildRun, want) {
			t.Errorf("build stage's scripts/build run lacks %q:\n%s", want, buildRun)
		}
	}
	// scripts/build is what sets the version variables; the build arguments
	// reach it as environment variables.
	for _, arg := range []string{"VERSION", "REVISION", "BRANCH"} {
		found := false
		for _, c := range build.Commands {
			if a, ok := c.(*instructions.ArgCommand); ok {
				for _, kv := range a.Args {
					found = found || kv.Key == arg
				}
			}
		}
		if !found {
			t.Errorf("build stage has no ARG %s for scripts/build", arg)
		}
	}
	script := string(readRepoFile(t, "scripts/build"))
	for _, want := range []string{"-trimpath",
		"-X $pkg.Version=$version", "-X $pkg.Revision=$revision", "-X $pkg.Branch=$branch",
		"pkg=github.com/prometheus/common/version", "${VERSION:-", "${REVISION:-", "${BRANCH:-"} {
		if !strings.Contains(script, want) {
			t.Errorf("scripts/build lacks %q", want)
		}
	}

	if !strings.HasPrefix(final.BaseName, "gcr.io/distroless/static") || !strings.HasSuffix(final.BaseName, ":nonroot") {
		t.Errorf("runtime base %q, want distroless static :nonroot", final.BaseName)
	}
	var user string
	var exposed []string
	var health *instructions.HealthCheckCommand
	var entrypoint []string
	copied := false
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.ExposeCommand:
			exposed = append(exposed, c.Ports...)
		case *instructions.HealthCheckCommand:
			health = c
		case *instructions.EntrypointCommand:
			entrypoint = c.CmdLine
			if c.PrependShell {
				t.Error("ENTRYPOINT in shell form; distroless has no shell")
			}
		case *instructions.CopyCommand:
			if c.From == build.Name && slices.Contains(c.SourcePaths, "/out/rexporter") && c.DestPath == "/rexporter" {
				copied = true
			}
		}
	}
	if user == "" || user == "root" || strings.HasPrefix(user, "0") {
		t.Errorf("runtime USER %q; want a non-root user", user)
	}
	if !slices.Equal(exposed, []string{"6000", "9100"}) {
		t.Errorf("EXPOSE %v, want 6000 9100", exposed)
	}
	if !copied || !slices.Equal(entrypoint, []string{"/rexporter"}) {
		t.Errorf("want the binary copied from %s to /rexporter and run as ENTRYPOINT, got entrypoint %v", build.Name, entrypoint)
	}
	if health == nil || !slices.Equal(health.Health.Test, []string{"CMD", "/rexporter", "healthcheck"}) {
		t.Errorf("HEALTHCHECK %+v; want exec form CMD [\"/rexporter\", \"healthcheck\"] (no shell in the image)", health)
	}
}

// TestDockerignoreKeepsSources checks that .dockerignore leaves in every file
// `go build ./cmd/rexporter` needs, as `go list` reports them.
func TestDockerignoreKeepsSources(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{range .GoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		"./cmd/rexporter")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		rel, err := filepath.Rel(root, sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		needed = append(needed, filepath.ToSlash(rel))
	}
	if len(needed) < 5 {
		t.Fatalf("go list found only %v", needed)
	}
	for _, file := range needed {
		if excluded, err := pm.MatchesOrParentMatches(file); err != nil || excluded {
			t.Errorf(".dockerignore excludes %s, which the build needs (err %v)", file, err)
		}
	}
	for _, file := range []string{".git/HEAD", "tools/go.mod", "deploy/prometheus/prometheus.yml"} {
		if excluded, _ := pm.MatchesOrParentMatches(file); !excluded {
			t.Errorf(".dockerignore lets %s into the build context", file)
		}
	}
}

var goLine = regexp.MustCompile(`(?m)^go (\S+)$`)

// goVersion is the go line of the main module's go.mod.
func goVersion(t *testing.T) string {
	t.Helper()
	m := goLine.FindSubmatch(readRepoFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	return string(m[1])
}
