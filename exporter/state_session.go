package exporter

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// sessionState is what a connection's session carries over a hand-over
// (see Session.Suspend and Exporter.ResumeSession).
type sessionState struct {
	Version int `json:"version"`
	// Job is the connection's job, "" before its first message; Ident says
	// it is the identity of an unnamed connection (Established: held alone).
	Job         string `json:"job,omitempty"`
	Ident       bool   `json:"ident,omitempty"`
	Established bool   `json:"established,omitempty"`
	Bye         bool   `json:"bye,omitempty"`
	Begun       bool   `json:"begun,omitempty"`
	Start       int64  `json:"start_ns"`
	JobStart    int64  `json:"job_start_ns,omitempty"`
}

// Suspend implements the ingest server's hand-over: it applies what the
// session holds back and returns its state for ResumeSession in the process
// that takes the connection over. The session must not be used after it.
func (s *Session) Suspend() ([]byte, error) {
	s.flushRun()
	s.flushCounts()
	st := sessionState{Version: 1, Bye: s.bye, Begun: s.begun, Start: s.start.UnixNano(), Established: s.established}
	if s.job != nil {
		st.Job = s.job.name
		st.Ident = s.ident != nil
		s.e.mu.RLock()
		st.JobStart = s.job.start.UnixNano()
		s.e.mu.RUnlock()
	}
	return json.Marshal(st)
}

// ResumeSession continues, in a new process, the session of a connection
// handed over by an old one: same job (or identity), same start, the "bye"
// it said. Call it after LoadState, so the job's counters and series are
// there already.
func (e *Exporter) ResumeSession(remote netip.AddrPort, state []byte) (*Session, error) {
	var st sessionState
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, fmt.Errorf("session state: %w", err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("session state: version %d unsupported", st.Version)
	}
	s := e.NewSession(remote)
	s.start = time.Unix(0, st.Start)
	s.begun, s.bye = st.Begun, st.Bye
	if st.Job == "" {
		return s, nil
	}
	now := e.now()
	e.mu.Lock()
	j := e.attachOrOverflow(st.Job, now)
	if j.connections == 1 && st.JobStart != 0 {
		j.start = time.Unix(0, st.JobStart) // it never stopped running
	}
	if st.Ident && j.name == st.Job {
		id := e.identities[st.Job]
		if id == nil {
			id = &identity{name: st.Job}
			e.identities[st.Job] = id
		}
		id.holders++
		if st.Established {
			id.established++
		}
		s.ident, s.established = id, st.Established
	} else if st.Ident {
		s.established = true // in the overflow job: nothing to hold
	}
	e.mu.Unlock()
	s.setJob(j)
	return s, nil
}
