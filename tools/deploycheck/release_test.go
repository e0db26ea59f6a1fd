package deploycheck

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// releasePlatforms are the platforms scripts/release builds by default.
var releasePlatforms = []string{"darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64"}

// TestRelease runs scripts/release into a temporary directory, signing with
// a throwaway minisign key pair, and checks what a user would: the signature
// of sha256sums.txt (with minisign itself), every checksum, each archive's
// contents and binary format, the SBOMs, and that the linux/amd64 binary's
// --version reports the commit it was built from.
func TestRelease(t *testing.T) {
	t.Parallel() // runs beside TestRemoteWriteRecipe, which mostly waits
	minisign := requireTool(t, "minisign", "minisign")
	root := repoRoot(t)
	keys, out := t.TempDir(), t.TempDir()
	pub, sec := filepath.Join(keys, "release.pub"), filepath.Join(keys, "release.key")
	run(t, keys, nil, minisign, "-G", "-W", "-p", pub, "-s", sec)

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "release"), out)
	cmd.Dir = t.TempDir() // the script must not depend on the caller's directory
	cmd.Env = append(os.Environ(), "MINISIGN_SECRET_KEY="+sec, "MINISIGN_PUBLIC_KEY="+pub, "VERSION=9.9.9-test")
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/release: %v\n%s", err, b)
	}
	t.Logf("scripts/release took %v", time.Since(start).Round(100*time.Millisecond))

	// The signature, checked by minisign with the public key, and by the
	// checksums it covers.
	run(t, out, nil, minisign, "-V", "-p", pub, "-m", "sha256sums.txt")
	sums := readSums(t, filepath.Join(out, "sha256sums.txt"))
	files, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, f := range files {
		if n := f.Name(); n != "sha256sums.txt" && n != "sha256sums.txt.minisig" {
			listed = append(listed, n)
		}
	}
	var summed []string
	for name, want := range sums {
		summed = append(summed, name)
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != want {
			t.Errorf("%s: sha256 does not match sha256sums.txt", name)
		}
	}
	sort.Strings(summed)
	if !slices.Equal(listed, summed) {
		t.Errorf("files %v, sha256sums.txt covers %v", listed, summed)
	}
	// A changed checksum file must fail verification.
	tampered := filepath.Join(keys, "sha256sums.txt")
	b, _ := os.ReadFile(filepath.Join(out, "sha256sums.txt"))
	_ = os.WriteFile(tampered, append(b, '\n'), 0o644)
	if err := exec.Command(minisign, "-V", "-q", "-p", pub, "-m", tampered, "-x", filepath.Join(out, "sha256sums.txt.minisig")).Run(); err == nil {
		t.Error("minisign accepted a changed sha256sums.txt")
	}

	wantDocs := []string{"README.md"}
	if _, err := os.Stat(filepath.Join(root, "LICENSE")); err == nil {
		wantDocs = append(wantDocs, "LICENSE")
	}
	revision := strings.TrimSpace(run(t, root, nil, "git", "rev-parse", "HEAD"))
	for _, platform := range releasePlatforms {
		os_, arch, _ := strings.Cut(platform, "/")
		t.Run(platform, func(t *testing.T) {
			base := "rexporter-9.9.9-test." + os_ + "-" + arch
			exe, archive := "rexporter", base+".tar.gz"
			if os_ == "windows" {
				exe, archive = "rexporter.exe", base+".zip"
			}
			contents := readArchive(t, filepath.Join(out, archive))
			var names []string
			for n := range contents {
				names = append(names, n)
			}
			want := []string{base + "/" + exe}
			for _, d := range wantDocs {
				want = append(want, base+"/"+d)
			}
			sort.Strings(names)
			sort.Strings(want)
			if !slices.Equal(names, want) {
				t.Fatalf("%s holds %v, want %v", archive, names, want)
			}
			bin := contents[base+"/"+exe]
			if got := binaryPlatform(t, bin); got != platform {
				t.Errorf("%s: binary is for %s", archive, got)
			}
			if !bytes.Contains(bin, []byte(revision)) {
				t.Errorf("%s: binary does not carry revision %s", archive, revision)
			}
			checkSBOM(t, filepath.Join(out, base+".cdx.json"))
			if platform != "linux/amd64" {
				return
			}
			path := filepath.Join(t.TempDir(), exe)
			if err := os.WriteFile(path, bin, 0o755); err != nil {
				t.Fatal(err)
			}
			version := run(t, root, nil, path, "--version")
			for _, want := range []string{"9.9.9-test", "revision: " + revision, "branch: "} {
				if !strings.Contains(version, want) {
					t.Errorf("--version lacks %q:\n%s", want, version)
				}
			}
		})
	}
}

// TestReleasePublicKey checks the repository's minisign.pub, the key users
// verify releases with: one untrusted comment and one Ed25519 public key.
func TestReleasePublicKey(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(readRepoFile(t, "minisign.pub"))), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "untrusted comment: ") {
		t.Fatalf("minisign.pub: want a comment line and a key line, got %q", lines)
	}
	// "Ed" + 8-byte key id + 32-byte key, base64: 56 characters.
	if k := lines[1]; len(k) != 56 || !strings.HasPrefix(k, "RWR") {
		t.Errorf("minisign.pub: %q is not a minisign Ed25519 public key", k)
	}
}

// run runs a program and returns its standard output; a failure fails the test.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr.String())
	}
	return string(out)
}

// readSums reads a sha256sum file: hex digest, two spaces (or space and
// star), file name.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("sha256sums.txt: bad line %q", sc.Text())
		}
		sums[name] = sum
	}
	if len(sums) == 0 {
		t.Fatal("sha256sums.txt is empty")
	}
	return sums
}

// readArchive returns the regular files of a .tar.gz or .zip by name.
func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name] = b
		}
		return files
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: %s owned by %d:%d, want 0:0", path, h.Name, h.Uid, h.Gid)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
}

// binaryPlatform tells the GOOS/GOARCH an executable was built for.
func binaryPlatform(t *testing.T, b []byte) string {
	t.Helper()
	r := bytes.NewReader(b)
	if f, err := elf.NewFile(r); err == nil {
		switch f.Machine {
		case elf.EM_X86_64:
			return "linux/amd64"
		case elf.EM_AARCH64:
			return "linux/arm64"
		}
		return "linux/" + f.Machine.String()
	}
	if f, err := macho.NewFile(r); err == nil {
		if f.Cpu == macho.CpuArm64 {
			return "darwin/arm64"
		}
		return "darwin/" + f.Cpu.String()
	}
	if f, err := pe.NewFile(r); err == nil {
		if f.Machine == pe.IMAGE_FILE_MACHINE_AMD64 {
			return "windows/amd64"
		}
		return fmt.Sprintf("windows/%#x", f.Machine)
	}
	return "unknown"
}

// checkSBOM checks that a CycloneDX SBOM describes rexporter and lists the
// modules it is built from.
func checkSBOM(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Component struct {
				Name, Version string
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &bom); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion == "" {
		t.Errorf("%s: bomFormat %q specVersion %q", path, bom.BOMFormat, bom.SpecVersion)
	}
	if bom.Metadata.Component.Name != "github.com/rexporter/rexporter" {
		t.Errorf("%s: describes %q", path, bom.Metadata.Component.Name)
	}
	var mods []string
	for _, c := range bom.Components {
		mods = append(mods, c.Name)
	}
	for _, want := range []string{"github.com/prometheus/client_golang", "github.com/alecthomas/kong"} {
		if !slices.Contains(mods, want) {
			t.Errorf("%s: components %v lack %s", path, mods, want)
		}
	}
}

// TestReleaseBuildsLikeDockerfile checks that scripts/release and the
// Dockerfile build through scripts/build with the same settings, and that
// the Dockerfile cross-compiles for the platform buildx asks for.
func TestReleaseBuildsLikeDockerfile(t *testing.T) {
	release := string(readRepoFile(t, "scripts/release"))
	docker := string(readRepoFile(t, "Dockerfile"))
	for _, want := range []string{"CGO_ENABLED=0", `EXTRA_LDFLAGS="-s -w"`, "scripts/build"} {
		if !strings.Contains(release, want) {
			t.Errorf("scripts/release lacks %s", want)
		}
		if !strings.Contains(docker, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	for _, want := range []string{`GOOS="$TARGETOS"`, `GOARCH="$TARGETARCH"`, "--platform=$BUILDPLATFORM"} {
		if !strings.Contains(docker, want) {
			t.Errorf("Dockerfile lacks %s (multi-arch builds)", want)
		}
	}
	for _, p := range releasePlatforms {
		if !strings.Contains(release, p) {
			t.Errorf("scripts/release does not build %s by default", p)
		}
	}
}
