package parser

import (
	"math/rand/v2"
	"regexp"
	"testing"
	"unicode"
	"unicode/utf8"
)

var (
	// metricNameRE is Prometheus' metric name syntax without ':'.
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	// strictNameRE is what MetricName promises.
	strictNameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
)

var metricNameTests = map[string]struct{ in, want string }{
	"blog name":           {"Random Poisson", "random_poisson"},
	"dash":                {"A-z", "a_z"},
	"space":               {"A z", "a_z"},
	"latin1":              {"Temp\xe9rature", "temperature"},
	"utf8 accent":         {"Température", "temperature"},
	"slash and dot":       {"Loss/train.v2", "loss_train_v2"},
	"cjk":                 {"温度", "u6e29_u5ea6"},
	"cjk between ascii":   {"a温z", "a_u6e29_z"},
	"underscores":         {"  x__y  ", "x_y"},
	"leading digit":       {"2nd", "r_2nd"},
	"leading digit words": {"1st pass", "r_1st_pass"},
	"sharp s":             {"Straße", "strasse"},
	"ligatures":           {"Ærø Œuvre", "aero_oeuvre"},
	"polish":              {"Łódź", "lodz"},
	"romanian":            {"Țară ș", "tara_secs"},
	"spanish":             {"Año niño", "ano_nino"},
	"french":              {"Garçon", "garcon"},
	"thorn":               {"Þorn", "thorn"},
	"dotted capital i":    {"İstanbul", "istanbul"},
	"latin1 y diaeresis":  {"x\xff", "xy"},
	"latin1 c1 control":   {"a\x80", "a_u80"},
	"degree sign":         {"Temp °C", "temp_ub0_c"},
	"multiplication sign": {"a×z", "a_ud7_z"},
	"emoji":               {"ok 👍", "ok_u1f44d"},
	"separators only":     {"-- ./", "r_42511d72"},
	"empty":               {"", "r_811c9dc5"},
	"already fine":        {"loss_total", "loss_total"},
	"upper":               {"RMSE", "rmse"},
	"digits only":         {"42", "r_42"},
}

func TestMetricName(t *testing.T) {
	for name, tc := range metricNameTests {
		t.Run(name, func(t *testing.T) {
			got := MetricName([]byte(tc.in))
			if tc.want != "" && got != tc.want {
				t.Errorf("MetricName(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !metricNameRE.MatchString(got) {
				t.Errorf("MetricName(%q) = %q is not a valid metric name", tc.in, got)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"ascii":          {"Random Poisson", "Random Poisson"},
		"utf8":           {"Température", "Température"},
		"latin1":         {"Temp\xe9rature", "Température"},
		"cjk":            {"温度", "温度"},
		"latin1 high":    {"\xff\xfe", "ÿþ"},
		"truncated utf8": {"\xe6\xb8", "æ¸"},
		"empty":          {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := DisplayName([]byte(tc.in)); got != tc.want {
				t.Errorf("DisplayName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestTransliterationCoverage checks rule 3: every letter of Latin-1
// Supplement and Latin Extended-A ends up as plain ASCII letters.
func TestTransliterationCoverage(t *testing.T) {
	for r := rune(0xc0); r <= 0x17f; r++ {
		if !unicode.IsLetter(r) {
			continue
		}
		if lr := unicode.ToLower(r); lr >= utf8.RuneSelf && transliterate(lr) == "" {
			t.Errorf("no transliteration for %q (U+%04X)", r, r)
		}
	}
}

func TestNameProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "Z", "0", "_", " ", "-", ".", "/", "é", "\xe9", "\xff", "温", "\x01", "ß", "İ", "👍", ":"}
	for i := range 50_000 {
		var raw []byte
		if i < 256 {
			raw = []byte{byte(i)}
		} else {
			for range 1 + r.IntN(8) {
				raw = append(raw, alphabet[r.IntN(len(alphabet))]...)
			}
		}
		checkNameProperties(t, raw)
	}
}

func checkNameProperties(t *testing.T, raw []byte) {
	t.Helper()
	mn := MetricName(raw)
	if !metricNameRE.MatchString(mn) {
		t.Fatalf("MetricName(%q) = %q is not a valid metric name", raw, mn)
	}
	if again := MetricName(raw); again != mn {
		t.Fatalf("MetricName(%q) not deterministic: %q then %q", raw, mn, again)
	}
	if !strictNameRE.MatchString(mn) {
		t.Fatalf("MetricName(%q) = %q breaks the documented form", raw, mn)
	}
	dn := DisplayName(raw)
	if !utf8.ValidString(dn) {
		t.Fatalf("DisplayName(%q) = %q is not UTF-8", raw, dn)
	}
	if utf8.Valid(raw) && dn != string(raw) {
		t.Fatalf("DisplayName(%q) = %q changed valid UTF-8", raw, dn)
	}
	if !utf8.Valid(raw) && utf8.RuneCountInString(dn) != len(raw) {
		t.Fatalf("DisplayName(%q) = %q is not a latin1 decoding", raw, dn)
	}
}

func FuzzMetricName(f *testing.F) {
	for _, tc := range metricNameTests {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkNameProperties(t, raw)
		// lintClean's quick check agrees with its rewriting.
		w := NameWords(raw)
		if flagged, changed := lintFlags(w), lintRewrite(w) != w; flagged != changed {
			t.Fatalf("NameWords(%q) = %q: lintFlags says %v, lintRewrite changes it: %v", raw, w, flagged, changed)
		}
	})
}
