package textfmt

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	tests := map[string]struct {
		om    bool
		write func(x *Writer)
		want  string
	}{
		"gauge in text": {
			write: func(x *Writer) {
				x.Header("loss", "Last value of R name \"loss\".\nback\\slash", "gauge")
				x.Sample("loss", "", "", 0.25)
				x.Sample("loss", "", Labels([]string{"a", "b"}, []string{"x\"y", "new\nline"}), 3)
			},
			want: "# HELP loss Last value of R name \"loss\".\\nback\\\\slash\n# TYPE loss gauge\n" +
				"loss 0.25\n" +
				"loss{a=\"x\\\"y\",b=\"new\\nline\"} 3\n",
		},
		"gauge in openmetrics": {
			om: true,
			write: func(x *Writer) {
				x.Header("loss", `say "hi"`, "gauge")
				x.Sample("loss", "", "", 3)
				x.Sample("loss", "", "", 1e21)
			},
			want: "# HELP loss say \\\"hi\\\"\n# TYPE loss gauge\nloss 3.0\nloss 1e+21\n",
		},
		"counter family name in openmetrics": {
			om: true,
			write: func(x *Writer) {
				x.Header("n_total", "Messages.", "counter")
				x.Sample("n_total", "", "", 2)
			},
			want: "# HELP n Messages.\n# TYPE n counter\nn_total 2.0\n",
		},
		"histogram in text": {
			write: func(x *Writer) {
				bounds := []float64{0.5, 1}
				labels := Labels([]string{"r_job"}, []string{"fit"})
				x.Buckets("d", labels, x.LeValues(bounds), []uint64{1, 2, 3})
				x.Sample("d", "_sum", labels, 4.5)
				x.Count("d", "_count", labels, 3)
			},
			want: "d_bucket{r_job=\"fit\",le=\"0.5\"} 1\nd_bucket{r_job=\"fit\",le=\"1\"} 2\n" +
				"d_bucket{r_job=\"fit\",le=\"+Inf\"} 3\nd_sum{r_job=\"fit\"} 4.5\nd_count{r_job=\"fit\"} 3\n",
		},
		"histogram in openmetrics": {
			om: true,
			write: func(x *Writer) {
				x.Buckets("d", "", x.LeValues([]float64{1}), []uint64{1, 2})
				x.Count("d", "_count", "", 2)
			},
			want: "d_bucket{le=\"1.0\"} 1\nd_bucket{le=\"+Inf\"} 2\nd_count 2\n",
		},
		"large counts in text are floats": {
			write: func(x *Writer) {
				x.Buckets("d", "", x.LeValues([]float64{1, 2}), []uint64{999999, 1000000, 1234567})
				x.Count("d", "_count", "", 1234567)
			},
			want: "d_bucket{le=\"1\"} 999999\nd_bucket{le=\"2\"} 1e+06\nd_bucket{le=\"+Inf\"} 1.234567e+06\nd_count 1.234567e+06\n",
		},
		"special values": {
			write: func(x *Writer) {
				for _, v := range []float64{math.NaN(), math.Inf(+1), math.Inf(-1), math.Copysign(0, -1), -999999, 1e6, 0.1} {
					x.Sample("v", "", "", v)
				}
			},
			want: "v NaN\nv +Inf\nv -Inf\nv 0\nv -999999\nv 1e+06\nv 0.1\n",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			x := NewWriter(&out, tt.om)
			tt.write(x)
			x.Flush()
			if err := x.Err(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestLeValuesAreFormattedOncePerList(t *testing.T) {
	x := NewWriter(&strings.Builder{}, false)
	bounds := []float64{1, 2}
	a, b := x.LeValues(bounds), x.LeValues(bounds)
	if &a[0] != &b[0] {
		t.Error("the same list was formatted twice")
	}
	if got := string(a); got != "1\x002\x00+Inf\x00" {
		t.Errorf("le values %q", got)
	}
}

type failingWriter struct{ writes int }

var errFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	return 0, errFull
}

func TestWriteErrorStopsWriting(t *testing.T) {
	w := &failingWriter{}
	x := NewWriter(w, false)
	for range 2 * flushAt / 8 {
		x.Sample("x", "", "", 1)
	}
	x.Flush()
	if !errors.Is(x.Err(), errFull) {
		t.Errorf("Err() = %v, want %v", x.Err(), errFull)
	}
	if w.writes != 1 {
		t.Errorf("%d writes, want 1: the first error stops writing", w.writes)
	}
}

func TestResetStartsAfresh(t *testing.T) {
	var first, second strings.Builder
	x := NewWriter(&first, true)
	x.Sample("a", "", "", 1)
	les := x.LeValues([]float64{1})
	x.Reset(&second, false)
	x.Sample("b", "", "", 1)
	x.Flush()
	if first.String() != "" || second.String() != "b 1\n" {
		t.Errorf("after Reset: first %q, second %q", first.String(), second.String())
	}
	if string(les) != "1.0\x00+Inf\x00" {
		t.Errorf("le values %q", les)
	}
}

func TestAppendEscaped(t *testing.T) {
	tests := map[string]struct {
		in          string
		quote       bool
		want        string
		wantInLabel string
	}{
		"plain":              {in: "Last value of", want: "Last value of", wantInLabel: "Last value of"},
		"empty":              {in: "", want: "", wantInLabel: ""},
		"every special":      {in: "a\\b\nc\"d", want: `a\\b\nc"d`, wantInLabel: `a\\b\nc\"d`},
		"specials in a row":  {in: "\\\\\n\n\"\"", want: `\\\\\n\n""`, wantInLabel: `\\\\\n\n\"\"`},
		"special at the end": {in: "R^2 \"", want: `R^2 "`, wantInLabel: `R^2 \"`},
		"utf-8 untouched":    {in: "Größe µ", want: "Größe µ", wantInLabel: "Größe µ"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := string(appendEscaped([]byte("x"), tt.in, false)); got != "x"+tt.want {
				t.Errorf("HELP text: got %q, want %q", got, "x"+tt.want)
			}
			if got := string(appendEscaped(nil, tt.in, true)); got != tt.wantInLabel {
				t.Errorf("label value: got %q, want %q", got, tt.wantInLabel)
			}
		})
	}
}
