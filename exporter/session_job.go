package exporter

import (
	"hash/maphash"
	"time"
)

// ensureJob gives a connection that sends values without naming itself its
// identity (see identity) as its job, so that two unnamed clients never
// write to the same series.
func (s *Session) ensureJob(now time.Time) {
	if s.job != nil {
		return
	}
	e := s.e
	e.mu.Lock()
	s.ident = e.claimIdentity(remoteHost(s.remote))
	j := e.attachOrOverflow(s.ident.name, now)
	e.mu.Unlock()
	s.setJob(j)
}

// establish makes an unnamed connection open for IdentityHold the sole
// holder of an identity: if another long-lived connection holds its
// identity already, it moves to the lowest free one.
func (s *Session) establish(now time.Time) {
	e := s.e
	e.mu.Lock()
	s.established = true
	if s.ident.established == 0 {
		s.ident.established++
		e.mu.Unlock()
		return
	}
	e.releaseIdentity(s.ident, false)
	s.ident = e.claimIdentity(remoteHost(s.remote))
	s.ident.established++
	if s.ident.name == s.job.name {
		e.mu.Unlock()
		return
	}
	j := e.attachOrOverflow(s.ident.name, now)
	e.detach(s.job, true, now)
	e.mu.Unlock()
	s.flushRun()
	s.flushCounts()
	s.setJob(j)
}

// attachOrOverflow attaches a connection to the named job, or to the
// overflow job beyond --max-jobs. Called with e.mu held.
func (e *Exporter) attachOrOverflow(name string, now time.Time) *job {
	if j := e.attach(name, now); j != nil {
		return j
	}
	e.logRejected(reasonMaxJobs, name, "", "")
	e.self.rejected[reasonMaxJobs].Inc()
	return e.attach(overflowJob, now)
}

// name moves the connection to the job a `job:` message names. Any text is
// a job name (see jobName); one with nothing left is ignored. Beyond
// --max-jobs the connection joins the overflow job and the refusal is
// counted.
func (s *Session) name(raw []byte, now time.Time) {
	name := jobName(raw)
	if name == "" || s.job != nil && s.job.name == name && s.ident == nil {
		return
	}
	e := s.e
	e.mu.Lock()
	j := e.attachOrOverflow(name, now)
	if s.job != nil {
		// Renaming is not an ending: the old job loses a connection cleanly.
		e.detach(s.job, true, now)
	}
	if s.ident != nil {
		e.releaseIdentity(s.ident, s.established)
		s.ident = nil
	}
	e.mu.Unlock()
	s.flushRun()
	s.flushCounts() // the messages so far count for the old job
	s.setJob(j)
}

// setJob makes j the connection's job.
func (s *Session) setJob(j *job) {
	s.job = j
	s.seriesJob = j.name
	s.jobHash = maphash.String(s.e.seed, s.seriesJob)
	s.forget()
}
