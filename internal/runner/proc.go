package runner

import (
	"bytes"
	"os"
	"strconv"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// Usage is a sample of a process tree's resource use.
type Usage struct {
	CPUSeconds float64 // user and system time, children reaped by the tree included
	RSSBytes   float64 // resident memory summed over the live processes
}

// procStat is what Sample needs from /proc/<pid>/stat.
type procStat struct {
	ppid  int
	ticks uint64 // utime + stime + cutime + cstime
	rss   uint64 // pages
}

// readStat parses /proc/<pid>/stat. The command name may hold spaces and
// parentheses, so the fields are counted from its last ')'.
func readStat(proc string, pid int) (procStat, bool) {
	b, err := os.ReadFile(proc + "/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): ppid is field 4, utime..cstime 14..17, rss 24.
	if len(f) < 22 {
		return procStat{}, false
	}
	num := func(k int) uint64 { n, _ := strconv.ParseUint(string(f[k-3]), 10, 64); return n }
	return procStat{ppid: int(num(4)), ticks: num(14) + num(15) + num(16) + num(17), rss: num(24)}, true
}

// Sample adds up the CPU time and resident memory of the process root and
// all its descendants (parallel's forks, future's workers on the same
// node). The CPU time of a descendant that has ended counts once its parent
// reaped it (cutime, cstime); shared pages count in every process that maps
// them, as top's RES does.
func Sample(root int) Usage {
	return sample("/proc", root)
}

func sample(proc string, root int) Usage {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return Usage{}
	}
	stats := map[int]procStat{}
	children := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(proc, pid); ok {
			stats[pid] = st
			children[st.ppid] = append(children[st.ppid], pid)
		}
	}
	var ticks, pages uint64
	seen := map[int]bool{}
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		st, ok := stats[pid]
		if !ok || seen[pid] {
			continue
		}
		seen[pid] = true
		ticks += st.ticks
		pages += st.rss
		queue = append(queue, children[pid]...)
	}
	return Usage{CPUSeconds: float64(ticks) / clockTicks, RSSBytes: float64(pages) * float64(os.Getpagesize())}
}
