package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// blog formats a message exactly as the blog's client.R builds it.
func blog(sec int, name string, v int) string {
	return fmt.Sprintf("[2026-11-25 17:06:%02d] - %s: %d", sec, name, v)
}

// sum adds every sample of a counter or gauge family.
func sum(mfs map[string]*dto.MetricFamily, name string) float64 {
	total := 0.0
	for _, m := range mfs[name].GetMetric() {
		total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return total
}

// TestSeedFormatsEndToEnd writes the blog's format over TCP in every framing R
// produces, with garbage in between on the same connections, and checks the
// exact values on /metrics and that promtool accepts the real output.
func TestSeedFormatsEndToEnd(t *testing.T) {
	p := startExporter(t)

	// Ten write.socket messages glued in one write: ten messages.
	glued := p.dial(t)
	var b strings.Builder
	for i := 1; i <= 10; i++ {
		b.WriteString(blog(i, "Glued Poisson", i))
	}
	write(t, glued, b.String())

	// One message per write, no terminator (R's write.socket), with garbage
	// in between on the same connection.
	single := p.dial(t)
	for i := 1; i <= 5; i++ {
		write(t, single, blog(i, "Single Poisson", 10+i))
		if i == 3 {
			write(t, single, "\nthis is not a message\n")
		}
	}

	// Newline-terminated (writeLines) and CRLF, with a bad value between.
	lines := p.dial(t)
	write(t, lines, blog(1, "Line Poisson", 1)+"\n"+blog(2, "Line Poisson", 2)+"\n")
	write(t, lines, "x: 0,5\n")
	write(t, lines, blog(3, "Line Poisson", 3)+"\r\n"+blog(4, "Line Poisson", 4)+"\r\n")

	// cat(msg, "\n", file = con): the text and the newline as separate writes.
	pieces := p.dial(t)
	for i := 1; i <= 3; i++ {
		write(t, pieces, blog(i, "Cat Poisson", 20+i))
		write(t, pieces, "\n")
	}
	write(t, pieces, "(): 1\n") // a name with nothing left once sanitised

	const good, bad = 10 + 5 + 4 + 3, 3
	mfs := p.waitFor(t, "every message applied", func(m map[string]*dto.MetricFamily) bool {
		return sum(m, "rexporter_messages_total") >= good && sum(m, "rexporter_parse_errors_total") >= bad
	})

	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rexporter_messages_total", nil, good},
		{"glued_poisson", nil, 10},
		{"glued_poisson_messages_total", nil, 10},
		{"glued_poisson_values", nil, 10}, // histogram sample count
		{"single_poisson", nil, 15},
		{"single_poisson_messages_total", nil, 5},
		{"line_poisson", nil, 4},
		{"line_poisson_messages_total", nil, 4},
		{"cat_poisson", nil, 23},
		{"cat_poisson_messages_total", nil, 3},
		{"rexporter_parse_errors_total", []string{"reason", "no_fields"}, 1},
		{"rexporter_parse_errors_total", []string{"reason", "decimal_comma"}, 1},
		{"rexporter_parse_errors_total", []string{"reason", "bad_name"}, 1},
		{"rexporter_connections", nil, 4},
		{"rexporter_connections_total", nil, 4},
	}
	for _, c := range checks {
		got, ok := value(mfs, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if got := sum(mfs, "rexporter_parse_errors_total"); got != bad {
		t.Errorf("parse errors = %v, want %v", got, bad)
	}
	h := mfs["glued_poisson_values"].GetMetric()[0].GetHistogram()
	if h.GetSampleSum() != 55 {
		t.Errorf("glued_poisson_values_sum = %v, want 55", h.GetSampleSum())
	}
	if help := mfs["glued_poisson"].GetHelp(); !strings.Contains(help, `"Glued Poisson"`) {
		t.Errorf("HELP %q does not name the R name", help)
	}

	_, body := p.scrape(t)
	if strings.Contains(body, "timestamp_ms") {
		t.Errorf("exposition carries sample timestamps")
	}
	promtoolCheckMetrics(t, body)
}

// promtoolCheckMetrics runs Prometheus' own linter on an exposition.
func promtoolCheckMetrics(t *testing.T, body string) {
	t.Helper()
	cmd := exec.Command(requireTool(t, "promtool", "prometheus"), "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
