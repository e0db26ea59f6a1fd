package main

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// selfRegistry is the registry of the exporter's own metrics as the web
// side uses it: *prometheus.Registry, or continuedRegistry.
type selfRegistry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// continuedRegistry is the self registry of a process that took over from
// another: its rexporter_*_total counters continue from the old process's
// totals (handed over in handoverDoc.SelfCounters), so a hand-over resets
// none of them either. rexporter_messages_total is not among them: it is
// part of the series state.
type continuedRegistry struct {
	*prometheus.Registry
	offsets map[string]float64 // by counterKey; set before serving, then read only
}

// Gather implements prometheus.Gatherer.
func (r *continuedRegistry) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := r.Registry.Gather()
	if len(r.offsets) == 0 {
		return mfs, err
	}
	for _, mf := range mfs {
		if !continuedCounter(mf) {
			continue
		}
		for _, m := range mf.GetMetric() {
			if off, ok := r.offsets[counterKey(mf.GetName(), m)]; ok && m.Counter != nil {
				v := m.Counter.GetValue() + off
				m.Counter.Value = &v
			}
		}
	}
	return mfs, err
}

// continuedCounter says whether a family is one of the self counters a
// hand-over carries.
func continuedCounter(mf *dto.MetricFamily) bool {
	name := mf.GetName()
	return mf.GetType() == dto.MetricType_COUNTER && strings.HasPrefix(name, "rexporter_") &&
		strings.HasSuffix(name, "_total") && name != "rexporter_messages_total"
}

// counterKey identifies a sample: its name and label pairs (gathered
// samples have their labels sorted). The separator is valid UTF-8 (the
// keys travel in the hand-over's JSON document, which would turn an
// invalid byte such as 0xff into U+FFFD and so lose every labelled key).
func counterKey(name string, m *dto.Metric) string {
	var b strings.Builder
	b.WriteString(name)
	for _, l := range m.GetLabel() {
		b.WriteString("\x1f" + l.GetName() + "=" + l.GetValue())
	}
	return b.String()
}

// selfCounters reads the self counters a hand-over carries, as totals
// (offsets included).
func selfCounters(g prometheus.Gatherer) map[string]float64 {
	mfs, _ := g.Gather() // what could be gathered
	out := map[string]float64{}
	for _, mf := range mfs {
		if !continuedCounter(mf) {
			continue
		}
		for _, m := range mf.GetMetric() {
			if v := m.GetCounter().GetValue(); v != 0 {
				out[counterKey(mf.GetName(), m)] = v
			}
		}
	}
	return out
}
