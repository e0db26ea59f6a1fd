package parser

import (
	"testing"
	"time"
)

const (
	multiFieldLine = "[2026-11-25 17:06:16] - loss: 0.2531, accuracy: 0.9134; epoch: 12, lr: 1e-04, elapsed: 35.27"
	scientificLine = "a: 1e+05, b: 1e-04, c: NaN, d: -Inf, e: NA, f: 1.79769313486232e+308"
	unitLine       = "[2026-11-25 17:06:16] - elapsed: 1.5 mins, size: 2.3 Mb; done: 45%, fit: Time difference of 3.2 secs"
	progressLine   = "[2026-11-25 17:06:16] - Epoch: 45/100"
	stateLine      = "[2026-11-25 17:06:16] - Status: fitting model"
	coefLine       = "[2026-11-25 17:06:16] - (Intercept): 37.2, wt: -3.87, wt:hp: 0.027, factor(cyl)6: -4.26, R^2: 0.84"
	bigMarkLine    = "[2026-11-25 17:06:16] - Rows: 1,234,567, Loss: 0.5"
)

func BenchmarkParse(b *testing.B) {
	lines := []struct{ name, line string }{
		{"blog", blogLine},
		{"multi_field", multiFieldLine},
		{"scientific_and_special", scientificLine},
		{"unit", "[2026-11-25 17:06:16] - Elapsed: 1.5 mins"},
		{"units", unitLine},
		{"progress", progressLine},
		{"state", stateLine},
		{"coef", coefLine},
		{"big_mark", bigMarkLine},
	}
	for _, l := range lines {
		b.Run(l.name, func(b *testing.B) {
			line := []byte(l.line)
			var m Message
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if err := Parse(line, &m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

func BenchmarkParseTimestamp(b *testing.B) {
	stamps := []struct{ name, ts string }{
		{"R", "2026-11-25 17:06:16"},
		{"R_fraction_zone", "2026-11-25 17:06:16.123456 UTC"},
		{"RFC3339", "2026-11-25T17:09:07.5+01:00"},
		{"epoch", "1764090547.25"},
	}
	loc := time.FixedZone("CET", 3600)
	for _, s := range stamps {
		b.Run(s.name, func(b *testing.B) {
			raw := []byte(s.ts)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseTimestamp(raw, loc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMetricName(b *testing.B) {
	names := []struct{ name, raw string }{
		{"ascii", "Random Poisson"},
		{"latin1", "Temp\xe9rature moyenne"},
		{"cjk", "温度"},
	}
	for _, n := range names {
		b.Run(n.name, func(b *testing.B) {
			raw := []byte(n.raw)
			b.ReportAllocs()
			for b.Loop() {
				MetricName(raw)
			}
		})
	}
}
