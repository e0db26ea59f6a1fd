//go:build !unix

package ingest

import "net"

// dataWaiting cannot tell on this platform; see peek_unix.go.
func dataWaiting(net.Conn) (waiting, known bool) { return false, false }
