package ingest

import (
	"net"
	"syscall"
	"unsafe"
)

// bytesWaiting returns how many bytes wait unread in the connection's
// receive buffer (ioctl FIONREAD); known is false if that cannot be told.
func bytesWaiting(nc net.Conn) (n int, known bool) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var v int32
	var errno syscall.Errno
	err = rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v)))
	})
	if err != nil || errno != 0 {
		return 0, false
	}
	return int(v), true
}
