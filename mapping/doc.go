// Package mapping loads the mapping file (--config.file) and answers, for
// each R name, how it becomes metrics.
//
// Without a file (Default) every R name gets the built-in defaults: a gauge
// <name>, a counter <name>_messages_total counting the messages that carried
// the name, and a histogram <name>_values with DefaultBuckets and native
// buckets (factor 1.1, at most 160), where <name> is the sanitized R name
// (parser.MetricName). A mapping file changes that per name, by rules, and for
// every other name, by its defaults.
//
// # Worked example: the blog's messages
//
// The blog's client sends `Random Poisson: 11`, a draw from rpois(1, 10),
// once a second. Counts are integers, so the log-spaced default buckets waste
// most of their boundaries; a discrete histogram gives every count from 0 to
// 30 a bucket of its own:
//
//	rules:
//	  - match: Random Poisson
//	    name: poisson_draw
//	    help: Draws from rpois(1, 10).
//	    families: [gauge, histogram]
//	    buckets: {type: discrete, min: 0, max: 30}
//
// `rexporter check-config mapping.yml` prints the effective rule (`31
// boundaries: 0.5, 1.5, 2.5, ..., 30.5`), and the metrics become
// poisson_draw (gauge) and poisson_draw_values (histogram, le="0.5",
// le="1.5", ..., le="30.5", le="+Inf"); there is no counter.
//
// # Order
//
// Rules are tried in file order and the first that matches wins. The
// defaults section fills every key a matching rule leaves unset (a key is
// taken as a whole, except that sub-keys left out of a rule's
// native_histogram come from the defaults), and the built-in defaults fill
// what the defaults section leaves unset. A name no rule matches gets the
// defaults.
//
// # File format
//
//	defaults:     # the built-in values; for names no rule matches, and inherited by rules
//	  families: [gauge, counter, histogram]
//	  counter: messages
//	  buckets: [0, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
//	            10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
//	            100000, 250000, 500000, 1000000]
//	  native_histogram: {factor: 1.1, max_buckets: 160}
//	  ttl: 1h
//	  units: true
//	  max_series: 1000
//	  max_states: 16
//	  labels: {}
//	  drop: false
//	rules:
//	  - match: "Random Poisson"          # glob on the R name
//	    name: poisson_draw
//	    help: "Draws from rpois(1, 10)"
//	    families: [gauge, histogram]
//	    buckets: {type: discrete, min: 0, max: 30}
//	  - match_regex: "^loss (train|test)$"
//	    name: loss
//	    labels: {split: "$1"}
//	  - match: "debug *"
//	    drop: true
//	recognisers:                         # for rexporter run: lines of the job's output
//	  - name: keras epoch
//	    regexp: '^Epoch (?P<epoch>\d+)/\d+ .* loss: (?P<loss>\S+)'
//
// Keys of a rule:
//
//   - match: a glob on the R name as received, decoded to UTF-8 (latin1
//     names are decoded as latin1). * matches any text, spaces and / included;
//     ? one character; [abc], [a-z] and [!a-z] (or [^a-z]) one character of a
//     set; \ makes the next character literal. It must match the whole name
//     and is case-sensitive. Every * captures its text: $1 is the first, $0
//     the whole name. Each * takes the shortest text that lets the rest
//     match, so "* of *" splits "a of b of c" into "a" and "b of c".
//   - match_regex: instead of match, a regular expression (Go's RE2 syntax)
//     that must match somewhere in the name: anchor it with ^ and $ to
//     match the whole name. Its groups are $1, $2, ... and named groups
//     (?P<split>...) are also $split. A rule has exactly one of match and
//     match_regex.
//   - name: the metric base name; default: the sanitized R name. A classic
//     metric name (letters, digits and _, not starting with a digit, no __),
//     not ending in _total, _count, _sum, _bucket or _created, and not
//     producing a metric starting with rexporter_, go_, process_, promhttp_
//     or scrape_, or named up. It may use captures: $1, ${1}, $name,
//     ${name}; as in Go's regexp.Expand, $1_x means ${1_x}, so write
//     ${1}_x. A capture is sanitized like an R name (lower-cased words
//     joined with _: "Train Set" gives train_set); runs of _ left by an
//     empty capture are removed, and a name starting with a digit gets the
//     prefix r_. --namespace is prefixed and a name built from captures that
//     ends in a reserved suffix gets _value, as for R names.
//   - help: the HELP text; the exporter adds the family's meaning and the R
//     name to it.
//   - drop: true drops the names the rule matches: no metrics at all. A
//     dropping rule takes no other key besides match or match_regex.
//   - and every key of the defaults below, for the names the rule matches.
//
// Keys of defaults and rules:
//
//   - families: which metric families exist, a non-empty list of gauge
//     (<name>, the last value), counter (see counter) and histogram
//     (<name>_values). Default: all three when the counter counts messages,
//     only the counter when it adds values (see counter).
//   - counter: what the counter counts. messages (default): the messages
//     that carried the name, as <name>_messages_total. increment: each value
//     is added, as <name>_total; negative and NaN increments are rejected
//     and counted. total: each value is a running total that may reset, as
//     <name>_total; the counter follows it, and a decrease is a reset, so
//     the new value is added (Prometheus' own reset semantics). A counter
//     <name>_total is the OpenMetrics family <name>, the gauge's name, so
//     listing gauge together with an increment or total counter is an
//     error.
//   - buckets: the classic histogram boundaries; +Inf is implicit. Either a
//     list of finite, strictly increasing numbers ([0.1, 1, 10]), or:
//     {type: linear, start: S, width: W, count: N} gives S, S+W, ...,
//     S+(N-1)W (W > 0); {type: exponential, start: S, factor: F, count: N}
//     gives S, S·F, ..., S·F^(N-1) (S > 0, F > 1); {type: discrete, min: A,
//     max: B} gives k+0.5 for every integer k from A to B, so that each count
//     from A to B has a bucket of its own (smaller values share A's, larger
//     ones fall in +Inf). At most 1024 boundaries; N >= 1. Generated
//     boundaries are rounded to 15 significant digits so that le labels
//     print as 0.3, not 0.30000000000000004. Default: 0, then 1, 2.5 and 5
//     per decade from 0.001 to 1e6 (29 boundaries).
//   - native_histogram: native-histogram buckets for scrapers that negotiate
//     them. {factor: F, max_buckets: M}: F > 1 is the growth factor between
//     buckets (client_golang picks the largest resolution at least that
//     fine; 1.1 gives about 9 % relative error), 0 turns them off; M >= 1
//     bounds their number, beyond which they are widened. false turns them
//     off; true or a mapping turns them on (factor 1.1 if the defaults turned
//     them off). Default: {factor: 1.1, max_buckets: 160}.
//   - ttl: a series disappears from /metrics this long after its last update
//     (receive time, never the message's own timestamp). A duration: 90s,
//     30m, 1h30m, 2d, 1w, 1.5h; 0 keeps series for ever. Default: 1h. R jobs
//     report every second to every few minutes, so a series silent for an
//     hour belongs to a job that is gone or stuck; keeping it only shows a
//     stale value, while Prometheus marks it stale as soon as it goes. It
//     matches --job-retention.
//   - units: convert values with units to base units and give the name the
//     unit's suffix: durations to seconds (12 ms → 0.012, _seconds), sizes to
//     bytes (2.3 Mb, 1.2 GiB → _bytes), percentages to ratios (45% → 0.45,
//     _ratio). true (default) converts all, false none, or a list of
//     duration, size, percent.
//   - max_series: at most this many series per metric (label values × jobs);
//     beyond it new ones fold into one overflow series. 1 to 1,000,000;
//     default 1000.
//   - max_states: at most this many distinct states per state series (values
//     like `Status: fitting model`). 1 to 1,000,000; default 16.
//   - labels: labels added to every series, {name: value}. Names are classic
//     label names, not job, instance, r_job, le, quantile, state, nor starting with
//     __. Values are not empty and may use the rule's captures, unsanitized
//     ($1 of "loss Train" is Train; a capture that is empty gives an empty
//     value, which Prometheus treats as no label); in defaults they are
//     static.
//   - drop, in defaults: true drops every name no rule matches, so that only
//     the names rules map are exported.
//
// # Recognisers
//
// The recognisers list holds the user's own recognisers (see
// recognise.NewRegexp) for a format no built-in recogniser knows: `rexporter
// run` tries them, in file order and before the built-in ones, on every
// line the job prints, and what they take from a line becomes messages of
// the job, mapped by the rules like any other. At most MaxRecognisers; each
// has:
//
//   - name: its name, required. The metric name of its value group when it
//     has no name group, and the Source of its updates. Two recognisers
//     whose names give the same metric name are an error.
//   - regexp: a regular expression (Go's RE2 syntax, at most 4096 bytes),
//     required, not anchored. Its named groups say what to take: value (the
//     number; the metric is named by the name group if there is one, else
//     by the recogniser's name), total (with value: a progress of that
//     total), and every other named group a metric of its own named by the
//     group. Values are read like message values, with units.
//
// Load compiles every regexp, so an expression that does not compile, has no
// group to take a value from, or a name without a letter or digit is an error
// with its line; Error unwraps to recognise.ErrBadRegexp, ErrNoValue or
// ErrBadName. Mapper.Recognisers lists them and NewRecognisers makes new
// instances for a job. They are not part of Fingerprint and serve does not
// use them.
//
// # Errors
//
// Loading is strict: unknown keys (with a suggestion for typos), keys set
// twice, values of the wrong type, bad globs and regular expressions, bad
// bucket specs, invalid metric and label names, captures the pattern does
// not have, bad durations and out-of-range numbers are errors, and so are
// settings that contradict each other: match together with match_regex or
// neither, drop together with other settings, buckets or native_histogram
// without a histogram, counter without a counter, a gauge next to an
// increment or total counter. Every error names the file and line:
//
//	mapping.yml:7: rules[1].buckets.factor must be > 1
//
// Two rules that can produce the same metric must agree on its type, counter
// meaning, label names, help, buckets and max_series; otherwise the file is
// rejected, naming both rules' lines. Names are compared as written: a static
// name directly, a name with captures by its template (loss_$1 and
// loss_${1} are the same). Whether a template can produce another rule's
// static name, or two R names the same series, is only known at run time, and
// the exporter's collision handling applies. A rule that can never match,
// because an earlier rule has the same pattern or a glob of only * comes
// before it, is an error too.
package mapping
