package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/ingest"
)

// handoverIn is what an old process handed this one (see restart.go).
type handoverIn struct {
	doc       handoverDoc
	dec       *json.Decoder
	docF      *os.File
	readyF    *os.File
	listeners inheritedListeners
	conns     []net.Conn
	states    []ingest.ConnState
}

// inheritHandover reads the hand-over document if this process was started
// by an old one (handoverEnv), else returns nil.
func inheritHandover() (*handoverIn, error) {
	v := os.Getenv(handoverEnv)
	os.Unsetenv(handoverEnv)
	if v == "" {
		return nil, nil
	}
	docFD, readyFD, ok := strings.Cut(v, ",")
	dfd, err1 := strconv.Atoi(docFD)
	rfd, err2 := strconv.Atoi(readyFD)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("hand-over: %s=%q is not DOC,READY", handoverEnv, v)
	}
	closeOnExec(dfd)
	closeOnExec(rfd)
	h := &handoverIn{docF: os.NewFile(uintptr(dfd), "handover-doc"), readyF: os.NewFile(uintptr(rfd), "handover-ready")}
	h.dec = json.NewDecoder(h.docF)
	if err := h.dec.Decode(&h.doc); err != nil {
		h.close()
		return nil, fmt.Errorf("hand-over: reading the old process's state: %w", err)
	}
	if h.doc.Format != handoverFormat || h.doc.Version != handoverVersion {
		h.close()
		return nil, fmt.Errorf("hand-over: format %q version %d, this build speaks %q version %d", h.doc.Format, h.doc.Version, handoverFormat, handoverVersion)
	}
	for _, hl := range h.doc.Listeners {
		closeOnExec(hl.FD)
		l, err := fileListener(hl.FD, hl.Role)
		if err != nil {
			h.close()
			return nil, fmt.Errorf("hand-over: %w", err)
		}
		if hl.Role == roleWeb {
			h.listeners.web = append(h.listeners.web, l)
		} else {
			h.listeners.ingest = append(h.listeners.ingest, l)
		}
	}
	for _, hc := range h.doc.Conns {
		closeOnExec(hc.FD)
		f := os.NewFile(uintptr(hc.FD), "conn")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			h.close()
			return nil, fmt.Errorf("hand-over: connection descriptor %d: %w", hc.FD, err)
		}
		h.conns = append(h.conns, c)
		h.states = append(h.states, hc.State)
	}
	return h, nil
}

// loadState restores the old process's series state.
func (h *handoverIn) loadState(exp *exporter.Exporter) (exporter.LoadStats, error) {
	st, err := exp.LoadState(bytes.NewReader(h.doc.State))
	if err != nil {
		return st, fmt.Errorf("hand-over: series state: %w", err)
	}
	return st, nil
}

// errHandoverAborted: the old process did not let this one go on.
var errHandoverAborted = errors.New("hand-over: the old process serves on")

// handshake reports ready and waits for the old process to stop for good.
func (h *handoverIn) handshake(timeout time.Duration) error {
	if _, err := io.WriteString(h.readyF, handoverReady); err != nil {
		return fmt.Errorf("hand-over: reporting ready: %w", err)
	}
	h.readyF.Close()
	got := make(chan error, 1)
	go func() {
		var g handoverGo
		err := h.dec.Decode(&g)
		if err == nil && !g.Go {
			err = errHandoverAborted
		}
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			return fmt.Errorf("%w: %v", errHandoverAborted, err)
		}
	case <-time.After(timeout):
		return fmt.Errorf("%w: no answer within %v", errHandoverAborted, timeout)
	}
	h.docF.Close()
	return nil
}

// adopt serves every handed-over connection from where the old process
// stopped.
func (h *handoverIn) adopt(srv *ingest.Server) error {
	var errs []error
	for i, c := range h.conns {
		if err := srv.Adopt(c, h.states[i]); err != nil {
			errs = append(errs, err)
			c.Close()
		}
	}
	h.conns = nil
	return errors.Join(errs...)
}

// close gives everything back (a failed start).
func (h *handoverIn) close() {
	if h == nil {
		return
	}
	h.docF.Close()
	h.readyF.Close()
	h.listeners.close()
	for _, c := range h.conns {
		c.Close()
	}
}
