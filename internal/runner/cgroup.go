package runner

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// OOMKills returns how many processes the kernel's OOM killer has killed in
// the memory cgroup of process pid (0: this process): oom_kill in
// memory.events (cgroup v2) or memory.oom_control (v1). ok is false when
// neither is readable.
func OOMKills(pid int) (n uint64, ok bool) {
	return oomKills("/proc", "/sys/fs/cgroup", pid)
}

func oomKills(proc, root string, pid int) (uint64, bool) {
	f := oomFile(proc, root, pid)
	if f == "" {
		return 0, false
	}
	return readOOMKill(f)
}

// OOMFile returns the memory events file of process pid's memory cgroup (0:
// this process), "" when none is readable.
func OOMFile(pid int) string { return oomFile("/proc", "/sys/fs/cgroup", pid) }

func oomFile(proc, root string, pid int) string {
	self := "self"
	if pid > 0 {
		self = strconv.Itoa(pid)
	}
	b, err := os.ReadFile(filepath.Join(proc, self, "cgroup"))
	if err != nil {
		return ""
	}
	var files []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			files = append(files,
				filepath.Join(root, parts[2], "memory.events"),
				filepath.Join(root, "unified", parts[2], "memory.events"))
		case hasController(parts[1], "memory"):
			files = append(files, filepath.Join(root, "memory", parts[2], "memory.oom_control"))
		}
	}
	for _, f := range files {
		if _, ok := readOOMKill(f); ok {
			return f
		}
	}
	return ""
}

func hasController(list, c string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == c {
			return true
		}
	}
	return false
}

// readOOMKill reads the "oom_kill N" line of a memory events file.
func readOOMKill(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
