package recognise

import (
	"bytes"
	"strconv"
)

// maxChains bounds the chains Stan is followed for; a larger chain number
// is left alone.
const maxChains = 256

// Stan recognises the sampler progress of rstan (and brms, which calls it)
// and of CmdStan/cmdstanr:
//
//	Chain 1: Iteration:  200 / 2000 [ 10%]  (Warmup)
//	Chain 1:  Elapsed Time: 0.05 seconds (Warm-up)
//	Chain 1:                0.04 seconds (Sampling)
//	Chain 1:                0.09 seconds (Total)
//
// with "Chain 1 Iteration: ..." (cmdstanr) or no chain prefix (a single
// chain) as well. Per chain N it gives stan_chain_N_iteration (Progress of
// the total), stan_chain_N_phase (State "warmup" or "sampling"), and at the
// end stan_chain_N_warmup_seconds, stan_chain_N_sampling_seconds and
// stan_chain_N_total_seconds; without a chain prefix the names are
// stan_iteration, stan_phase and stan_warmup_seconds etc.
type Stan struct {
	names   map[int]*chainNames
	elapsed [numStreams]int // chain+1 whose "Elapsed Time" block is being read, 0 when none
}

type chainNames struct {
	iteration, phase, warmup, sampling, total string
	rIteration, rPhase                        string
}

// NewStan returns the Stan recogniser.
func NewStan() *Stan { return &Stan{names: map[int]*chainNames{}} }

// Name returns "stan".
func (*Stan) Name() string { return "stan" }

const stanSource = "Stan sampler"

// Recognise implements Recogniser.
func (r *Stan) Recognise(l Line, out []Update) []Update {
	t := l.Text
	if len(t) < 10 || l.Redrawn {
		return out
	}
	elapsed := r.elapsed[l.Stream]
	r.elapsed[l.Stream] = 0
	chain := 0
	if rest, ok := cutPrefix(t, "Chain "); ok {
		k := 0
		for k < len(rest) && k < 4 && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		if k == 0 || k == len(rest) {
			return out
		}
		chain = atoi(rest[:k])
		if chain < 1 || chain > maxChains {
			return out
		}
		rest = rest[k:]
		if rest[0] == ':' {
			rest = rest[1:]
		}
		if len(rest) == 0 || rest[0] != ' ' {
			return out
		}
		t = rest
	}
	t = bytes.TrimLeft(t, " ")
	if rest, ok := cutPrefix(t, "Iteration: "); ok {
		return r.iteration(chain, rest, out)
	}
	if rest, ok := cutPrefix(t, "Elapsed Time: "); ok {
		if v, ok := stanSeconds(rest, " (Warm-up)"); ok {
			r.elapsed[l.Stream] = chain + 1
			return append(out, Update{Name: r.chain(chain).warmup, RName: "Elapsed Time (Warm-up)", Value: v, Kind: Gauge, Source: stanSource})
		}
		return out
	}
	if elapsed != chain+1 {
		return out
	}
	if v, ok := stanSeconds(t, " (Sampling)"); ok {
		r.elapsed[l.Stream] = chain + 1
		return append(out, Update{Name: r.chain(chain).sampling, RName: "Elapsed Time (Sampling)", Value: v, Kind: Gauge, Source: stanSource})
	}
	if v, ok := stanSeconds(t, " (Total)"); ok {
		return append(out, Update{Name: r.chain(chain).total, RName: "Elapsed Time (Total)", Value: v, Kind: Gauge, Source: stanSource})
	}
	return out
}

// iteration reads "  200 / 2000 [ 10%]  (Warmup)".
func (r *Stan) iteration(chain int, b []byte, out []Update) []Update {
	b = bytes.TrimLeft(b, " ")
	slash := bytes.Index(b, []byte(" / "))
	if slash < 0 || !isInt(b[:slash]) {
		return out
	}
	rest := b[slash+3:]
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 || !isInt(rest[:sp]) {
		return out
	}
	done, total := atoi(b[:slash]), atoi(rest[:sp])
	rest = bytes.TrimLeft(rest[sp:], " ")
	if len(rest) == 0 || rest[0] != '[' {
		return out
	}
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return out
	}
	var phase string
	switch string(trim(rest[end+1:])) {
	case "(Warmup)":
		phase = "warmup"
	case "(Sampling)":
		phase = "sampling"
	default:
		return out
	}
	n := r.chain(chain)
	return append(out,
		Update{Name: n.iteration, RName: n.rIteration, Value: float64(done), Total: float64(total), Kind: Progress, Source: stanSource},
		Update{Name: n.phase, RName: n.rPhase, State: phase, Kind: State, Source: stanSource})
}

// stanSeconds reads "0.05 seconds" followed by suffix.
func stanSeconds(b []byte, suffix string) (float64, bool) {
	b, ok := bytes.CutSuffix(trim(b), []byte(suffix))
	if !ok {
		return 0, false
	}
	b, ok = bytes.CutSuffix(b, []byte(" seconds"))
	if !ok {
		return 0, false
	}
	return number(trim(b))
}

// chain returns the metric names of chain n (0: no chain prefix), built once.
func (r *Stan) chain(n int) *chainNames {
	if c := r.names[n]; c != nil {
		return c
	}
	p, rp := "stan_", ""
	if n > 0 {
		p = "stan_chain_" + strconv.Itoa(n) + "_"
		rp = "Chain " + strconv.Itoa(n) + " "
	}
	c := &chainNames{
		iteration: p + "iteration", phase: p + "phase",
		warmup: p + "warmup_seconds", sampling: p + "sampling_seconds", total: p + "total_seconds",
		rIteration: rp + "Iteration", rPhase: rp + "phase",
	}
	r.names[n] = c
	return c
}
