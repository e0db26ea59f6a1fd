package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/ingest"
	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/internal/status"
)

// Run serves: it receives R messages on --listen and exposes metrics on
// --metrics until SIGINT or SIGTERM. It builds the server (build), starts
// serving (serve), waits for a signal, a request or an error (wait), and
// stops (shutdown).
func (c *ServeCmd) Run(e *env, logger *slog.Logger) error {
	// SIGUSR2 asks for a hand-over (restart.go). Caught from the start:
	// its default action would kill the process and every R job's
	// connection with it; one that comes early is served once ready.
	usr2 := make(chan os.Signal, 1)
	if len(restartSignals) > 0 { // Notify with none would relay every signal
		signal.Notify(usr2, restartSignals...)
		defer signal.Stop(usr2)
	}
	s, err := c.build(e, logger)
	if err != nil {
		return err
	}
	err = s.serve(e)
	if s.page != nil {
		defer s.page.Close()
	}
	if err != nil {
		return err
	}
	defer s.stopState()
	runErr, handedOver := s.wait(e, usr2)
	return s.shutdown(runErr, handedOver)
}

// server is what ServeCmd.Run builds and serves: the exporter, the ingest
// server, their listeners and, once serving, the web server.
type server struct {
	c      *ServeCmd
	logger *slog.Logger

	self   *prometheus.Registry // the exporter's own metrics
	selfG  *continuedRegistry   // self, with counters continued after a hand-over
	user   *prometheus.Registry // the user's metrics
	exp    *exporter.Exporter
	keeper *stateKeeper
	reload *reloader
	allow  []netip.Prefix
	srv    *ingest.Server
	hin    *handoverIn // nil unless started by a hand-over

	ingestAll ingestListeners
	ingestLs  []net.Listener
	webLs     []net.Listener

	// Set by serve.
	ready       atomic.Bool
	errc        chan error
	stdinDone   <-chan struct{}
	page        *status.Page
	httpSrv     *http.Server
	restarter   *restarter
	restartReqs chan chan error
	loopDone    chan struct{}
	stopState   context.CancelFunc
}

// build makes the registries, the exporter (with the series of a hand-over
// or --state.file), the ingest server and the listeners. A problem with the
// mapping file or a port is one plain line per problem on stderr (see
// printError), before any log. On an error nothing is left open.
func (c *ServeCmd) build(e *env, logger *slog.Logger) (*server, error) {
	s := &server{c: c, logger: logger}
	// The exporter's own metrics and the user's live in separate registries,
	// so a user name can never collide with a Go or process metric unnoticed.
	s.self = prometheus.NewRegistry()
	s.self.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("rexporter"),
	)
	s.user = prometheus.NewRegistry()

	mapper, err := loadMapper(c.ConfigFile)
	if err != nil {
		return nil, err // each line names the file and line
	}
	opts := exporter.Options{
		Mapper:          mapper,
		MaxSeries:       c.MaxSeries,
		Namespace:       c.Namespace,
		MaxJobs:         c.MaxJobs,
		MaxSeriesPerJob: c.MaxSeriesPerJob,
		JobRetention:    c.JobRetention,
	}
	c.StallFlags.options(&opts)
	if c.Echo {
		opts.Echo = e.stdout
	}
	if c.Recognise {
		// The mapping file's own recognisers first, as under rexporter run;
		// a connection gets those of the mapping in force when it needs them.
		opts.Recognisers = func() *recognise.Set { return recognise.NewSet(recognisers(s.exp.Mapper().NewRecognisers())...) }
	}
	if s.exp, err = exporter.New(opts, s.user, s.self, logger, time.Now); err != nil {
		return nil, err
	}
	// A process started by a hand-over (restart*.go) continues the old
	// one's series, listeners and connections; otherwise --state.file and
	// socket activation may provide the first two.
	hin, err := inheritHandover()
	if err != nil {
		return nil, err
	}
	s.hin = hin
	s.keeper = newStateKeeper(c, s.exp, s.self, logger, time.Now)
	inherited := &inheritedListeners{}
	s.selfG = &continuedRegistry{Registry: s.self}
	if hin != nil {
		s.selfG.offsets = hin.doc.SelfCounters
		inherited = &hin.listeners
		_, err = hin.loadState(s.exp)
	} else {
		if inherited, err = systemdListeners(); err == nil {
			err = s.keeper.load(c.StateIgnoreErrors)
		}
	}
	if err != nil {
		hin.close()
		inherited.close()
		return nil, err
	}
	if inherited == nil {
		inherited = &inheritedListeners{}
	}
	s.reload = newReloader(c.ConfigFile, s.exp, s.self, logger, time.Now)
	if s.allow, err = allowPrefixes(c.ListenAllow); err != nil {
		return nil, err // already refused by Validate
	}
	s.srv = ingest.NewServer(ingest.Config{
		MaxMessageBytes:    c.MaxMessageBytes,
		MaxConnections:     c.MaxConnections,
		MaxBusyConnections: c.MaxBusyConnections,
		QuietGap:           c.QuietGap,
		TailWait:           c.TailWait,
		ConnWait:           c.ConnWait,
		Allow:              s.allow,
	}, sink{s.exp}, s.self, logger, time.Now)

	if err := s.listen(inherited); err != nil {
		return nil, err
	}
	return s, nil
}

// listen takes the listeners handed over by the old process or systemd,
// else opens its own. (UDP sockets are not handed over: a hand-over with
// udp:// listeners serves stream listeners only until the next plain
// restart.) On an error nothing is left open.
func (s *server) listen(inherited *inheritedListeners) error {
	c := s.c
	var err error
	s.ingestLs, s.webLs = inherited.ingest, inherited.web
	if len(s.ingestLs) == 0 {
		mode, _ := parseMode(c.ListenUnixMode) // checked by Validate
		if s.ingestAll, err = listenIngest(c.Listen, mode, c.ListenUDPBuffer); err != nil {
			s.hin.close()
			inherited.close()
			return err
		}
		s.ingestLs = s.ingestAll.streams
	} else {
		s.ingestAll.streams = s.ingestLs
	}
	if len(s.webLs) == 0 {
		if s.webLs, err = listenAll("--metrics", c.Metrics, listenAddress); err != nil {
			s.hin.close()
			s.ingestAll.close()
			return err
		}
	}
	return nil
}

// serve logs the start, takes over from the old process after a hand-over,
// and serves the ingest listeners, stdin and the web server, then tells
// systemd it is ready. On an error the listeners are closed; s.page, when
// set, is the caller's to close either way.
func (s *server) serve(e *env) error {
	c, logger := s.c, s.logger
	logger.Info("starting rexporter", "version", version.Info())
	logger.Info("build context", "build_context", version.BuildContext())
	ic := s.srv.Config()
	logger.Info("limits", "max_connections", ic.MaxConnections, "max_busy_connections", ic.MaxBusyConnections,
		"max_message_bytes", ic.MaxMessageBytes, "max_series", c.MaxSeries, "max_jobs", c.MaxJobs)
	if len(s.allow) > 0 {
		logger.Info("accepting r clients only from --listen.allow", "allow", fmt.Sprint(s.allow))
	}
	if hin := s.hin; hin != nil {
		// Ready: tell the old process, wait until it has stopped for good,
		// then read every connection where it stopped.
		if err := hin.handshake(c.RestartTimeout); err != nil {
			hin.close()
			s.ingestAll.close()
			closeAll(s.webLs)
			return err
		}
		if err := hin.adopt(s.srv); err != nil {
			logger.Error("some handed-over connections could not be served", "err", err)
		}
		logger.Info("took over from the old process", "connections", len(hin.states), "pid", os.Getpid())
	}
	s.errc = make(chan error, len(s.ingestLs)+len(s.ingestAll.packets)+1)
	for _, l := range s.ingestLs {
		logger.Info("listening for r messages", "address", l.Addr().String())
		go func(l net.Listener) {
			if err := s.srv.Serve(l); err != nil {
				s.ready.Store(false)
				s.errc <- fmt.Errorf("--listen %s: %w", l.Addr(), err)
			}
		}(l)
	}
	serveUDP(s.srv, s.ingestAll.packets, &s.ready, s.errc, logger)
	s.ready.Store(true)
	s.stdinDone = c.serveStdin(e, s.srv, logger)

	if err := s.serveWeb(); err != nil {
		s.ingestAll.close()
		closeAll(s.webLs)
		return err
	}

	var stateCtx context.Context
	stateCtx, s.stopState = context.WithCancel(context.Background())
	go s.keeper.run(stateCtx)
	if s.hin != nil {
		_ = sdNotify(fmt.Sprintf("MAINPID=%d\nREADY=1", os.Getpid()))
	} else {
		_ = sdNotify("READY=1")
	}
	return nil
}

// serveWeb builds the status page and the HTTP routes and serves them on
// the web listeners, through exporter-toolkit (TLS and basic auth from
// --web.config.file).
func (s *server) serveWeb() error {
	c, logger := s.c, s.logger
	var reloadHook func() error
	if c.EnableLifecycle {
		reloadHook = func() error { return s.reload.reload("http") }
	}
	var err error
	if s.page, err = newStatusPage(c, s.exp, s.selfG, &s.ready, logger); err != nil {
		return err
	}
	handler, err := newHandler(handlerOpts{
		telemetryPath: c.TelemetryPath,
		user:          s.user,
		self:          s.selfG,
		exp:           s.exp,
		ready:         &s.ready,
		reload:        reloadHook,
		page:          s.page,
		push:          s.srv.PushHandler(c.MaxBodyBytes),
		logger:        logger,
	})
	if err != nil {
		return err
	}
	s.restarter = newRestarter(c, s.srv, s.exp, s.webLs, s.selfG, logger)
	s.restartReqs = make(chan chan error)
	s.loopDone = make(chan struct{})
	handler = withRestart(handler, c.EnableLifecycle, s.restartReqs, s.loopDone)
	s.httpSrv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	webFlags := &web.FlagConfig{
		WebListenAddresses: &c.Metrics,
		WebSystemdSocket:   new(bool),
		WebConfigFile:      &c.WebConfigFile,
	}
	go func() {
		if err := web.ServeMultiple(s.webLs, s.httpSrv, webFlags, logger); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- fmt.Errorf("--metrics: %w", err)
		}
	}()
	return nil
}

// wait serves SIGHUP (reload) until SIGINT or SIGTERM, a hand-over
// (SIGUSR2 or POST /-/restart) that succeeded, a listener's error or the
// end of stdin. It returns the error that ended it, if any, and whether
// the process handed over.
func (s *server) wait(e *env, usr2 <-chan os.Signal) (runErr error, handedOver bool) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	defer func() {
		close(s.loopDone)
		s.stopState()
	}()
	for {
		select {
		case <-hup:
			_ = s.reload.reload("sighup") // a failure is logged and kept in the metrics
		case <-usr2:
			if s.restarter.restart("sigusr2") == nil {
				return nil, true
			}
		case reply := <-s.restartReqs:
			err := s.restarter.restart("http")
			reply <- err
			if err == nil {
				return nil, true
			}
		case <-e.ctx.Done():
			s.logger.Info("shutting down: applying what was received", "timeout", s.c.ShutdownTimeout.String())
			return nil, false
		case err := <-s.errc:
			return err, false
		case <-s.stdinDone:
			return nil, false
		}
	}
}

// shutdown stops within --shutdown.timeout. After a hand-over only the web
// server stops: the new process serves the connections and owns
// --state.file, and the web listeners' sockets stay open there too.
// Otherwise the ingest server applies what it received, --state.file is
// written, and the web server stops.
func (s *server) shutdown(runErr error, handedOver bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.c.ShutdownTimeout)
	defer cancel()
	if handedOver {
		s.keeper.stop()
		if err := s.httpSrv.Shutdown(ctx); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("web shutdown: %w", err))
		}
		s.logger.Info("stopped after handing over")
		return runErr
	}
	if err := s.srv.Shutdown(ctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("ingest shutdown: %w", err))
	}
	if err := s.keeper.save(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	if err := s.httpSrv.Shutdown(ctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("web shutdown: %w", err))
	}
	if runErr == nil {
		s.logger.Info("stopped")
	}
	return runErr
}

// sink adapts the exporter to the ingest server's interface, so that neither
// package imports the other.
type sink struct{ e *exporter.Exporter }

// NewSession implements ingest.Sink.
func (s sink) NewSession(remote netip.AddrPort) ingest.Session { return s.e.NewSession(remote) }
