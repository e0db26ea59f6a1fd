package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rexporter/rexporter/ingest"
)

// ingestAddr is one parsed --listen value.
type ingestAddr struct {
	network string // tcp, unix or udp
	addr    string // host:port, or the socket's path
}

// parseListen reads a --listen value: 6000, :6000, host:6000 or
// tcp://host:6000 (TCP), unix:///path (a Unix stream socket) or
// udp://host:6001 (UDP, where a bare port is every interface too).
func parseListen(s string) (ingestAddr, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		a, err := listenAddress(s)
		return ingestAddr{"tcp", a}, err
	}
	switch scheme {
	case "tcp", "udp":
		a, err := listenAddress(rest)
		if err != nil {
			return ingestAddr{}, fmt.Errorf("%s: %w", s, err)
		}
		return ingestAddr{scheme, a}, nil
	case "unix":
		if !strings.HasPrefix(rest, "/") {
			return ingestAddr{}, fmt.Errorf("%q: give an absolute path, unix:///run/rexporter.sock", s)
		}
		return ingestAddr{"unix", rest}, nil
	}
	return ingestAddr{}, fmt.Errorf("%q: unknown scheme %q (tcp://, unix://, udp://)", s, scheme)
}

// parseMode reads --listen.unix-mode, an octal permission such as 0660.
func parseMode(s string) (fs.FileMode, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o777 {
		return 0, fmt.Errorf("--listen.unix-mode %q: not an octal permission such as 0660", s)
	}
	return fs.FileMode(m), nil
}

// ingestListeners are the open --listen sockets.
type ingestListeners struct {
	streams []net.Listener   // TCP and Unix
	packets []net.PacketConn // UDP
}

func (ls ingestListeners) close() {
	closeAll(ls.streams)
	for _, pc := range ls.packets {
		_ = pc.Close()
	}
}

// listenIngest opens every --listen address. A Unix socket gets mode; a
// UDP socket gets a receive buffer of udpBuffer bytes when that is not 0
// (the kernel caps it, on Linux at net.core.rmem_max). On failure it closes
// what it opened and names the address, in one line.
func listenIngest(addrs []string, mode fs.FileMode, udpBuffer int) (ingestListeners, error) {
	var ls ingestListeners
	for _, s := range addrs {
		a, err := parseListen(s)
		if err != nil {
			ls.close()
			return ingestListeners{}, fmt.Errorf("--listen %w", err)
		}
		switch a.network {
		case "udp":
			var pc net.PacketConn
			if pc, err = net.ListenPacket("udp", a.addr); err == nil && udpBuffer > 0 {
				if err = pc.(*net.UDPConn).SetReadBuffer(udpBuffer); err != nil {
					pc.Close()
				}
			}
			if err == nil {
				ls.packets = append(ls.packets, pc)
			}
		case "unix":
			var l net.Listener
			if l, err = listenUnix(a.addr, mode); err == nil {
				ls.streams = append(ls.streams, l)
			}
		default:
			var l net.Listener
			if l, err = net.Listen("tcp", a.addr); err == nil {
				ls.streams = append(ls.streams, l)
			}
		}
		if err != nil {
			ls.close()
			return ingestListeners{}, fmt.Errorf("--listen %s: cannot listen: %w", s, unwrapOp(err))
		}
	}
	return ls, nil
}

// errSocketInUse is the error of a Unix socket path another process listens on.
var errSocketInUse = errors.New("another process listens on this socket")

// listenUnix listens on a Unix stream socket at path with the file mode
// mode. A socket file left behind by a process that is gone (nothing
// accepts on it) is removed first; one that something listens on is an
// error (errSocketInUse), and so is a path that is not a socket, which is
// never removed. The socket file is removed when the listener is closed.
func listenUnix(path string, mode fs.FileMode) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			c.Close()
			return nil, errSocketInUse
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%s exists and cannot be probed: %w", path, unwrapOp(err))
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("cannot remove the stale socket: %w", err)
		}
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, mode); err != nil {
		l.Close()
		return nil, fmt.Errorf("cannot set its mode: %w", err)
	}
	return l, nil
}

// serveUDP serves each --listen udp:// socket; an error ends rexporter like
// a failed TCP listener.
func serveUDP(srv *ingest.Server, pcs []net.PacketConn, ready *atomic.Bool, errc chan<- error, logger *slog.Logger) {
	for _, pc := range pcs {
		logger.Info("listening for r messages", "address", "udp://"+pc.LocalAddr().String())
		go func() {
			if err := srv.ServeUDP(pc); err != nil {
				ready.Store(false)
				errc <- fmt.Errorf("--listen udp://%s: %w", pc.LocalAddr(), err)
			}
		}()
	}
}
