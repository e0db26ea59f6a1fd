// Command rexporter turns status messages from running R jobs into Prometheus
// metrics: it replaces the socket server of an R job's server.R, parses every
// `Name: value` it receives, and serves gauges, counters and histograms on
// /metrics.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"
)

func init() {
	// Builds without -ldflags still report the module version they have.
	if version.Version == "" {
		version.Version = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			version.Version = bi.Main.Version
		}
	}
}

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// env is what a command needs from the process: its streams and a context that
// ends on SIGINT or SIGTERM.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run parses the command line, runs the chosen command and returns the exit
// code. Nothing below it exits the process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cli CLI
	exitCode := -1
	parser, err := newParser(&cli, stdout, stderr, func(code int) { exitCode = code })
	if err != nil {
		fmt.Fprintln(stderr, "rexporter:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exitCode >= 0 { // --help or --version
		return exitCode
	}
	if err != nil {
		fmt.Fprintln(stderr, "rexporter:", err)
		return 2
	}

	level, format := promslog.NewLevel(), promslog.NewFormat()
	if err := level.Set(cli.LogLevel); err != nil {
		fmt.Fprintln(stderr, "rexporter: --log.level:", err)
		return 2
	}
	if err := format.Set(cli.LogFormat); err != nil {
		fmt.Fprintln(stderr, "rexporter: --log.format:", err)
		return 2
	}
	logger := promslog.New(&promslog.Config{Level: level, Format: format, Writer: stderr})

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if err := kctx.Run(e, logger); err != nil {
		var ec exitCodeError
		if errors.As(err, &ec) {
			return ec.code
		}
		printError(stderr, err)
		return 1
	}
	return 0
}

// exitCodeError ends a command with a documented exit code other than 1,
// having already said why on stdout (rexporter parse: 3 when a message was
// dropped).
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string { return fmt.Sprintf("exit code %d", e.code) }

// printError writes an error as plain lines on stderr, one per problem,
// like kong's flag errors: a mapping file with three mistakes gives three
// lines "rexporter: mapping.yml:3: ...", not one escaped log record.
func printError(w io.Writer, err error) {
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintln(w, "rexporter:", line)
		}
	}
}

// newParser builds the kong parser for the CLI grammar; tests use it too.
func newParser(cli *CLI, stdout, stderr io.Writer, exit func(int)) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name("rexporter"),
		kong.Description("Turns status messages from R jobs into Prometheus metrics.\n\n"+
			"An R job reports over TCP, e.g. write.socket(sock, paste0(\"[\", Sys.time(), \"] - Random Poisson: \", rpois(1, 10))); "+
			"every `Name: value` becomes a gauge, a counter and a histogram on /metrics.\n\n"+
			"Without a command, rexporter serves: rexporter --listen 6000 --metrics :9100."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		kong.Help(helpPrinter),
		kong.DefaultEnvars("REXPORTER"),
		kong.Vars{"version": version.Print("rexporter")},
		kong.Writers(stdout, stderr),
		kong.Exit(exit),
	)
}
