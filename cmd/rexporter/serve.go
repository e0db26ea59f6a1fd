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
	"github.com/rexporter/rexporter/recognise"
)

// Run serves: it receives R messages on --listen and exposes metrics on
// --metrics until SIGINT or SIGTERM.
func (c *ServeCmd) Run(e *env, logger *slog.Logger) error {
	// SIGUSR2 asks for a hand-over (restart.go). Caught from the start:
	// its default action would kill the process and every R job's
	// connection with it; one that comes early is served once ready.
	usr2 := make(chan os.Signal, 1)
	if len(restartSignals) > 0 { // Notify with none would relay every signal
		signal.Notify(usr2, restartSignals...)
		defer signal.Stop(usr2)
	}
	// The exporter's own metrics and the user's live in separate registries,
	// so a user name can never collide with a Go or process metric unnoticed.
	self := prometheus.NewRegistry()
	self.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("rexporter"),
	)
	user := prometheus.NewRegistry()

	// The mapping file and the ports come first: a problem with either is
	// one plain line per problem on stderr (see printError), before any log.
	mapper, err := loadMapper(c.ConfigFile)
	if err != nil {
		return err // each line names the file and line
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
	var exp *exporter.Exporter
	if c.Recognise {
		// The mapping file's own recognisers first, as under rexporter run;
		// a connection gets those of the mapping in force when it needs them.
		opts.Recognisers = func() *recognise.Set { return recognise.NewSet(recognisers(exp.Mapper().NewRecognisers())...) }
	}
	exp, err = exporter.New(opts, user, self, logger, time.Now)
	if err != nil {
		return err
	}
	// A process started by a hand-over (restart*.go) continues the old
	// one's series, listeners and connections; otherwise --state.file and
	// socket activation may provide the first two.
	hin, err := inheritHandover()
	if err != nil {
		return err
	}
	keeper := newStateKeeper(c, exp, self, logger, time.Now)
	inherited := &inheritedListeners{}
	selfG := &continuedRegistry{Registry: self}
	if hin != nil {
		selfG.offsets = hin.doc.SelfCounters
		inherited = &hin.listeners
		_, err = hin.loadState(exp)
	} else {
		if inherited, err = systemdListeners(); err == nil {
			err = keeper.load(c.StateIgnoreErrors)
		}
	}
	if err != nil {
		hin.close()
		inherited.close()
		return err
	}
	if inherited == nil {
		inherited = &inheritedListeners{}
	}
	reload := newReloader(c.ConfigFile, exp, self, logger, time.Now)
	allow, err := allowPrefixes(c.ListenAllow)
	if err != nil {
		return err // already refused by Validate
	}
	srv := ingest.NewServer(ingest.Config{
		MaxMessageBytes: c.MaxMessageBytes,
		MaxConnections:  c.MaxConnections,
		QuietGap:        c.QuietGap,
		TailWait:        c.TailWait,
		ConnWait:        c.ConnWait,
		Allow:           allow,
	}, sink{exp}, self, logger, time.Now)

	// Listeners handed over by the old process or systemd, else our own.
	// (UDP sockets are not handed over: a hand-over with udp:// listeners
	// serves stream listeners only until the next plain restart.)
	var ingestAll ingestListeners
	ingestLs, webLs := inherited.ingest, inherited.web
	if len(ingestLs) == 0 {
		mode, _ := parseMode(c.ListenUnixMode) // checked by Validate
		if ingestAll, err = listenIngest(c.Listen, mode, c.ListenUDPBuffer); err != nil {
			hin.close()
			inherited.close()
			return err
		}
		ingestLs = ingestAll.streams
	} else {
		ingestAll.streams = ingestLs
	}
	if len(webLs) == 0 {
		if webLs, err = listenAll("--metrics", c.Metrics, listenAddress); err != nil {
			hin.close()
			ingestAll.close()
			return err
		}
	}

	logger.Info("starting rexporter", "version", version.Info())
	logger.Info("build context", "build_context", version.BuildContext())
	if len(allow) > 0 {
		logger.Info("accepting r clients only from --listen.allow", "allow", fmt.Sprint(allow))
	}
	if hin != nil {
		// Ready: tell the old process, wait until it has stopped for good,
		// then read every connection where it stopped.
		if err := hin.handshake(c.RestartTimeout); err != nil {
			hin.close()
			ingestAll.close()
			closeAll(webLs)
			return err
		}
		if err := hin.adopt(srv); err != nil {
			logger.Error("some handed-over connections could not be served", "err", err)
		}
		logger.Info("took over from the old process", "connections", len(hin.states), "pid", os.Getpid())
	}
	errc := make(chan error, len(ingestLs)+len(ingestAll.packets)+1)
	var ready atomic.Bool
	for _, l := range ingestLs {
		logger.Info("listening for r messages", "address", l.Addr().String())
		go func(l net.Listener) {
			if err := srv.Serve(l); err != nil {
				ready.Store(false)
				errc <- fmt.Errorf("--listen %s: %w", l.Addr(), err)
			}
		}(l)
	}
	serveUDP(srv, ingestAll.packets, &ready, errc, logger)
	ready.Store(true)
	stdinDone := c.serveStdin(e, srv, logger)

	var reloadHook func() error
	if c.EnableLifecycle {
		reloadHook = func() error { return reload.reload("http") }
	}
	page, err := newStatusPage(c, exp, selfG, &ready, logger)
	if err != nil {
		ingestAll.close()
		closeAll(webLs)
		return err
	}
	if page != nil {
		defer page.Close()
	}
	handler, err := newHandler(c, user, selfG, exp, &ready, reloadHook, page, srv.PushHandler(c.MaxBodyBytes), logger)
	if err != nil {
		ingestAll.close()
		closeAll(webLs)
		return err
	}
	restarter := newRestarter(c, srv, exp, webLs, selfG, logger)
	restartReqs := make(chan chan error)
	loopDone := make(chan struct{})
	handler = withRestart(handler, c.EnableLifecycle, restartReqs, loopDone)
	httpSrv := &http.Server{
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
		if err := web.ServeMultiple(webLs, httpSrv, webFlags, logger); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("--metrics: %w", err)
		}
	}()

	stateCtx, stopState := context.WithCancel(context.Background())
	defer stopState()
	go keeper.run(stateCtx)
	if hin != nil {
		_ = sdNotify(fmt.Sprintf("MAINPID=%d\nREADY=1", os.Getpid()))
	} else {
		_ = sdNotify("READY=1")
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var runErr error
	handedOver := false
wait:
	for {
		select {
		case <-hup:
			_ = reload.reload("sighup") // a failure is logged and kept in the metrics
		case <-usr2:
			if restarter.restart("sigusr2") == nil {
				handedOver = true
				break wait
			}
		case reply := <-restartReqs:
			err := restarter.restart("http")
			reply <- err
			if err == nil {
				handedOver = true
				break wait
			}
		case <-e.ctx.Done():
			logger.Info("shutting down: applying what was received", "timeout", c.ShutdownTimeout.String())
			break wait
		case runErr = <-errc:
			break wait
		case <-stdinDone:
			break wait
		}
	}
	close(loopDone)
	stopState()
	ctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if handedOver {
		// The new process serves the connections and owns --state.file;
		// the web listeners' sockets stay open there too.
		keeper.stop()
		if err := httpSrv.Shutdown(ctx); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("web shutdown: %w", err))
		}
		logger.Info("stopped after handing over")
		return runErr
	}
	if err := srv.Shutdown(ctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("ingest shutdown: %w", err))
	}
	if err := keeper.save(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	if err := httpSrv.Shutdown(ctx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("web shutdown: %w", err))
	}
	if runErr == nil {
		logger.Info("stopped")
	}
	return runErr
}

// sink adapts the exporter to the ingest server's interface, so that neither
// package imports the other.
type sink struct{ e *exporter.Exporter }

// NewSession implements ingest.Sink.
func (s sink) NewSession(remote netip.AddrPort) ingest.Session { return s.e.NewSession(remote) }
