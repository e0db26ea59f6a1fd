package e2e

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// Sizes of the hostile inputs.
const (
	gib           = 1 << 30
	randomSize    = 8 * mib
	nulChunks     = 16 // of 1 MiB each
	distinctNames = 1_000_000
	labelValues   = 100_000
	idleConns     = 10_000
	floodConns    = 2_000
	dripClients   = 4
)

// invalidUTF8 are names, values, states and job names that are not UTF-8.
// A name that is not valid UTF-8 is read as latin1 (docs/messages.md, "From R names to
// metric names"), so most of them become metrics with valid names and HELP.
var invalidUTF8 = []sentMessage{
	{"\xff\xfe: 2", ""},             // latin1 "ÿþ" -> yth
	{"caf\xc3\x28: 1", ""},          // latin1 "cafÃ(" -> cafa
	{"\xed\xa0\x80: 3", ""},         // a UTF-16 surrogate
	{"\xc0\xaf: 4", ""},             // an overlong '/'
	{"\xf8\x88\x80\x80\x80: 5", ""}, // a 5-byte sequence
	{"\xf4\x90\x80\x80: 6", ""},     // beyond U+10FFFF
	{"\xe2\x82: 7", ""},             // truncated
	{"\xef\xbb\xbfbom: 8", ""},      // a byte order mark
	{"invalid value: \xff", ""},     // a state "ÿ"
	{"status: \xc3\x28", "bad_value"},
	{"caf\xe9: 9", ""}, // latin1 "café"
	{"café: 10", ""},   // the same name in UTF-8: a collision, first come first served
	{"x: 1\xff", "bad_value"},
}

// injection are names and values built to write exposition syntax. Names take
// any printable character but control characters, and are sanitised into
// metric names: what reaches /metrics is valid names with odd HELP text (the
// R name, escaped). States admit no '{', '"', '=', '#' or '\\'. A job name is
// any text: it becomes an escaped label value.
var injection = []sentMessage{
	{`a{b="c"} 1`, "no_fields"},
	{`a{b="c"}: 1`, ""},
	{`x{le="+Inf"}: 1`, ""},
	{`# HELP y: 1`, ""},
	{`# TYPE z counter`, "no_fields"},
	// A newline in what R sends ends the message; what follows is a
	// message of its own.
	{`injected: 1`, ""},
	{`up 1`, "no_fields"},
	{`back\slash: 1`, ""},
	{`name\nwith: 1`, ""}, // a backslash and an n
	{`quote": 1`, ""},
	{`q: "1"`, "bad_value"},
	{`x: 1 # HELP x`, "bad_value"},
	{`status: ok"} 1`, "bad_value"},
	{`job: evil"} 1`, ""},
	{"tab\there: 1", ""},
	{"a\rb: 1", "bad_name"},
	{"x=1: 2", ""},
	{"line\u2028sep: 1", ""}, // U+2028 LINE SEPARATOR in a name and its HELP
	{"nel\x85: 1", ""},       // latin1 NEL: U+0085 in a HELP
}

const labelFloodMapping = `
rules:
  - match: "Label Flood *"
    name: label_flood
    labels: {value: "$1"}
`

// hostileCases are the cases of TestHostile. Bounds: see hostile.boundMiB.
func hostileCases() map[string]hostile {
	return map[string]hostile{
		"1 GiB without a terminator": {
			flags:    []string{"--quiet-gap", "0"},
			boundMiB: 100,
			attack: func(t *testing.T, p *exporterProc) load {
				n := stream(t, p, repeated(bytes.Repeat([]byte("x"), mib), gib/mib))
				return load{bytes: n, oversized: 1}
			},
		},
		"random binary": {
			flags:    []string{"--quiet-gap", "0"},
			boundMiB: 100,
			attack: func(t *testing.T, p *exporterProc) load {
				data := randomBytes(randomSize)
				framed, oversized := framedCount(data, 65536)
				return load{bytes: stream(t, p, chunked(data, 64<<10)), framed: framed, oversized: oversized}
			},
		},
		"invalid UTF-8": {
			flags:    []string{"--quiet-gap", "0"},
			boundMiB: 100,
			attack: func(t *testing.T, p *exporterProc) load {
				l := messageTable(invalidUTF8, 100)(t, p)
				// A job name that is not UTF-8 becomes an r_job label.
				msgs := "job: \xff\xfe\nLatin1 Job: 1\n"
				write(t, p.dial(t), msgs)
				return load{bytes: l.bytes + int64(len(msgs)), framed: l.framed + 2}
			},
			check: func(t *testing.T, p *exporterProc) {
				wants := append(parseReasons(invalidUTF8, 100),
					expectation{"latin1_job", []string{"r_job", "ÿþ"}, 1},
					expectation{"rexporter_job_up", []string{"r_job", "ÿþ"}, 1},
					expectation{"rexporter_rejected_names_total", []string{"reason", "collision"}, 100},
					expectation{"yth_messages_total", nil, 100},
					expectation{"cafe", nil, 9},
					expectation{"invalid_value", []string{"state", "ÿ"}, 1},
				)
				expect(t, p, wants...)
			},
		},
		"NUL floods": {
			flags:    []string{"--quiet-gap", "0"},
			boundMiB: 100,
			attack: func(t *testing.T, p *exporterProc) load {
				chunk := make([]byte, mib)
				i := 0
				n := stream(t, p, func(yield func([]byte) bool) {
					for ; i < nulChunks; i++ {
						clear(chunk)
						copy(chunk[mib/2:], "Nul Flood: "+strconv.Itoa(i))
						if !yield(chunk) {
							return
						}
					}
				})
				return load{bytes: n, framed: nulChunks}
			},
			check: func(t *testing.T, p *exporterProc) {
				expect(t, p,
					expectation{"nul_flood_messages_total", nil, nulChunks},
					expectation{"nul_flood", nil, nulChunks - 1})
			},
		},
		"one million distinct names": {
			flags:    []string{"--quiet-gap", "0", "--max-series", "100"},
			boundMiB: 100,
			attack: func(t *testing.T, p *exporterProc) load {
				return load{bytes: stream(t, p, lines("n", distinctNames)), framed: distinctNames}
			},
			check: func(t *testing.T, p *exporterProc) {
				// The good client holds one of the 100 series.
				expect(t, p,
					expectation{"rexporter_rejected_names_total", []string{"reason", "max_series"}, distinctNames - 99},
					expectation{"rexporter_series", nil, 100})
			},
		},
		"100,000 label values": {
			flags:    []string{"--quiet-gap", "0"},
			mapping:  labelFloodMapping,
			boundMiB: 150,
			attack: func(t *testing.T, p *exporterProc) load {
				return load{bytes: stream(t, p, lines("Label Flood ", labelValues)), framed: labelValues}
			},
			check: func(t *testing.T, p *exporterProc) {
				// max_series (1000) series of their own, the rest folded
				// into the overflow series; plus the good client's.
				mfs := expect(t, p,
					expectation{"rexporter_series_overflow_total", []string{"metric", "label_flood"}, labelValues - 1000},
					expectation{"label_flood_messages_total", []string{"value", "_overflow"}, labelValues - 1000},
					expectation{"rexporter_series", nil, 1000 + 1 + 1})
				if got := sum(mfs, "label_flood_messages_total"); got != labelValues {
					t.Errorf("sum(label_flood_messages_total) = %v, want %d", got, labelValues)
				}
				if got := seriesOf(mfs, "label_flood"); got != 1001 {
					t.Errorf("label_flood has %d series, want 1001", got)
				}
			},
		},
		"10,000 idle connections": {
			flags:    []string{"--max-connections", strconv.Itoa(idleConns + 100)},
			boundMiB: 200,
			attack: func(t *testing.T, p *exporterProc) load {
				requireFiles(t, idleConns+1000)
				pool := &connPool{}
				t.Cleanup(pool.closeAll)
				if err := pool.dialMany(p.ingest, idleConns); err != nil {
					t.Fatal(err)
				}
				mfs := expect(t, p, expectation{"rexporter_connections", nil, idleConns + 1})
				// The good client goes on while they are all open.
				v := sum(mfs, "good_client_messages_total")
				p.waitFor(t, "good messages next to the idle connections", func(m map[string]*dto.MetricFamily) bool {
					return sum(m, "good_client_messages_total") >= v+50
				})
				pool.closeAll()
				expect(t, p, expectation{"rexporter_connections", nil, 1})
				return load{}
			},
			check: func(t *testing.T, p *exporterProc) {
				expect(t, p,
					expectation{"rexporter_connections_total", nil, idleConns + 1},
					expectation{"rexporter_connections_rejected_total", []string{"reason", "max_connections"}, 0})
			},
		},
		"clients dripping one byte a second": {
			boundMiB: 100,
			attack: func(t *testing.T, p *exporterProc) load {
				// Each byte waits far longer than the quiet gap, so each is
				// a message of its own: "d", "r", "i", "p", no fields.
				return load{bytes: drip(t, p, dripClients, "drip"), framed: dripClients * 4}
			},
			check: func(t *testing.T, p *exporterProc) {
				expect(t, p, expectation{"rexporter_parse_errors_total", []string{"reason", "no_fields"}, dripClients * 4})
			},
		},
		"connection flood beyond --max-connections": {
			// Reset at once (--conn-wait 0): with the default wait each of
			// the 2,000 would wait 5 s for a slot first (the wait is tested
			// in shortconn_test.go).
			flags:    []string{"--max-connections", "64", "--conn-wait", "0"},
			boundMiB: 100,
			attack: func(t *testing.T, p *exporterProc) load {
				pool := &connPool{}
				t.Cleanup(pool.closeAll)
				if err := pool.dialMany(p.ingest, 63); err != nil {
					t.Fatal(err)
				}
				expect(t, p, expectation{"rexporter_connections", nil, 64})
				flood(t, p.ingest, floodConns)
				expect(t, p, expectation{"rexporter_connections_rejected_total", []string{"reason", "max_connections"}, floodConns})
				// Freed slots serve again.
				pool.closeAll()
				expect(t, p, expectation{"rexporter_connections", nil, 1})
				msg := "After Flood: 1\n"
				write(t, p.dial(t), msg)
				return load{bytes: int64(len(msg)), framed: 1}
			},
			check: func(t *testing.T, p *exporterProc) {
				expect(t, p,
					expectation{"after_flood_messages_total", nil, 1},
					expectation{"rexporter_connections_total", nil, 1 + 63 + 1},
					expectation{"rexporter_connections_rejected_total", []string{"reason", "max_connections"}, floodConns})
			},
		},
		"names built to inject exposition syntax": {
			flags:    []string{"--quiet-gap", "0"},
			boundMiB: 100,
			attack:   messageTable(injection, 100),
			check: func(t *testing.T, p *exporterProc) {
				mfs := expect(t, p, parseReasons(injection, 100)...)
				var want []string
				for _, base := range []string{"good_client", "injected", "line_u2028_sep", "nel_u85",
					"ab_c", "x_le_inf", "help_y", "back_slash", "name_nwith", "quote", "tab_here", "x_1"} {
					want = append(want, base, base+"_messages_total", base+"_values")
				}
				got := userFamilies(mfs)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("families from R names: %v, want %v", got, want)
				}
				for _, name := range got {
					for _, m := range mfs[name].GetMetric() {
						for _, l := range m.GetLabel() {
							// r_job is the writing connection's identity (its host;
							// #2 next to the good client, which holds the first), or
							// the job name it gave itself, escaped.
							if l.GetName() != "le" && (l.GetName() != "r_job" || !slices.Contains([]string{"127.0.0.1", "127.0.0.1#2", `evil"} 1`}, l.GetValue())) {
								t.Errorf("%s has a label %s=%q", name, l.GetName(), l.GetValue())
							}
						}
					}
				}
				if help := mfs["line_u2028_sep"].GetHelp(); !strings.Contains(help, "\u2028") {
					t.Errorf("HELP %q lost the R name's U+2028", help)
				}
			},
		},
	}
}
