package exporter

import (
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// tableSeries makes a series as resolve does, for the name table alone.
func tableSeries(seed maphash.Seed, job, raw string) *series {
	s := &series{hash: nameHash(seed, maphash.String(seed, job), []byte(raw))}
	s.setKey(seriesKey(job, []byte(raw)))
	return s
}

// TestSeriesKey checks that a key is kept whole whether it fits inside the
// series or not, and inside it exactly when it fits.
func TestSeriesKey(t *testing.T) {
	tests := map[string]struct {
		key    string
		inline bool
	}{
		"empty":              {key: "", inline: false},
		"one byte":           {key: "x", inline: true},
		"unnamed job's name": {key: "127.0.0.1\x00Random Poisson", inline: true},
		"exactly the buffer": {key: strings.Repeat("k", inlineKeyBytes), inline: true},
		"one byte too long":  {key: strings.Repeat("k", inlineKeyBytes+1), inline: false},
		"a long R name":      {key: "fit\x00" + strings.Repeat("factor(cyl)6:wt ", 20), inline: false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var s series
			s.setKey(tt.key)
			if s.key != tt.key {
				t.Fatalf("key = %q, want %q", s.key, tt.key)
			}
			inside := len(s.key) > 0 && unsafe.StringData(s.key) == &s.keyBuf[0]
			if inside != tt.inline {
				t.Errorf("inside the series = %v, want %v", inside, tt.inline)
			}
		})
	}
}

// TestNameTable inserts, finds and deletes many names from two jobs, through
// growth and tombstones, and checks every lookup against a plain map.
func TestNameTable(t *testing.T) {
	seed := maphash.MakeSeed()
	tab := newNameTable(minTableSlots)
	want := map[string]*series{}
	jobs := []string{"", "fit"}
	check := func(step string) {
		t.Helper()
		for _, job := range jobs {
			for i := range 3000 {
				raw := fmt.Sprintf("name %d", i)
				got := tab.find(nameHash(seed, maphash.String(seed, job), []byte(raw)), job, []byte(raw))
				if w := want[seriesKey(job, []byte(raw))]; got != w {
					t.Fatalf("%s: find(%q, %q) = %p, want %p", step, job, raw, got, w)
				}
			}
		}
		if tab.live != len(want) {
			t.Fatalf("%s: live = %d, want %d", step, tab.live, len(want))
		}
		if tab.used*2 > len(tab.slots) {
			t.Fatalf("%s: %d of %d slots used, more than half", step, tab.used, len(tab.slots))
		}
	}
	for i := range 2000 {
		for _, job := range jobs {
			s := tableSeries(seed, job, fmt.Sprintf("name %d", i))
			tab = tab.insert(s)
			want[s.key] = s
		}
	}
	check("after inserting 4000")
	for key, s := range want {
		if len(key)%3 == 0 { // about a third
			tab.delete(s)
			delete(want, key)
		}
	}
	check("after deleting")
	for i := 1000; i < 3000; i++ {
		s := tableSeries(seed, "fit", fmt.Sprintf("name %d", i))
		if want[s.key] != nil {
			continue
		}
		tab = tab.insert(s)
		want[s.key] = s
	}
	check("after inserting again over tombstones")
}

// TestNameTableNamesAreExact checks that a job and a name are never taken
// for another job and name whose key text would glue to the same string.
func TestNameTableNamesAreExact(t *testing.T) {
	s := &series{key: seriesKey("ab", []byte("c"))}
	tests := map[string]struct {
		job, raw string
		want     bool
	}{
		"same":               {"ab", "c", true},
		"job shorter":        {"a", "b\x00c", false},
		"name longer":        {"ab", "cd", false},
		"unnamed job":        {"", "ab\x00c", false},
		"same length, other": {"ab", "d", false},
	}
	for name, tc := range tests {
		if got := s.isName(tc.job, []byte(tc.raw)); got != tc.want {
			t.Errorf("%s: isName(%q, %q) = %v, want %v", name, tc.job, tc.raw, got, tc.want)
		}
	}
}

// TestNameTableConcurrentReaders has readers look names up while a writer
// inserts (growing the table) and deletes: run under -race, it checks the
// publication of slots and tables; every name once inserted and never
// deleted must be found from then on.
func TestNameTableConcurrentReaders(t *testing.T) {
	seed := maphash.MakeSeed()
	var mu sync.Mutex                 // stands for Exporter.mu
	var cur atomic.Pointer[nameTable] // stands for Exporter.table
	cur.Store(newNameTable(minTableSlots))
	stable := tableSeries(seed, "", "stable")
	cur.Store(cur.Load().insert(stable))

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got := cur.Load().find(stable.hash, "", []byte("stable")); got != stable {
					t.Errorf("stable name not found: %p", got)
					return
				}
			}
		})
	}
	for i := range 5000 {
		mu.Lock()
		s := tableSeries(seed, "", fmt.Sprintf("n%d", i))
		tab := cur.Load().insert(s)
		cur.Store(tab)
		if i%2 == 0 {
			tab.delete(s)
		}
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
}
