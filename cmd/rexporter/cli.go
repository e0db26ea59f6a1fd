package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/alecthomas/kong"
)

// CLI is the whole command-line grammar. Every flag can also be set through
// an environment variable REXPORTER_<FLAG> (dots and dashes become
// underscores); the command line wins.
type CLI struct {
	Version   kong.VersionFlag `help:"Print version information and exit." env:"-"`
	LogLevel  string           `name:"log.level" default:"info" enum:"debug,info,warn,error" help:"Only log messages with the given severity or above: ${enum}."`
	LogFormat string           `name:"log.format" default:"logfmt" enum:"logfmt,json" help:"Output format of log messages: ${enum}."`

	Serve       ServeCmd       `cmd:"" default:"withargs" help:"Receive R messages and serve them as metrics (the default command)."`
	Run         RunCmd         `cmd:"" help:"Run an R job (any command) and report it: its messages on stdout and stderr, CPU and memory, and how it ended (finished, failed, killed, oom_killed)."`
	Pipe        PipeCmd        `cmd:"" help:"Read a job's messages from standard input (Rscript job.R | rexporter pipe --job fit), pass it on to standard output, and serve the metrics (or forward them with --to)."`
	Send        SendCmd        `cmd:"" help:"Send messages to a running rexporter: stdin lines, or --message like the blog's client.R."`
	Parse       ParseCmd       `cmd:"" help:"Dry run: print the series messages would produce, and the rule that mapped each R name."`
	CheckConfig CheckConfigCmd `cmd:"" name:"check-config" help:"Validate a mapping file and print the effective mapping."`
	Healthcheck HealthcheckCmd `cmd:"" help:"Probe a running rexporter's /-/healthy: exit 0 if it answers 2xx, else 1 (for container healthchecks; needs no shell)."`
}

// ServeCmd is the exporter itself.
type ServeCmd struct {
	Listen             []string      `default:"6000" placeholder:"ADDRESS" help:"Address to receive R messages on: TCP 6000, :6000, 127.0.0.1:6000 or tcp://HOST:PORT; a Unix stream socket unix:///run/rexporter.sock; UDP udp://:6001 (repeatable or comma-separated; default: ${default}). A bare port listens on every interface, IPv4 included (R clients are IPv4 only)."`
	ListenAllow        []string      `name:"listen.allow" placeholder:"CIDR" help:"Only accept R clients from this network (10.0.0.0/8, 127.0.0.1, ::1; repeatable or comma-separated), on TCP, UDP and POST /api/v1/messages (not on Unix sockets: their mode decides). Default: every client; the ingest port has no authentication."`
	ListenUnixMode     string        `name:"listen.unix-mode" default:"0660" placeholder:"OCTAL" help:"File mode of the --listen unix:// sockets (default: ${default})."`
	ListenUDPBuffer    int           `name:"listen.udp-buffer-bytes" placeholder:"BYTES" help:"Receive buffer (SO_RCVBUF) of the --listen udp:// sockets; datagrams beyond it are dropped by the kernel and counted. Default: the system's; Linux caps it at net.core.rmem_max."`
	MaxBodyBytes       int64         `name:"web.max-body-bytes" default:"1048576" help:"Largest body of POST /api/v1/messages; a larger one is refused with 413."`
	Metrics            []string      `aliases:"web.listen-address" default:":9100" placeholder:"[HOST:]PORT" help:"Address to serve /metrics, the status page and /-/ endpoints on: 9100, :9100 or 127.0.0.1:9100 (repeatable; default: ${default}). Also --web.listen-address."`
	TelemetryPath      string        `name:"web.telemetry-path" default:"/metrics" help:"Path under which to expose metrics."`
	WebConfigFile      string        `name:"web.config.file" type:"existingfile" placeholder:"FILE" help:"Exporter-toolkit web configuration file for TLS and basic auth."`
	MaxMessageBytes    int           `default:"65536" help:"Longest message accepted; longer ones are discarded up to their end and counted."`
	MaxConnections     int           `default:"1024" help:"Most client connections served at once; a new connection beyond it waits up to --conn-wait for a free slot, then is reset and counted."`
	MaxBusyConnections int           `placeholder:"N" help:"Most connections whose data is handled at once; the others wait their turn (their data waits in the kernel), and connections flooding new names get at most N-1 of the turns, so that a scrape and the other jobs keep their share of the CPU under any load. Default: the number of CPUs Go uses (GOMAXPROCS)."`
	ConnWait           time.Duration `default:"5s" help:"How long a connection beyond --max-connections waits for a free slot before it is reset (0: reset at once)."`
	MaxSeries          int           `default:"10000" help:"Most series in all (R name × job × labels). Beyond it, a new series of an existing metric folds into that metric's overflow series and a new R name is rejected; both are counted, and existing series keep working."`
	MaxSeriesPerJob    int           `placeholder:"N" help:"Most series one job may have, so that one runaway job cannot take them all; beyond it the job's new names are refused and counted per job. Default: half of --max-series, at least 100."`
	MaxJobs            int           `default:"100" help:"Most jobs known at once (running, or ended and retained; an unnamed connection's identity is a job too); beyond it a connection joins the job _overflow."`
	JobRetention       time.Duration `default:"1h" help:"How long an ended job and its series stay visible."`
	Namespace          string        `placeholder:"PREFIX" help:"Prefix for every metric built from R names (\"r\" gives r_random_poisson)."`
	QuietGap           time.Duration `default:"20ms" help:"An unterminated message that ends in a complete value is complete after this long without new bytes on its connection (0 disables)."`
	TailWait           time.Duration `default:"500ms" help:"An unterminated message that does not look finished (it ends in a name or after ':', or the connection's last message ended with a newline) is complete after this long without new bytes (at least --quiet-gap)."`
	ShutdownTimeout    time.Duration `default:"10s" help:"On SIGINT/SIGTERM, how long to apply what was received before giving up."`
	Echo               bool          `help:"Print every received message to stdout, as the blog's server.R did."`
	Recognise          bool          `help:"Offer lines that are no message to the recognisers of rexporter run (progress bars, nnet/optim/nlminb/glm/lme4 traces, gbm and randomForest tables, caret folds, Stan chains), for R output piped or sent here (Rscript job.R 2>&1 | nc HOST 6000)."`
	ConfigFile         string        `name:"config.file" type:"existingfile" placeholder:"FILE" help:"Mapping file (YAML): how R names become metrics. Reloaded on SIGHUP and POST /-/reload."`
	EnableLifecycle    bool          `name:"web.enable-lifecycle" help:"Enable POST /-/reload and POST /-/restart (without it, 403)."`

	// Restarts that keep R jobs alive and counters going (restart*.go).
	StateFile         string        `name:"state.file" placeholder:"PATH" help:"Keep the series state (counter totals, histograms, last gauge values, jobs) in this file: loaded at start, written atomically on shutdown and every --state.interval, so a restart resets no counter."`
	StateInterval     time.Duration `name:"state.interval" default:"1m" help:"How often to write --state.file (0: only on shutdown)."`
	StateIgnoreErrors bool          `name:"state.ignore-errors" help:"Start empty when --state.file is corrupt, foreign or of an unsupported version (logged), instead of refusing to start."`
	RestartTimeout    time.Duration `name:"restart.timeout" default:"15s" help:"On SIGUSR2 or POST /-/restart, how long the new process may take to report ready before the old one gives up and serves on."`

	// The status page (package status) replaces the landing page at /.
	DisableStatusPage bool `name:"web.disable-status-page" help:"Serve the exporter-toolkit landing page at / instead of the live status page (and no /api/status)."`

	StallFlags `embed:""`
	// stdin, set by pipe, makes standard input a connection (pipe.go).
	stdin *stdinSource `kong:"-"`
}

// Validate implements kong's cross-field checks.
func (c *ServeCmd) Validate() error {
	var errs []error
	if c.MaxMessageBytes < 1 {
		errs = append(errs, errors.New("--max-message-bytes must be at least 1"))
	}
	if c.MaxConnections < 1 {
		errs = append(errs, errors.New("--max-connections must be at least 1"))
	}
	if c.MaxBusyConnections < 0 {
		errs = append(errs, errors.New("--max-busy-connections must not be negative"))
	}
	if c.MaxJobs < 1 {
		errs = append(errs, errors.New("--max-jobs must be at least 1"))
	}
	if c.JobRetention <= 0 {
		errs = append(errs, errors.New("--job-retention must be positive"))
	}
	if c.MaxSeries < 1 {
		errs = append(errs, errors.New("--max-series must be at least 1"))
	}
	if c.MaxSeriesPerJob < 0 {
		errs = append(errs, errors.New("--max-series-per-job must not be negative"))
	}
	if c.QuietGap < 0 {
		errs = append(errs, errors.New("--quiet-gap must not be negative"))
	}
	if c.TailWait <= 0 {
		errs = append(errs, errors.New("--tail-wait must be positive"))
	}
	if c.ConnWait < 0 {
		errs = append(errs, errors.New("--conn-wait must not be negative"))
	}
	if c.StateInterval < 0 {
		errs = append(errs, errors.New("--state.interval must not be negative"))
	}
	if c.RestartTimeout <= 0 {
		errs = append(errs, errors.New("--restart.timeout must be positive"))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--shutdown-timeout must be positive"))
	}
	for _, l := range c.Listen {
		if _, err := parseListen(l); err != nil {
			errs = append(errs, fmt.Errorf("--listen: %w", err))
		}
	}
	if _, err := parseMode(c.ListenUnixMode); err != nil {
		errs = append(errs, err)
	}
	if c.ListenUDPBuffer < 0 {
		errs = append(errs, errors.New("--listen.udp-buffer-bytes must not be negative"))
	}
	if c.MaxBodyBytes < 1 {
		errs = append(errs, errors.New("--web.max-body-bytes must be at least 1"))
	}
	for i, l := range c.Metrics {
		a, err := listenAddress(l)
		if err != nil {
			errs = append(errs, fmt.Errorf("--metrics: %w", err))
			continue
		}
		c.Metrics[i] = a // exporter-toolkit is given the HOST:PORT form
	}
	if _, err := allowPrefixes(c.ListenAllow); err != nil {
		errs = append(errs, err)
	}
	if len(c.TelemetryPath) == 0 || c.TelemetryPath[0] != '/' {
		errs = append(errs, errors.New("--web.telemetry-path must start with /"))
	}
	errs = append(errs, c.StallFlags.validate())
	return errors.Join(errs...)
}

// allowPrefixes parses the --listen.allow values: CIDR prefixes, or single
// addresses meaning /32 (IPv4) or /128 (IPv6). Host bits set below the
// prefix length are ignored (10.1.2.3/8 is 10.0.0.0/8).
func allowPrefixes(vals []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	var errs []error
	for _, v := range vals {
		p, err := allowPrefix(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Errorf("--listen.allow %q: %w", v, err))
			continue
		}
		ps = append(ps, p)
	}
	return ps, errors.Join(errs...)
}

func allowPrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, errors.New("not an IP address or CIDR prefix such as 10.0.0.0/8")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, errors.New("not an IP address or CIDR prefix such as 10.0.0.0/8")
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("an address with a zone cannot be matched; leave out the %zone")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// SendCmd is a small client: it plays an R job for tests and demos, or pipes a
// log into rexporter (tail -f job.log | rexporter send).
type SendCmd struct {
	To       string        `default:"127.0.0.1:6000" placeholder:"HOST:PORT" help:"Where rexporter listens (default: ${default})."`
	Message  string        `placeholder:"TEXT" help:"Send this message --count times instead of reading stdin. {time} becomes R's Sys.time(), {i} the iteration, {rpois} a Poisson(10) draw."`
	Count    int           `default:"10" help:"How many times to send --message."`
	Interval time.Duration `default:"1s" help:"Pause between two --message sends."`
	Newline  bool          `default:"true" negatable:"" help:"End every message with a newline (--no-newline sends them bare, like R's write.socket)."`
}

// Validate implements kong's cross-field checks.
func (c *SendCmd) Validate() error {
	if c.Count < 0 {
		return errors.New("--count must not be negative")
	}
	if c.Interval < 0 {
		return errors.New("--interval must not be negative")
	}
	return nil
}
