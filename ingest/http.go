package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rexporter/rexporter/parser"
)

// DefaultMaxBodyBytes is the largest request body PushHandler accepts when
// none is given.
const DefaultMaxBodyBytes = 1 << 20

// maxPushesInFlight bounds the pushed bodies read at once, so that memory
// stays below maxPushesInFlight × maxBody however many clients push; more
// requests wait for their turn (or until they are cancelled).
const maxPushesInFlight = 16

// PushHandler returns the handler of POST /api/v1/messages: its body is
// read like one connection's byte stream (the same grammar and framings)
// and handed to the sink as one session made from the client's address. A
// `job` query parameter names the job, as if the body began with
// "job: NAME\n" (and that message is counted like one). The answer:
//
//   - 204 when at least one message was valid, with the headers
//     Rexporter-Messages (messages read, the job parameter's included),
//     Rexporter-Invalid (those the parser refused, and oversized ones)
//     and, when some were, Rexporter-First-Error ("line N: error");
//   - 400 with "line N: error" when not one message was valid (an empty
//     body included); what was framed is still applied and counted, as on
//     any transport;
//   - 413 for a body over maxBody bytes, read no further; nothing is applied;
//   - 403 for a client outside Config.Allow, counted in
//     rexporter_connections_rejected_total{reason="not_allowed"};
//   - 503 while the server shuts down.
//
// The body is read whole (at most maxBody bytes) before anything is
// applied; at most 16 bodies are read at once, further requests wait.
// Authentication and TLS are the web server's.
func (s *Server) PushHandler(maxBody int64) http.Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	slots := make(chan struct{}, maxPushesInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote, _ := netip.ParseAddrPort(r.RemoteAddr)
		remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
		if !Allowed(s.cfg.Allow, remote.Addr()) {
			s.m.rejected("not_allowed", 0)
			http.Error(w, "Forbidden: address not in --listen.allow", http.StatusForbidden)
			return
		}
		job := r.URL.Query().Get("job")
		if err := checkJob(r.URL.Query(), job); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-r.Context().Done():
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, fmt.Sprintf("Request body larger than %d bytes (--web.max-body-bytes)", maxBody), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read the body: "+err.Error(), http.StatusBadRequest)
			return
		}
		sess, tm := s.openSession(remote, TransportHTTP)
		if sess == nil {
			http.Error(w, "Shutting down", http.StatusServiceUnavailable)
			return
		}
		v := validator{next: counter{sess: sess}}
		sess.Begin(s.now())
		framer := NewFramer(s.cfg.MaxMessageBytes)
		received := len(body)
		if job != "" {
			// Counted like bytes and a message that arrived, as pipe's.
			line := []byte("job: " + job + "\n")
			framer.Feed(line, &v)
			received += len(line)
		}
		jobMsgs, jobInvalid := v.messages, v.invalid
		// Line by line, so that an error names its line: a message never
		// spans a '\n'.
		v.line = 1
		for rest := body; len(rest) > 0; v.line++ {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				framer.Feed(rest, &v)
				break
			}
			framer.Feed(rest[:i+1], &v)
			rest = rest[i+1:]
		}
		framer.Flush(&v)
		sess.End()
		s.account(tm, received, &v.next)
		s.closeSession(sess, nil)

		h := w.Header()
		h.Set("Rexporter-Messages", strconv.Itoa(v.messages))
		h.Set("Rexporter-Invalid", strconv.Itoa(v.invalid))
		if v.firstErr != "" {
			h.Set("Rexporter-First-Error", v.firstErr)
		}
		if v.messages-jobMsgs == v.invalid-jobInvalid {
			msg := v.firstErr
			if msg == "" {
				msg = "no message in the body"
			}
			http.Error(w, msg, http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// checkJob refuses a job parameter given twice, empty, or holding a control
// character (it would end the job message).
func checkJob(q map[string][]string, job string) error {
	switch {
	case len(q["job"]) > 1:
		return errors.New("job: give it once")
	case len(q["job"]) == 1 && strings.TrimSpace(job) == "":
		return errors.New("job: empty")
	case strings.ContainsFunc(job, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("job: holds a control character")
	}
	return nil
}

// validator is the Emitter of a pushed body: it checks each message with
// the parser, to answer with the first error, and forwards it.
type validator struct {
	next              counter
	msg               parser.Message
	line              int // the body's line being framed (0: the job parameter)
	messages, invalid int
	firstErr          string
}

// Message implements Emitter.
func (v *validator) Message(msg []byte) {
	v.messages++
	if err := parser.Parse(msg, &v.msg); err != nil {
		v.fail(err.Error())
	}
	v.next.Message(msg)
}

// Oversized implements Emitter: an oversized message counts as invalid.
func (v *validator) Oversized(dropped int) {
	v.messages++
	v.fail(fmt.Sprintf("message of %d bytes longer than the limit", dropped))
	v.next.Oversized(dropped)
}

func (v *validator) fail(err string) {
	v.invalid++
	if v.firstErr != "" {
		return
	}
	where := "job parameter"
	if v.line > 0 {
		where = "line " + strconv.Itoa(v.line)
	}
	// A header value: printable, bounded.
	err = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return '?'
		}
		return r
	}, err)
	if len(err) > 200 {
		err = err[:200] + "..."
	}
	v.firstErr = where + ": " + err
}
