package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// parse runs the real kong grammar over args with the given environment.
func parse(t *testing.T, args []string, env map[string]string) (*CLI, string, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var cli CLI
	var out bytes.Buffer
	p, err := newParser(&cli, &out, &out, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := p.Parse(args)
	cmd := ""
	if kctx != nil {
		cmd = kctx.Command()
	}
	return &cli, cmd, err
}

func TestCLIGrammar(t *testing.T) {
	tests := map[string]struct {
		args    []string
		env     map[string]string
		wantCmd string
		wantErr string
		check   func(t *testing.T, c *CLI)
	}{
		"no command serves with defaults": {
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				s := c.Serve
				if len(s.Listen) != 1 || s.Listen[0] != "6000" || len(s.Metrics) != 1 || s.Metrics[0] != ":9100" {
					t.Errorf("listen %v metrics %v", s.Listen, s.Metrics)
				}
				if s.MaxMessageBytes != 65536 || s.MaxSeries != 10000 || s.MaxConnections != 1024 ||
					s.QuietGap != 20*time.Millisecond || s.TelemetryPath != "/metrics" {
					t.Errorf("defaults: %+v", s)
				}
			},
		},
		"the blog replacement command line": {
			args:    []string{"--listen", "6000", "--metrics", ":9100"},
			wantCmd: "serve",
		},
		"repeatable listen and the web.listen-address alias": {
			args:    []string{"--listen", "6000", "--listen", "127.0.0.1:6001", "--web.listen-address", ":9200"},
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				if strings.Join(c.Serve.Listen, " ") != "6000 127.0.0.1:6001" || c.Serve.Metrics[0] != ":9200" {
					t.Errorf("listen %v metrics %v", c.Serve.Listen, c.Serve.Metrics)
				}
			},
		},
		"a bare port for --metrics, as for --listen": {
			args:    []string{"--listen", "6000", "--metrics", "9100", "--metrics", "127.0.0.1:9200"},
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				if strings.Join(c.Serve.Metrics, " ") != ":9100 127.0.0.1:9200" {
					t.Errorf("metrics %v, want :9100 127.0.0.1:9200", c.Serve.Metrics)
				}
			},
		},
		"a bad --metrics address is refused": {
			args:    []string{"--metrics", "nine"},
			wantErr: `--metrics: "nine" is not PORT, :PORT or HOST:PORT`,
		},
		"max series per job": {
			args:    []string{"--max-series-per-job", "50"},
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				if c.Serve.MaxSeriesPerJob != 50 {
					t.Errorf("max series per job %d, want 50", c.Serve.MaxSeriesPerJob)
				}
			},
		},
		"environment variables": {
			env:     map[string]string{"REXPORTER_MAX_SERIES": "5", "REXPORTER_LOG_LEVEL": "debug", "REXPORTER_WEB_TELEMETRY_PATH": "/m"},
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				if c.Serve.MaxSeries != 5 || c.LogLevel != "debug" || c.Serve.TelemetryPath != "/m" {
					t.Errorf("env not applied: %+v %s", c.Serve, c.LogLevel)
				}
			},
		},
		"command line beats environment": {
			args:    []string{"--max-series", "7"},
			env:     map[string]string{"REXPORTER_MAX_SERIES": "5"},
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				if c.Serve.MaxSeries != 7 {
					t.Errorf("max series %d, want 7", c.Serve.MaxSeries)
				}
			},
		},
		"send with message": {
			args:    []string{"send", "--to", "127.0.0.1:6000", "--message", "x: {i}", "--count", "3", "--no-newline"},
			wantCmd: "send",
			check: func(t *testing.T, c *CLI) {
				if c.Send.Count != 3 || c.Send.Newline || c.Send.Message != "x: {i}" {
					t.Errorf("send: %+v", c.Send)
				}
			},
		},
		"listen.allow is empty by default": {
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				if len(c.Serve.ListenAllow) != 0 {
					t.Errorf("listen.allow %v, want none", c.Serve.ListenAllow)
				}
			},
		},
		"listen.allow repeatable, comma-separated, CIDR and single addresses": {
			args:    []string{"--listen.allow", "10.0.0.0/8", "--listen.allow", "127.0.0.1,::1", "--listen.allow", "2001:db8::/32"},
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				got, err := allowPrefixes(c.Serve.ListenAllow)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != "[10.0.0.0/8 127.0.0.1/32 ::1/128 2001:db8::/32]" {
					t.Errorf("listen.allow %v gives %v", c.Serve.ListenAllow, got)
				}
			},
		},
		"listen.allow from the environment": {
			env:     map[string]string{"REXPORTER_LISTEN_ALLOW": "192.168.0.0/16,127.0.0.2"},
			wantCmd: "serve",
			check: func(t *testing.T, c *CLI) {
				if strings.Join(c.Serve.ListenAllow, " ") != "192.168.0.0/16 127.0.0.2" {
					t.Errorf("listen.allow %v", c.Serve.ListenAllow)
				}
			},
		},
		"bad listen.allow CIDR":     {args: []string{"--listen.allow", "10.0.0.0/33"}, wantErr: `--listen.allow "10.0.0.0/33"`},
		"bad listen.allow address":  {args: []string{"--listen.allow", "localhost"}, wantErr: `--listen.allow "localhost"`},
		"bad listen.allow from env": {env: map[string]string{"REXPORTER_LISTEN_ALLOW": "10.0.0/8"}, wantErr: "--listen.allow"},
		"listen.allow with a zone":  {args: []string{"--listen.allow", "fe80::1%eth0"}, wantErr: "zone"},
		"bad listen port":           {args: []string{"--listen", "70000"}, wantErr: "--listen"},
		"bad listen address":        {args: []string{"--listen", "nonsense"}, wantErr: "--listen"},
		"zero max series":           {args: []string{"--max-series", "0"}, wantErr: "--max-series"},
		"negative quiet gap":        {args: []string{"--quiet-gap", "-1s"}, wantErr: "--quiet-gap"},
		"unknown log level":         {args: []string{"--log.level", "loud"}, wantErr: "log.level"},
		"relative metrics path":     {args: []string{"--web.telemetry-path", "metrics"}, wantErr: "telemetry-path"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, cmd, err := parse(t, tc.args, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cmd != tc.wantCmd {
				t.Errorf("command %q, want %q", cmd, tc.wantCmd)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestAllowPrefixes(t *testing.T) {
	tests := map[string]struct {
		in      []string
		want    string
		wantErr string
	}{
		"none":                   {nil, "[]", ""},
		"IPv4 CIDR":              {[]string{"10.0.0.0/8"}, "[10.0.0.0/8]", ""},
		"IPv4 address is /32":    {[]string{"127.0.0.2"}, "[127.0.0.2/32]", ""},
		"IPv6 address is /128":   {[]string{"::1"}, "[::1/128]", ""},
		"IPv6 CIDR":              {[]string{"2001:db8::/32"}, "[2001:db8::/32]", ""},
		"host bits are masked":   {[]string{"10.1.2.3/8"}, "[10.0.0.0/8]", ""},
		"spaces around are fine": {[]string{" 10.0.0.0/8 "}, "[10.0.0.0/8]", ""},
		"prefix too long":        {[]string{"10.0.0.0/33"}, "", `--listen.allow "10.0.0.0/33": not an IP address or CIDR prefix`},
		"host name":              {[]string{"localhost"}, "", `--listen.allow "localhost": not an IP address`},
		"empty":                  {[]string{""}, "", `--listen.allow ""`},
		"every bad value named":  {[]string{"x", "10.0.0.0/8", "y/1"}, "", `--listen.allow "y/1"`},
		"zone":                   {[]string{"fe80::1%eth0"}, "", "zone"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := allowPrefixes(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("allowPrefixes(%q) = %v, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestListenAddress(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"bare port":      {"6000", ":6000"},
		"colon port":     {":6000", ":6000"},
		"ipv4 host":      {"127.0.0.1:6000", "127.0.0.1:6000"},
		"ipv6 host":      {"[::1]:6000", "[::1]:6000"},
		"ephemeral port": {"127.0.0.1:0", "127.0.0.1:0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := listenAddress(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("listenAddress(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestRTime(t *testing.T) {
	tests := map[string]struct {
		t    time.Time
		want string
	}{
		"afternoon":        {time.Date(2026, 11, 25, 17, 9, 7, 0, time.Local), "2026-11-25 17:09:07"},
		"midnight is date": {time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local), "2026-11-25"},
		"just after":       {time.Date(2026, 11, 25, 0, 0, 1, 0, time.Local), "2026-11-25 00:00:01"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := rTime(tc.t); got != tc.want {
				t.Errorf("rTime = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTopLevelHelp checks that `rexporter --help` names the subcommands and
// shows the serve flags users type, and that send --help shows --to's default.
func TestTopLevelHelp(t *testing.T) {
	tests := map[string]struct {
		args []string
		want []string
	}{
		"top level": {args: []string{"--help"}, want: []string{
			"serve", "pipe", "send", "parse", "check-config", "healthcheck",
			"--listen=ADDRESS", "--metrics=[HOST:]PORT", "rexporter --listen 6000 --metrics :9100"}},
		"send":               {args: []string{"send", "--help"}, want: []string{"--to=HOST:PORT", "(default: 127.0.0.1:6000)"}},
		"serve --max-series": {args: []string{"serve", "--help"}, want: []string{"folds into that metric's overflow"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if code := run(t.Context(), tc.args, strings.NewReader(""), &out, &out); code != 0 {
				t.Fatalf("exit %d:\n%s", code, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("help lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
