package main

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatTicks(t *testing.T) {
	// Fields 14 and 15 are utime and stime; the command name may hold
	// spaces and parentheses.
	rest := " S 1 2 3 0 -1 4194304 100 0 0 0 1234 567 0 0 20 0 9 0 1000 123456789 4567 18446744073709551615"
	tests := map[string]struct {
		stat    string
		want    uint64
		wantErr string
	}{
		"plain command":                    {stat: "4242 (rexporter)" + rest, want: 1234 + 567},
		"command with spaces and brackets": {stat: "4242 (a) b (c d)" + rest, want: 1234 + 567},
		"no command name":                  {stat: "4242 rexporter S 1", wantErr: "no ')'"},
		"truncated":                        {stat: "4242 (x) S 1 2 3", wantErr: "fields after the command name"},
		"garbage utime":                    {stat: "4242 (x) S 1 2 3 0 -1 4194304 100 0 0 0 x 567 0", wantErr: "utime"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseStatTicks([]byte(tc.stat))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\trexporter\nVmPeak:\t  812345 kB\nVmHWM:\t   40960 kB\nVmRSS:\t   30720 kB\nThreads:\t9\n"
	tests := map[string]struct {
		status, key string
		want        int64
		wantErr     string
	}{
		"peak RSS":      {status: status, key: "VmHWM", want: 40960 * 1024},
		"current RSS":   {status: status, key: "VmRSS", want: 30720 * 1024},
		"missing key":   {status: status, key: "VmSwap", wantErr: "no VmSwap line"},
		"not in kB":     {status: "VmHWM:\t12 MB\n", key: "VmHWM", wantErr: "unexpected"},
		"prefix only":   {status: "VmHWMx:\t12 kB\n", key: "VmHWM", wantErr: "no VmHWM line"},
		"bad number":    {status: "VmHWM:\tlots kB\n", key: "VmHWM", wantErr: "VmHWM"},
		"no final line": {status: "VmHWM:\t1 kB", key: "VmHWM", want: 1024},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseStatusKB([]byte(tc.status), tc.key)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestParseAuxvClockTicks(t *testing.T) {
	vec := func(pairs ...uint64) []byte {
		var b []byte
		for _, v := range pairs {
			b = binary.NativeEndian.AppendUint64(b, v)
		}
		return b
	}
	tests := map[string]struct {
		auxv   []byte
		want   uint64
		wantOK bool
	}{
		"among other entries": {auxv: vec(6, 4096, 17, 250, 25, 12345, 0, 0), want: 250, wantOK: true},
		"after AT_NULL":       {auxv: vec(6, 4096, 0, 0, 17, 250), wantOK: false},
		"absent":              {auxv: vec(6, 4096, 0, 0), wantOK: false},
		"empty":               {wantOK: false},
		"truncated entry":     {auxv: vec(6, 4096, 17)[:20], wantOK: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseAuxvClockTicks(tc.auxv)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("got %d, %v; want %d, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestProcOfThisProcess reads the real /proc files of the test process.
func TestProcOfThisProcess(t *testing.T) {
	if hz := clockTicks(); hz < 1 || hz > 10000 {
		t.Errorf("clock ticks %v", hz)
	}
	before, err := cpuSeconds(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the counted CPU time moves (a tick is 10 ms), at most 5 s.
	after, x := before, 0
	for deadline := time.Now().Add(5 * time.Second); after <= before && time.Now().Before(deadline); {
		for i := range 1_000_000 {
			x ^= i * i
		}
		if after, err = cpuSeconds(os.Getpid()); err != nil {
			t.Fatal(err)
		}
	}
	if after <= before {
		t.Errorf("CPU seconds stayed at %v for 5 s of spinning (%d)", before, x)
	}
	rss, err := peakRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Errorf("peak RSS %d, %v", rss, err)
	}
	if err := resetPeakRSS(os.Getpid()); err != nil {
		t.Logf("clear_refs not writable here: %v", err)
	}
}
