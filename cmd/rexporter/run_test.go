package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunGrammar(t *testing.T) {
	cli, cmd, err := parse(t, []string{"run", "--param", "model=glm, w", "--param", "seed=1", "--stall.min", "1s",
		"--", "Rscript", "fit.R", "--to", "x"}, map[string]string{"REXPORTER_ADDR": "h:6000"})
	if err != nil {
		t.Fatal(err)
	}
	c := cli.Run
	if cmd != "run <command>" || c.To != "h:6000" || c.StallMin != time.Second ||
		!slices.Equal(c.Param, []string{"model=glm, w", "seed=1"}) ||
		!slices.Equal(c.Command, []string{"Rscript", "fit.R", "--to", "x"}) {
		t.Errorf("cmd %q, to %q, stall.min %s, params %q, command %q", cmd, c.To, c.StallMin, c.Param, c.Command)
	}
	for name, args := range map[string][]string{
		"no command":        {"run"},
		"param without key": {"run", "--param", "=1", "--", "true"},
		"stall min > max":   {"run", "--stall.min", "2h", "--", "true"},
		"zero interval":     {"run", "--sample-interval", "0s", "--", "true"},
	} {
		if _, _, err := parse(t, args, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestJobNameOf(t *testing.T) {
	for args, want := range map[string]string{
		"Rscript /x/fit.R a":       "fit",
		"Rscript --vanilla sim.r":  "sim",
		"R --file=/a/model.R":      "model",
		"/usr/bin/python3 -c pass": "python3",
		"Rscript -e cat(1)":        "Rscript",
	} {
		if got := jobNameOf(strings.Fields(args)); got != want {
			t.Errorf("%s: %q, want %q", args, got, want)
		}
	}
}

// TestOutboxDropsOldest checks the never-stall promise: a full outbox drops
// its oldest lines and counts them, and the preamble holds the name and
// the latest value of each parameter.
func TestOutboxDropsOldest(t *testing.T) {
	o := newOutbox(3, "fit")
	for i := 1; i <= 5; i++ {
		o.push(fmt.Sprint("i: ", i))
	}
	lines, closed := o.take()
	if !slices.Equal(lines, []string{"i: 3", "i: 4", "i: 5"}) || closed || o.droppedLines() != 2 {
		t.Errorf("lines %q closed %v dropped %d", lines, closed, o.droppedLines())
	}
	o.setParam("a", "run: param a=1")
	o.setParam("b", "run: param b=2")
	o.setParam("a", "run: param a=3")
	o.setJob("renamed")
	if got := o.preambleLines(); !slices.Equal(got, []string{"job: renamed", "run: param a=3", "run: param b=2"}) {
		t.Errorf("preamble %q", got)
	}
	o.close()
	if _, closed := o.take(); !closed {
		t.Error("not closed")
	}
}
