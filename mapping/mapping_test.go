package mapping

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// defaultMapping is what every name gets without a file.
func defaultMapping() Mapping {
	return Mapping{
		Rule:  "defaults",
		Gauge: true, Counter: true, Histogram: true,
		CounterMode:      CounterMessages,
		Buckets:          DefaultBuckets,
		NativeFactor:     1.1,
		NativeMaxBuckets: 160,
		TTL:              time.Hour,
		Units:            UnitsAll,
		MaxSeries:        1000,
		MaxStates:        16,
	}
}

func checkMapping(t *testing.T, m *Mapper, rName string, want Mapping) {
	t.Helper()
	got := m.Map(rName)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Map(%q)\n got: %+v\nwant: %+v", rName, got, want)
	}
}

func TestDefault(t *testing.T) {
	m := Default()
	for _, name := range []string{"Random Poisson", "", "温度", "x"} {
		checkMapping(t, m, name, defaultMapping())
	}
	if m.File() != "" || m.Rules() != 0 {
		t.Errorf("File, Rules = %q, %d; want empty", m.File(), m.Rules())
	}
	for _, empty := range []string{"", "\n# only a comment\n", "---\n", "~", "defaults:\nrules:\n", "defaults: {}\nrules: []\n"} {
		e, err := Parse([]byte(empty), "empty.yml")
		if err != nil {
			t.Fatalf("Parse(%q): %v", empty, err)
		}
		if !e.Equal(m) {
			t.Errorf("Parse(%q) is not Equal to Default:\n%s", empty, e)
		}
		checkMapping(t, e, "x", defaultMapping())
	}
}

func TestMap(t *testing.T) {
	tests := map[string]struct {
		yaml  string
		rName string
		want  func(m *Mapping) // edits to defaultMapping
	}{
		"no rule matches: defaults": {
			yaml:  "rules:\n  - match: a\n    ttl: 1m\n",
			rName: "b",
			want:  func(m *Mapping) {},
		},
		"exact glob with name and help": {
			yaml:  "rules:\n  - match: Random Poisson\n    name: poisson_draw\n    help: Draws.\n",
			rName: "Random Poisson",
			want: func(m *Mapping) {
				m.Rule, m.Name, m.Help = "rules[0] (mapping.yml:2)", "poisson_draw", "Draws."
			},
		},
		"glob is case-sensitive and whole-name": {
			yaml:  "rules:\n  - match: Random\n    ttl: 1m\n",
			rName: "Random Poisson",
			want:  func(m *Mapping) {},
		},
		"glob star captures into name and labels": {
			yaml:  "rules:\n  - match: 'Loss * (*)'\n    name: loss_$1\n    labels: {set: $1, epoch: '${2}'}\n",
			rName: "Loss Train Set (3)",
			want: func(m *Mapping) {
				m.Rule, m.Name = "rules[0] (mapping.yml:2)", "loss_train_set"
				m.Labels = []Label{{"epoch", "3"}, {"set", "Train Set"}}
			},
		},
		"glob $0 is the whole name": {
			yaml:  "rules:\n  - match: 'Loss*'\n    name: x_$0\n    labels: {r_name: $0}\n",
			rName: "Loss/train",
			want: func(m *Mapping) {
				m.Rule, m.Name, m.Labels = "rules[0] (mapping.yml:2)", "x_loss_train", []Label{{"r_name", "Loss/train"}}
			},
		},
		"glob question mark and class": {
			yaml:  "rules:\n  - match: 'pass [0-9]?'\n    name: pass\n",
			rName: "pass 2é",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[0] (mapping.yml:2)", "pass" },
		},
		"glob negated class does not match": {
			yaml:  "rules:\n  - match: 'pass [!0-9]'\n    name: pass\n",
			rName: "pass 2",
			want:  func(m *Mapping) {},
		},
		"regex numbered capture": {
			yaml:  "rules:\n  - match_regex: '^loss (train|test)$'\n    name: loss\n    labels: {split: $1}\n",
			rName: "loss test",
			want: func(m *Mapping) {
				m.Rule, m.Name, m.Labels = "rules[0] (mapping.yml:2)", "loss", []Label{{"split", "test"}}
			},
		},
		"regex named capture in name": {
			yaml:  "rules:\n  - match_regex: '^(?P<metric>\\w+) of (?P<model>.+)$'\n    name: ${metric}_by_model\n    labels: {model: $model}\n",
			rName: "AIC of Model 2",
			want: func(m *Mapping) {
				m.Rule, m.Name, m.Labels = "rules[0] (mapping.yml:2)", "aic_by_model", []Label{{"model", "Model 2"}}
			},
		},
		"regex is not anchored unless written so": {
			yaml:  "rules:\n  - match_regex: 'loss'\n    name: any_loss\n",
			rName: "val loss 2",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[0] (mapping.yml:2)", "any_loss" },
		},
		"regex optional group left out": {
			yaml:  "rules:\n  - match_regex: '^loss( \\w+)?$'\n    name: loss_${1}_value\n    labels: {kind: 'k$1'}\n",
			rName: "loss",
			want: func(m *Mapping) {
				m.Rule, m.Name, m.Labels = "rules[0] (mapping.yml:2)", "loss_value", []Label{{"kind", "k"}}
			},
		},
		"capture sanitized like an R name": {
			yaml:  "rules:\n  - match: 'T *'\n    name: t_$1\n",
			rName: "T Température/温度",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[0] (mapping.yml:2)", "t_temperature_u6e29_u5ea6" },
		},
		"capture leading digit gets r_ prefix": {
			yaml:  "rules:\n  - match: 'pass *'\n    name: ${1}_pass\n",
			rName: "pass 2nd",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[0] (mapping.yml:2)", "r_2nd_pass" },
		},
		"capture of symbols only leaves the sanitized R name": {
			yaml:  "rules:\n  - match: 'x*'\n    name: $1\n",
			rName: "x--",
			want:  func(m *Mapping) { m.Rule = "rules[0] (mapping.yml:2)" },
		},
		"literal dollar in label value": {
			yaml:  "rules:\n  - match: 'price'\n    labels: {currency: 'US$$'}\n",
			rName: "price",
			want:  func(m *Mapping) { m.Rule, m.Labels = "rules[0] (mapping.yml:2)", []Label{{"currency", "US$"}} },
		},
		"first match wins": {
			yaml:  "rules:\n  - match: 'loss *'\n    name: first\n  - match: 'loss train'\n    name: second\n",
			rName: "loss train",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[0] (mapping.yml:2)", "first" },
		},
		"exact rule before a glob wins": {
			yaml:  "rules:\n  - match: 'loss train'\n    name: first\n  - match: 'loss *'\n    name: second\n",
			rName: "loss train",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[0] (mapping.yml:2)", "first" },
		},
		"regex before an exact rule wins": {
			yaml:  "rules:\n  - match: a\n    name: a\n  - match_regex: '^loss'\n    name: first\n  - match: 'loss train'\n    name: second\n",
			rName: "loss train",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[1] (mapping.yml:4)", "first" },
		},
		"escaped star is literal": {
			yaml:  "rules:\n  - match: 'a\\*'\n    name: star\n",
			rName: "a*",
			want:  func(m *Mapping) { m.Rule, m.Name = "rules[0] (mapping.yml:2)", "star" },
		},
		"defaults fill what the rule leaves unset": {
			yaml: "defaults:\n  ttl: 2h\n  units: false\n  max_series: 10\n  labels: {source: r}\n" +
				"rules:\n  - match: x\n    ttl: 5m\n",
			rName: "x",
			want: func(m *Mapping) {
				m.Rule, m.TTL, m.Units, m.MaxSeries = "rules[0] (mapping.yml:7)", 5*time.Minute, UnitsNone, 10
				m.Labels = []Label{{"source", "r"}}
			},
		},
		"rule labels replace the defaults' labels": {
			yaml:  "defaults:\n  labels: {source: r, team: a}\nrules:\n  - match: x\n    labels: {split: train}\n",
			rName: "x",
			want:  func(m *Mapping) { m.Rule, m.Labels = "rules[0] (mapping.yml:4)", []Label{{"split", "train"}} },
		},
		"defaults apply to unmatched names": {
			yaml:  "defaults:\n  families: [gauge]\n  ttl: 10m\n  labels: {source: r}\nrules:\n  - match: x\n",
			rName: "y",
			want: func(m *Mapping) {
				m.Counter, m.Histogram, m.Buckets, m.NativeFactor, m.NativeMaxBuckets = false, false, nil, 0, 0
				m.TTL, m.Labels = 10*time.Minute, []Label{{"source", "r"}}
			},
		},
		"defaults families inherited, histogram keys kept for rules": {
			yaml:  "defaults:\n  families: [gauge]\n  buckets: [1, 2]\nrules:\n  - match: x\n    families: [histogram]\n",
			rName: "x",
			want: func(m *Mapping) {
				m.Rule, m.Gauge, m.Counter, m.Buckets = "rules[0] (mapping.yml:5)", false, false, []float64{1, 2}
			},
		},
		"counter increment: only the counter by default": {
			yaml:  "rules:\n  - match: 'Rows *'\n    counter: increment\n",
			rName: "Rows read",
			want: func(m *Mapping) {
				m.Rule, m.Gauge, m.Histogram, m.CounterMode = "rules[0] (mapping.yml:2)", false, false, CounterIncrement
				m.Buckets, m.NativeFactor, m.NativeMaxBuckets = nil, 0, 0
			},
		},
		"counter total with a histogram": {
			yaml:  "rules:\n  - match: Iterations\n    counter: total\n    families: [counter, histogram]\n",
			rName: "Iterations",
			want:  func(m *Mapping) { m.Rule, m.Gauge, m.CounterMode = "rules[0] (mapping.yml:2)", false, CounterTotal },
		},
		"defaults counter total applies to unmatched names": {
			yaml:  "defaults:\n  counter: total\n",
			rName: "x",
			want: func(m *Mapping) {
				m.Gauge, m.Histogram, m.CounterMode = false, false, CounterTotal
				m.Buckets, m.NativeFactor, m.NativeMaxBuckets = nil, 0, 0
			},
		},
		"rule counting messages after defaults counting totals": {
			yaml:  "defaults:\n  counter: total\nrules:\n  - match: x\n    counter: messages\n",
			rName: "x",
			want:  func(m *Mapping) { m.Rule = "rules[0] (mapping.yml:4)" },
		},
		"gauge only has no counter mode or buckets": {
			yaml:  "rules:\n  - match: x\n    families: [gauge]\n",
			rName: "x",
			want: func(m *Mapping) {
				m.Rule, m.Counter, m.Histogram = "rules[0] (mapping.yml:2)", false, false
				m.Buckets, m.NativeFactor, m.NativeMaxBuckets = nil, 0, 0
			},
		},
		"native sub-keys come from defaults": {
			yaml:  "defaults:\n  native_histogram: {factor: 1.05, max_buckets: 50}\nrules:\n  - match: x\n    native_histogram: {max_buckets: 20}\n",
			rName: "x",
			want: func(m *Mapping) {
				m.Rule, m.NativeFactor, m.NativeMaxBuckets = "rules[0] (mapping.yml:4)", 1.05, 20
			},
		},
		"native false turns them off": {
			yaml:  "rules:\n  - match: x\n    native_histogram: false\n",
			rName: "x",
			want:  func(m *Mapping) { m.Rule, m.NativeFactor, m.NativeMaxBuckets = "rules[0] (mapping.yml:2)", 0, 0 },
		},
		"native factor 0 turns them off": {
			yaml:  "defaults:\n  native_histogram: {factor: 0}\n",
			rName: "x",
			want:  func(m *Mapping) { m.NativeFactor, m.NativeMaxBuckets = 0, 0 },
		},
		"native true after defaults false": {
			yaml:  "defaults:\n  native_histogram: false\nrules:\n  - match: x\n    native_histogram: true\n",
			rName: "x",
			want:  func(m *Mapping) { m.Rule = "rules[0] (mapping.yml:4)" },
		},
		"native max_buckets only after defaults false": {
			yaml:  "defaults:\n  native_histogram: false\nrules:\n  - match: x\n    native_histogram: {max_buckets: 30}\n",
			rName: "x",
			want:  func(m *Mapping) { m.Rule, m.NativeMaxBuckets = "rules[0] (mapping.yml:4)", 30 },
		},
		"units list": {
			yaml:  "defaults:\n  units: [percent, duration]\n",
			rName: "x",
			want:  func(m *Mapping) { m.Units = UnitsDuration | UnitsPercent },
		},
		"units empty list": {
			yaml:  "defaults:\n  units: []\n",
			rName: "x",
			want:  func(m *Mapping) { m.Units = UnitsNone },
		},
		"ttl zero never expires": {
			yaml:  "defaults:\n  ttl: 0\n",
			rName: "x",
			want:  func(m *Mapping) { m.TTL = 0 },
		},
		"ttl in days": {
			yaml:  "defaults:\n  ttl: 2d\n",
			rName: "x",
			want:  func(m *Mapping) { m.TTL = 48 * time.Hour },
		},
		"ttl as a Go duration": {
			yaml:  "defaults:\n  ttl: 1.5h\n",
			rName: "x",
			want:  func(m *Mapping) { m.TTL = 90 * time.Minute },
		},
		"max_states and max_series": {
			yaml:  "rules:\n  - match: Status\n    max_states: 4\n    max_series: 20\n",
			rName: "Status",
			want:  func(m *Mapping) { m.Rule, m.MaxStates, m.MaxSeries = "rules[0] (mapping.yml:2)", 4, 20 },
		},
		"drop rule": {
			yaml:  "rules:\n  - match: 'debug *'\n    drop: true\n",
			rName: "debug level",
			want:  func(m *Mapping) { *m = Mapping{Rule: "rules[0] (mapping.yml:2)", Drop: true} },
		},
		"drop false is a plain rule": {
			yaml:  "rules:\n  - match: x\n    drop: false\n",
			rName: "x",
			want:  func(m *Mapping) { m.Rule = "rules[0] (mapping.yml:2)" },
		},
		"defaults drop: unmatched names are dropped": {
			yaml:  "defaults:\n  drop: true\n  ttl: 5m\nrules:\n  - match: keep\n",
			rName: "other",
			want:  func(m *Mapping) { *m = Mapping{Rule: "defaults", Drop: true} },
		},
		"defaults drop: matched names are kept with the defaults' settings": {
			yaml:  "defaults:\n  drop: true\n  ttl: 5m\nrules:\n  - match: keep\n",
			rName: "keep",
			want:  func(m *Mapping) { m.Rule, m.TTL = "rules[0] (mapping.yml:5)", 5*time.Minute },
		},
		"aliases are followed": {
			yaml:  "defaults:\n  buckets: &b [1, 2, 3]\nrules:\n  - match: x\n    families: [histogram]\n    buckets: *b\n",
			rName: "x",
			want: func(m *Mapping) {
				m.Rule, m.Gauge, m.Counter, m.Buckets = "rules[0] (mapping.yml:4)", false, false, []float64{1, 2, 3}
			},
		},
		"numbers and booleans as names": {
			yaml:  "rules:\n  - match: 2024\n    labels: {year: 2024, ok: true}\n",
			rName: "2024",
			want: func(m *Mapping) {
				m.Rule, m.Labels = "rules[0] (mapping.yml:2)", []Label{{"ok", "true"}, {"year", "2024"}}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := Parse([]byte(tc.yaml), "mapping.yml")
			if err != nil {
				t.Fatal(err)
			}
			want := defaultMapping()
			tc.want(&want)
			checkMapping(t, m, tc.rName, want)
		})
	}
}

func TestBuckets(t *testing.T) {
	tests := map[string]struct {
		spec string
		want []float64
	}{
		"list":                     {"[0.1, 1, 10]", []float64{0.1, 1, 10}},
		"list of one":              {"[-5]", []float64{-5}},
		"linear":                   {"{type: linear, start: 0.1, width: 0.1, count: 5}", []float64{0.1, 0.2, 0.3, 0.4, 0.5}},
		"linear negative start":    {"{type: linear, start: -1, width: 0.5, count: 4}", []float64{-1, -0.5, 0, 0.5}},
		"linear count 1":           {"{type: linear, start: 3, width: 1, count: 1}", []float64{3}},
		"exponential":              {"{type: exponential, start: 0.001, factor: 2.5, count: 5}", []float64{0.001, 0.0025, 0.00625, 0.015625, 0.0390625}},
		"exponential factor 10":    {"{type: exponential, start: 0.001, factor: 10, count: 7}", []float64{0.001, 0.01, 0.1, 1, 10, 100, 1000}},
		"exponential factor 2":     {"{type: exponential, start: 1, factor: 2, count: 4}", []float64{1, 2, 4, 8}},
		"discrete":                 {"{type: discrete, min: 0, max: 3}", []float64{0.5, 1.5, 2.5, 3.5}},
		"discrete negative":        {"{type: discrete, min: -2, max: 0}", []float64{-1.5, -0.5, 0.5}},
		"discrete one value":       {"{type: discrete, min: 1, max: 1}", []float64{1.5}},
		"block mapping, key order": {"\n      count: 3\n      width: 2\n      type: linear\n      start: 0", []float64{0, 2, 4}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := Parse([]byte("rules:\n  - match: x\n    buckets: "+tc.spec+"\n"), "b.yml")
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Map("x").Buckets; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("buckets = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBlogExample is the worked example of the package documentation.
func TestBlogExample(t *testing.T) {
	m, err := Load("testdata/blog.yml")
	if err != nil {
		t.Fatal(err)
	}
	want := Mapping{
		Rule:  "rules[0] (testdata/blog.yml:3)",
		Name:  "poisson_draw",
		Help:  "Draws from rpois(1, 10).",
		Gauge: true, Histogram: true,
		NativeFactor: 1.1, NativeMaxBuckets: 160,
		TTL: time.Hour, Units: UnitsAll, MaxSeries: 1000, MaxStates: 16,
	}
	for k := 0; k <= 30; k++ {
		want.Buckets = append(want.Buckets, float64(k)+0.5)
	}
	checkMapping(t, m, "Random Poisson", want)
	checkMapping(t, m, "random poisson", defaultMapping())
	g, c, h := m.Map("Random Poisson").FamilyNames("r_poisson_draw")
	if g != "r_poisson_draw" || c != "" || h != "r_poisson_draw_values" {
		t.Errorf("FamilyNames = %q, %q, %q", g, c, h)
	}
}

func TestFamilyNames(t *testing.T) {
	tests := map[string]struct {
		m                         Mapping
		gauge, counter, histogram string
	}{
		"defaults":      {defaultMapping(), "x", "x_messages_total", "x_values"},
		"increment":     {Mapping{Counter: true, CounterMode: CounterIncrement}, "", "x_total", ""},
		"total":         {Mapping{Counter: true, CounterMode: CounterTotal, Histogram: true}, "", "x_total", "x_values"},
		"gauge only":    {Mapping{Gauge: true}, "x", "", ""},
		"drop has none": {Mapping{Drop: true}, "", "", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g, c, h := tc.m.FamilyNames("x")
			if g != tc.gauge || c != tc.counter || h != tc.histogram {
				t.Errorf("FamilyNames = %q, %q, %q; want %q, %q, %q", g, c, h, tc.gauge, tc.counter, tc.histogram)
			}
		})
	}
}

// TestSharedMetric checks that rules may feed one metric when they agree.
func TestSharedMetric(t *testing.T) {
	m, err := Parse([]byte(`
rules:
  - match: loss train
    name: loss
    labels: {split: train}
  - match: loss test
    name: loss
    labels: {split: test}
  - match_regex: '^loss (valid|holdout)$'
    name: loss
    labels: {split: $1}
`), "shared.yml")
	if err != nil {
		t.Fatal(err)
	}
	for rName, split := range map[string]string{"loss train": "train", "loss test": "test", "loss holdout": "holdout"} {
		got := m.Map(rName)
		if got.Name != "loss" || !reflect.DeepEqual(got.Labels, []Label{{"split", split}}) {
			t.Errorf("Map(%q) = %q %v", rName, got.Name, got.Labels)
		}
	}
}

func TestFullFile(t *testing.T) {
	m, err := Load("testdata/full.yml")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		rule, name string
		labels     []Label
		check      func(m Mapping) error
	}{
		"Random Poisson": {"rules[0] (testdata/full.yml:13)", "poisson_draw", []Label{{"source", "r"}}, func(m Mapping) error {
			if len(m.Buckets) != 31 || m.NativeFactor != 1.05 || m.NativeMaxBuckets != 100 || m.TTL != 2*time.Hour {
				return fmt.Errorf("%+v", m)
			}
			return nil
		}},
		"loss test": {"rules[1] (testdata/full.yml:18)", "loss", []Label{{"split", "test"}}, nil},
		"Rows written": {"rules[2] (testdata/full.yml:21)", "rows_written", []Label{{"source", "r"}}, func(m Mapping) error {
			if m.Gauge || m.Histogram || m.CounterMode != CounterIncrement || m.TTL != 0 {
				return fmt.Errorf("%+v", m)
			}
			return nil
		}},
		"Iterations": {"rules[3] (testdata/full.yml:26)", "", []Label{{"source", "r"}}, func(m Mapping) error {
			if !reflect.DeepEqual(m.Buckets, []float64{0, 100, 200, 300, 400}) || m.NativeFactor != 0 || m.CounterMode != CounterTotal {
				return fmt.Errorf("%+v", m)
			}
			return nil
		}},
		"Memory used": {"rules[4] (testdata/full.yml:31)", "", []Label{{"source", "r"}}, func(m Mapping) error {
			if m.Units != UnitsSize || m.MaxSeries != 50 || m.MaxStates != 4 || m.NativeMaxBuckets != 20 || m.NativeFactor != 1.05 {
				return fmt.Errorf("%+v", m)
			}
			return nil
		}},
		"debug level": {"rules[5] (testdata/full.yml:36)", "", nil, func(m Mapping) error {
			if !m.Drop {
				return fmt.Errorf("not dropped: %+v", m)
			}
			return nil
		}},
		"other": {"defaults", "", []Label{{"source", "r"}}, func(m Mapping) error {
			if m.Units != UnitsDuration|UnitsPercent || m.MaxSeries != 500 || m.MaxStates != 8 || len(m.Buckets) != 20 {
				return fmt.Errorf("%+v", m)
			}
			return nil
		}},
	}
	for rName, tc := range tests {
		t.Run(rName, func(t *testing.T) {
			got := m.Map(rName)
			if got.Rule != tc.rule || got.Name != tc.name || !reflect.DeepEqual(got.Labels, tc.labels) {
				t.Errorf("Map(%q) = rule %q name %q labels %v; want %q %q %v", rName, got.Rule, got.Name, got.Labels, tc.rule, tc.name, tc.labels)
			}
			if tc.check != nil {
				if err := tc.check(got); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestConcurrentMap is for the race detector: a Mapper is shared by every
// connection.
func TestConcurrentMap(t *testing.T) {
	m, err := Load("testdata/full.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				got := m.Map(fmt.Sprintf("Rows %d", (i+j)%7))
				if got.Name != fmt.Sprintf("rows_%d", (i+j)%7) {
					t.Errorf("Map = %+v", got)
					return
				}
			}
		})
	}
	wg.Wait()
}
