package mapping

import "time"

// settings are the effective values of the keys defaults and rules share.
type settings struct {
	families         famSet
	explicitFamilies bool // set in the file, not derived from the counter mode
	mode             CounterMode
	buckets          bucketSpec // kind "" means DefaultBuckets
	factor           float64
	maxBuckets       uint32
	ttl              time.Duration
	units            Units
	maxSeries        int
	maxStates        int
	labels           []labelSpec
}

// builtin returns the settings without any file.
func builtin() settings {
	return settings{
		families:   famGauge | famCounter | famHistogram,
		buckets:    bucketSpec{bounds: append([]float64(nil), DefaultBuckets...)},
		factor:     DefaultNativeFactor,
		maxBuckets: DefaultNativeMaxBuckets,
		ttl:        DefaultTTL,
		units:      UnitsAll,
		maxSeries:  DefaultMaxSeries,
		maxStates:  DefaultMaxStates,
	}
}

// implicitFamilies are the families when no section lists them. A counter
// that adds values is exposed as <name>_total, which OpenMetrics calls
// <name>, the gauge's name; so then there is no gauge (and no histogram of
// running totals).
func implicitFamilies(mode CounterMode) famSet {
	if mode == CounterMessages {
		return famGauge | famCounter | famHistogram
	}
	return famCounter
}

// inherit returns the settings of s with every key it leaves unset taken from
// base.
func inherit(base settings, s *section) settings {
	out := base
	if s.has("counter") {
		out.mode = s.counter
	}
	switch {
	case s.has("families"):
		out.families, out.explicitFamilies = s.families, true
	case !base.explicitFamilies:
		out.families = implicitFamilies(out.mode)
	}
	if s.has("buckets") {
		out.buckets = s.buckets
	}
	if s.has("native_histogram") {
		switch {
		case s.native.hasFactor:
			out.factor = s.native.factor
		case out.factor == 0:
			// Setting native_histogram at all asks for native histograms.
			out.factor = DefaultNativeFactor
		}
		if s.native.hasMax {
			out.maxBuckets = s.native.maxBuckets
		}
	}
	if s.has("ttl") {
		out.ttl = s.ttl
	}
	if s.has("units") {
		out.units = s.units
	}
	if s.has("max_series") {
		out.maxSeries = s.maxSeries
	}
	if s.has("max_states") {
		out.maxStates = s.maxStates
	}
	if s.has("labels") {
		out.labels = s.labels
	}
	return out
}

// mapping returns the Mapping for st; fields of absent families stay zero.
func (st *settings) mapping(id string) Mapping {
	m := Mapping{
		Rule:      id,
		Gauge:     st.families&famGauge != 0,
		Counter:   st.families&famCounter != 0,
		Histogram: st.families&famHistogram != 0,
		TTL:       st.ttl,
		Units:     st.units,
		MaxSeries: st.maxSeries,
		MaxStates: st.maxStates,
	}
	if m.Counter {
		m.CounterMode = st.mode
	}
	if m.Histogram {
		m.Buckets = st.buckets.bounds
		if st.factor > 0 {
			m.NativeFactor, m.NativeMaxBuckets = st.factor, st.maxBuckets
		}
	}
	for _, l := range st.labels {
		if l.value.static() {
			m.Labels = append(m.Labels, Label{Name: l.name, Value: l.value.literal()})
		}
	}
	return m
}
