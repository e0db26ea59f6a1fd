package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOfflineCommands checks the exit codes and output of parse and
// check-config: parse exits 3 when a message is dropped and names the
// reason; check-config counts rules in good English and prints errors as
// plain lines, one per problem.
func TestOfflineCommands(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.yml")
	two := filepath.Join(dir, "two.yml")
	bad := filepath.Join(dir, "bad.yml")
	own := filepath.Join(dir, "own.yml")
	badRE := filepath.Join(dir, "bad_re.yml")
	for path, body := range map[string]string{
		one: "rules:\n  - match: x\n",
		two: "rules:\n  - match: x\n  - match: y\n",
		bad: "rules:\n  - match: x\n    nmae: y\n    bukets: [1]\n",
		own: "rules:\n  - match: loss\n    name: train_loss\nrecognisers:\n" +
			"  - name: keras epoch\n    regexp: '^Epoch (?P<epoch>\\d+)/\\d+ .* loss=(?P<loss>\\S+)'\n" +
			"  - name: my trace\n    regexp: '^iter +\\d+ value (?P<value>\\S+)$'\n",
		badRE: "recognisers:\n  - name: a\n    regexp: '(?P<value>\\d+'\n  - name: b\n    regexp: 'b (\\d+)'\n",
	} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]struct {
		args      []string
		code      int
		stdout    []string
		notStdout []string
		stderr    string
	}{
		"parse, all applied":     {args: []string{"parse", "x: 1"}, code: 0, stdout: []string{`x{r_job="local"} 1`}, notStdout: []string{"dropped", "rexporter_job_"}},
		"parse, a field dropped": {args: []string{"parse", "Loss: 0.5, Checkpoint: [2026-12-01] saved"}, code: 3, stdout: []string{"# message 1: field dropped (bad_value):", "# 1 fields dropped from applied messages", `loss{r_job="local"} 0.5`}},
		"parse, one dropped":     {args: []string{"parse", "x: 1", "x: 0,5"}, code: 3, stdout: []string{"# message 2: dropped (decimal_comma):", "# 1 of 2 messages dropped"}},
		"parse --jobs":           {args: []string{"parse", "--jobs", "job: a", "x: 1"}, code: 0, stdout: []string{`rexporter_job_messages_total{r_job="a"} 2`}},
		"check-config, one rule": {args: []string{"check-config", one}, code: 0, stdout: []string{one + ": ok, 1 rule\n"}},
		"check-config, rules":    {args: []string{"check-config", two}, code: 0, stdout: []string{two + ": ok, 2 rules\n"}},
		"parse, a built-in recogniser": {args: []string{"parse", "iter  10 value 52.385830"}, code: 0, stdout: []string{
			"# message 1: recognised, so not read as a message\n# message 1: recognised by built-in optim: optim_iteration 10, optim_value 52.38583\n",
			`# R name "optim_value" -> optim_value (number) by defaults`, `optim_value{r_job="local"} 52.38583`}, notStdout: []string{"dropped"}},
		"parse, own recognisers first": {args: []string{"parse", "--config.file", own, "iter  10 value 52.385830", "Epoch 3/10 - 2s - loss=0.25", "hello"}, code: 3, stdout: []string{
			"# message 1: recognised by recognisers[1] \"my trace\" (" + own + ":7): my_trace 52.38583\n",
			"# message 2: recognised by recognisers[0] \"keras epoch\" (" + own + ":5): epoch 3, loss 0.25\n",
			"# message 3: dropped (no_fields)", "# 1 of 3 messages dropped",
			`# R name "loss" -> train_loss (number) by rules[0] (` + own + `:2)`, `train_loss{r_job="local"} 0.25`, `epoch{r_job="local"} 3`}, notStdout: []string{"optim"}},
		"parse --no-recognise": {args: []string{"parse", "--no-recognise", "iter  10 value 52.385830"}, code: 3, stdout: []string{"# message 1: dropped (no_fields)"}, notStdout: []string{"recognised", "optim_value"}},
		"check-config, recognisers": {args: []string{"check-config", own}, code: 0, stdout: []string{own + ": ok, 1 rule, 2 recognisers\n",
			"recognisers:\n  - name: keras epoch # recognisers[0] \"keras epoch\" (" + own + ":5)\n"}},
		"check-config, bad regexps": {args: []string{"check-config", badRE}, code: 1, stderr: "rexporter: " + badRE + ":3: recognisers[0].regexp: bad regular expression: error parsing regexp: missing closing ): `(?P<value>\\d+`\n" +
			"rexporter: " + badRE + ":5: recognisers[1].regexp: regular expression has no value group: \"b (\\\\d+)\" needs a group (?P<value>...) or other named groups\n"},
		"check-config, errors": {args: []string{"check-config", bad}, code: 1, stderr: "rexporter: " + bad + `:3: rules[0]: unknown key "nmae" (did you mean "name"?)` + "\n" +
			"rexporter: " + bad + `:4: rules[0]: unknown key "bukets" (did you mean "buckets"?)` + "\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tc.args, strings.NewReader(""), &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			for _, w := range tc.notStdout {
				if strings.Contains(stdout.String(), w) {
					t.Errorf("stdout has %q:\n%s", w, stdout.String())
				}
			}
			if stderr.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
		})
	}
}
