package ingest

import "slices"

// FramerState is a Framer's state between two Feeds: what a hand-over
// carries so that the new process frames the rest of a stream exactly as
// the old one would have.
type FramerState struct {
	// Pending is the unterminated tail (or, while discarding, the undecided
	// record-start prefix).
	Pending    []byte `json:"pending,omitempty"`
	Discarding bool   `json:"discarding,omitempty"`
	Dropped    int    `json:"dropped,omitempty"`
	DroppedCR  bool   `json:"dropped_cr,omitempty"`
	Undecided  int    `json:"undecided,omitempty"`
	Terminated bool   `json:"terminated,omitempty"`
}

// State returns the Framer's state; the Framer is unchanged.
func (f *Framer) State() FramerState {
	return FramerState{
		Pending:    slices.Clone(f.buf),
		Discarding: f.discarding,
		Dropped:    f.dropped,
		DroppedCR:  f.droppedCR,
		Undecided:  f.undecided,
		Terminated: f.terminated,
	}
}

// Restore makes the Framer continue from st, which State returned (in this
// process or another). The message grammar's progress through the pending
// tail is not carried: it is recomputed from the bytes, which gives the
// same result because the Splitter is deterministic and examines a tail the
// same way however it arrived. Nothing is emitted.
func (f *Framer) Restore(st FramerState) {
	f.reset()
	f.buf = f.buf[:0]
	f.discarding, f.dropped, f.droppedCR = st.Discarding, st.Dropped, st.DroppedCR
	f.undecided, f.terminated = st.Undecided, st.Terminated
	if len(st.Pending) == 0 {
		return
	}
	f.push(st.Pending)
	if !f.discarding {
		// The old Framer found no cut in these bytes, or it would have
		// emitted the message before them: scanning them again finds none.
		f.sp.Scan(f.buf, true)
	}
}
