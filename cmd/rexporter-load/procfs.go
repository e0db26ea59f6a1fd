package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
)

// atClkTck is the auxiliary-vector entry with the kernel's clock ticks per
// second (USER_HZ), the unit of utime and stime in /proc/<pid>/stat; it is
// what getconf CLK_TCK prints.
const atClkTck = 17

// clockTicks is USER_HZ, read once from /proc/self/auxv (100 if unreadable).
var clockTicks = sync.OnceValue(func() float64 {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	if hz, ok := parseAuxvClockTicks(b); ok {
		return float64(hz)
	}
	return 100
})

// parseAuxvClockTicks finds AT_CLKTCK in an auxiliary vector of native
// word-sized (type, value) pairs.
func parseAuxvClockTicks(b []byte) (uint64, bool) {
	for ; len(b) >= 16; b = b[16:] {
		typ, val := binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint64(b[8:])
		if typ == 0 { // AT_NULL ends the vector
			break
		}
		if typ == atClkTck && val > 0 {
			return val, true
		}
	}
	return 0, false
}

// parseStatTicks returns utime+stime, in clock ticks, from the contents of
// /proc/<pid>/stat. The command name (field 2) is in parentheses and may
// itself contain spaces and parentheses, so fields are counted from the last
// ')'.
func parseStatTicks(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	// Fields after ")": 3 state, …, 14 utime, 15 stime.
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	utime, err := strconv.ParseUint(string(f[11]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	stime, err := strconv.ParseUint(string(f[12]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return utime + stime, nil
}

// parseStatusKB returns a "Key:  1234 kB" line of /proc/<pid>/status in bytes.
func parseStatusKB(b []byte, key string) (int64, error) {
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte(key+":"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, fmt.Errorf("%s: unexpected %q", key, bytes.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", key, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no %s line", key)
}

// cpuSeconds is the process's user plus system CPU time so far.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := parseStatTicks(b)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return float64(ticks) / clockTicks(), nil
}

// peakRSS is the process's peak resident set size (VmHWM) in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusKB(b, "VmHWM")
}

// resetPeakRSS sets VmHWM back to the current RSS (writing 5 to clear_refs),
// so that a running exporter's peak covers this measurement only.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
