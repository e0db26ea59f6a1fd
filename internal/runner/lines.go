package runner

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter passes a stream through unchanged and hands each complete line
// (without its newline, a trailing CR kept) to onLine. A line longer than
// max is handed over as nil, once, and skipped up to its end.
type lineWriter struct {
	out     io.Writer
	onLine  func(line []byte)
	onChunk func(chunk []byte) // nil, or sees every chunk first
	max     int

	mu       sync.Mutex
	buf      []byte
	skipping bool
}

// Write implements io.Writer. The output is written first and whatever
// error it returns is ignored: a closed terminal must not stop the job.
func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	_, _ = w.out.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.onChunk != nil {
		w.onChunk(p)
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !w.skipping {
			if len(w.buf)+len(chunk) > w.max {
				w.buf, w.skipping = w.buf[:0], true
				w.onLine(nil)
			} else {
				w.buf = append(w.buf, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !w.skipping {
			w.onLine(w.buf)
		}
		w.buf, w.skipping = w.buf[:0], false
		p = p[i+1:]
	}
	return n, nil
}

// flush hands over an unterminated last line.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && !w.skipping {
		w.onLine(w.buf)
	}
	w.buf = w.buf[:0]
}
