package main

import (
	"sync"

	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/internal/runner"
)

// recogniser turns what common R packages print (progress bars, iteration
// traces, tables, cross-validation folds, Stan chains; package recognise),
// and what the mapping file's own recognisers read, into messages of the
// job. The two output streams write concurrently.
type recogniser struct {
	mu  sync.Mutex
	set *recognise.Set
	o   *outbox
	// described are the metric names whose `run: help` was sent.
	described map[string]bool
	// claimed are the numbers of the lines of each stream a recogniser
	// claimed, not yet asked about (see claims); lineNo counts the lines
	// asked about.
	claimed [2][]uint64
	lineNo  [2]uint64
}

// newRecogniser runs own, the mapping file's recognisers, before the
// built-in ones, so that a user's format wins over a built-in one that
// would claim the same line.
func newRecogniser(o *outbox, own []recognise.Recogniser) *recogniser {
	set := recognise.NewSet(recognisers(own)...)
	set.ReadGrowing() // the job's output comes from pipes, chunk by write
	return &recogniser{set: set, o: o, described: map[string]bool{}}
}

// maxDescribed bounds the names a recogniser describes (a user's
// recogniser with a name group may find many).
const maxDescribed = 1024

// recognisers is own followed by new instances of the built-in recognisers.
func recognisers(own []recognise.Recogniser) []recognise.Recogniser {
	return append(own[:len(own):len(own)], recognise.Default()...)
}

// chunk feeds output as it was written (runner.Config.OnChunk).
func (r *recogniser) chunk(stream int, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := streamOf(stream)
	r.push(r.set.Feed(s, p))
	r.claimed[s] = r.set.TakeClaimed(s, r.claimed[s])
}

// claims reports whether a recogniser claimed the next line of stream, so
// that run does not also read it as a message ("Epoch 3/10 - 2s - loss:
// 0.25", claimed by a keras recogniser, would be a name). It is asked once
// for every line runner.Config.OnLine sees, in order; OnChunk has fed the
// chunk that ended the line before.
func (r *recogniser) claims(stream int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := streamOf(stream)
	n := r.lineNo[s]
	r.lineNo[s]++
	q := r.claimed[s]
	for len(q) > 0 && q[0] < n {
		q = q[1:]
	}
	hit := len(q) > 0 && q[0] == n
	if hit {
		q = q[1:]
	}
	r.claimed[s] = q
	return hit
}

// flush reads what is left of both streams when the job has ended.
func (r *recogniser) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.push(r.set.Flush(recognise.Stdout))
	r.push(r.set.Flush(recognise.Stderr))
}

func (r *recogniser) push(ups []recognise.Update) {
	for _, u := range ups {
		if !r.described[u.Name] && len(r.described) < maxDescribed {
			// Before the first value, so that the metric is made with it.
			r.o.describe("run: help " + u.Name + "=" + recognise.Help(u))
			r.described[u.Name] = true
		}
		r.o.push(u.Message())
	}
}

func streamOf(stream int) recognise.Stream {
	if stream == runner.Stderr {
		return recognise.Stderr
	}
	return recognise.Stdout
}
