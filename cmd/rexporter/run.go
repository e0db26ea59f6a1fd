package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/internal/runner"
	"github.com/rexporter/rexporter/parser"
)

// RunCmd runs an R job (any command) and reports it: its messages on stdout
// and stderr, its CPU and memory, how it ended.
type RunCmd struct {
	To             string        `env:"REXPORTER_ADDR" placeholder:"HOST:PORT" help:"Send to the rexporter listening there. Without it, serve /metrics here on --metrics."`
	Metrics        []string      `default:":9100" placeholder:"[HOST:]PORT" help:"Without --to: address to serve /metrics and the status page on while the job runs (repeatable; default: ${default})."`
	Job            string        `placeholder:"NAME" help:"The job's name (r_job). Default: the R script's name without .R, else the command's name; a job: line from the job renames it."`
	Param          []string      `sep:"none" placeholder:"KEY=VALUE" help:"A parameter of the run, shown in rexporter_job_info as param_KEY (repeatable)."`
	SampleInterval time.Duration `default:"1s" help:"How often to sample the CPU time and resident memory of the job's processes."`
	Buffer         int           `default:"10000" help:"Most lines held while the exporter is unreachable; beyond it the oldest are dropped and counted."`
	MaxLineBytes   int           `default:"65536" help:"Longest output line read as a message; longer ones pass through but are ignored."`
	FlushTimeout   time.Duration `default:"2s" help:"When the job has ended, how long to try to deliver what is left before exiting."`
	Recognise      bool          `default:"true" negatable:"" help:"Also turn what common R code prints into metrics: progress bars (txtProgressBar, progress, cli, pbapply), nnet/optim/nlminb/glm/lme4 traces, gbm and randomForest tables, caret folds, Stan chains, and the --config.file's own recognisers (--no-recognise: off)."`
	ConfigFile     string        `name:"config.file" type:"existingfile" placeholder:"FILE" help:"Mapping file (YAML): its recognisers read the job's output, before the built-in ones; without --to, its rules and defaults also map the names served here (with --to, the exporter's own file does)."`
	StallFlags     `embed:""`

	Command []string `arg:"" passthrough:"" placeholder:"COMMAND" help:"The command to run, after --: rexporter run -- Rscript job.R args."`
}

// Validate implements kong's cross-field checks.
func (c *RunCmd) Validate() error {
	var errs []error
	if c.SampleInterval <= 0 {
		errs = append(errs, errors.New("--sample-interval must be positive"))
	}
	if c.Buffer < 1 {
		errs = append(errs, errors.New("--buffer must be at least 1"))
	}
	if c.MaxLineBytes < 1 {
		errs = append(errs, errors.New("--max-line-bytes must be at least 1"))
	}
	for _, p := range c.Param {
		if k, _, ok := strings.Cut(p, "="); !ok || strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("--param %q: want KEY=VALUE", p))
		}
	}
	if len(c.Command) > 0 && c.Command[0] == "--" {
		c.Command = c.Command[1:]
	}
	if len(c.Command) == 0 {
		errs = append(errs, errors.New("no command: rexporter run [flags] -- Rscript job.R"))
	}
	for i, l := range c.Metrics {
		a, err := listenAddress(l)
		if err != nil {
			errs = append(errs, fmt.Errorf("--metrics: %w", err))
			continue
		}
		c.Metrics[i] = a
	}
	errs = append(errs, c.StallFlags.validate())
	return errors.Join(errs...)
}

// jobNameOf is the default job name of a command: the R script's name
// without its extension (Rscript fit.R, R -f fit.R), else the command's.
func jobNameOf(args []string) string {
	for _, a := range args[1:] {
		if strings.HasSuffix(strings.ToLower(a), ".r") && !strings.HasPrefix(a, "-") {
			return strings.TrimSuffix(filepath.Base(a), filepath.Ext(a))
		}
		if v, ok := strings.CutPrefix(a, "--file="); ok {
			return strings.TrimSuffix(filepath.Base(v), filepath.Ext(v))
		}
	}
	return filepath.Base(args[0])
}

// Run runs the job and exits with its exit status.
func (c *RunCmd) Run(e *env, logger *slog.Logger) error {
	m, err := loadMapper(c.ConfigFile)
	if err != nil {
		return err
	}
	if c.ConfigFile != "" {
		logger.Debug("mapping file loaded", "file", c.ConfigFile, "rules", m.Rules(), "recognisers", len(m.Recognisers()))
	}
	job := c.Job
	if job == "" {
		job = jobNameOf(c.Command)
	}
	o := newOutbox(c.Buffer, job)
	for _, p := range c.Param {
		k, v, _ := strings.Cut(p, "=")
		o.setParam(strings.TrimSpace(k), "run: param "+strings.TrimSpace(k)+"="+strings.TrimSpace(v))
	}

	// The job must never wait for the exporter: delivery runs on its own,
	// and when the job has ended it gets --flush-timeout to finish.
	sendCtx, cancelSend := context.WithCancel(context.Background())
	defer cancelSend()
	sent := make(chan struct{})
	if c.To != "" {
		go func() { defer close(sent); sendTCP(sendCtx, c.To, o, logger) }()
	} else {
		srv, err := startRunServer(c, m, logger)
		if err != nil {
			return err
		}
		defer srv.stop()
		go func() { defer close(sent); sendLocal(srv.exp, o) }()
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	var ignored atomic.Uint64
	rerr := runner.NewRError(exporter.MaxErrorLineBytes)
	var msg parser.Message
	var rec *recogniser
	onLine := func(stream int, line []byte) {
		if stream == runner.Stderr {
			rerr.Line(line)
		}
		if rec != nil && rec.claims(stream) {
			return // read by a recogniser: no message as well
		}
		if line == nil || runner.IsRChatter(line) {
			ignored.Add(1)
			return
		}
		line = trimCR(line)
		if parser.Parse(line, &msg) != nil {
			ignored.Add(1)
			return
		}
		switch msg.Kind {
		case parser.KindJob:
			o.setJob(string(msg.Job))
		case parser.KindRun:
			// Only the job's parameters and errors; how it ended and what
			// it used is for rexporter run to say.
			if msg.Verb != parser.RunParam && msg.Verb != parser.RunError {
				ignored.Add(1)
				return
			}
			if msg.Verb == parser.RunParam {
				k, _ := parser.RunParamKV(msg.Arg)
				o.setParam(string(k), string(line))
			}
		}
		o.push(string(line))
	}
	var onChunk func(int, []byte)
	if c.Recognise {
		rec = newRecogniser(o, m.NewRecognisers())
		onChunk = rec.chunk
	}
	res, err := runner.Run(runner.Config{
		OnChunk: onChunk,
		Args:    c.Command,
		// rx_params() prints its messages for us to read rather than
		// connecting (r/R/params.R).
		Env:            append(os.Environ(), "REXPORTER_RUN=1"),
		Stdin:          e.stdin,
		Stdout:         e.stdout,
		Stderr:         e.stderr,
		MaxLine:        c.MaxLineBytes,
		OnLine:         onLine,
		SampleInterval: c.SampleInterval,
		OnSample: func(u runner.Usage) {
			o.push("run: cpu " + formatNum(u.CPUSeconds))
			o.push("run: rss " + formatNum(u.RSSBytes))
			pushCounts(o, ignored.Load())
		},
		Signals: sigs,
	})
	if err != nil {
		o.push("run: error rexporter run: " + err.Error())
		o.push("run: exit 127")
		o.push("bye")
		o.close()
		c.waitSent(sent, cancelSend)
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		fmt.Fprintf(e.stderr, "rexporter run: %s: %v\n", c.Command[0], err)
		return exitCodeError{code}
	}
	if rec != nil {
		rec.flush()
	}
	o.push("run: cpu " + formatNum(res.Usage.CPUSeconds))
	pushCounts(o, ignored.Load())
	if res.ExitCode != 0 && rerr.Last() != "" {
		o.push("run: error " + rerr.Last())
	}
	switch {
	case res.OOM:
		o.push("run: oom")
	case res.Signal != 0:
		o.push("run: signal " + runner.SignalName(res.Signal))
	}
	o.push("run: exit " + strconv.Itoa(res.ExitCode))
	o.push("bye")
	o.close()
	c.waitSent(sent, cancelSend)
	if d := o.droppedLines(); d > 0 || ignored.Load() > 0 {
		logger.Debug("job ended", "exit_code", res.ExitCode, "dropped_lines", d, "ignored_lines", ignored.Load())
		if d > 0 {
			logger.Warn("lines not delivered to the exporter", "dropped_lines", d)
		}
	}
	if res.ExitCode != 0 {
		return exitCodeError{res.ExitCode}
	}
	return nil
}

// waitSent gives delivery --flush-timeout to finish.
func (c *RunCmd) waitSent(sent <-chan struct{}, cancel context.CancelFunc) {
	select {
	case <-sent:
	case <-time.After(c.FlushTimeout):
		cancel()
		<-sent
	}
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

func formatNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// pushCounts reports the lines ignored and dropped so far, when there are
// any (counters that only grow: a late or lost report changes nothing).
func pushCounts(o *outbox, ignored uint64) {
	if ignored > 0 {
		o.push("run: ignored " + strconv.FormatUint(ignored, 10))
	}
	if d := o.droppedLines(); d > 0 {
		o.push("run: dropped " + strconv.FormatUint(d, 10))
	}
}
