package recognise

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .out files from the current output")

// transcripts returns the names of the transcripts in testdata, made by the
// R scripts of testdata/gen, and in testdata/hand, written by hand: each
// has a .stdout file and may have a .stderr file.
func transcripts(t testing.TB) []string {
	t.Helper()
	made, err1 := filepath.Glob("testdata/*.stdout")
	hand, err2 := filepath.Glob("testdata/hand/*.stdout")
	if err1 != nil || err2 != nil || len(made) == 0 || len(hand) == 0 {
		t.Fatalf("no transcripts: %v %v", err1, err2)
	}
	var names []string
	for _, f := range append(made, hand...) {
		rel, _ := filepath.Rel("testdata", f)
		names = append(names, filepath.ToSlash(strings.TrimSuffix(rel, ".stdout")))
	}
	return names
}

func readTranscript(t testing.TB, name string) [numStreams][]byte {
	t.Helper()
	var out [numStreams][]byte
	for s, ext := range [numStreams]string{".stdout", ".stderr"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+ext))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out[s] = b
	}
	return out
}

// format writes one update per line: stream, kind, name, value, R name and source.
func format(w *bytes.Buffer, s Stream, us []Update) {
	for _, u := range us {
		v := strconv.FormatFloat(u.Value, 'g', -1, 64)
		switch u.Kind {
		case Progress:
			v += "/" + strconv.FormatFloat(u.Total, 'g', -1, 64)
		case State:
			v = strconv.Quote(u.State)
		}
		fmt.Fprintf(w, "%s %-8s %-36s %-12s %q [%s]\n", s, u.Kind, u.Name, v, u.RName, u.Source)
	}
}

// feedAll feeds each stream of tr in chunks of size n (all of it when n is
// 0), then flushes it, and returns the formatted updates.
func feedAll(set *Set, tr [numStreams][]byte, n int) []byte {
	var w bytes.Buffer
	for s := Stdout; s < numStreams; s++ {
		b := tr[s]
		for len(b) > 0 {
			k := len(b)
			if n > 0 && n < k {
				k = n
			}
			format(&w, s, set.Feed(s, b[:k]))
			b = b[k:]
		}
		format(&w, s, set.Flush(s))
	}
	return w.Bytes()
}

// TestGolden feeds each transcript made by a real R package (see
// testdata/README.md) through the default Set, one line or redraw at a
// time so that every redraw shows, and compares the updates with
// testdata/<name>.out. TestChunking checks other read sizes against it.
func TestGolden(t *testing.T) {
	for _, name := range transcripts(t) {
		t.Run(name, func(t *testing.T) {
			got := segments(readTranscript(t, name))
			golden := filepath.Join("testdata", name+".out")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("updates differ from %s (run with -update to accept):\n%s", golden, lineDiff(string(want), string(got)))
			}
		})
	}
}

// segments returns the reference updates of a transcript: every stream fed
// one line or redraw at a time, each chunk ending at its '\r' or '\n', so no
// line is ever seen partial and no redraw is skipped.
func segments(tr [numStreams][]byte) []byte {
	set := NewSet()
	var w bytes.Buffer
	for s := Stdout; s < numStreams; s++ {
		b := tr[s]
		for len(b) > 0 {
			k := bytes.IndexAny(b, "\r\n")
			if k < 0 {
				k = len(b)
			} else if b[k] == '\r' && k+1 < len(b) && b[k+1] == '\n' {
				k += 2
			} else {
				k++
			}
			format(&w, s, set.Feed(s, b[:k]))
			b = b[k:]
		}
		format(&w, s, set.Flush(s))
	}
	return w.Bytes()
}

// TestChunking checks what "the last redraw wins" must keep whatever the
// sizes of the reads: with any chunk size, every update is one the whole
// lines give (a line cut by a read is never read as a smaller number) and
// the last update of each metric is the same.
func TestChunking(t *testing.T) {
	for _, name := range transcripts(t) {
		tr := readTranscript(t, name)
		ref := segments(tr)
		allowed := map[string]bool{}
		for _, l := range strings.Split(string(ref), "\n") {
			allowed[l] = true
		}
		wantLast := lastByName(ref)
		for _, n := range []int{1, 2, 3, 5, 7, 16, 61, 512, 0} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				got := feedAll(NewSet(), tr, n)
				for _, l := range strings.Split(string(got), "\n") {
					if !allowed[l] {
						t.Errorf("update %q is not one the whole lines give", l)
					}
				}
				gotLast := lastByName(got)
				for k, v := range wantLast {
					if gotLast[k] != v {
						t.Errorf("last %s = %q, want %q", k, gotLast[k], v)
					}
				}
				if len(gotLast) != len(wantLast) {
					t.Errorf("%d metrics, want %d", len(gotLast), len(wantLast))
				}
			})
		}
	}
}

// lastByName maps "stream name" to the last formatted update of that metric.
func lastByName(out []byte) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) > 3 {
			m[f[0]+" "+f[2]] = l
		}
	}
	return m
}

// lineDiff lists the lines only in want (-) and only in got (+), in order.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i++
			j++
		case j < len(g) && !contains(w[i:], g[j]):
			sb.WriteString("+ " + g[j] + "\n")
			j++
		case i < len(w):
			sb.WriteString("- " + w[i] + "\n")
			i++
		default:
			sb.WriteString("+ " + g[j] + "\n")
			j++
		}
	}
	return sb.String()
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
