package recognise

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// validName reports whether s matches ^[a-z][a-z0-9_]*$ without "__" or a
// trailing '_' (what parser.MetricName promises).
func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') || c == '_' && s[i-1] == '_' {
			return false
		}
	}
	return true
}

func checkUpdates(t *testing.T, us []Update) {
	t.Helper()
	for _, u := range us {
		if !validName(u.Name) || u.Source == "" {
			t.Fatalf("bad update %+v", u)
		}
		switch u.Kind {
		case State:
			if u.State == "" || u.Value != 0 {
				t.Fatalf("bad state %+v", u)
			}
		case Progress:
			if math.IsNaN(u.Value) && u.Total == 0 {
				t.Fatalf("bad progress %+v", u)
			}
		}
	}
}

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.std*")
	hand, _ := filepath.Glob("testdata/hand/*.std*")
	for _, name := range append(files, hand...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 4096 {
			b = b[:4096]
		}
		f.Add(b, uint8(7))
	}
	f.Add([]byte("iter  10 value 1\r\n\r\r\n"), uint8(1))
}

// FuzzSet feeds arbitrary output in chunks of a fuzzed size through the
// default recognisers and a user regexp: no panic, every update well
// formed, and no stream buffers more than MaxLine bytes.
func FuzzSet(f *testing.F) {
	addSeeds(f)
	re, err := NewRegexp("mine", `^(?P<name>\w+)=(?P<value>\S+)(?: of (?P<total>\S+))?$`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		set := NewSet(append(Default(), re)...)
		if n&0x80 != 0 {
			set.ReadGrowing()
		}
		size := int(n&0x7f)%64 + 1
		var lines [numStreams]uint64 // '\n's fed per stream
		var last [numStreams]int64   // last claimed line number, -1 before any
		last[Stdout], last[Stderr] = -1, -1
		for i := 0; len(b) > 0; i++ {
			k := min(size, len(b))
			s := Stream(i % 2)
			checkUpdates(t, set.Feed(s, b[:k]))
			if len(set.st[s].buf) > MaxLine {
				t.Fatalf("%d bytes buffered", len(set.st[s].buf))
			}
			lines[s] += uint64(bytes.Count(b[:k], []byte("\n")))
			// Claimed lines are ended lines, numbered in order, each once.
			for _, c := range set.TakeClaimed(s, nil) {
				if int64(c) <= last[s] || c >= lines[s] {
					t.Fatalf("claimed line %d after %d, with %d lines ended", c, last[s], lines[s])
				}
				last[s] = int64(c)
			}
			b = b[k:]
		}
		checkUpdates(t, set.Flush(Stdout))
		checkUpdates(t, set.Flush(Stderr))
	})
}

// FuzzRecognisers hands one arbitrary line, with every combination of the
// Redrawn and Partial flags, to each recogniser on its own.
func FuzzRecognisers(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte, flags uint8) {
		if len(b) > MaxLine {
			b = b[:MaxLine]
		}
		l := Line{Stream: Stream(flags & 1), Text: b, Redrawn: flags&2 != 0, Partial: flags&4 != 0}
		for _, r := range Default() {
			checkUpdates(t, r.Recognise(l, nil))
			if r.Name() == "" {
				t.Fatal("recogniser without a name")
			}
		}
	})
}
