package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
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

// TestRunOwnRecognisers runs a job under `rexporter run --to` with and
// without a mapping file and reads what reaches the exporter: the file's
// recognisers read the job's output, before the built-in ones.
func TestRunOwnRecognisers(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own.yml")
	body := "recognisers:\n" +
		"  - name: keras epoch\n    regexp: '^Epoch (?P<epoch>\\d+)/\\d+ .* loss: (?P<loss>\\S+)'\n" +
		"  - name: my trace\n    regexp: '^iter +\\d+ value (?P<value>\\S+)$'\n"
	if err := os.WriteFile(own, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	const job = `printf 'Epoch 3/10 - 2s - loss: 0.25\niter  10 value 52.385830\n+ Fold1: intercept=TRUE\n- Fold1: intercept=TRUE\nloss: 0.5\n'`
	// A line a recogniser claims is not also read as a message ("Epoch
	// 3/10 - 2s - loss" would be a name); other lines still are.
	tests := map[string]struct {
		flags     []string
		want, not []string
	}{
		"own recognisers first": {flags: []string{"--config.file", own}, want: []string{"epoch: 3", "loss: 0.25", "my_trace: 52.38583", "caret_folds_done: 1", "loss: 0.5"}, not: []string{"optim_value", "Epoch 3/10", "Fold1"}},
		"built-in only":         {want: []string{"optim_iteration: 10", "optim_value: 52.38583", "caret_folds_started: 1", "Epoch 3/10 - 2s - loss: 0.25", "loss: 0.5"}, not: []string{"epoch:", "my_trace", "Fold1"}},
		"--no-recognise":        {flags: []string{"--config.file", own, "--no-recognise"}, want: []string{"Epoch 3/10 - 2s - loss: 0.25", "loss: 0.5"}, not: []string{"epoch:", "my_trace", "optim_value", "caret_"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := runTo(t, tc.flags, "sh", "-c", job)
			for _, w := range tc.want {
				if !strings.Contains(got, "\n"+w+"\n") {
					t.Errorf("the exporter did not get %q:\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("the exporter got %q:\n%s", w, got)
				}
			}
		})
	}
}

// runTo runs `rexporter run --to` a listener of its own and returns what
// reached it.
func runTo(t *testing.T, flags []string, command ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer conn.Close()
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, _ := io.ReadAll(conn)
		got <- string(b)
	}()
	args := append([]string{"run", "--to", ln.Addr().String(), "--job", "t", "--sample-interval", "1h"}, flags...)
	args = append(append(args, "--"), command...)
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	select {
	case s := <-got:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("nothing reached the exporter")
		return ""
	}
}
