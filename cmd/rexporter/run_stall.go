package main

import (
	"errors"
	"time"

	"github.com/rexporter/rexporter/exporter"
)

// StallFlags say when a job that is up but silent is stalled (serve and
// run share them).
type StallFlags struct {
	StallFactor float64       `name:"stall.factor" default:"10" help:"A job that is up but silent for longer than this many times its usual gap between messages (the longest of its last 64) is stalled."`
	StallMin    time.Duration `name:"stall.min" default:"30s" help:"A job is never stalled sooner than this."`
	StallMax    time.Duration `name:"stall.max" default:"1h" help:"A job silent this long is stalled whatever its rhythm (also the bound while its rhythm is unknown)."`
}

func (s *StallFlags) validate() error {
	var errs []error
	if s.StallFactor <= 0 {
		errs = append(errs, errors.New("--stall.factor must be positive"))
	}
	if s.StallMin <= 0 || s.StallMax <= 0 || s.StallMin > s.StallMax {
		errs = append(errs, errors.New("--stall.min and --stall.max must be positive, --stall.min at most --stall.max"))
	}
	return errors.Join(errs...)
}

// options sets the stall fields of the exporter's options.
func (s *StallFlags) options(o *exporter.Options) {
	o.StallFactor, o.StallMin, o.StallMax = s.StallFactor, s.StallMin, s.StallMax
}
