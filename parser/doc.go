// Package parser turns one status message sent by an R job into typed fields.
//
// A message looks like
//
//	[2026-11-25 17:06:16] - Random Poisson: 11
//
// that is an optional bracketed timestamp, an optional '-', then fields of the
// form `name: value` separated by ',' or ';'. Spaces and tabs around every
// token are ignored and empty fragments (`x: 1,`) are skipped. A message is
// accepted or rejected as a whole: one bad field rejects all of them.
//
// Names may contain ASCII letters and digits, spaces, '_', '.', '-', '/' and
// any byte >= 0x80 (so both UTF-8 and latin1 names pass), and must contain at
// least one letter, digit or non-ASCII byte. Values are written the way R
// prints numbers: integers, decimals, scientific notation, Inf, -Inf, NaN,
// TRUE (1), FALSE (0) and NA (a missing value). Numbers beyond the float64
// range are rejected, except that R prints the largest double as
// 1.79769313486232e+308, slightly above it: values up to that literal are
// read as math.MaxFloat64.
//
// Parse only slices the timestamp; ParseTimestamp interprets it when the
// caller wants it, so the hot path stays allocation free.
//
// # Metric names
//
// MetricName maps an R name to a Prometheus metric name:
//
//  1. The name is decoded as UTF-8, or as latin1 (ISO-8859-1) when it is not
//     valid UTF-8.
//  2. It is lower-cased (unicode.ToLower).
//  3. Latin letters with diacritics from Latin-1 Supplement, Latin
//     Extended-A and a few of Latin Extended-B are transliterated to ASCII
//     (é→e, ü→u, ß→ss, æ→ae, ø→o, ñ→n, ł→l, œ→oe, þ→th, ș→s, ...).
//  4. ASCII letters and digits are kept. Any other non-ASCII character becomes
//     'u' followed by its code point in lower-case hexadecimal, as a word of
//     its own (温 → u6e29). Every other character, including '_', space, '.',
//     '-' and '/', separates words.
//  5. Words are joined with a single '_'; there is never a leading or
//     trailing '_'.
//  6. A result starting with a digit gets the prefix "r_" (1st pass →
//     r_1st_pass).
//  7. An empty result (impossible for names Parse accepts) becomes "r_"
//     followed by the 8 hex digits of the FNV-1a 32-bit hash of the raw bytes.
//
// Examples: "Random Poisson" → random_poisson, "Température" → temperature,
// "Loss/train.v2" → loss_train_v2, "温度" → u6e29_u5ea6, "2nd" → r_2nd.
package parser
