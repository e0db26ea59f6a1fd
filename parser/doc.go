// Package parser turns one status message sent by an R job into typed fields.
//
// A message looks like
//
//	[2026-11-25 17:06:16] - Random Poisson: 11
//
// that is an optional bracketed timestamp, an optional '-', then fields of the
// form `name: value` separated by ',' or ';'. Spaces and tabs around every
// token are ignored and empty fragments (`x: 1,`) are skipped. A message that
// starts with '[' always starts with a timestamp; when that '[' has no ']',
// the first field is refused (a truncated prefix is never guessed at).
//
// # Fields apply one by one
//
// Each field stands on its own: a bad one is dropped and listed in
// Message.Bad (a BadField with the name, the fragment as received and an
// error wrapping one sentinel), and the others still apply. Parse returns
// nil when at least one field parsed; otherwise it returns ErrNoFields for an
// empty message or one without any ':', and else the error of the first
// dropped field. At most MaxFields (256) fields are looked at, applied or
// dropped; everything after them is one BadField with ErrTooManyFields.
//
// # Names
//
// A fragment is the text up to the next ',' or ';'. Its name ends at the
// first ':' that is followed by a space or a tab; when there is no such ':',
// at the fragment's last ':'. So R's coef() names work as they are printed:
//
//	(Intercept): 37.2, wt: -3.87, wt:hp: 0.027     wt:hp is 0.027
//	wt:hp:0.027                                     wt:hp is 0.027
//	x:1                                             x is 1
//	http://host: 3                                  http://host is 3
//	time: 12:30                                     time has the bad value 12:30
//
// A name may hold any character but ',' and ';' (which end it) and control
// bytes (below 0x20 other than tab, and 0x7f): letters, digits, any byte >=
// 0x80 (UTF-8 or latin1) and all ASCII punctuation, so (Intercept),
// factor(cyl)6, wt:hp, beta[1], R^2, Acc%, Loss (train), x$y and Durée (s)
// all pass. It must contain at least one letter, digit or non-ASCII byte:
// `(): 1` and `%%: 2` are refused (ErrBadName), as is an empty name
// (ErrEmptyName). A name cannot contain ',' or ';': Stan's Omega[1,2] reaches
// the parser as two fragments.
//
// The job message (`job: fit-model`, the whole message being one field named
// "job") follows the same rule for where the name ends; its value, the job
// name, is any text (the exporter makes a label value of it), refused only
// when empty (ErrEmptyValue) or glued like a glued value (ErrGlued).
//
// A run control message (KindRun, sent by `rexporter run`) is the one field
// named "run" whose value starts with a verb: `run: exit 1`, `run: signal
// SIGTERM`, `run: oom`, `run: error <text>`, `run: param <key>=<value>`,
// `run: cpu <seconds>`, `run: rss <bytes>`, `run: ignored <n>`, `run: dropped <n>`
// (see RunVerb). The argument of
// error and param is the rest of the line, commas and colons included. Any
// other "run" field (`run: 3`, `run: fitting`) stays an ordinary value.
//
// # Commas in values
//
// R prints numbers with commas in two ways, told apart as follows.
//
// format(x, big.mark = ",") groups digits: a value made of an optional sign,
// 1 to 3 digits (the first not 0), then one or more groups of ',' and exactly
// 3 digits, then optionally '.' and digits and/or an exponent, and optionally
// a unit, is that number; the ',' inside it does not end the field. So
// 1,234,567 is 1234567, 1,234.5 is 1234.5, -1,234 is -1234 and 1,234 ms is
// 1.234 seconds. Three digits followed by a fourth or by a ':' are no group.
// Only a number may be grouped: 1,234/5000 is a bad value.
//
// An integer followed by ',' and a digit that is no grouping is a decimal
// comma (ErrDecimalComma), and the fragment after the comma belongs to the
// dropped value even when it holds a ':': `x: 0,5y: 2` (glued messages of
// an OutDec "," sender) and `x: 1,234: 5` are one dropped field, never x = 0
// and a field named 5y.
//
// Ambiguity: 1,234 (a single group and no '.') is read as 1234. Under
// options(OutDec = ",") R would mean 1.234 by it; send numbers with the
// default OutDec ".".
//
// options(OutDec = ",") prints 0.5 as 0,5, which must be read neither as 0
// nor as 5. A fragment without a colon that follows a field makes that field
// bad, since it is probably the rest of its value cut by the separator. The
// error is ErrDecimalComma when the field's value is an integer as written
// (digits with an optional sign) and the fragment starts, right after a ',',
// with a digit: x: 0,5, x: -0,25, x: 1,5e-04 and t: 12,5 ms. A leading "0,"
// is never a grouping, so x: 0,500 is a decimal comma too. Otherwise the
// error is ErrMissingColon (`state: fitting, then stopping`, `x: 0, 5`).
// Further colonless fragments join the same dropped field, and the
// colonless fragment is not reported on its own. A colonless fragment before
// the first field (`hello, x: 1`) is dropped on its own with ErrMissingColon
// and the later fields apply.
//
// # Glued messages
//
// A value holding a ':' followed by a space or a tab, or ending with ':', is
// two messages glued together that could not be told apart (`status:
// runningphase: fit`): the field is dropped with ErrGlued. Each message should
// end with a newline (writeLines) or start with a timestamp. A ':' inside a
// value otherwise (`12:30`, `[2026-12-01 10:00:00] saved`) just makes it a
// bad value.
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
//  8. Words that `promtool check metrics` would flag are rewritten, so what
//     rexporter exposes stays lint-clean whatever the R names: after the
//     first word, the unit abbreviations s, sec, ms, us, ns become secs,
//     secs, msecs, usecs, nsecs, and kb, mb, gb, tb, pb become kbytes ...
//     pbytes; the single letters b, m, h and d, which may mean anything,
//     join the word before. Anywhere, a unit that is not a base unit loses
//     its plural (minutes, hours, days, weeks, bits, inches, ... and
//     prefixed units such as milliseconds or kilobytes), fahrenheit and
//     rankine become degf and degr. "Time (s)" → time_secs, "Runtime hours"
//     → runtime_hour, "a b c" → ab_c.
//
// Examples: "Random Poisson" → random_poisson, "Température" → temperature,
// "Loss/train.v2" → loss_train_v2, "温度" → u6e29_u5ea6, "2nd" → r_2nd,
// "(Intercept)" → intercept, "factor(cyl)6" → factor_cyl_6, "wt:hp" → wt_hp,
// "beta[1]" → beta_1, "R^2" → r_2, "Acc%" → acc, "Loss (train)" →
// loss_train, "x$y" → x_y, "Durée (s)" → duree_secs. Different R names can
// thus share a metric name (R^2 and R 2 both give r_2).
package parser
