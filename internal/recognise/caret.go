package recognise

import "bytes"

// Caret recognises caret::train(trControl = trainControl(verboseIter =
// TRUE)), which prints a line when a resample starts and when it is done:
//
//   - Fold1: intercept=TRUE
//   - Fold1: intercept=TRUE
//   - Fold1.Rep2: k=5
//     Aggregating results
//     Fitting final model on full training set
//
// It gives caret_folds_started and caret_folds_done, counts of the "+" and
// "-" lines since the recogniser was made (one per resample and tuning
// set), and caret_phase, a State: "resampling", "aggregating" or
// "final model". Resample names are Fold, Resample (bootstrap) and
// Training (LGOCV), with optional ".Rep" numbers.
type Caret struct {
	started, done [numStreams]float64
}

// NewCaret returns the caret recogniser.
func NewCaret() *Caret { return &Caret{} }

// Name returns "caret".
func (*Caret) Name() string { return "caret" }

const caretSource = "caret verboseIter"

// Recognise implements Recogniser.
func (r *Caret) Recognise(l Line, out []Update) []Update {
	t := l.Text
	if len(t) < 8 || l.Redrawn {
		return out
	}
	switch t[0] {
	case '+', '-':
		if t[1] != ' ' || !isResample(t[2:]) {
			return out
		}
		if t[0] == '+' {
			r.started[l.Stream]++
			return append(out,
				Update{Name: "caret_folds_started", RName: "folds started", Value: r.started[l.Stream], Kind: Gauge, Source: caretSource},
				Update{Name: "caret_phase", RName: "phase", State: "resampling", Kind: State, Source: caretSource})
		}
		r.done[l.Stream]++
		return append(out, Update{Name: "caret_folds_done", RName: "folds done", Value: r.done[l.Stream], Kind: Gauge, Source: caretSource})
	case 'A':
		if string(trim(t)) == "Aggregating results" && r.started[l.Stream] > 0 {
			return append(out, Update{Name: "caret_phase", RName: "phase", State: "aggregating", Kind: State, Source: caretSource})
		}
	case 'F':
		if r.started[l.Stream] > 0 && bytes.HasPrefix(t, []byte("Fitting ")) && bytes.HasSuffix(trim(t), []byte(" on full training set")) {
			return append(out, Update{Name: "caret_phase", RName: "phase", State: "final model", Kind: State, Source: caretSource})
		}
	}
	return out
}

// isResample reports whether b starts with a resample name and a colon:
// Fold1:, Fold01.Rep2:, Resample07:, Training3:.
func isResample(b []byte) bool {
	for _, p := range [...]string{"Fold", "Resample", "Training"} {
		rest, ok := cutPrefix(b, p)
		if !ok {
			continue
		}
		k := 0
		for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		if k == 0 {
			return false
		}
		rest = rest[k:]
		if r, ok := cutPrefix(rest, ".Rep"); ok {
			k = 0
			for k < len(r) && r[k] >= '0' && r[k] <= '9' {
				k++
			}
			if k == 0 {
				return false
			}
			rest = r[k:]
		}
		return len(rest) > 0 && rest[0] == ':'
	}
	return false
}
