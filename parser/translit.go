package parser

// translitGroups lists lower-case Latin letters with diacritics (and Latin
// ligatures) and their ASCII spelling. Only lower-case forms are needed because
// MetricName lower-cases first; every letter of Latin-1 Supplement and Latin
// Extended-A is covered, plus a few common ones from Latin Extended-B
// (Romanian, Pinyin, Vietnamese, digraphs).
var translitGroups = [...]struct{ from, to string }{
	{"ªàáâãäåāăąǎ", "a"},
	{"æ", "ae"},
	{"çćĉċč", "c"},
	{"ðďđ", "d"},
	{"ǆ", "dz"},
	{"èéêëēĕėęě", "e"},
	{"ƒ", "f"},
	{"ĝğġģǧ", "g"},
	{"ĥħ", "h"},
	{"ìíîïĩīĭįıǐ", "i"},
	{"ĳ", "ij"},
	{"ĵ", "j"},
	{"ķĸ", "k"},
	{"ĺļľŀł", "l"},
	{"ǉ", "lj"},
	{"ñńņňŉ", "n"},
	{"ǌ", "nj"},
	{"ŋ", "ng"},
	{"ºòóôõöøōŏőơǒ", "o"},
	{"œ", "oe"},
	{"ŕŗř", "r"},
	{"śŝşšſș", "s"},
	{"ß", "ss"},
	{"ţťŧț", "t"},
	{"þ", "th"},
	{"ùúûüũūŭůűųưǔǖǘǚǜ", "u"},
	{"ŵ", "w"},
	{"ýÿŷ", "y"},
	{"źżž", "z"},
}

// translitFirst and translitTable index translitGroups by code point.
const translitFirst = 0xaa

var translitTable = func() (t [0x250 - translitFirst]string) {
	for _, g := range translitGroups {
		for _, r := range g.from {
			t[r-translitFirst] = g.to
		}
	}
	return t
}()

// transliterate returns the ASCII spelling of a lower-case Latin letter, or ""
// when it has none.
func transliterate(r rune) string {
	if r < translitFirst || r-translitFirst >= rune(len(translitTable)) {
		return ""
	}
	return translitTable[r-translitFirst]
}
