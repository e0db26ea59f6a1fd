package exporter

import (
	"github.com/rexporter/rexporter/internal/recognise"
)

// recognise offers a line to the connection's recognisers
// (Options.Recognisers) before it is read as a message, and applies what
// they read as messages of the job, each metric described (`run: help`)
// before its first value, as rexporter run does. It reports whether a
// recogniser took the line; one that did is not also read as a message
// ("Epoch 3/10 - 2s - loss: 0.25" would be a value of a name "Epoch 3/10 -
// 2s - loss").
//
// The line is looked at as a whole line: the framer has already cut it, at
// a '\n' or after the tail wait (a progress bar redrawn with '\r' and left
// unterminated), and a bar is written in one go, so a cut inside a redraw
// would need a pause of --tail-wait in the middle of R's cat().
func (s *Session) recognise(msg []byte) bool {
	if s.recognising {
		return false // an update of ours that does not parse: never loop
	}
	if s.rec == nil {
		s.rec = s.e.opts.Recognisers()
	}
	ups := append([]recognise.Update(nil), s.rec.Feed(recognise.Stdout, msg)...)
	ups = append(ups, s.rec.Flush(recognise.Stdout)...)
	if len(ups) == 0 {
		return false
	}
	s.e.self.recognised.Inc()
	s.recognising = true
	defer func() { s.recognising = false }()
	for _, u := range ups {
		s.describe(u)
		s.message([]byte(u.Message()))
	}
	return true
}

// describe records where an update's metric comes from, for the HELP text
// of metrics made from now on (once per name: the read lock finds it known).
func (s *Session) describe(u recognise.Update) {
	e := s.e
	e.mu.RLock()
	_, known := e.helps[u.Name]
	e.mu.RUnlock()
	if known {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.setHelp(u.Name, recognise.Help(u)) // the same text for a name every time
}
