package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
)

// maxSendLine bounds one stdin line; longer lines are an error rather than an
// unbounded buffer.
const maxSendLine = 1 << 20

// Run sends messages to a running rexporter.
func (c *SendCmd) Run(e *env, logger *slog.Logger) error {
	var d net.Dialer
	d.Timeout = 5 * time.Second
	conn, err := d.DialContext(e.ctx, "tcp", c.To)
	if err != nil {
		return fmt.Errorf("--to %s: %w", c.To, unwrapOp(err))
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	end := ""
	if c.Newline {
		end = "\n"
	}

	sent := 0
	if c.Message != "" {
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		for i := 1; i <= c.Count; i++ {
			msg := expand(c.Message, i, time.Now(), rng)
			// One write per message, like R's write.socket.
			if _, err := conn.Write([]byte(msg + end)); err != nil {
				return fmt.Errorf("send: %w", err)
			}
			sent++
			if i < c.Count && c.Interval > 0 {
				select {
				case <-e.ctx.Done():
					logger.Info("interrupted", "sent", sent)
					return nil
				case <-time.After(c.Interval):
				}
			}
		}
	} else {
		r := bufio.NewReaderSize(e.stdin, maxSendLine)
		for {
			line, err := r.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) {
				return fmt.Errorf("read stdin: line %d is longer than %d bytes", sent+1, maxSendLine)
			}
			if text := strings.TrimRight(string(line), "\r\n"); len(line) > 0 {
				if _, werr := w.WriteString(text + end); werr != nil {
					return fmt.Errorf("send: %w", werr)
				}
				sent++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("read stdin: %w", err)
			}
			// Flush when stdin has nothing more buffered, so that
			// `tail -f job.log | rexporter send` forwards each line at once.
			if r.Buffered() == 0 {
				if err := w.Flush(); err != nil {
					return fmt.Errorf("send: %w", err)
				}
			}
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	logger.Debug("sent", "messages", sent, "to", c.To)
	return nil
}

// expand fills the placeholders of a --message template.
func expand(tmpl string, i int, now time.Time, rng *rand.Rand) string {
	return strings.NewReplacer(
		"{time}", rTime(now),
		"{i}", strconv.Itoa(i),
		"{rpois}", strconv.Itoa(poisson(rng, 10)),
	).Replace(tmpl)
}

// rTime prints a time the way R prints Sys.time(): local time without zone,
// and the date alone at exactly midnight.
func rTime(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.DateTime)
}

// poisson draws from a Poisson distribution (Knuth's method; fine for small
// lambda like R's rpois(1, 10)).
func poisson(rng *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
