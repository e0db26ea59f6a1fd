package mapping

import (
	"fmt"
	"strings"
	"testing"
)

// benchMapper builds a file of n rules made by rule(i).
func benchMapper(b *testing.B, n int, rule func(i int) string) *Mapper {
	b.Helper()
	var sb strings.Builder
	sb.WriteString("rules:\n")
	for i := range n {
		sb.WriteString(rule(i))
	}
	m, err := Parse([]byte(sb.String()), "bench.yml")
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func BenchmarkMap(b *testing.B) {
	globs := func(i int) string {
		return fmt.Sprintf("  - match: 'metric%02d *'\n    name: m%02d\n", i, i)
	}
	globCaptures := func(i int) string {
		return fmt.Sprintf("  - match: 'metric%02d *'\n    name: m%02d_$1\n    labels: {k: $1}\n", i, i)
	}
	regexes := func(i int) string {
		return fmt.Sprintf("  - match_regex: '^metric%02d (\\w+)$'\n    name: m%02d\n", i, i)
	}
	regexCaptures := func(i int) string {
		return fmt.Sprintf("  - match_regex: '^metric%02d (\\w+)$'\n    name: m%02d_$1\n    labels: {k: $1}\n", i, i)
	}
	exact := func(i int) string {
		return fmt.Sprintf("  - match: 'metric%02d x'\n    name: m%02d\n", i, i)
	}
	cases := []struct {
		name  string
		m     *Mapper
		rName string
	}{
		{"no rules", Default(), "Random Poisson"},
		{"20 globs/no match", benchMapper(b, 20, globs), "Random Poisson"},
		{"20 globs/last matches", benchMapper(b, 20, globs), "metric19 x"},
		{"20 globs with captures/last matches", benchMapper(b, 20, globCaptures), "metric19 x"},
		{"20 exact globs/last matches", benchMapper(b, 20, exact), "metric19 x"},
		{"20 regexes/no match", benchMapper(b, 20, regexes), "Random Poisson"},
		{"20 regexes/last matches", benchMapper(b, 20, regexes), "metric19 x"},
		{"20 regexes with captures/last matches", benchMapper(b, 20, regexCaptures), "metric19 x"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.m.Map(c.rName)
			}
		})
	}
}
