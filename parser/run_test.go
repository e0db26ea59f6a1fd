package parser

import (
	"errors"
	"testing"
)

func TestParseRunMessages(t *testing.T) {
	tests := map[string]struct {
		line    string
		kind    Kind
		verb    RunVerb
		arg     string
		nFields int
		err     error
	}{
		"exit":                            {line: "run: exit 1", kind: KindRun, verb: RunExit, arg: "1"},
		"exit with timestamp":             {line: "[2026-11-25 17:06:16] - run: exit 0", kind: KindRun, verb: RunExit, arg: "0"},
		"signal":                          {line: "run: signal SIGTERM", kind: KindRun, verb: RunSignal, arg: "SIGTERM"},
		"oom":                             {line: "run: oom", kind: KindRun, verb: RunOOM},
		"error line keeps punctuation":    {line: "run: error Error in f(x, y): boom; bad", kind: KindRun, verb: RunError, arg: "Error in f(x, y): boom; bad"},
		"param":                           {line: "run: param alpha = 0.5", kind: KindRun, verb: RunParam, arg: "alpha = 0.5"},
		"param with commas":               {line: "run: param seeds=1,2,3", kind: KindRun, verb: RunParam, arg: "seeds=1,2,3"},
		"help":                            {line: "run: help optim_value=Recognised from the optim trace, by rexporter run", kind: KindRun, verb: RunHelp, arg: "optim_value=Recognised from the optim trace, by rexporter run"},
		"help of a name with punctuation": {line: "run: help Loss (train) = Cross-entropy: mean", kind: KindRun, verb: RunHelp, arg: "Loss (train) = Cross-entropy: mean"},
		"help without text":               {line: "run: help loss=", err: ErrBadValue},
		"help without name":               {line: "run: help =text", err: ErrBadValue},
		"cpu":                             {line: "run: cpu 12.5", kind: KindRun, verb: RunCPU, arg: "12.5"},
		"rss":                             {line: "run: rss 1.5e8", kind: KindRun, verb: RunRSS, arg: "1.5e8"},
		"ignored":                         {line: "run: ignored 12", kind: KindRun, verb: RunIgnored, arg: "12"},
		"dropped":                         {line: "run: dropped 3", kind: KindRun, verb: RunDropped, arg: "3"},
		"bad dropped":                     {line: "run: dropped -1", err: ErrBadValue},
		"bad exit":                        {line: "run: exit 256", err: ErrBadValue},
		"exit not a number":               {line: "run: exit one", err: ErrBadValue},
		"empty error":                     {line: "run: error", err: ErrEmptyValue},
		"param without =":                 {line: "run: param alpha", err: ErrBadValue},
		"negative cpu":                    {line: "run: cpu -1", err: ErrBadValue},
		"oom with argument":               {line: "run: oom now", err: ErrBadValue},
		"run number is a value":           {line: "run: 3", kind: KindValues, nFields: 1},
		"run state is a value":            {line: "run: fitting", kind: KindValues, nFields: 1},
		"run exiting is a value":          {line: "run: exiting now", kind: KindValues, nFields: 1},
		"run among fields":                {line: "run: exit 1, x: 2", kind: KindValues, nFields: 2},
		"names starting with run":         {line: "runs: 3", kind: KindValues, nFields: 1},
		"run interaction name":            {line: "run:exit: 2", kind: KindValues, nFields: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tc.line), &m)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != tc.kind || m.Verb != tc.verb || string(m.Arg) != tc.arg || len(m.Fields) != tc.nFields {
				t.Errorf("kind %d verb %v arg %q fields %d; want %d %v %q %d", m.Kind, m.Verb, m.Arg, len(m.Fields), tc.kind, tc.verb, tc.arg, tc.nFields)
			}
		})
	}
}

func TestRunParamKV(t *testing.T) {
	k, v := RunParamKV([]byte(" alpha = 0.5=x "))
	if string(k) != "alpha" || string(v) != "0.5=x" {
		t.Errorf("got %q %q", k, v)
	}
}
