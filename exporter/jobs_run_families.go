package exporter

import (
	"cmp"
	"slices"

	"github.com/rexporter/rexporter/exporter/internal/textfmt"
)

// runJobFamilies returns the per-job families that run control messages and
// stall detection add.
func runJobFamilies() []*jobFamily {
	return []*jobFamily{
		{name: "rexporter_job_cpu_seconds_total", help: "CPU seconds used by the R job's processes, children included (sent by rexporter run).", typ: "counter",
			value: func(j *jobSnap) (float64, bool) { return j.run.cpu, j.run.hasCPU }},
		{name: "rexporter_job_exit_code", help: "The R job's exit status as a shell sees it (128+n for a death by signal n); absent until it ended under rexporter run.", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return float64(j.run.exitCode), j.run.exited }},
		{name: "rexporter_job_exit_info", help: "How the R job ended under rexporter run: its ending state, the signal that killed it and its last error line; always 1.", typ: "gauge",
			info: func(j *jobSnap) ([]Label, bool) {
				if j.run.ending == "" {
					return nil, false
				}
				return []Label{{"ending", j.run.ending}, {"error", j.run.errLine}, {"signal", j.run.signal}}, true
			}},
		{name: "rexporter_job_info", help: "The R job's parameters (run: param key=value, rexporter run --param, rx_params()) as param_<key> labels; always 1.", typ: "gauge",
			info: func(j *jobSnap) ([]Label, bool) { return j.run.params, len(j.run.params) > 0 }},
		{name: "rexporter_job_run_dropped_lines_total", help: "Lines of the R job that rexporter run could not deliver (its buffer was full, or a connection failed), as it last reported.", typ: "counter",
			value: func(j *jobSnap) (float64, bool) { return j.run.dropped, j.run.hasCPU }},
		{name: "rexporter_job_run_ignored_lines_total", help: "Output lines of the R job that rexporter run read but that were no message, as it last reported.", typ: "counter",
			value: func(j *jobSnap) (float64, bool) { return j.run.ignored, j.run.hasCPU }},
		{name: "rexporter_job_resident_memory_bytes", help: "Resident memory of the R job's processes, children included, summed (sent by rexporter run).", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return j.run.rss, j.run.hasRSS }},
		{name: "rexporter_job_stalled", help: "1 while the R job is up but has sent nothing for longer than --stall.factor times its usual gap between messages (within --stall.min and --stall.max), else 0.", typ: "gauge",
			value: func(j *jobSnap) (float64, bool) { return boolFloat(j.stalled), true }},
	}
}

// infoLabels returns the label names and values of an info sample: the
// labels given (sorted by name, none named r_job) and r_job, sorted by name.
func infoLabels(labels []Label, job string) ([]string, []string) {
	names := make([]string, 0, len(labels)+1)
	values := make([]string, 0, len(labels)+1)
	for _, l := range labels {
		names = append(names, l.Name)
		values = append(values, l.Value)
	}
	names = append(names, jobLabel)
	values = append(values, job)
	sortLabels(names, values)
	return names, values
}

// writeInfoFamily writes an info family, samples in Gather's order: fewer
// labels first, then by label values in label name order.
func writeInfoFamily(x *scrapeWriter, f *jobFamily, jobs []jobSnap) {
	type row struct{ names, values []string }
	var rows []row
	for i := range jobs {
		if labels, ok := f.info(&jobs[i]); ok {
			n, v := infoLabels(labels, jobs[i].name)
			rows = append(rows, row{n, v})
		}
	}
	if len(rows) == 0 {
		return
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := cmp.Compare(len(a.values), len(b.values)); c != 0 {
			return c
		}
		return slices.Compare(a.values, b.values)
	})
	x.Header(f.name, f.help, f.typ)
	for _, r := range rows {
		x.Sample(f.name, "", textfmt.Labels(r.names, r.values), 1)
	}
}
