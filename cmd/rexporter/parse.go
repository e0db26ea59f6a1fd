package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/parser"
)

// ParseCmd is a dry run: messages in, the series they would produce out.
type ParseCmd struct {
	ConfigFile string   `name:"config.file" type:"existingfile" placeholder:"FILE" help:"Mapping file to apply (default: none, the built-in mapping)."`
	Namespace  string   `placeholder:"PREFIX" help:"Prefix for every metric built from R names."`
	Jobs       bool     `help:"Also print the job metrics (rexporter_job_*) of the dry run's connection."`
	Recognise  bool     `default:"true" negatable:"" help:"Also run the recognisers of rexporter run over each line, the --config.file's own first, and say which one claims it; a line one claims is not dropped (--no-recognise: messages only)."`
	Messages   []string `arg:"" optional:"" help:"Messages to parse (or lines of a job's output); without any, every stdin line is one. Exits 3 if any message or field is dropped."`
}

// parseDroppedExit is rexporter parse's exit code when a message was dropped.
const parseDroppedExit = 3

// Run parses the messages as one connection would send them, then prints
// what each message was, which rule mapped each R name, and the exposition.
func (c *ParseCmd) Run(e *env, logger *slog.Logger) error {
	m, err := loadMapper(c.ConfigFile)
	if err != nil {
		return err
	}
	user := prometheus.NewRegistry()
	// Drops are reported per message below; the exporter's own warnings would repeat them.
	exp, err := exporter.New(exporter.Options{Mapper: m, Namespace: c.Namespace}, user, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		return err
	}
	msgs := c.Messages
	if len(msgs) == 0 {
		if msgs, err = readLines(e.stdin); err != nil {
			return err
		}
	}
	sess := exp.NewSession(netip.AddrPort{})
	var rec *dryRecogniser
	if c.Recognise {
		rec = newDryRecogniser(m)
	}
	var pm parser.Message
	dropped, droppedFields := 0, 0
	for i, msg := range msgs {
		var claims []claim
		var ups []recognise.Update
		if rec != nil {
			claims, ups = rec.line(msg)
		}
		if len(claims) > 0 {
			// A line a recogniser claims is read by it only, under
			// rexporter run and serve --recognise alike.
			fmt.Fprintf(e.stdout, "# message %d: recognised, so not read as a message\n", i+1)
			printClaims(e.stdout, i+1, claims, ups)
			applyUpdates(sess, ups)
			continue
		}
		switch err := parser.Parse([]byte(msg), &pm); {
		case err != nil:
			dropped++
			fmt.Fprintf(e.stdout, "# message %d: dropped (%s): %v\n", i+1, exporter.ParseReason(err), err)
		default:
			fmt.Fprintf(e.stdout, "# message %d: %s\n", i+1, describe(&pm))
			for _, b := range pm.Bad {
				droppedFields++
				fmt.Fprintf(e.stdout, "# message %d: field dropped (%s): %v\n", i+1, exporter.ParseReason(b.Err), b.Err)
			}
		}
		sess.Message([]byte(msg))
	}
	for _, n := range exp.Names() {
		fmt.Fprintf(e.stdout, "# R name %q -> %s (%s) by %s\n", n.RName, n.Metric, n.Kind, n.Rule)
	}
	mfs, err := user.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(e.stdout, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if !c.Jobs && strings.HasPrefix(mf.GetName(), "rexporter_job_") {
			continue
		}
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	if droppedFields > 0 {
		fmt.Fprintf(e.stdout, "# %d fields dropped from applied messages\n", droppedFields)
	}
	if dropped > 0 {
		fmt.Fprintf(e.stdout, "# %d of %d messages dropped\n", dropped, len(msgs))
	}
	if dropped+droppedFields > 0 {
		return exitCodeError{parseDroppedExit}
	}
	return nil
}

// describe summarises a parsed message for the dry run.
func describe(m *parser.Message) string {
	switch m.Kind {
	case parser.KindJob:
		return fmt.Sprintf("names the job %q", parser.DisplayName(m.Job))
	case parser.KindBye:
		return "says goodbye"
	}
	parts := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		parts[i] = fmt.Sprintf("%q %s", parser.DisplayName(f.Name), f.Kind)
	}
	return "ok: " + strings.Join(parts, ", ")
}

// readLines reads every stdin line, bounded like `send`.
func readLines(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxSendLine)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read stdin: %w", err)
	}
	if len(lines) == 0 {
		return nil, errors.New("no messages: give them as arguments or on stdin")
	}
	return lines, nil
}

// CheckConfigCmd validates a mapping file.
type CheckConfigCmd struct {
	File string `arg:"" type:"path" help:"Mapping file to check."`
}

// Run loads the file and prints the effective mapping, or fails with the
// error (which names the file and line).
func (c *CheckConfigCmd) Run(e *env, _ *slog.Logger) error {
	m, err := loadMapper(c.File)
	if err != nil {
		return err
	}
	summary := plural(m.Rules(), "rule", "rules")
	if n := len(m.Recognisers()); n > 0 {
		summary += ", " + plural(n, "recogniser", "recognisers")
	}
	fmt.Fprintf(e.stdout, "%s: ok, %s\n%s", c.File, summary, m.String())
	return nil
}

// plural writes a count with its noun: "1 rule", "0 rules", "3 rules".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
