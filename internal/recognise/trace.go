package recognise

import "bytes"

// OptimTrace recognises the trace of R's variable-metric optimiser (vmmin),
// printed by optim(method = "BFGS", control = list(trace = 1)), by
// optim(method = "L-BFGS-B") and by nnet::nnet() and nnet::multinom():
//
//	initial  value 168.737457
//	iter  10 value 52.385830
//	final  value 5.971087
//	converged
//
// It gives optim_iteration (0 for the initial value) and optim_value, and
// optim_status, a State, "converged" or "stopped" ("stopped after 60
// iterations") after a final value.
type OptimTrace struct{ final [numStreams]bool }

// NewOptimTrace returns the optim/nnet trace recogniser.
func NewOptimTrace() *OptimTrace { return &OptimTrace{} }

// Name returns "optim".
func (*OptimTrace) Name() string { return "optim" }

const optimSource = "optim/nnet trace"

// Recognise implements Recogniser.
func (r *OptimTrace) Recognise(l Line, out []Update) []Update {
	t := l.Text
	if len(t) < 9 || l.Redrawn {
		return out
	}
	final := r.final[l.Stream]
	r.final[l.Stream] = false
	switch t[0] {
	case 'i':
		if rest, ok := cutPrefix(t, "initial  value "); ok {
			if v, ok := number(trim(rest)); ok {
				out = append(out,
					Update{Name: "optim_iteration", RName: "iter", Value: 0, Kind: Gauge, Source: optimSource},
					Update{Name: "optim_value", RName: "value", Value: v, Kind: Gauge, Source: optimSource})
			}
			return out
		}
		rest, ok := cutPrefix(t, "iter ")
		if !ok {
			return out
		}
		rest = bytes.TrimLeft(rest, " ")
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 || !isInt(rest[:sp]) {
			return out
		}
		val, ok := cutPrefix(rest[sp:], " value ")
		if !ok {
			return out
		}
		if v, ok := number(trim(val)); ok {
			out = append(out,
				Update{Name: "optim_iteration", RName: "iter", Value: float64(atoi(rest[:sp])), Kind: Gauge, Source: optimSource},
				Update{Name: "optim_value", RName: "value", Value: v, Kind: Gauge, Source: optimSource})
		}
	case 'f':
		if rest, ok := cutPrefix(t, "final  value "); ok {
			if v, ok := number(trim(rest)); ok {
				r.final[l.Stream] = true
				out = append(out, Update{Name: "optim_value", RName: "value", Value: v, Kind: Gauge, Source: optimSource})
			}
		}
	case 'c', 's':
		if !final {
			return out
		}
		if string(trim(t)) == "converged" {
			out = append(out, Update{Name: "optim_status", RName: "status", State: "converged", Kind: State, Source: optimSource})
		} else if rest, ok := cutPrefix(t, "stopped after "); ok && bytes.HasSuffix(rest, []byte(" iterations")) && isInt(rest[:len(rest)-len(" iterations")]) {
			out = append(out, Update{Name: "optim_status", RName: "status", State: "stopped", Kind: State, Source: optimSource})
		}
	}
	return out
}

// NlminbTrace recognises nlminb(control = list(trace = n)): the iteration,
// the objective and the parameters, `  5:     2.7399410: -0.596535 0.312149`.
// It gives nlminb_iteration and nlminb_objective.
type NlminbTrace struct{ f [][]byte }

// NewNlminbTrace returns the nlminb trace recogniser.
func NewNlminbTrace() *NlminbTrace { return &NlminbTrace{} }

// Name returns "nlminb".
func (*NlminbTrace) Name() string { return "nlminb" }

// Recognise implements Recogniser.
func (r *NlminbTrace) Recognise(l Line, out []Update) []Update {
	t := l.Text
	if len(t) < 5 || l.Redrawn || !(t[0] == ' ' || t[0] >= '0' && t[0] <= '9') {
		return out
	}
	t = trim(t)
	c1 := bytes.IndexByte(t, ':')
	if c1 < 1 || !isInt(t[:c1]) {
		return out
	}
	rest := t[c1+1:]
	c2 := bytes.IndexByte(rest, ':')
	if c2 < 0 {
		return out
	}
	obj, ok := number(trim(rest[:c2]))
	if !ok || len(rest[:c2]) == 0 || !isSpace(rest[0]) {
		return out
	}
	f, ok := fields(rest[c2+1:], r.f, 1024)
	r.f = f
	if !ok || len(f) == 0 {
		return out
	}
	for _, p := range f {
		if _, ok := number(p); !ok {
			return out
		}
	}
	return append(out,
		Update{Name: "nlminb_iteration", RName: "iteration", Value: float64(atoi(t[:c1])), Kind: Gauge, Source: "nlminb trace"},
		Update{Name: "nlminb_objective", RName: "objective", Value: obj, Kind: Gauge, Source: "nlminb trace"})
}

// GlmTrace recognises glm(control = glm.control(trace = TRUE)), one line per
// IRLS iteration, `Deviance = 77.16146 Iterations - 2`. It gives
// glm_deviance and glm_iteration.
type GlmTrace struct{}

// NewGlmTrace returns the glm trace recogniser.
func NewGlmTrace() *GlmTrace { return &GlmTrace{} }

// Name returns "glm".
func (*GlmTrace) Name() string { return "glm" }

// Recognise implements Recogniser.
func (*GlmTrace) Recognise(l Line, out []Update) []Update {
	rest, ok := cutPrefix(l.Text, "Deviance = ")
	if !ok || l.Redrawn {
		return out
	}
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return out
	}
	dev, ok := number(rest[:sp])
	if !ok {
		return out
	}
	it, ok := cutPrefix(rest[sp:], " Iterations - ")
	if !ok || !isInt(trim(it)) {
		return out
	}
	return append(out,
		Update{Name: "glm_deviance", RName: "Deviance", Value: dev, Kind: Gauge, Source: "glm trace"},
		Update{Name: "glm_iteration", RName: "Iterations", Value: float64(atoi(trim(it))), Kind: Gauge, Source: "glm trace"})
}

// Lme4Trace recognises lme4's lmer()/glmer() with verbose = 1 and the
// default nloptwrap optimiser: one "iteration: 12" line, then the objective
// (the deviance or REML criterion) on the next line, "\tf(x) = 1744.767818".
// It gives lme4_iteration and lme4_objective; an "f(x) = " line is only read
// right after an iteration line.
type Lme4Trace struct{ iter [numStreams]bool }

// NewLme4Trace returns the lme4 recogniser.
func NewLme4Trace() *Lme4Trace { return &Lme4Trace{} }

// Name returns "lme4".
func (*Lme4Trace) Name() string { return "lme4" }

// Recognise implements Recogniser.
func (r *Lme4Trace) Recognise(l Line, out []Update) []Update {
	after := r.iter[l.Stream]
	r.iter[l.Stream] = false
	if l.Redrawn || len(l.Text) < 8 {
		return out
	}
	if rest, ok := cutPrefix(l.Text, "iteration: "); ok {
		if rest = trim(rest); isInt(rest) {
			r.iter[l.Stream] = true
			out = append(out, Update{Name: "lme4_iteration", RName: "iteration", Value: float64(atoi(rest)), Kind: Gauge, Source: "lme4 verbose"})
		}
		return out
	}
	if rest, ok := cutPrefix(l.Text, "\tf(x) = "); ok && after {
		if v, ok := number(trim(rest)); ok {
			out = append(out, Update{Name: "lme4_objective", RName: "f(x)", Value: v, Kind: Gauge, Source: "lme4 verbose"})
		}
	}
	return out
}
