package main

import (
	"bufio"
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAppendFlood(t *testing.T) {
	buf := appendFlood(nil, 3, 98, 3)
	want := stamp + "Flood c3 n98: 1\n" + stamp + "Flood c3 n99: 1\n" + stamp + "Flood c3 n100: 1\n"
	if string(buf) != want {
		t.Errorf("got %q, want %q", buf, want)
	}
	// Names never repeat across connections and batches.
	seen := map[string]bool{}
	re := regexp.MustCompile(`- (Flood c\d+ n\d+): 1$`)
	for conn := range 12 {
		for k := int64(0); k < 300; k += 100 {
			sc := bufio.NewScanner(bytes.NewReader(appendFlood(nil, conn, k, 100)))
			for sc.Scan() {
				m := re.FindStringSubmatch(sc.Text())
				if m == nil || seen[m[1]] {
					t.Fatalf("line %q: malformed or seen before", sc.Text())
				}
				seen[m[1]] = true
			}
		}
	}
}

func TestFloodRates(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int, series, refused float64) floodSample {
		return floodSample{at: t0.Add(time.Duration(ms) * time.Millisecond), series: series, refused: refused}
	}
	tests := map[string]struct {
		polls                []floodSample
		wantNew, wantRefused float64
		wantCap              time.Duration
		wantLower            bool
	}{
		"fills, then refuses": {
			polls:   []floodSample{at(100, 1000+10_000, 0), at(200, 1000+20_000, 0), at(300, 100_000, 5_000), at(400, 100_000, 505_000), at(500, 100_000, 1_005_000)},
			wantNew: 20_000 / 0.2, wantRefused: 1_000_000 / 0.2, wantCap: 300 * time.Millisecond,
		},
		"full at the first poll: a lower bound": {
			polls:   []floodSample{at(50, 100_000, 0), at(150, 100_000, 100)},
			wantNew: 99_000 / 0.05, wantRefused: 100 / 0.1, wantCap: 50 * time.Millisecond, wantLower: true,
		},
		"never full": {
			polls:   []floodSample{at(100, 2000, 0), at(1000, 11_000, 0)},
			wantNew: 10_000, wantRefused: math.NaN(), wantCap: -1,
		},
		"full at the last poll only": {
			polls:   []floodSample{at(100, 51_000, 0), at(200, 100_000, 7)},
			wantNew: 500_000, wantRefused: math.NaN(), wantCap: 200 * time.Millisecond,
		},
		"no polls": {wantNew: math.NaN(), wantRefused: math.NaN(), wantCap: -1},
	}
	same := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 || (math.IsNaN(a) && math.IsNaN(b)) }
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n, r, c, lower := floodRates(tc.polls, t0, 1000, 100_000)
			if !same(n, tc.wantNew) || !same(r, tc.wantRefused) || c != tc.wantCap || lower != tc.wantLower {
				t.Errorf("got %v, %v, %v, %v; want %v, %v, %v, %v", n, r, c, lower, tc.wantNew, tc.wantRefused, tc.wantCap, tc.wantLower)
			}
		})
	}
}

func TestModeTables(t *testing.T) {
	tab := table{header: []string{"names", "messages/s"}, rows: [][]string{{"1000", "1.2 M"}, {"100000", "–"}}}
	var md, txt bytes.Buffer
	if err := tab.markdown(&md); err != nil {
		t.Fatal(err)
	}
	if want := "| names | messages/s |\n| --- | --- |\n| 1000 | 1.2 M |\n| 100000 | – |\n"; md.String() != want {
		t.Errorf("markdown %q, want %q", md.String(), want)
	}
	if err := tab.text(&txt); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(txt.String()), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[2], "100000  ") {
		t.Errorf("text %q", txt.String())
	}

	flood := floodTable(&FloodCmd{Connections: 64, PerWrite: 100, Cap: 100_000, Existing: 1000}, []FloodResult{
		{NewSeriesPerSecond: 6000, CapSeconds: 16, RefusedPerSecond: 1e5, ExistingRatio: 0.5},
		{NewSeriesPerSecond: 5000, CapSeconds: -1, RefusedPerSecond: optFloat(math.NaN()), NewIsLowerBound: true, ExistingRatio: 0.25},
	})
	row := strings.Join(flood.rows[0], " | ")
	for _, want := range []string{"64 conns × 100 new names/write, cap 100000 (1000 existing)", "≥ 5.50 k (5.00 k–6.00 k)", "16.0 s", "100 k", "0.375 (0.25–0.5)"} {
		if !strings.Contains(row, want) {
			t.Errorf("flood row %q lacks %q", row, want)
		}
	}

	scaling := scalingTable([]sizeResult{{Names: 1000, Summary: summarizeMeasurements([]Measurement{{Rate: 2e6, PeakRSS: 30e6, WarmRate: 5000, ScrapeText: 0.008, ScrapeCPU: 0.0065}})},
		{Names: 1_000_000, Error: "--size-timeout 3m0s passed", Summary: summarizeMeasurements(nil)}})
	if got := strings.Join(scaling.rows[0], "|"); got != "1000|2.00 M|–|30.0 MB|8.00 ms|0.0065|–|5.00 k|" {
		t.Errorf("scaling row %q", got)
	}
	if got := scaling.rows[1]; got[1] != "–" || got[8] != "--size-timeout 3m0s passed" {
		t.Errorf("failed size row %q", got)
	}
}
