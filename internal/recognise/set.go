package recognise

import "bytes"

// MaxLine bounds the length of a line a recogniser looks at. The bytes of a
// longer line are not kept: the line is dropped (counted in Stats.Long) when
// it ends, so an endless line costs MaxLine bytes of memory per stream.
const MaxLine = 4096

// Stats counts what a Set has seen since it was made.
type Stats struct {
	Lines      uint64 // lines (and redraws) handed to the recognisers
	Recognised uint64 // of those, lines a recogniser claimed
	Long       uint64 // lines dropped because they were longer than MaxLine
}

// Set splits a job's raw output into lines and runs its recognisers over
// them, in order; the first recogniser that returns updates for a line
// claims it. A Set is not safe for concurrent use: one Set serves one job.
type Set struct {
	rs    []Recogniser
	st    [numStreams]streamState
	out   []Update
	stats Stats
	// growing says unfinished lines that grow over chunks are offered to
	// the Growers (ReadGrowing).
	growing bool
	// claimed are the numbers of the '\n'-ended lines of each stream that
	// a recogniser claimed (in any of their redraws), until taken.
	claimed [numStreams][]uint64
}

// streamState is the unfinished line of one stream.
type streamState struct {
	buf     []byte // the line since the last '\r' or '\n', at most MaxLine bytes
	long    bool   // the line grew past MaxLine: drop it when it ends
	redrawn bool   // a '\r' was seen since the last '\n'
	seen    bool   // buf was recognised as a Partial line and has not grown since
	lineNo  uint64 // the number of the current line: the '\n's seen before it
	claimed bool   // a recogniser claimed the current line, or one of its redraws
	chunks  int    // chunks that added to the current line, never redrawn
}

// NewSet returns a Set running rs in that order. With no arguments it runs
// Default().
func NewSet(rs ...Recogniser) *Set {
	if len(rs) == 0 {
		rs = Default()
	}
	return &Set{rs: rs}
}

// Default returns a new instance of every built-in recogniser, in the order a
// Set tries them.
func Default() []Recogniser {
	return []Recogniser{
		NewTxtProgressBar(), NewPbapply(), NewProgressBar(), NewCliProgress(),
		NewStan(), NewOptimTrace(), NewNlminbTrace(), NewGlmTrace(), NewLme4Trace(),
		NewCaret(), NewGbm(), NewRandomForest(),
	}
}

// Stats returns the counters of lines seen so far.
func (s *Set) Stats() Stats { return s.stats }

// Feed splits chunk, the next bytes the job wrote on stream, into lines and
// returns the updates recognised in them, in order. The returned slice is
// reused by the next call to Feed or Flush.
//
// A line ends at '\n' (or "\r\n"). A '\r' ends a redraw: of several redraws
// of one line in a chunk only the last is looked at, and the text after the
// last '\r' at the end of the chunk (where progress bars leave their latest
// state, as they start each redraw with '\r') is looked at as a Partial line
// at once rather than when the next redraw comes.
func (s *Set) Feed(stream Stream, chunk []byte) []Update {
	if stream >= numStreams {
		stream = Stderr
	}
	st := &s.st[stream]
	s.out = s.out[:0]
	var pend []byte // the last redraw ended by '\r' in this chunk, not looked at yet
	start := 0
	for {
		j := indexEOL(chunk[start:])
		if j < 0 {
			break
		}
		end := start + j
		next := end + 1
		nl := chunk[end] == '\n'
		if !nl && next < len(chunk) && chunk[next] == '\n' {
			nl = true // "\r\n"
			next++
		}
		// A line begun in an earlier chunk that this one adds to has grown
		// (see ReadGrowing): its last state counts when it ends here.
		grown := s.growing && st.chunks >= 1 && end > start && !st.redrawn
		seg, ok, fresh := st.take(chunk[start:end])
		if !ok {
			s.stats.Long++
		}
		buffered := len(st.buf) > 0 || !fresh // seg aliases st.buf, which the next line reuses
		if nl {
			switch {
			case ok && len(seg) > 0:
				if fresh {
					s.recognise(stream, seg, st.redrawn, false)
				}
			case pend != nil:
				s.recognise(stream, pend, true, false) // "\rbar\r\n": the bar was the line's last state
			}
			if grown && ok {
				s.grow(stream, seg)
			}
			pend = nil
			st.redrawn = false
			s.endLine(stream)
		} else {
			st.redrawn = true
			if ok && len(seg) > 0 {
				pend = nil
				if buffered {
					if fresh {
						s.recognise(stream, seg, true, false)
					}
				} else {
					pend = seg
				}
			}
		}
		st.buf, st.long, st.seen, st.chunks = st.buf[:0], false, false, 0
		start = next
	}
	if pend != nil {
		s.recognise(stream, pend, true, false)
	}
	if tail := chunk[start:]; len(tail) > 0 {
		st.keep(tail)
		if st.redrawn && !st.long {
			// A claimed partial redraw is not looked at again when its '\r'
			// comes; one left alone is, as it may have been cut short.
			st.seen = s.recognise(stream, st.buf, true, true)
		} else if s.growing && !st.long {
			st.chunks++
			if st.chunks >= 2 {
				s.grow(stream, st.buf)
			}
		}
	}
	return s.out
}

// Flush ends the unfinished line of stream, as when the job exits without a
// final newline, and returns its updates (reused like Feed's).
func (s *Set) Flush(stream Stream) []Update {
	if stream >= numStreams {
		stream = Stderr
	}
	st := &s.st[stream]
	s.out = s.out[:0]
	if st.long {
		s.stats.Long++
	} else if len(st.buf) > 0 && !st.seen {
		s.recognise(stream, st.buf, st.redrawn, false)
	}
	if len(st.buf) > 0 || st.long || st.redrawn {
		s.endLine(stream) // the unfinished line ends here
	}
	*st = streamState{buf: st.buf[:0], lineNo: st.lineNo}
	return s.out
}

// recognise runs the recognisers over one line until one claims it, and
// reports whether one did.
func (s *Set) recognise(stream Stream, text []byte, redrawn, partial bool) bool {
	s.stats.Lines++
	l := Line{Stream: stream, Text: text, Redrawn: redrawn, Partial: partial}
	n := len(s.out)
	for _, r := range s.rs {
		s.out = r.Recognise(l, s.out)
		if len(s.out) > n {
			s.stats.Recognised++
			s.st[stream].claimed = true
			return true
		}
	}
	return false
}

// ReadGrowing makes the Set also read lines that grow, chunk by chunk,
// without '\r' (txtProgressBar style 1, which draws a few more marks at each
// step and ends its line at close()): once such a line has grown in a
// second chunk, its text so far is offered to the Growers. Only for output
// whose chunks are the writes of the job, as from a pipe (rexporter run): a
// line written in one go ("==========\n", or "==========" then "\n" as
// cat(x, "\n") writes it) never grows in a second chunk, but a reader that
// splits writes anywhere could make a separator line look like a bar.
func (s *Set) ReadGrowing() { s.growing = true }

// Grower is a Recogniser that also reads a line while it is still being
// written without '\r', as it grows (see ReadGrowing). A Set offers the
// unfinished tail of such a line to its Growers only; the line is looked at
// again as usual when it ends.
type Grower interface {
	RecogniseGrowing(l Line, out []Update) []Update
}

// grow offers the unfinished, never redrawn line of stream to the Growers.
func (s *Set) grow(stream Stream, text []byte) {
	l := Line{Stream: stream, Text: text, Partial: true}
	n := len(s.out)
	for _, r := range s.rs {
		g, ok := r.(Grower)
		if !ok {
			continue
		}
		s.out = g.RecogniseGrowing(l, s.out)
		if len(s.out) > n {
			s.stats.Recognised++
			s.st[stream].claimed = true
			return
		}
	}
}

// endLine notes the end of the current line of stream (its '\n').
func (s *Set) endLine(stream Stream) {
	st := &s.st[stream]
	if st.claimed && len(s.claimed[stream]) < maxClaimed {
		s.claimed[stream] = append(s.claimed[stream], st.lineNo)
	}
	st.lineNo++
	st.claimed = false
}

// maxClaimed bounds the claimed line numbers a Set keeps until they are
// taken (TakeClaimed); beyond it, later claims are not reported.
const maxClaimed = 4096

// TakeClaimed appends to dst the numbers of the lines of stream that a
// recogniser claimed since the last call, and forgets them. Lines are
// numbered from 0 by the '\n's that end them, as a reader splitting the
// same output at '\n' counts them, so that it can leave a claimed line
// alone (rexporter run does not also read it as a message: a line
// "Epoch 3/10 - 2s - loss: 0.25" that the user's recogniser reads is no
// value of a name "Epoch 3/10 - 2s - loss"). A line counts as claimed when
// any of its redraws was.
func (s *Set) TakeClaimed(stream Stream, dst []uint64) []uint64 {
	if stream >= numStreams {
		stream = Stderr
	}
	dst = append(dst, s.claimed[stream]...)
	s.claimed[stream] = s.claimed[stream][:0]
	return dst
}

// take returns the line ending with b: b itself, or b appended to the
// buffered start of the line. ok is false when the line is longer than
// MaxLine; fresh is false when it is the buffered text already looked at as
// a Partial line.
func (st *streamState) take(b []byte) (seg []byte, ok, fresh bool) {
	if len(st.buf) == 0 && !st.long {
		return b, len(b) <= MaxLine, true
	}
	if len(b) == 0 && st.seen {
		return st.buf, !st.long, false
	}
	st.keep(b)
	return st.buf, !st.long, true
}

// keep appends b to the unfinished line, up to MaxLine bytes.
func (st *streamState) keep(b []byte) {
	if st.long {
		return
	}
	if len(st.buf)+len(b) > MaxLine {
		st.long = true
		st.buf = st.buf[:0]
		return
	}
	st.buf = append(st.buf, b...)
	st.seen = false
}

// indexEOL returns the index of the first '\r' or '\n' in b, or -1.
func indexEOL(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		i = len(b)
	}
	if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
		return j
	}
	if i == len(b) {
		return -1
	}
	return i
}
