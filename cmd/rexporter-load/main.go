// Command rexporter-load measures a rexporter under a bounded synthetic load
// of R-style status messages over loopback TCP.
//
// It either starts the exporter binary itself for every run (--exporter) or
// drives a running one (--target, --metrics-url, --pid). It reports messages
// per second until /metrics shows every message (read from the exporter's own
// rexporter_messages_total), the exporter's CPU-seconds per million messages,
// its peak RSS, the time and size of a full scrape, and the time from one
// message to /metrics. With --baseline every run also measures a bare TCP
// line counter (this binary's hidden baseline-server command, a process of its
// own) under the identical load, and every figure gets its ratio to it.
// BENCHMARKS.md describes the method and the commands behind its figures.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

// env is what a command needs from the process: its output streams and a
// context that ends on SIGINT or SIGTERM.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
}

// run parses the command line, runs the chosen command and returns the exit
// code. Nothing below it exits the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cli CLI
	exitCode := -1
	parser, err := newParser(&cli, stdout, stderr, func(code int) { exitCode = code })
	if err != nil {
		fmt.Fprintln(stderr, "rexporter-load:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exitCode >= 0 { // --help
		return exitCode
	}
	if err != nil {
		fmt.Fprintln(stderr, "rexporter-load:", err)
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cli.LogLevel)); err != nil {
		fmt.Fprintln(stderr, "rexporter-load: --log.level:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := kctx.Run(&env{ctx: ctx, stdout: stdout, stderr: stderr}, logger); err != nil {
		logger.Error("rexporter-load failed", "err", err)
		return 1
	}
	return 0
}

// newParser builds the kong parser for the CLI grammar; tests use it too.
func newParser(cli *CLI, stdout, stderr io.Writer, exit func(int)) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name("rexporter-load"),
		kong.Description("Measures a rexporter under a bounded load of R-style messages over loopback TCP "+
			"(messages/s, CPU-seconds per million messages, peak RSS, scrape time, message-to-/metrics latency), "+
			"optionally against a bare TCP line counter in the same run (--baseline). See BENCHMARKS.md."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		kong.Writers(stdout, stderr),
		kong.Exit(exit),
	)
}
