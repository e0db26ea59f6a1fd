package exporter

import (
	"hash/maphash"
	"sync/atomic"
)

// nameTable finds the series of an R name from a job without a lock: every
// connection looks up every field of every message, and even a read lock
// is a write to a shared cache line. It is an open-addressing hash table of
// series pointers; readers load slots atomically, and writers (holding
// Exporter.mu) store into them or, to grow, build a new table and swap it in.
// A reader may still find a series that was just removed, as it may still
// hold one from before: its update is then lost with the series, which is
// what removal means.
type nameTable struct {
	slots []tableSlot
	used  int // slots holding a series or a tombstone
	live  int
}

// tableSlot holds a series and its hash: a probe compares the hash without
// touching the series, which is likely not in the CPU's cache.
type tableSlot struct {
	hash atomic.Uint64
	s    atomic.Pointer[series]
}

// tombstone marks a slot whose series was removed, so that probes go on past it.
var tombstone = new(series)

// minTableSlots is the size of a new table; a power of two.
const minTableSlots = 64

func newNameTable(slots int) *nameTable {
	return &nameTable{slots: make([]tableSlot, slots)}
}

// nameHash hashes an R name together with the hash of its job's r_job value.
func nameHash(seed maphash.Seed, jobHash uint64, raw []byte) uint64 {
	return maphash.Bytes(seed, raw) ^ jobHash*0x9e3779b97f4a7c15
}

// find returns the series of raw from the job whose r_job value is job, or
// nil. The table is at most half full, so a probe always meets an empty slot.
func (t *nameTable) find(h uint64, job string, raw []byte) *series {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		slot := &t.slots[i]
		s := slot.s.Load()
		if s == nil {
			return nil
		}
		if slot.hash.Load() == h && s != tombstone && s.isName(job, raw) {
			return s
		}
	}
}

// insert adds a series, returning the table to use from now on (a bigger
// one when this one would be more than half full). Called with Exporter.mu held.
func (t *nameTable) insert(s *series) *nameTable {
	if (t.used+1)*2 > len(t.slots) {
		t = t.rebuilt(max(minTableSlots, nextPow2((t.live+1)*4)))
	}
	mask := uint64(len(t.slots) - 1)
	for i := s.hash & mask; ; i = (i + 1) & mask {
		switch cur := t.slots[i].s.Load(); cur {
		case nil:
			t.used++
			fallthrough
		case tombstone:
			// The hash first: a reader that sees the series sees its hash.
			t.slots[i].hash.Store(s.hash)
			t.slots[i].s.Store(s)
			t.live++
			return t
		}
	}
}

// delete replaces a series by a tombstone. Called with Exporter.mu held.
func (t *nameTable) delete(s *series) {
	mask := uint64(len(t.slots) - 1)
	for i := s.hash & mask; ; i = (i + 1) & mask {
		switch t.slots[i].s.Load() {
		case nil:
			return
		case s:
			t.slots[i].s.Store(tombstone)
			t.live--
			return
		}
	}
}

// rebuilt returns a new table of the given size with the live series.
func (t *nameTable) rebuilt(size int) *nameTable {
	n := newNameTable(size)
	mask := uint64(size - 1)
	for i := range t.slots {
		s := t.slots[i].s.Load()
		if s == nil || s == tombstone {
			continue
		}
		j := s.hash & mask
		for n.slots[j].s.Load() != nil {
			j = (j + 1) & mask
		}
		n.slots[j].hash.Store(s.hash)
		n.slots[j].s.Store(s)
		n.used++
		n.live++
	}
	return n
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}
