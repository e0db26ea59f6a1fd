package ingest

import (
	"encoding/binary"
	"net"
	"syscall"
)

// msgTrunc is the recvmsg flag of a datagram longer than the buffer.
const msgTrunc = syscall.MSG_TRUNC

// enableOverflowCount asks the kernel to attach to every datagram read from
// pc how many datagrams it has dropped on the socket so far for want of
// room in its receive buffer (SO_RXQ_OVFL). It reports whether it could.
func enableOverflowCount(pc net.PacketConn) bool {
	sc, ok := pc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
	}); err != nil {
		return false
	}
	return serr == nil
}

// overflowCount reads the SO_RXQ_OVFL count from a datagram's control
// messages: the kernel's cumulative drop count for the socket. The kernel
// only attaches it once something was dropped.
func overflowCount(oob []byte) (uint32, bool) {
	if len(oob) == 0 {
		return 0, false
	}
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_RXQ_OVFL && len(m.Data) >= 4 {
			return binary.NativeEndian.Uint32(m.Data), true
		}
	}
	return 0, false
}
