package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rexporter/rexporter/exporter"
	"github.com/rexporter/rexporter/internal/recognise"
	"github.com/rexporter/rexporter/mapping"
)

// dryRecogniser runs the recognisers of `rexporter run` over the lines of
// `rexporter parse` and says which recogniser claimed each line.
type dryRecogniser struct {
	set    *recognise.Set
	claims []claim // of the line being fed
}

// claim is one recogniser claiming a line: who, and how many updates it gave.
type claim struct {
	by string
	n  int
}

// tagged is a recogniser that notes in d.claims when it claims a line.
type tagged struct {
	recognise.Recogniser
	id string // `built-in optim`, `recognisers[0] "keras epoch" (m.yml:2)`
	d  *dryRecogniser
}

// Recognise implements recognise.Recogniser.
func (t *tagged) Recognise(l recognise.Line, out []recognise.Update) []recognise.Update {
	n := len(out)
	out = t.Recogniser.Recognise(l, out)
	if len(out) > n {
		t.d.claims = append(t.d.claims, claim{by: t.id, n: len(out) - n})
	}
	return out
}

// newDryRecogniser runs m's recognisers, then the built-in ones, as run does.
func newDryRecogniser(m *mapping.Mapper) *dryRecogniser {
	d := &dryRecogniser{}
	own, ids := m.NewRecognisers(), m.Recognisers()
	var rs []recognise.Recogniser
	for i, r := range recognisers(own) {
		t := &tagged{Recogniser: r, id: "built-in " + r.Name(), d: d}
		if i < len(own) {
			t.id = ids[i].ID
		}
		rs = append(rs, t)
	}
	d.set = recognise.NewSet(rs...)
	return d
}

// line feeds one line as the job's stdout and returns, per recogniser that
// claimed it (a line with '\r' holds several redraws), who and the updates.
func (d *dryRecogniser) line(text string) (claims []claim, ups []recognise.Update) {
	d.claims = d.claims[:0]
	ups = d.set.Feed(recognise.Stdout, []byte(text+"\n"))
	return d.claims, ups
}

// describeUpdates writes updates as `epoch 3, loss 0.25, txt_progress 20/100`.
func describeUpdates(ups []recognise.Update) string {
	parts := make([]string, len(ups))
	for i, u := range ups {
		switch u.Kind {
		case recognise.Progress:
			parts[i] = u.Name + " " + formatNum(u.Value) + "/" + formatNum(u.Total)
		case recognise.State:
			parts[i] = u.Name + " " + strconv.Quote(u.State)
		default:
			parts[i] = u.Name + " " + formatNum(u.Value)
		}
	}
	return strings.Join(parts, ", ")
}

// printClaims prints which recogniser claimed message i and what it gave.
func printClaims(w io.Writer, i int, claims []claim, ups []recognise.Update) {
	for _, c := range claims {
		fmt.Fprintf(w, "# message %d: recognised by %s: %s\n", i, c.by, describeUpdates(ups[:c.n]))
		ups = ups[c.n:]
	}
}

// applyUpdates sends updates to the session as the messages run makes of them.
func applyUpdates(sess *exporter.Session, ups []recognise.Update) {
	for _, u := range ups {
		sess.Message([]byte(u.Message()))
	}
}
