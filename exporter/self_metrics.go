package exporter

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/rexporter/rexporter/parser"
)

// Reasons a field's name is refused. They are the values of the reason label
// of rexporter_rejected_names_total, a bounded set.
const (
	reasonMaxSeries = "max_series"         // --max-series reached
	reasonReserved  = "reserved"           // the name would shadow rexporter_*, go_*, process_*, promhttp_*, up or scrape_*
	reasonCollision = "collision"          // another R name already sanitizes to the same metric name
	reasonClash     = "clash"              // a metric or sample name is already used by another name's family
	reasonMaxJobs   = "max_jobs"           // a job name beyond --max-jobs; the connection stays in its current job
	reasonDropped   = "dropped"            // a mapping rule says drop
	reasonJobSeries = "max_series_per_job" // the job has --max-series-per-job series already
	// reasonOverflow is not a refusal: it only rate-limits the log line
	// when a cap folds a new series into the overflow series.
	reasonOverflow = "overflow"
)

var rejectReasons = []string{reasonMaxSeries, reasonReserved, reasonCollision, reasonClash, reasonMaxJobs, reasonDropped, reasonJobSeries}

// Reasons a value is refused although its name is fine: the reason label of
// rexporter_rejected_values_total.
const (
	reasonKindMismatch = "kind_mismatch" // a number for a state or progress metric, or the other way round
	reasonUnitMismatch = "unit_mismatch" // a unit (or none) unlike the one that named the metric
	reasonBadIncrement = "bad_increment" // a negative, NaN or infinite counter increment or total
)

var valueReasons = []string{reasonKindMismatch, reasonUnitMismatch, reasonBadIncrement}

// parseReasons maps the parser's sentinel errors to the bounded reason label of
// rexporter_parse_errors_total.
var parseReasons = []struct {
	err    error
	reason string
}{
	{parser.ErrNoFields, "no_fields"},
	{parser.ErrMissingColon, "missing_colon"},
	{parser.ErrEmptyName, "empty_name"},
	{parser.ErrBadName, "bad_name"},
	{parser.ErrEmptyValue, "empty_value"},
	{parser.ErrBadValue, "bad_value"},
	{parser.ErrTooManyFields, "too_many_fields"},
	{parser.ErrDecimalComma, "decimal_comma"},
	{parser.ErrGlued, "glued"},
}

// otherParseReason labels an error the parser does not document; it exists so
// the label set stays bounded even if the parser grows.
const otherParseReason = "other"

// ParseReason is the bounded reason label (rexporter_parse_errors_total's
// reason) that a parser error is counted under: "missing_colon", "bad_value",
// …, or "other".
func ParseReason(err error) string { return parseReason(err) }

// parseReason is the reason label a parse error is counted under.
func parseReason(err error) string {
	for _, p := range parseReasons {
		if errors.Is(err, p.err) {
			return p.reason
		}
	}
	return otherParseReason
}

// selfMetrics are the exporter's own metrics about what it did with messages.
type selfMetrics struct {
	messages        prometheus.Counter
	parseErrors     []prometheus.Counter // indexed like parseReasons, plus other at the end
	fieldErrors     []prometheus.Counter // likewise
	rejected        map[string]prometheus.Counter
	rejectedValues  map[string]prometheus.Counter
	foldedStates    prometheus.Counter
	missingValues   prometheus.Counter
	recognised      prometheus.Counter
	nonFiniteValues prometheus.Counter
	series          prometheus.Gauge
	maxSeries       prometheus.Gauge
	lastMessage     prometheus.Gauge
}

// newSelfMetrics registers the self-metrics with reg;
// rexporter_recognised_lines_total only when recognising is on.
func newSelfMetrics(reg prometheus.Registerer, maxSeries int, recognising bool) *selfMetrics {
	f := promauto.With(reg)
	m := &selfMetrics{
		messages: f.NewCounter(prometheus.CounterOpts{
			Name: "rexporter_messages_total",
			Help: "Messages parsed successfully and applied to metrics.",
		}),
		recognised: recognisedCounter(reg, recognising),
		missingValues: f.NewCounter(prometheus.CounterOpts{
			Name: "rexporter_missing_values_total",
			Help: "Fields whose value was R's NA: the gauge keeps its last value, nothing else changes.",
		}),
		nonFiniteValues: f.NewCounter(prometheus.CounterOpts{
			Name: "rexporter_nonfinite_values_total",
			Help: "Fields whose value was NaN, Inf or -Inf: they set the gauge and count as a message but stay out of the histogram.",
		}),
		series: f.NewGauge(prometheus.GaugeOpts{
			Name: "rexporter_series",
			Help: "Series currently exposed, one per R name and job.",
		}),
		maxSeries: f.NewGauge(prometheus.GaugeOpts{
			Name: "rexporter_max_series",
			Help: "The --max-series limit on series.",
		}),
		lastMessage: f.NewGauge(prometheus.GaugeOpts{
			Name: "rexporter_last_message_timestamp_seconds",
			Help: "When the last message was applied (receive time, Unix seconds).",
		}),
		foldedStates: f.NewCounter(prometheus.CounterOpts{
			Name: "rexporter_folded_states_total",
			Help: "State updates folded into the state \"_other\" because a series had max_states distinct states.",
		}),
		rejected:       map[string]prometheus.Counter{},
		rejectedValues: map[string]prometheus.Counter{},
	}
	m.maxSeries.Set(float64(maxSeries))

	parseErrors := f.NewCounterVec(prometheus.CounterOpts{
		Name: "rexporter_parse_errors_total",
		Help: "Messages dropped because no field of them could be parsed, by reason (the first bad field's).",
	}, []string{"reason"})
	for _, p := range parseReasons {
		m.parseErrors = append(m.parseErrors, parseErrors.WithLabelValues(p.reason))
	}
	m.parseErrors = append(m.parseErrors, parseErrors.WithLabelValues(otherParseReason))

	fieldErrors := f.NewCounterVec(prometheus.CounterOpts{
		Name: "rexporter_field_errors_total",
		Help: "Fields dropped because they could not be parsed, from messages whose other fields were applied, by reason.",
	}, []string{"reason"})
	for _, p := range parseReasons {
		if p.reason != "no_fields" { // a field is never "no fields"
			m.fieldErrors = append(m.fieldErrors, fieldErrors.WithLabelValues(p.reason))
		} else {
			m.fieldErrors = append(m.fieldErrors, nil)
		}
	}
	m.fieldErrors = append(m.fieldErrors, fieldErrors.WithLabelValues(otherParseReason))

	rejected := f.NewCounterVec(prometheus.CounterOpts{
		Name: "rexporter_rejected_names_total",
		Help: "Fields dropped because their R name could not become a metric, by reason.",
	}, []string{"reason"})
	for _, r := range rejectReasons {
		m.rejected[r] = rejected.WithLabelValues(r)
	}
	rejectedValues := f.NewCounterVec(prometheus.CounterOpts{
		Name: "rexporter_rejected_values_total",
		Help: "Fields dropped because their value does not fit the metric their R name has, by reason.",
	}, []string{"reason"})
	for _, r := range valueReasons {
		m.rejectedValues[r] = rejectedValues.WithLabelValues(r)
	}
	return m
}

// fieldError counts a dropped field of an applied message under its reason
// and returns the reason.
func (m *selfMetrics) fieldError(err error) string {
	for i, p := range parseReasons {
		if errors.Is(err, p.err) && m.fieldErrors[i] != nil {
			m.fieldErrors[i].Inc()
			return p.reason
		}
	}
	m.fieldErrors[len(m.fieldErrors)-1].Inc()
	return otherParseReason
}

// parseError counts a parse failure under its reason and returns the reason.
func (m *selfMetrics) parseError(err error) string {
	for i, p := range parseReasons {
		if errors.Is(err, p.err) {
			m.parseErrors[i].Inc()
			return p.reason
		}
	}
	m.parseErrors[len(m.parseErrors)-1].Inc()
	return otherParseReason
}

// recognisedCounter counts the lines recognisers read; it is registered
// (exposed) only when they are on, and counts nothing otherwise.
func recognisedCounter(reg prometheus.Registerer, on bool) prometheus.Counter {
	opts := prometheus.CounterOpts{
		Name: "rexporter_recognised_lines_total",
		Help: "Lines that were no message but that a recogniser read (serve --recognise): the output of an R package, such as a progress bar or an optimiser trace.",
	}
	if !on {
		return prometheus.NewCounter(opts)
	}
	return promauto.With(reg).NewCounter(opts)
}
