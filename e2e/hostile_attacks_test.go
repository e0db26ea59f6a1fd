package e2e

import (
	"bytes"
	"errors"
	"iter"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// load is what an attack sent and what the exporter must make of it, by the
// docs/messages.md's framing rules: every byte received, so many framed messages, so
// many oversized ones.
type load struct {
	bytes     int64
	framed    int
	oversized int
}

// stream opens a connection, writes every chunk and closes it, so that the
// exporter sees EOF. Chunks may reuse one buffer: nothing is kept.
func stream(t *testing.T, p *exporterProc, chunks iter.Seq[[]byte]) int64 {
	t.Helper()
	c := p.dial(t)
	var n int64
	for chunk := range chunks {
		if _, err := c.Write(chunk); err != nil {
			t.Fatalf("after %d bytes: %v", n, err)
		}
		n += int64(len(chunk))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

// repeated yields the same chunk n times: a large stream without building it.
func repeated(chunk []byte, n int) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for range n {
			if !yield(chunk) {
				return
			}
		}
	}
}

// chunked yields data in pieces of at most size bytes.
func chunked(data []byte, size int) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for len(data) > 0 {
			n := min(size, len(data))
			if !yield(data[:n]) {
				return
			}
			data = data[n:]
		}
	}
}

// lines yields "<prefix><i>: 1\n" for i from 0 to n-1, in chunks of about
// 64 KiB.
func lines(prefix string, n int) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		buf := make([]byte, 0, 70<<10)
		for i := range n {
			buf = append(buf, prefix...)
			buf = strconv.AppendInt(buf, int64(i), 10)
			buf = append(buf, ": 1\n"...)
			if len(buf) >= 64<<10 {
				if !yield(buf) {
					return
				}
				buf = buf[:0]
			}
		}
		if len(buf) > 0 {
			yield(buf)
		}
	}
}

// randomBytes returns n bytes from a seeded generator, so every run sends
// the same stream, with no record start ('[' and a date) in it: the oracle
// framedCount below does not model those.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewChaCha8([32]byte{'r', 'e', 'x', 'p', 'o', 'r', 't', 'e', 'r'}))
	data := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for k := 0; k < 8 && i+k < n; k++ {
			data[i+k] = byte(v >> (8 * k))
		}
	}
	for i := range data {
		if data[i] == '[' {
			data[i] = ']'
		}
	}
	return data
}

// framedCount counts, independently of package ingest, what docs/messages.md's
// framing rules cut from data followed by EOF when data holds no record
// start: a message ends at '\n' or NUL (and at EOF), a '\r' before the '\n'
// (or EOF) is not part of it, a message of only spaces, tabs and '\r' is
// skipped, and one longer than max is oversized instead.
func framedCount(data []byte, max int) (framed, oversized int) {
	for len(data) > 0 {
		end := bytes.IndexAny(data, "\n\x00")
		msg, nl := data, true
		if end >= 0 {
			msg, nl = data[:end], data[end] == '\n'
			data = data[end+1:]
		} else {
			data = nil
		}
		if nl && len(msg) > 0 && msg[len(msg)-1] == '\r' {
			msg = msg[:len(msg)-1]
		}
		switch {
		case len(msg) > max:
			oversized++
		case len(bytes.Trim(msg, " \t\r")) > 0:
			framed++
		}
	}
	return framed, oversized
}

// drip sends text one byte a second on each of clients connections at once,
// then closes them.
func drip(t *testing.T, p *exporterProc, clients int, text string) int64 {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		c := p.dial(t)
		wg.Go(func() {
			for i := range len(text) {
				if i > 0 {
					time.Sleep(time.Second)
				}
				if _, err := c.Write([]byte{text[i]}); err != nil {
					errs <- err
					return
				}
			}
			errs <- c.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	return int64(clients * len(text))
}

// flood connects n times beyond --max-connections and checks that every
// connection is reset by the exporter (accept-and-reset), not left hanging.
func flood(t *testing.T, addr string, n int) {
	t.Helper()
	const workers = 8
	var (
		mu     sync.Mutex
		resets int
		others []error
		wg     sync.WaitGroup
	)
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range workers {
		wg.Go(func() {
			buf := make([]byte, 1)
			for range next {
				err := refused(addr, buf)
				mu.Lock()
				if errors.Is(err, syscall.ECONNRESET) {
					resets++
				} else {
					others = append(others, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if resets != n {
		t.Errorf("%d of %d flooding connections were reset; the others: %v", resets, n, others)
	}
}

// refused connects and reads until the connection ends. A reset may also
// beat connect() itself.
func refused(addr string, buf []byte) error {
	c, err := net.DialTimeout("tcp4", addr, testTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	_, err = c.Read(buf)
	if err == nil {
		return errors.New("the exporter sent data")
	}
	return err
}
