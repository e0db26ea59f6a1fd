package status

import (
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rexporter/rexporter/exporter"
)

// Bounds of the ring of raw messages.
const (
	// RingSize is how many of the last messages the page shows.
	RingSize = 100
	// MaxMessageBytes is how much of each message is kept; the rest is cut.
	MaxMessageBytes = 512
)

// slot is one message in the ring. Its text lives in a buffer allocated
// once, so recording a message allocates nothing.
type slot struct {
	time     time.Time
	remote   netip.AddrPort
	job      string
	text     [MaxMessageBytes]byte
	n        int // bytes of text in use
	size     int // length of the message as received
	outcome  string
	err      string
	refused  [exporter.MaxTappedRefusals]exporter.Refusal
	nRefused int
	more     int
}

// Ring keeps the last RingSize messages. It implements exporter.Tap: Record
// copies a message into the oldest slot under a short lock, O(1) whatever
// the message's length.
type Ring struct {
	mu    sync.Mutex
	slots []slot
	next  int    // the slot the next message goes to
	total uint64 // messages recorded since the ring was made
}

// NewRing allocates a ring of RingSize slots (about 60 KB).
func NewRing() *Ring { return &Ring{slots: make([]slot, RingSize)} }

// Record implements exporter.Tap.
func (r *Ring) Record(m exporter.TappedMessage) {
	r.mu.Lock()
	s := &r.slots[r.next]
	r.next = (r.next + 1) % len(r.slots)
	r.total++
	s.time, s.remote, s.job = m.Time, m.Remote, m.Job
	s.n = copy(s.text[:], m.Text)
	s.size = len(m.Text)
	s.outcome, s.err = m.Outcome, m.Error
	s.refused, s.nRefused, s.more = m.Refused, m.NRefused, m.MoreRefused
	r.mu.Unlock()
}

// Message is one recorded message, as the JSON endpoint serves it.
type Message struct {
	Time      time.Time `json:"time"`
	Remote    string    `json:"remote"`
	Job       string    `json:"job"`
	Text      string    `json:"text"`
	Bytes     int       `json:"bytes"`
	Truncated bool      `json:"truncated"`
	Outcome   string    `json:"outcome"`
	Error     string    `json:"error,omitempty"`
	Refused   []Refusal `json:"refused,omitempty"`
	// MoreRefused counts refused fields beyond those listed.
	MoreRefused int `json:"more_refused,omitempty"`
}

// Refusal is a field of an applied message that changed nothing.
type Refusal struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Messages returns the recorded messages, newest first, and how many were
// recorded in all.
func (r *Ring) Messages() ([]Message, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(r.total, uint64(len(r.slots)))
	out := make([]Message, 0, n)
	for i := 1; i <= int(n); i++ {
		s := &r.slots[(r.next-i+len(r.slots))%len(r.slots)]
		m := Message{
			Time:        s.time,
			Remote:      s.remote.String(),
			Job:         s.job,
			Text:        displayText(s.text[:s.n], s.n < s.size),
			Bytes:       s.size,
			Truncated:   s.n < s.size,
			Outcome:     s.outcome,
			Error:       s.err,
			MoreRefused: s.more,
		}
		if !s.remote.IsValid() {
			m.Remote = ""
		}
		for _, f := range s.refused[:s.nRefused] {
			m.Refused = append(m.Refused, Refusal{Name: f.Name, Reason: f.Reason})
		}
		out = append(out, m)
	}
	return out, r.total
}

// displayText turns message bytes into valid UTF-8 the way rexporter reads
// names: UTF-8 as it is, anything else as latin1. A cut may have split the
// last UTF-8 character; that tail is dropped rather than decoding the whole
// message as latin1.
func displayText(b []byte, cut bool) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if cut {
		for k := 1; k < utf8.UTFMax && k < len(b); k++ {
			if utf8.Valid(b[:len(b)-k]) {
				return string(b[:len(b)-k])
			}
		}
	}
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
