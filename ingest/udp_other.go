//go:build !linux

package ingest

import "net"

// msgTrunc: ReadMsgUDP's flags are not inspected outside Linux.
const msgTrunc = 0

// enableOverflowCount: only Linux tells how many datagrams it dropped.
func enableOverflowCount(net.PacketConn) bool { return false }

func overflowCount([]byte) (uint32, bool) { return 0, false }
