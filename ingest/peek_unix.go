//go:build unix

package ingest

import (
	"errors"
	"net"
	"syscall"
)

// dataWaiting reports whether bytes (or an EOF or error) are waiting in the
// connection's receive buffer, without consuming them; known is false if
// that cannot be told. The connection must have no expired read deadline.
func dataWaiting(nc net.Conn) (waiting, known bool) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false
	}
	var b [1]byte
	var peekErr error
	err = rc.Read(func(fd uintptr) bool {
		// Go's sockets are non-blocking: with nothing there this fails
		// with EAGAIN instead of waiting. Returning true means "done", so
		// rc.Read does not wait for readability either.
		_, _, peekErr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
		return true
	})
	if err != nil {
		return false, false
	}
	if errors.Is(peekErr, syscall.EAGAIN) || errors.Is(peekErr, syscall.EWOULDBLOCK) {
		return false, true
	}
	// Data, EOF (n == 0) or an error: the next Read reports it.
	return true, true
}
