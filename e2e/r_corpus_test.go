package e2e

import (
	"bufio"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/rexporter/rexporter/parser"
)

// corpusWant is what a corpus scenario must leave on /metrics besides the
// fields R says it sent: the messages and fields dropped, by reason, and
// families that must not exist.
type corpusWant struct {
	messageDrops map[string]float64 // rexporter_parse_errors_total
	fieldDrops   map[string]float64 // rexporter_field_errors_total
	absent       []string
	// glued is how many messages are framed as one with the one before
	// (they cannot be told apart), and lost the fields R sent that are lost
	// with them.
	glued int
	lost  []string
}

// corpusTransports are the ways R sends (see examples/r/corpus/corpus.R).
var corpusTransports = []string{"write.socket", "write.socket-bare", "writeLines", "cat"}

// TestRCorpus runs what ordinary R code prints through real Rscript, every
// scenario over every transport, at full speed, each against an exporter of
// its own. Every message sent is framed once and either applied or counted
// with a reason; every field R says it sent arrives with its exact value
// under its sanitised name; what must be dropped is dropped and counted.
func TestRCorpus(t *testing.T) {
	requireR(t)
	scenarios := map[string]func(transport string) corpusWant{
		// (Intercept), factor(cyl)6, wt:hp: every name arrives.
		"coef":    func(string) corpusWant { return corpusWant{} },
		"summary": func(string) corpusWant { return corpusWant{} },
		"stan":    func(string) corpusWant { return corpusWant{} },
		// 1,234,567 and 1,234.5 are numbers.
		"bigmark":     func(string) corpusWant { return corpusWant{} },
		"punctuation": func(string) corpusWant { return corpusWant{} },
		// Checkpoint: [2026-12-01] saved is a bad field beside a good one,
		// never a record start.
		"dates": func(string) corpusWant {
			return corpusWant{fieldDrops: map[string]float64{"bad_value": 2}}
		},
		// 0,5 is neither 0 nor 5: x is dropped and counted.
		"outdec": func(tr string) corpusWant {
			w := corpusWant{messageDrops: map[string]float64{"decimal_comma": 1}, absent: []string{"x", "r_5", "r_5y"}}
			if tr == "write.socket-bare" {
				// "x: 0,5y: 2": is it x = 0,5 and y = 2, or x = 0 and
				// 5y = 2? It cannot be told, so all of it is one message,
				// dropped as a decimal comma; y is lost and counted.
				w.glued, w.lost = 1, []string{"y"}
			}
			return w
		},
		// The blog's loop without timestamp nor pause: 1000 messages.
		"loop": func(string) corpusWant { return corpusWant{} },
	}
	for _, sc := range slices.Sorted(maps.Keys(scenarios)) {
		for _, tr := range corpusTransports {
			t.Run(sc+"/"+tr, func(t *testing.T) {
				t.Parallel()
				runCorpus(t, sc, tr, scenarios[sc](tr))
			})
		}
	}
}

func runCorpus(t *testing.T, scenario, transport string, want corpusWant) {
	p := startExporter(t)
	r := runR(t, nil, rExample(t, "corpus/corpus.R"), portOf(t, p.ingest), scenario, transport)
	sent, fields := corpusLedger(t, r.stdout.String())
	for _, name := range want.lost {
		delete(fields, name)
	}
	frames := sent - want.glued

	// Wait until every message sent is framed and handled, and the
	// connection has ended (its last tail flushed).
	mfs := p.waitFor(t, "every message framed and handled", func(m map[string]*dto.MetricFamily) bool {
		framed, _ := value(m, "rexporter_framed_messages_total")
		applied, _ := value(m, "rexporter_messages_total")
		open, _ := value(m, "rexporter_connections")
		return framed >= float64(frames) && applied+sum(m, "rexporter_parse_errors_total") == framed && open == 0
	})
	framed, _ := value(mfs, "rexporter_framed_messages_total")
	applied, _ := value(mfs, "rexporter_messages_total")
	dropped := sum(mfs, "rexporter_parse_errors_total")
	if framed != float64(frames) || applied+dropped != float64(frames) {
		t.Errorf("sent %d messages (%d of them glued to the one before): framed %v, applied %v + dropped %v", sent, want.glued, framed, applied, dropped)
	}
	checkReasons(t, mfs, "rexporter_parse_errors_total", want.messageDrops)
	checkReasons(t, mfs, "rexporter_field_errors_total", want.fieldDrops)
	for _, name := range []string{"rexporter_oversized_messages_total", "rexporter_rejected_names_total", "rexporter_rejected_values_total"} {
		if got := sum(mfs, name); got != 0 {
			t.Errorf("%s = %v, want 0", name, got)
		}
	}
	for name, v := range fields {
		metric := parser.MetricName([]byte(name))
		got, ok := value(mfs, metric, "r_job", "127.0.0.1")
		if !ok || got != v {
			t.Errorf("R name %q: %s = %v (present %v), want %v", name, metric, got, ok, v)
		}
	}
	for _, name := range want.absent {
		if _, ok := mfs[name]; ok {
			t.Errorf("%s exists, want it absent", name)
		}
	}
}

// checkReasons checks a counter's samples by reason: the reasons listed
// have their counts, every other reason is 0.
func checkReasons(t *testing.T, mfs map[string]*dto.MetricFamily, name string, want map[string]float64) {
	t.Helper()
	for _, m := range mfs[name].GetMetric() {
		reason := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == "reason" {
				reason = l.GetValue()
			}
		}
		if got := m.GetCounter().GetValue(); got != want[reason] {
			t.Errorf("%s{reason=%q} = %v, want %v", name, reason, got, want[reason])
		}
	}
}

// corpusLedger reads what corpus.R says it sent: the number of messages and
// the last value of every field that must arrive.
func corpusLedger(t *testing.T, out string) (sent int, fields map[string]float64) {
	t.Helper()
	fields = map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "FIELD\t"):
			parts := strings.Split(line, "\t")
			if len(parts) != 3 {
				t.Fatalf("bad ledger line %q", line)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(parts[2]), 64)
			if err != nil {
				t.Fatalf("ledger line %q: %v", line, err)
			}
			fields[parts[1]] = v
		case strings.HasPrefix(line, "SENT "):
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "SENT ")))
			if err != nil {
				t.Fatalf("ledger line %q: %v", line, err)
			}
			sent = n
		}
	}
	if sent == 0 {
		t.Fatalf("no SENT line in R's output:\n%s", out)
	}
	return sent, fields
}

// TestRNewlineThenUnterminated: one write.socket message ending in "\n",
// then unterminated ones a little apart, as a script that once printed a
// line and then wrote values does. Each value must show while the script
// still runs and its connection stays open: nothing waits for it to close.
func TestRNewlineThenUnterminated(t *testing.T) {
	for name, prefix := range map[string]string{"timestamped": `paste0("[", Sys.time(), "] - ")`, "bare": `""`} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startExporter(t)
			script := rScript(t, "newline_then_bare.R", `
args <- commandArgs(trailingOnly = TRUE)
s <- make.socket("127.0.0.1", as.integer(args[[1]]))
write.socket(s, "Start: 1\n")
for (i in 1:4) {
  Sys.sleep(0.3)
  write.socket(s, paste0(`+prefix+`, "Step: ", i))
}
cat("sent\n")
Sys.sleep(60) # the connection stays open while the test looks
close.socket(s)
`)
			r := startR(t, nil, script, portOf(t, p.ingest))
			mfs := p.waitFor(t, "every step while the connection is open", func(m map[string]*dto.MetricFamily) bool {
				v, _ := value(m, "step", "r_job", "127.0.0.1")
				return v == 4
			})
			select {
			case <-r.done:
				t.Fatalf("R ended (%v) before the test saw its values", r.err)
			default:
			}
			if v, _ := value(mfs, "step_messages_total"); v != 4 {
				t.Errorf("step_messages_total = %v, want 4", v)
			}
			if v, _ := value(mfs, "start"); v != 1 {
				t.Errorf("start = %v, want 1", v)
			}
			if got := sum(mfs, "rexporter_parse_errors_total"); got != 0 {
				t.Errorf("parse errors %v, want 0", got)
			}
			r.kill(t)
		})
	}
}
