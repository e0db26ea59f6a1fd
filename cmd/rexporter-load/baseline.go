package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// baselineBuffer is the bare reader's read size.
const baselineBuffer = 64 << 10

// Run serves until SIGINT or SIGTERM.
func (c *BaselineServerCmd) Run(e *env, logger *slog.Logger) error {
	sep := byte('\n')
	if c.Count == "record" {
		sep = '['
	}
	l, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	defer l.Close()
	ml, err := net.Listen("tcp", c.Metrics)
	if err != nil {
		return fmt.Errorf("--metrics: %w", err)
	}
	var count atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# TYPE rexporter_messages_total counter\nrexporter_messages_total %d\n", count.Load())
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("Ready\n")) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ml) }()

	accepted := make(chan error, 1)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				accepted <- err
				return
			}
			go countMessages(conn, sep, &count)
		}
	}()
	select {
	case <-e.ctx.Done():
	case err = <-accepted:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	logger.Debug("baseline stopped", "messages", count.Load())
	return nil
}

// countMessages reads conn until EOF or an error, counting sep bytes:
// nothing else is done with the data.
func countMessages(conn net.Conn, sep byte, count *atomic.Int64) {
	defer conn.Close()
	buf := make([]byte, baselineBuffer)
	for {
		n, err := conn.Read(buf)
		if k := bytes.Count(buf[:n], []byte{sep}); k > 0 {
			count.Add(int64(k))
		}
		if err != nil {
			return
		}
	}
}
