package mapping

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// glob is a compiled match pattern: * matches any text (spaces and '/'
// included) and captures it, ? matches one character, [abc], [a-z] and [!a-z]
// (or [^a-z]) match one character of a set, and \ makes the next character
// literal. Matching is case-sensitive and covers the whole name.
type glob struct {
	toks  []globTok
	stars int
}

type globKind uint8

const (
	tokLit globKind = iota
	tokAny
	tokClass
	tokStar
)

// globTok is literal text, ?, a class, or a star (n is its capture group).
type globTok struct {
	kind   globKind
	lit    string
	ranges []runeRange
	negate bool
	n      int
}

type runeRange struct{ lo, hi rune }

// compileGlob parses a glob pattern.
func compileGlob(p string) (*glob, error) {
	g := &glob{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			g.toks = append(g.toks, globTok{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch r {
		case '*':
			flush()
			g.stars++
			g.toks = append(g.toks, globTok{kind: tokStar, n: g.stars})
		case '?':
			flush()
			g.toks = append(g.toks, globTok{kind: tokAny})
		case '[':
			flush()
			t, used, err := parseClass(p[i+1:])
			if err != nil {
				return nil, err
			}
			g.toks = append(g.toks, t)
			n += used
		case '\\':
			if i+1 >= len(p) {
				return nil, errors.New(`trailing \ (write \\ for a literal \)`)
			}
			e, en := utf8.DecodeRuneInString(p[i+1:])
			lit.WriteRune(e)
			n += en
		default:
			lit.WriteRune(r)
		}
		i += n
	}
	flush()
	return g, nil
}

// parseClass parses the inside of [...] from s (after the '['); used counts
// the bytes consumed, the closing ']' included.
func parseClass(s string) (t globTok, used int, err error) {
	t.kind = tokClass
	i := 0
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		t.negate = true
		i++
	}
	next := func() (rune, bool) {
		if i >= len(s) {
			return 0, false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\\' {
			if i+n >= len(s) {
				return 0, false
			}
			r, m := utf8.DecodeRuneInString(s[i+n:])
			i += n + m
			return r, true
		}
		i += n
		return r, true
	}
	for {
		if i >= len(s) {
			return t, 0, errors.New("unterminated [ (write \\[ for a literal [)")
		}
		if s[i] == ']' {
			i++
			break
		}
		lo, ok := next()
		if !ok {
			return t, 0, errors.New("unterminated [ (write \\[ for a literal [)")
		}
		hi := lo
		if i+1 < len(s) && s[i] == '-' && s[i+1] != ']' {
			i++
			if hi, ok = next(); !ok {
				return t, 0, errors.New("unterminated [ (write \\[ for a literal [)")
			}
			if hi < lo {
				return t, 0, errors.New("bad range " + string(lo) + "-" + string(hi) + " in [...]")
			}
		}
		t.ranges = append(t.ranges, runeRange{lo, hi})
	}
	if len(t.ranges) == 0 {
		return t, 0, errors.New("empty [] matches nothing")
	}
	return t, i, nil
}

func (t *globTok) matchRune(r rune) bool {
	for _, rr := range t.ranges {
		if r >= rr.lo && r <= rr.hi {
			return !t.negate
		}
	}
	return t.negate
}

// literal returns the text the glob matches when it has no wildcards.
func (g *glob) literal() (string, bool) {
	switch {
	case g == nil:
		return "", false
	case len(g.toks) == 0:
		return "", true
	case len(g.toks) == 1 && g.toks[0].kind == tokLit:
		return g.toks[0].lit, true
	}
	return "", false
}

// matchesAll reports whether the glob is only stars.
func (g *glob) matchesAll() bool {
	for _, t := range g.toks {
		if t.kind != tokStar {
			return false
		}
	}
	return len(g.toks) > 0
}

// match reports whether s matches. If caps is not nil (2*(stars+1) long) it
// receives the offsets of the whole name and of every star's text. Each star
// takes the shortest text that lets the pattern up to the next star match, so
// "* of *" splits "a of b of c" into "a" and "b of c".
//
// This is the classic wildcard algorithm: on a mismatch only the most recent
// star grows, which is enough because the text between stars has a fixed
// length in characters. It runs in O(len(s) × len(pattern)) without
// allocating.
func (g *glob) match(s string, caps []int) bool {
	ti, si := 0, 0
	star, starSi := -1, 0
	if caps != nil {
		caps[0], caps[1] = 0, len(s)
	}
	for {
		if ti < len(g.toks) {
			t := &g.toks[ti]
			switch t.kind {
			case tokStar:
				if caps != nil {
					caps[2*t.n], caps[2*t.n+1] = si, si
				}
				if ti == len(g.toks)-1 {
					if caps != nil {
						caps[2*t.n+1] = len(s)
					}
					return true
				}
				star, starSi = ti, si
				ti++
				continue
			case tokLit:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			case tokAny:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokClass:
				if si < len(s) {
					r, n := utf8.DecodeRuneInString(s[si:])
					if t.matchRune(r) {
						si += n
						ti++
						continue
					}
				}
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		si, ti = starSi, star+1
		if caps != nil {
			caps[2*g.toks[star].n+1] = si
		}
	}
}
