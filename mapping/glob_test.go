package mapping

import (
	"reflect"
	"testing"
)

func TestGlob(t *testing.T) {
	tests := map[string]struct {
		pattern, subject string
		match            bool
		caps             []string // $1, $2, ...
	}{
		"literal":                       {"Random Poisson", "Random Poisson", true, nil},
		"literal is whole-name":         {"Random", "Random Poisson", false, nil},
		"literal is case-sensitive":     {"random poisson", "Random Poisson", false, nil},
		"star matches spaces and slash": {"Loss *", "Loss train/set 2", true, []string{"train/set 2"}},
		"star matches empty":            {"Loss*", "Loss", true, []string{""}},
		"leading star":                  {"* rate", "learning rate", true, []string{"learning"}},
		"star in the middle":            {"a*z", "abcz", true, []string{"bc"}},
		"stars take the shortest":       {"* of *", "a of b of c", true, []string{"a", "b of c"}},
		"star backtracks":               {"*ab", "aab", true, []string{"a"}},
		"star backtracks over repeats":  {"a*a*a", "aaaa", true, []string{"", "a"}},
		"two stars in a row":            {"x**y", "x12y", true, []string{"", "12"}},
		"only stars":                    {"**", "anything", true, []string{"", "anything"}},
		"star no match":                 {"a*b", "acd", false, nil},
		"question mark":                 {"pass ?", "pass 2", true, nil},
		"question mark is one rune":     {"T?mp", "Témp", true, nil},
		"question mark needs a rune":    {"x?", "x", false, nil},
		"class":                         {"[abc]x", "bx", true, nil},
		"class range":                   {"v[0-9]", "v7", true, nil},
		"class not in range":            {"v[0-9]", "va", false, nil},
		"negated class bang":            {"v[!0-9]", "va", true, nil},
		"negated class caret":           {"v[^0-9]", "v1", false, nil},
		"class with unicode":            {"[éè]t[ée]", "été", true, nil},
		"class with escaped bracket":    {`[\]x]`, "]", true, nil},
		"class with literal dash":       {"[a-]", "-", true, nil},
		"escaped star":                  {`a\*`, "a*", true, nil},
		"escaped star is not a star":    {`a\*`, "ab", false, nil},
		"escaped question mark":         {`why\?`, "why?", true, nil},
		"star then class":               {"*[0-9]", "epoch 12", true, []string{"epoch 1"}},
		"empty subject":                 {"*", "", true, []string{""}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g, err := compileGlob(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			caps := make([]int, 2*(g.stars+1))
			if got := g.match(tc.subject, caps); got != tc.match {
				t.Fatalf("match(%q, %q) = %v, want %v", tc.pattern, tc.subject, got, tc.match)
			}
			if got := g.match(tc.subject, nil); got != tc.match {
				t.Fatalf("match without captures = %v, want %v", got, tc.match)
			}
			if !tc.match {
				return
			}
			var got []string
			for k := 1; k <= g.stars; k++ {
				got = append(got, tc.subject[caps[2*k]:caps[2*k+1]])
			}
			if !reflect.DeepEqual(got, tc.caps) {
				t.Errorf("captures = %q, want %q", got, tc.caps)
			}
			if caps[0] != 0 || caps[1] != len(tc.subject) {
				t.Errorf("$0 = [%d,%d), want the whole subject", caps[0], caps[1])
			}
		})
	}
}

func TestGlobErrors(t *testing.T) {
	tests := map[string]struct{ pattern, want string }{
		"unterminated class": {"a[bc", `unterminated [ (write \[ for a literal [)`},
		"escape at the end":  {`a[\`, `unterminated [ (write \[ for a literal [)`},
		"empty class":        {"[]", "empty [] matches nothing"},
		"empty negation":     {"[!]", "empty [] matches nothing"},
		"reversed range":     {"[9-0]", "bad range 9-0 in [...]"},
		"trailing backslash": {`ab\`, `trailing \ (write \\ for a literal \)`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := compileGlob(tc.pattern)
			if err == nil || err.Error() != tc.want {
				t.Errorf("compileGlob(%q) error = %v, want %q", tc.pattern, err, tc.want)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	tests := map[string]struct {
		tmpl      string
		canonical string
		static    bool
	}{
		"plain":            {"loss", "loss", true},
		"numbered":         {"loss_$1", "loss_${1}", false},
		"braced":           {"${1}_loss", "${1}_loss", false},
		"named":            {"x_$split", "x_${split}", false},
		"literal dollar":   {"US$$", "US$$", true},
		"zero":             {"$0", "${0}", false},
		"multi-digit":      {"${12}", "${12}", false},
		"word after digit": {"$1x", "${1x}", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tp, err := parseTemplate(tc.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			if got := tp.String(); got != tc.canonical {
				t.Errorf("String() = %q, want %q", got, tc.canonical)
			}
			if got := tp.static(); got != tc.static {
				t.Errorf("static() = %v, want %v", got, tc.static)
			}
		})
	}
}

func TestNameWords(t *testing.T) {
	tests := map[string]string{
		"Train Set":   "train_set",
		"2nd":         "2nd",
		"--":          "",
		"":            "",
		"Température": "temperature",
		"温度":          "u6e29_u5ea6",
		"a.b/c-d":     "a_b_c_d",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := nameWords(in); got != want {
				t.Errorf("nameWords(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
