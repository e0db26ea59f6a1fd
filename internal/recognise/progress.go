package recognise

import "bytes"

// The progress-bar recognisers only look at redrawn lines (Line.Redrawn): a
// bar is drawn over with '\r', a job's own log line never is.

// TxtProgressBar recognises utils::txtProgressBar, and the bars drawn with it:
// glmnet's trace.it = 1 and pbapply's type "txt".
type TxtProgressBar struct{}

// NewTxtProgressBar returns the txtProgressBar recogniser.
func NewTxtProgressBar() *TxtProgressBar { return &TxtProgressBar{} }

// Name returns "txtProgressBar".
func (*TxtProgressBar) Name() string { return "txtProgressBar" }

// Recognise implements Recogniser. Style 3 (`  |=====      |  40%`) gives
// txt_progress (Progress of 100); style 2 (a redrawn run of one mark
// character, `==========`) gives txt_progress_marks, the number of marks
// drawn, since the bar's width is printed nowhere.
func (r *TxtProgressBar) Recognise(l Line, out []Update) []Update {
	if !l.Redrawn {
		return out
	}
	t := l.Text
	i := 0
	for i < len(t) && t[i] == ' ' {
		i++
	}
	if i < len(t) && t[i] == '|' {
		// Style 3: "  |" marks and spaces "|" then sprintf(" %3d%%").
		last := bytes.LastIndexByte(t, '|')
		if last <= i || !isMarks(t[i+1:last], true) {
			return out
		}
		p := t[last+1:]
		if len(p) != 5 || p[0] != ' ' || p[4] != '%' {
			return out
		}
		d := bytes.TrimLeft(p[1:4], " ")
		if !isInt(d) {
			return out
		}
		return append(out, Update{Name: "txt_progress", RName: "txtProgressBar", Value: float64(atoi(d)), Total: 100, Kind: Progress, Source: "txtProgressBar"})
	}
	// Style 2: the whole redraw is marks of one character. A partial one
	// may be cut short, so it waits for its '\r'.
	if l.Partial || i != 0 || len(t) == 0 || !isMarks(t, false) {
		return out
	}
	return append(out, Update{Name: "txt_progress_marks", RName: "txtProgressBar marks", Value: float64(len(t)), Kind: Gauge, Source: "txtProgressBar"})
}

// RecogniseGrowing implements Grower: style 1 draws its marks without '\r'
// or a number, a few more at each step, so its line grows until close()
// ends it: the marks drawn so far give txt_progress_marks. A read cannot
// cut a mark in two, so the count is never more than was drawn.
func (r *TxtProgressBar) RecogniseGrowing(l Line, out []Update) []Update {
	t := l.Text
	if len(t) == 0 || t[0] == ' ' || !isMarks(t, false) {
		return out
	}
	return append(out, Update{Name: "txt_progress_marks", RName: "txtProgressBar marks", Value: float64(len(t)), Kind: Gauge, Source: "txtProgressBar"})
}

// isMarks reports whether b is a run of one ASCII mark character followed,
// when spaces is set, by spaces only (the undrawn part of the bar); an empty
// bar or one of spaces only is a bar at 0.
func isMarks(b []byte, spaces bool) bool {
	var mark byte
	i := 0
	for i < len(b) && b[i] != ' ' {
		c := b[i]
		if c <= ' ' || c >= 0x7f || c == '|' || (mark != 0 && c != mark) {
			return false
		}
		mark = c
		i++
	}
	if i < len(b) && !spaces {
		return false
	}
	for ; i < len(b); i++ {
		if b[i] != ' ' {
			return false
		}
	}
	return true
}

// Pbapply recognises pbapply's "timer" bar, the default in interactive
// sessions: `  |+++++      | 50% ~01s` while running (the remaining time),
// `| 100% elapsed=01s` when done, and `| 0 % ~calculating` at the start.
type Pbapply struct{}

// NewPbapply returns the pbapply timer recogniser.
func NewPbapply() *Pbapply { return &Pbapply{} }

// Name returns "pbapply".
func (*Pbapply) Name() string { return "pbapply" }

// Recognise implements Recogniser: pbapply_progress (Progress of 100),
// pbapply_eta_seconds (0 once done) and pbapply_elapsed_seconds (when done).
func (*Pbapply) Recognise(l Line, out []Update) []Update {
	if !l.Redrawn {
		return out
	}
	t := trim(l.Text)
	if len(t) < 2 || t[0] != '|' {
		return out
	}
	last := bytes.LastIndexByte(t, '|')
	if last == 0 || !isMarks(t[1:last], true) {
		return out
	}
	p := trim(t[last+1:])
	k := 0
	for k < len(p) && p[k] >= '0' && p[k] <= '9' {
		k++
	}
	if k == 0 || k > 3 {
		return out
	}
	pct := float64(atoi(p[:k]))
	rest, _ := cutPrefix(p[k:], " ")
	rest, ok := cutPrefix(rest, "% ")
	if !ok {
		return out
	}
	rest = trim(rest)
	var name, rname string
	if d, ok := cutPrefix(rest, "~"); ok {
		name, rname = "pbapply_eta_seconds", "remaining"
		rest = d
	} else if d, ok := cutPrefix(rest, "elapsed="); ok {
		name, rname = "pbapply_elapsed_seconds", "elapsed"
		rest = d
	} else {
		return out
	}
	out = append(out, Update{Name: "pbapply_progress", RName: "pbapply", Value: pct, Total: 100, Kind: Progress, Source: "pbapply timer"})
	if v, ok := duration(rest); ok {
		out = append(out, Update{Name: name, RName: rname, Value: v, Kind: Gauge, Source: "pbapply timer"})
		if name == "pbapply_elapsed_seconds" {
			// Done: nothing remains, whichever redraws were skipped.
			out = append(out, Update{Name: "pbapply_eta_seconds", RName: "remaining", Value: 0, Kind: Gauge, Source: "pbapply timer"})
		}
	}
	return out
}

// ProgressBar recognises bars of the progress package (progress_bar$new()):
// `[=====>-----]  50%` by default, and formats with :current/:total,
// :percent and :eta such as `fitting [==>---] 3/8  38% eta:  2s`.
type ProgressBar struct{ f [][]byte }

// NewProgressBar returns the progress package recogniser.
func NewProgressBar() *ProgressBar { return &ProgressBar{} }

// Name returns "progress".
func (*ProgressBar) Name() string { return "progress" }

// Recognise implements Recogniser: progress_bar (Progress, current of total
// when printed, else the percentage of 100) and progress_bar_eta_seconds.
func (r *ProgressBar) Recognise(l Line, out []Update) []Update {
	if !l.Redrawn {
		return out
	}
	t := l.Text
	open := bytes.IndexByte(t, '[')
	if open < 0 {
		return out
	}
	end := bytes.IndexByte(t[open:], ']')
	if end < 0 {
		return out
	}
	end += open
	for _, c := range t[open+1 : end] {
		if c != '=' && c != '>' && c != '-' && c != ' ' {
			return out
		}
	}
	f, ok := fields(t[end+1:], r.f, 16)
	r.f = f
	if !ok {
		return out
	}
	if l.Partial && len(f) > 0 && t[len(t)-1] != ' ' {
		// The last token of a partial line may be cut short ("1/8" of
		// "1/80"); only one that ends in '%' or a time unit is whole.
		if c := f[len(f)-1]; c[len(c)-1] != '%' && c[len(c)-1] != 's' && c[len(c)-1] != 'm' && c[len(c)-1] != 'h' && c[len(c)-1] != 'd' {
			f = f[:len(f)-1]
		}
	}
	var done, total, pct, eta float64
	haveFrac, havePct, haveEta := false, false, false
	for k := 0; k < len(f); k++ {
		tok := f[k]
		if s := bytes.IndexByte(tok, '/'); s > 0 && isInt(tok[:s]) && isInt(tok[s+1:]) {
			done, total, haveFrac = float64(atoi(tok[:s])), float64(atoi(tok[s+1:])), true
		} else if n := len(tok); n > 1 && tok[n-1] == '%' && isInt(tok[:n-1]) {
			pct, havePct = float64(atoi(tok[:n-1])), true
		} else if string(tok) == "eta:" && k+1 < len(f) {
			if v, ok := duration(f[k+1]); ok {
				eta, haveEta = v, true
			}
			k++
		}
	}
	switch {
	case haveFrac:
		out = append(out, Update{Name: "progress_bar", RName: "progress_bar", Value: done, Total: total, Kind: Progress, Source: "progress package bar"})
	case havePct:
		out = append(out, Update{Name: "progress_bar", RName: "progress_bar", Value: pct, Total: 100, Kind: Progress, Source: "progress package bar"})
	default:
		return out
	}
	if haveEta {
		out = append(out, Update{Name: "progress_bar_eta_seconds", RName: "eta", Value: eta, Kind: Gauge, Source: "progress package bar"})
	}
	return out
}

// CliProgress recognises cli's progress bars (cli_progress_bar() with a
// total): `Fitting ■■■■■■        50% | ETA:  2s`.
type CliProgress struct{}

// NewCliProgress returns the cli recogniser.
func NewCliProgress() *CliProgress { return &CliProgress{} }

// Name returns "cli".
func (*CliProgress) Name() string { return "cli" }

// Recognise implements Recogniser: cli_progress (Progress of 100) and
// cli_progress_eta_seconds (when the ETA is known).
func (*CliProgress) Recognise(l Line, out []Update) []Update {
	if !l.Redrawn {
		return out
	}
	t := l.Text
	at := bytes.Index(t, []byte("% | ETA:"))
	if at < 1 {
		return out
	}
	k := at
	for k > 0 && t[k-1] >= '0' && t[k-1] <= '9' {
		k--
	}
	if k == at || at-k > 3 || (k > 0 && t[k-1] != ' ') {
		return out
	}
	eta, etaOK := duration(t[at+len("% | ETA:"):])
	if l.Partial && !etaOK {
		return out // cut short, or "ETA: ?": wait for the whole redraw
	}
	out = append(out, Update{Name: "cli_progress", RName: "cli progress bar", Value: float64(atoi(t[k:at])), Total: 100, Kind: Progress, Source: "cli progress bar"})
	if etaOK {
		out = append(out, Update{Name: "cli_progress_eta_seconds", RName: "ETA", Value: eta, Kind: Gauge, Source: "cli progress bar"})
	}
	return out
}
