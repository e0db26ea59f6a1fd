package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/rexporter/rexporter/ingest"
)

// PipeCmd reads a job's messages from standard input: `Rscript job.R |
// rexporter pipe --job fit`. Standard input is one connection that named
// itself with `job: NAME`; every byte read is passed on to standard output
// unchanged (--tee), so the job's log is not lost. By default it serves
// the metrics itself, like `rexporter serve` with no --listen; with --to
// it forwards the stream to a running rexporter instead.
type PipeCmd struct {
	Job           string        `required:"" placeholder:"NAME" help:"The job's name: standard input is one connection that begins with job: NAME."`
	Tee           bool          `default:"true" negatable:"" help:"Copy standard input to standard output unchanged (--no-tee: do not)."`
	To            string        `placeholder:"HOST:PORT" help:"Forward the messages to the rexporter listening there (TCP) instead of serving metrics here."`
	Metrics       []string      `default:":9100" placeholder:"[HOST:]PORT" help:"Without --to: address to serve /metrics and the status page on (default: ${default})."`
	Linger        time.Duration `placeholder:"DURATION" help:"Without --to: go on serving /metrics this long after standard input ends, so that a last scrape sees the job's end (default: exit at once)."`
	ConfigFile    string        `name:"config.file" type:"existingfile" placeholder:"FILE" help:"Without --to: mapping file (YAML), as for serve."`
	Namespace     string        `placeholder:"PREFIX" help:"Without --to: prefix for every metric built from R names, as for serve."`
	WebConfigFile string        `name:"web.config.file" type:"existingfile" placeholder:"FILE" help:"Without --to: exporter-toolkit web configuration file for TLS and basic auth."`
	Recognise     bool          `help:"Without --to: also read what common R packages print (progress bars, optimiser traces, gbm and randomForest tables, caret folds, Stan chains), as rexporter run does."`
}

// Validate implements kong's cross-field checks.
func (c *PipeCmd) Validate() error {
	if strings.TrimSpace(c.Job) == "" || strings.ContainsAny(c.Job, "\r\n\x00") {
		return errors.New("--job: give a name on one line")
	}
	if c.Linger < 0 {
		return errors.New("--linger must not be negative")
	}
	return nil
}

// Run reads standard input until it ends.
func (c *PipeCmd) Run(e *env, logger *slog.Logger) error {
	if c.To != "" {
		return c.forward(e, logger)
	}
	sc, err := c.serveCmd()
	if err != nil {
		return err
	}
	return sc.Run(e, logger)
}

// serveCmd is the serve command that pipe runs: serve's defaults, no
// --listen, and standard input as its one connection.
func (c *PipeCmd) serveCmd() (*ServeCmd, error) {
	args := []string{"--metrics", strings.Join(c.Metrics, ",")}
	if c.Recognise {
		args = append(args, "--recognise")
	}
	for flag, v := range map[string]string{"--config.file": c.ConfigFile, "--namespace": c.Namespace, "--web.config.file": c.WebConfigFile} {
		if v != "" {
			args = append(args, flag, v)
		}
	}
	var sc ServeCmd
	k, err := kong.New(&sc, kong.Name("rexporter pipe"))
	if err != nil {
		return nil, err
	}
	if _, err := k.Parse(args); err != nil {
		return nil, err
	}
	sc.Listen = nil
	sc.stdin = &stdinSource{job: c.Job, tee: c.Tee, linger: c.Linger}
	return &sc, nil
}

// stdinSource is serve's standard input connection (pipe).
type stdinSource struct {
	job    string
	tee    bool
	linger time.Duration
}

// serveStdin serves standard input as one connection when pipe asked for
// it, and returns a channel closed once it has ended (and --linger has
// passed); nil otherwise.
func (c *ServeCmd) serveStdin(e *env, srv *ingest.Server, logger *slog.Logger) <-chan struct{} {
	src := c.stdin
	if src == nil {
		return nil
	}
	// A net.Pipe gives the stream read deadlines, so the quiet gap and the
	// shutdown drain work as on a socket.
	server, client := net.Pipe()
	var tee io.Writer
	if src.tee {
		tee = e.stdout
	}
	go func() {
		if err := copyStdin(e.stdin, client, tee, src.job); err != nil {
			logger.Error("cannot read standard input", "err", err)
		}
		_ = client.Close()
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.ServeConn(server, netip.AddrPort{}, ingest.TransportStdin)
		logger.Info("standard input ended", "linger", src.linger.String())
		if src.linger > 0 {
			select {
			case <-time.After(src.linger):
			case <-e.ctx.Done():
			}
		}
	}()
	return done
}

// copyStdin writes "job: NAME\n", then everything read from in, to out, and
// each piece read to tee first (when not nil), unchanged. If out fails (the
// exporter is gone), it goes on copying to tee, so the job's output is
// never lost nor blocked; that error is returned at the end.
func copyStdin(in io.Reader, out, tee io.Writer, job string) error {
	var outErr error
	if _, err := io.WriteString(out, "job: "+job+"\n"); err != nil {
		outErr = err
	}
	buf := make([]byte, 32*1024)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if tee != nil {
				if _, werr := tee.Write(buf[:n]); werr != nil {
					tee = nil // stdout closed: keep feeding the exporter
				}
			}
			if outErr == nil {
				_, outErr = out.Write(buf[:n])
			}
		}
		if errors.Is(err, io.EOF) {
			if errors.Is(outErr, io.ErrClosedPipe) {
				return nil // shut down by a signal
			}
			return outErr
		}
		if err != nil {
			return err
		}
	}
}

// forward sends standard input to the rexporter at --to, as one TCP
// connection that begins with job: NAME.
func (c *PipeCmd) forward(e *env, logger *slog.Logger) error {
	var d net.Dialer
	d.Timeout = 5 * time.Second
	conn, err := d.DialContext(e.ctx, "tcp", c.To)
	var tee io.Writer
	if c.Tee {
		tee = e.stdout
	}
	if err != nil {
		// Still pass the job's output through: losing the metrics must not
		// lose the log.
		logger.Error("cannot forward the messages", "to", c.To, "err", unwrapOp(err))
		_, _ = copyTee(e.stdin, tee)
		return fmt.Errorf("--to %s: %w", c.To, unwrapOp(err))
	}
	defer conn.Close()
	if err := copyStdin(e.stdin, conn, tee, c.Job); err != nil {
		return fmt.Errorf("--to %s: %w", c.To, unwrapOp(err))
	}
	return nil
}

// copyTee copies in to tee, or reads it to the end if tee is nil.
func copyTee(in io.Reader, tee io.Writer) (int64, error) {
	if tee == nil {
		tee = io.Discard
	}
	return io.Copy(tee, in)
}
