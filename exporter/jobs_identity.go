package exporter

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/rexporter/rexporter/parser"
)

// IdentityHold is how long an unnamed connection must stay open before it
// holds its identity alone. Until then it shares the identity with the other
// short-lived connections from its host, so that a shell loop opening one
// connection per message is one series, not thousands.
const IdentityHold = time.Second

// MaxJobNameBytes bounds the r_job value a job name becomes.
const MaxJobNameBytes = 128

// localHost names the host of a connection without an IP address (an
// in-process session, a future pipe or Unix socket).
const localHost = "local"

// identity is the job name an unnamed connection gets: its host's address,
// with "#2", "#3", ... for the second and later long-lived connections from
// the same host open at once. Guarded by Exporter.mu.
type identity struct {
	name string
	// holders counts the open unnamed connections using it; established
	// those of them open for IdentityHold or longer. A new connection takes
	// the lowest number with no established holder, so sequential and
	// short connections share one identity and concurrent long-lived ones
	// each get their own.
	holders, established int
}

// identityName is the name of identity number n of host.
func identityName(host string, n int) string {
	if n == 1 {
		return host
	}
	return host + "#" + strconv.Itoa(n)
}

// remoteHost is the host part of a connection's identity.
func remoteHost(remote netip.AddrPort) string {
	a := remote.Addr()
	if !a.IsValid() {
		return localHost
	}
	return a.Unmap().WithZone("").String()
}

// claimIdentity gives an unnamed connection from host the lowest identity
// that no established connection holds. Called with e.mu held.
func (e *Exporter) claimIdentity(host string) *identity {
	for n := 1; ; n++ {
		name := identityName(host, n)
		id := e.identities[name]
		if id == nil {
			id = &identity{name: name}
			e.identities[name] = id
		}
		if id.established == 0 {
			id.holders++
			return id
		}
	}
}

// releaseIdentity gives an identity back. Called with e.mu held.
func (e *Exporter) releaseIdentity(id *identity, established bool) {
	id.holders--
	if established {
		id.established--
	}
	if id.holders <= 0 {
		delete(e.identities, id.name)
	}
}

// jobName turns the name a `job:` message gives into the r_job value: any
// text is accepted. It is decoded like an R name (UTF-8, else latin1),
// control characters become spaces, surrounding spaces go, and it is cut to
// MaxJobNameBytes. It returns "" only when nothing is left.
func jobName(raw []byte) string {
	return boundText(parser.DisplayName(raw), MaxJobNameBytes)
}
