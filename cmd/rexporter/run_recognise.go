package main

import (
	"sync"

	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/internal/runner"
)

// recogniser turns what common R packages print (progress bars, iteration
// traces, tables, cross-validation folds, Stan chains; package recognise)
// into messages of the job. The two output streams write concurrently.
type recogniser struct {
	mu  sync.Mutex
	set *recognise.Set
	o   *outbox
}

func newRecogniser(o *outbox) *recogniser {
	return &recogniser{set: recognise.NewSet(), o: o}
}

// chunk feeds output as it was written (runner.Config.OnChunk).
func (r *recogniser) chunk(stream int, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.push(r.set.Feed(streamOf(stream), p))
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
		r.o.push(updateMessage(u))
	}
}

// updateMessage writes an update in rexporter's grammar: the metric name
// the recogniser gives (its source first: optim_value, gbm_train_deviance)
// as the R name, and the value.
func updateMessage(u recognise.Update) string {
	switch u.Kind {
	case recognise.Progress:
		return u.Name + ": " + formatNum(u.Value) + "/" + formatNum(u.Total)
	case recognise.State:
		return u.Name + ": " + u.State
	}
	return u.Name + ": " + formatNum(u.Value)
}

func streamOf(stream int) recognise.Stream {
	if stream == runner.Stderr {
		return recognise.Stderr
	}
	return recognise.Stdout
}
