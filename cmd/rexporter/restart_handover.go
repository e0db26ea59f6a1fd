package main

import (
	"encoding/json"
	"net/netip"

	"github.com/rexporter/rexporter/ingest"
)

// The hand-over protocol between the old process and the new one (see
// restart.go and restart_child.go). The old process starts the new one with
// handoverEnv set to "DOC,READY": two inherited descriptors, a pipe it
// writes a handoverDoc and then a handoverGo to, and a pipe the new process
// writes handoverReady to once it can serve. Listeners and connections are
// further inherited descriptors named in the document.

// handoverEnv tells a process that it takes over from another.
const handoverEnv = "REXPORTER_HANDOVER_FDS"

// handoverFormat and handoverVersion head every handoverDoc.
const (
	handoverFormat  = "rexporter-handover"
	handoverVersion = 1
)

// handoverReady is what the new process writes when it is ready.
const handoverReady = "ready\n"

// handoverDoc is the old process's state.
type handoverDoc struct {
	Format    string             `json:"format"`
	Version   int                `json:"version"`
	Listeners []handoverListener `json:"listeners"`
	Conns     []handoverConn     `json:"conns"`
	// State is the exporter's series state (exporter.SaveState).
	State json.RawMessage `json:"state"`
	// SelfCounters are the rexporter_*_total counters' totals (see
	// continuedRegistry).
	SelfCounters map[string]float64 `json:"self_counters,omitempty"`
}

// handoverListener is an inherited listening socket.
type handoverListener struct {
	Role string `json:"role"` // roleIngest or roleWeb
	FD   int    `json:"fd"`
	Addr string `json:"addr"`
}

// Listener roles, also the LISTEN_FDNAMES that socket activation uses.
const (
	roleIngest = "ingest"
	roleWeb    = "web"
)

// handoverConn is an inherited client connection and its state.
type handoverConn struct {
	FD    int              `json:"fd"`
	State ingest.ConnState `json:"state"`
}

// handoverGo is the old process's answer to handoverReady: it has stopped
// for good, the new process is to read the connections.
type handoverGo struct {
	Go bool `json:"go"`
}

// ResumeSession implements ingest.Resumer: a handed-over connection keeps
// its job.
func (s sink) ResumeSession(remote netip.AddrPort, state []byte) (ingest.Session, error) {
	return s.e.ResumeSession(remote, state)
}
