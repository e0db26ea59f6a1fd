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
// least one letter, digit or non-ASCII byte.
//
// # Values
//
// Field.Kind says what a value is (ValueNumber, ValueMissing, ValueProgress or
// ValueState); Field.Unit says which base unit a number was converted to.
//
// Numbers are written the way R prints them: integers, decimals, scientific
// notation, Inf, -Inf, NaN, TRUE (1), FALSE (0), and NA is a missing value.
// Numbers beyond the float64 range are rejected, except that R prints the
// largest double as 1.79769313486232e+308, slightly above it: values up to
// that literal are read as math.MaxFloat64.
//
// A number may be followed by a unit, with or without spaces or tabs between
// them; Value is then converted to the base unit (the exact product, rounded
// once) and Scale holds the unit's factor. Units are case-sensitive:
//
//	seconds  ns 1e-9; us, µs, μs 1e-6 (micro sign, Greek mu, or latin1 0xB5);
//	         ms 1e-3; s, sec, secs, second, seconds 1;
//	         min, mins, minute, minutes 60; h, hr, hrs, hour, hours 3600;
//	         d, day, days 86400; w, week, weeks 604800
//	bytes    B, byte, bytes 1;
//	         Kb, Mb, Gb, Tb, Pb 1024^1..5 (R's legacy object.size units);
//	         KiB, MiB, GiB, TiB, PiB 1024^1..5 (IEC);
//	         kB, KB, MB, GB, TB, PB 1000^1..5 (SI; R never prints KB, it is
//	         read like the other upper-case B units)
//	ratio    % 0.01 (45% is 0.45)
//
// Anything else after a number is rejected: "m" is not minutes, "mb" is not
// Mb. The number may also be NA (a missing value that keeps its Unit), NaN,
// Inf or -Inf: NA secs, NaN%, -Inf ms. The converted value must be within
// the float64 range, with the same exception for R's largest double (so
// 1e309 ns is 1e300 seconds, 1e303 weeks is an error).
//
// R's printing of a difftime, "Time difference of 3.2 secs", is a duration:
// after "Time difference of" and a space comes a number and a duration unit.
// A value starting with "Time difference of" that is not one is rejected.
//
// A progress is two numbers around '/' or " of " (the word needs spaces or
// tabs on both sides; spaces around '/' are optional): 45/100, 45 / 100,
// 45 of 100. Value is the first, Total the second. Either may be NaN or
// ±Inf; when either is NA the whole value is missing.
//
// A value that starts with an ASCII letter or a byte >= 0x80 and is none of
// the above is a state, such as "fitting model": State holds the text (at
// most MaxStateLen, 64, bytes of the name characters) and aliases the
// input. NAME, Inf loop and NA values are states; NAs (NA seconds) is not.
// The spellings na, nan, inf, infinity, true and false in any case other
// than R's own (NA, NaN, Inf, TRUE, FALSE) are rejected as typos rather than
// taken as states.
//
// A value that starts with a digit, a sign or '.' and is not a number, a
// number with a unit, or a progress is rejected (12abc, 0x10, 1_000,
// 2026/11/25), as is one starting with any other character.
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
