package recognise

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
)

// feed feeds input in one chunk to a Set of r (the default recognisers when
// r is nil) and returns the updates. Without flush, an unfinished line is
// left unfinished, as when the job is still running.
func feed(r []Recogniser, stream Stream, input string, flush bool) []Update {
	set := NewSet(r...)
	var got []Update
	got = append(got, set.Feed(stream, []byte(input))...)
	if flush {
		got = append(got, set.Flush(stream)...)
	}
	return got
}

// TestLeaveAlone lists, per recogniser, lines of a job's own log it must not
// turn into a metric: each is fed to the whole default Set.
func TestLeaveAlone(t *testing.T) {
	tests := map[string]string{
		"log line with numbers":            "[2026-11-25 17:06:16] loaded 150 rows, 5 columns in 0.3 s\n",
		"optim: iter in prose":             "the iter 10 value was 3 in the last run\niter 10 value\niter 10 value 3.2 and more\niteration 10 value 3\n",
		"optim: converged without trace":   "converged\nstopped after 60 iterations\n",
		"optim: redrawn trace":             "\riter  10 value 52.385830\r",
		"nlminb: times and prose":          "  12:30: meeting notes\n10: 7.5 and more\n  3: 1.5: ok\n 4:2: 1\n",
		"glm: prose":                       "Deviance = low Iterations - many\nDeviance = 3 Iterations\nDeviance is 3\n",
		"lme4: f(x) without iteration":     "\tf(x) = 12.5\niteration: the first\niteration: 3 done\n",
		"gbm: rows without header":         "     1        0.3970          0.4475     0.1000    0.0548\n",
		"gbm: header of prose":             "Iter count 12 and 0.5 step\n     1        1.2345\n",
		"gbm: row of another width":        "Iter   TrainDeviance   ValidDeviance\n     1        0.3970\n",
		"gbm: table ended by a log line":   "Iter   TrainDeviance\nfitting done\n     2        0.3\n",
		"randomForest: row alone":          "   10:   7.43%  0.00%\n  10 |    9.911    28.17 |\n",
		"randomForest: ntree in prose":     "ntree is 50\n   10:   7.43%\n",
		"caret: lists in a log":            "- item one: a list\n+ Fold: nothing\n+ Fold1 without colon\n-Fold1: x\nAggregating results\nFitting final model on full training set\n",
		"stan: prose":                      "Chain of custody: 3 files\nIteration: 3 of the outer loop\nChain 1: Iteration: 3 / 4 [ 75%] (Burn-in)\nChain 99999: Iteration: 1 / 2 [ 50%]  (Warmup)\n",
		"stan: elapsed continuation alone": "Chain 1:                0.04 seconds (Sampling)\n               0.5 seconds (Total)\n",
		"txt: bar-like log lines":          "==========\n  |   | 50%\n|a table | 12%\n",
		"txt: redrawn text":                "\rloading...\rstill loading 50\r\n",
		"pbapply: log line":                "elapsed=01s, remaining~01s is what pbapply prints\n  |+++| 50% ~01s\n",
		"progress: log line":               "[====] 100% of the log is fine\n[2026-11-25] 3/4 done 50%\n",
		"progress: brackets of text":       "\r[abc] 50%\r",
		"cli: log line":                    "50% | ETA: unknown\n ■■■  50% | ETA:  2s\n",
		"cli: unknown eta partial":         "\rFitting ■■■  50% | ETA:",
		"long line":                        string(bytes.Repeat([]byte("iter  10 value 1 "), 1000)) + "\n",
	}
	for name, input := range tests {
		t.Run(name, func(t *testing.T) {
			for _, s := range []Stream{Stdout, Stderr} {
				if got := feed(nil, s, input, false); len(got) != 0 {
					t.Errorf("%s: got %+v, want no update", s, got)
				}
			}
		})
	}
}

// TestRecognise checks single lines whose updates the transcripts do not show.
func TestRecognise(t *testing.T) {
	tests := map[string]struct {
		input string
		want  []Update
	}{
		"txtProgressBar style 3 redrawn": {
			input: "\r  |==============                                                        |  20%",
			want:  []Update{{Name: "txt_progress", RName: "txtProgressBar", Value: 20, Total: 100, Kind: Progress, Source: "txtProgressBar"}},
		},
		"pbapply remaining minutes": {
			input: "\r  |+++++++++++++                                     | 25% ~01m 05s          ",
			want: []Update{
				{Name: "pbapply_progress", RName: "pbapply", Value: 25, Total: 100, Kind: Progress, Source: "pbapply timer"},
				{Name: "pbapply_eta_seconds", RName: "remaining", Value: 65, Kind: Gauge, Source: "pbapply timer"},
			},
		},
		"progress bar cut inside its count": {
			// "3/8" may be the start of "3/80": a partial line's last token waits.
			input: "\rfitting [===>----] 3/8",
			want:  nil,
		},
		"progress bar with count and eta": {
			input: "\rfitting [===>----] 3/80  4% eta:  1m\r",
			want: []Update{
				{Name: "progress_bar", RName: "progress_bar", Value: 3, Total: 80, Kind: Progress, Source: "progress package bar"},
				{Name: "progress_bar_eta_seconds", RName: "eta", Value: 60, Kind: Gauge, Source: "progress package bar"},
			},
		},
		"cli bar in ASCII": {
			input: "\rFitting ======              50% | ETA:  2s\r",
			want: []Update{
				{Name: "cli_progress", RName: "cli progress bar", Value: 50, Total: 100, Kind: Progress, Source: "cli progress bar"},
				{Name: "cli_progress_eta_seconds", RName: "ETA", Value: 2, Kind: Gauge, Source: "cli progress bar"},
			},
		},
		"optim Inf value": {
			input: "iter  10 value Inf\n",
			want: []Update{
				{Name: "optim_iteration", RName: "iter", Value: 10, Kind: Gauge, Source: optimSource},
				{Name: "optim_value", RName: "value", Value: math.Inf(1), Kind: Gauge, Source: optimSource},
			},
		},
		"stan single chain, no prefix": {
			input: "Iteration: 1000 / 2000 [ 50%]  (Warmup)\n",
			want: []Update{
				{Name: "stan_iteration", RName: "Iteration", Value: 1000, Total: 2000, Kind: Progress, Source: stanSource},
				{Name: "stan_phase", RName: "phase", State: "warmup", Kind: State, Source: stanSource},
			},
		},
		"gbm nan in a row": {
			input: "Iter   TrainDeviance   ValidDeviance\n     1        0.3970          nan\n",
			want: []Update{
				{Name: "gbm_iteration", RName: "Iter", Value: 1, Kind: Gauge, Source: "gbm verbose"},
				{Name: "gbm_train_deviance", RName: "TrainDeviance", Value: 0.397, Kind: Gauge, Source: "gbm verbose"},
				{Name: "gbm_valid_deviance", RName: "ValidDeviance", Value: math.NaN(), Kind: Gauge, Source: "gbm verbose"},
			},
		},
		"caret bootstrap resample": {
			input: "- Resample07: mtry=2 \n",
			want:  []Update{{Name: "caret_folds_done", RName: "folds done", Value: 1, Kind: Gauge, Source: caretSource}},
		},
		"CRLF line ends": {
			input: "Deviance = 81.21076 Iterations - 1\r\n",
			want: []Update{
				{Name: "glm_deviance", RName: "Deviance", Value: 81.21076, Kind: Gauge, Source: "glm trace"},
				{Name: "glm_iteration", RName: "Iterations", Value: 1, Kind: Gauge, Source: "glm trace"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := feed(nil, Stderr, tc.input, false)
			if !sameUpdates(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func sameUpdates(a, b []Update) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Name != y.Name || x.RName != y.RName || x.Kind != y.Kind || x.State != y.State || x.Source != y.Source ||
			!sameFloat(x.Value, y.Value) || !sameFloat(x.Total, y.Total) {
			return false
		}
	}
	return true
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestRegexp covers the user's recogniser: its validation and what it reads.
func TestRegexp(t *testing.T) {
	errs := map[string]struct {
		name, expr string
		err        error
	}{
		"does not compile":         {"mine", `(?P<value>\d+`, ErrBadRegexp},
		"too long":                 {"mine", "(?P<value>" + string(bytes.Repeat([]byte("a"), MaxRegexpLen)) + ")", ErrBadRegexp},
		"no groups":                {"mine", `loss \d+`, ErrNoValue},
		"name without value":       {"mine", `(?P<name>\w+) (?P<x>\d+)`, ErrNoValue},
		"total without value":      {"mine", `(?P<total>\d+)`, ErrNoValue},
		"name of punctuation only": {"%%", `(?P<value>\d+)`, ErrBadName},
	}
	for name, tc := range errs {
		t.Run(name, func(t *testing.T) {
			_, err := NewRegexp(tc.name, tc.expr)
			if !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}

	tests := map[string]struct {
		name, expr, input string
		want              []Update
	}{
		"value named by the recogniser": {
			"Val loss", `^val_loss=(?P<value>\S+)$`, "val_loss=0.25\nval_loss=abc\n",
			[]Update{{Name: "val_loss", RName: "Val loss", Value: 0.25, Kind: Gauge, Source: "Val loss"}},
		},
		"name and value groups, units": {
			"timings", `^time (?P<name>\w+): (?P<value>.+)$`, "time fit: 12 ms\ntime %%: 3\n",
			[]Update{{Name: "fit", RName: "fit", Value: 0.012, Kind: Gauge, Source: "timings"}},
		},
		"progress from value and total": {
			"epochs", `^epoch (?P<value>\d+) of (?P<total>\d+)`, "epoch 3 of 10 done\n",
			[]Update{{Name: "epochs", RName: "epochs", Value: 3, Total: 10, Kind: Progress, Source: "epochs"}},
		},
		"named values": {
			"keras", `^Epoch (?P<epoch>\d+) loss (?P<loss>\S+)(?: acc (?P<acc>\S+))?`, "Epoch 2 loss 0.5\n",
			[]Update{
				{Name: "epoch", RName: "epoch", Value: 2, Kind: Gauge, Source: "keras"},
				{Name: "loss", RName: "loss", Value: 0.5, Kind: Gauge, Source: "keras"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := NewRegexp(tc.name, tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := feed([]Recogniser{r}, Stdout, tc.input, true); !sameUpdates(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestSetLines checks how Feed splits lines and redraws.
func TestSetLines(t *testing.T) {
	tests := map[string]struct {
		chunks []string
		want   []string // lines handed to the recognisers: text, then r when redrawn, p when partial
	}{
		"lines across chunks":         {[]string{"ab", "c\nd", "e\n"}, []string{"abc", "de"}},
		"last redraw in a chunk wins": {[]string{"\ra\rb\rc\n"}, []string{"c r"}},
		"redraw left at chunk end":    {[]string{"\ra\rb"}, []string{"a r", "b r p", "b r"}}, // Flush ends it
		"partial redraw seen once":    {[]string{"\rab", "\rcd\n"}, []string{"ab r p", "ab r", "cd r"}},
		"bar then a newline":          {[]string{"\rbar\r\n", "log\n"}, []string{"bar r", "log"}},
		"flush without newline":       {[]string{"tail"}, []string{"tail"}},
		"long line dropped":           {[]string{string(bytes.Repeat([]byte("x"), MaxLine)), "y\nok\n"}, []string{"ok"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			set := NewSet(rec)
			for _, c := range tc.chunks {
				set.Feed(Stdout, []byte(c))
			}
			set.Flush(Stdout)
			if !equalStrings(rec.lines, tc.want) {
				t.Errorf("lines %q, want %q", rec.lines, tc.want)
			}
			if st := set.Stats(); st.Lines != uint64(len(tc.want)) || st.Recognised != 0 {
				t.Errorf("stats %+v, want %d lines, none recognised", st, len(tc.want))
			}
		})
	}
}

// recorder records the lines it is handed and claims none.
type recorder struct{ lines []string }

func (*recorder) Name() string { return "recorder" }

func (r *recorder) Recognise(l Line, out []Update) []Update {
	s := string(l.Text)
	if l.Redrawn {
		s += " r"
	}
	if l.Partial {
		s += " p"
	}
	r.lines = append(r.lines, s)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLongLine checks that an endless line is counted and not kept.
func TestLongLine(t *testing.T) {
	set := NewSet()
	chunk := bytes.Repeat([]byte("iter  10 value 1 "), 100)
	for range 100 {
		if us := set.Feed(Stderr, chunk); len(us) != 0 {
			t.Fatalf("updates %+v from a long line", us)
		}
		if n := len(set.st[Stderr].buf); n > MaxLine {
			t.Fatalf("%d bytes kept", n)
		}
	}
	us := set.Feed(Stderr, []byte("\niter  10 value 2\n"))
	if len(us) != 2 || us[1].Value != 2 {
		t.Errorf("updates after the long line: %+v", us)
	}
	if st := set.Stats(); st.Long != 1 || st.Lines != 1 || st.Recognised != 1 {
		t.Errorf("stats %+v, want 1 long, 1 line recognised", st)
	}
}

// TestGrowingLines checks txtProgressBar style 1 (marks drawn a few at a
// time, no '\r') under ReadGrowing, and the lines it must leave alone: a
// line written in one go, or its text and then its newline, never grows.
func TestGrowingLines(t *testing.T) {
	tests := map[string]struct {
		chunks  []string
		growing bool
		want    []float64 // txt_progress_marks values, in order
	}{
		"style 1, step by step":         {chunks: []string{"=======", "=======", "=======", "\n"}, growing: true, want: []float64{14, 21}},
		"style 1, last marks and close": {chunks: []string{"=======", "=======", "=======\n"}, growing: true, want: []float64{14, 21}},
		"style 1 after a line":          {chunks: []string{"fitting\n=====", "=====", "\n"}, growing: true, want: []float64{10}},
		"separator in one write":        {chunks: []string{"==========\n"}, growing: true},
		"separator then its newline":    {chunks: []string{"==========", "\n"}, growing: true},
		"a line cut into two reads":     {chunks: []string{"C", "hain 1: done\n"}, growing: true},
		"marks then text":               {chunks: []string{"=====", "=====Done\n"}, growing: true},
		"without ReadGrowing":           {chunks: []string{"=======", "=======", "\n"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := NewSet()
			if tc.growing {
				s.ReadGrowing()
			}
			var got []float64
			for _, c := range tc.chunks {
				for _, u := range s.Feed(Stdout, []byte(c)) {
					if u.Name != "txt_progress_marks" {
						t.Errorf("unexpected update %+v", u)
						continue
					}
					got = append(got, u.Value)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("marks %v, want %v", got, tc.want)
			}
		})
	}
}
