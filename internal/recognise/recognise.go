package recognise

import "strconv"

// Stream says which output of the job a line came from. Each stream has its
// own line buffer and its own recogniser state, so interleaved stdout and
// stderr never mix.
type Stream uint8

const (
	// Stdout is the job's standard output.
	Stdout Stream = iota
	// Stderr is the job's standard error (cli, progress and message() write here).
	Stderr
	numStreams
)

// String returns "stdout" or "stderr".
func (s Stream) String() string {
	if s == Stderr {
		return "stderr"
	}
	return "stdout"
}

// Kind says what an Update's value is.
type Kind uint8

const (
	// Gauge is a number that goes up and down (a loss, an iteration, a count).
	Gauge Kind = iota
	// Progress is Value done out of Total (a bar's percentage is Value of
	// 100; Stan's iterations are Value of Total).
	Progress
	// State is a word from a fixed small set, in Update.State (Stan's
	// "warmup" or "sampling").
	State
)

// String returns "gauge", "progress" or "state".
func (k Kind) String() string {
	switch k {
	case Progress:
		return "progress"
	case State:
		return "state"
	}
	return "gauge"
}

// Update is one metric value recognised in a job's output.
type Update struct {
	// Name is the metric base name: a valid Prometheus name (parser.MetricName
	// rules), prefixed with the source ("optim_value", "gbm_train_deviance").
	Name string
	// RName is the name as the source prints it or documents it
	// ("value", "TrainDeviance", "Chain 1 iteration").
	RName string
	// Value is the number (Gauge) or the done count (Progress); 0 for State.
	Value float64
	// Total is the total of a Progress (100 for a percentage), else 0.
	Total float64
	// State is the state of a State update, else "".
	State string
	Kind  Kind
	// Source names the recogniser and format, for a HELP text ("optim/nnet trace").
	Source string
}

// Help describes where an update's metric comes from, for its HELP text:
// the source's output and the name it prints there.
//
//	Recognised by rexporter in the gbm verbose output, where it is "TrainDeviance"
func Help(u Update) string {
	return "Recognised by rexporter in the " + u.Source + " output, where it is " + strconv.Quote(u.RName)
}

// Line is one line of output handed to a Recogniser. Its Text is only valid
// during the call.
type Line struct {
	Stream Stream
	// Text is the line without its terminator. It is never longer than
	// MaxLine: longer lines are dropped before any recogniser sees them.
	Text []byte
	// Redrawn says the line was drawn over with '\r': it follows a '\r' or
	// is ended by one. Progress bars are redrawn; a job's own log lines
	// (ended by '\n' only) never are, and progress recognisers only look at
	// redrawn lines.
	Redrawn bool
	// Partial says the line is the last redraw seen so far but not yet
	// ended (the text after the last '\r' at the end of a chunk). It may be
	// cut short; recognisers only accept text whose format shows it is whole.
	Partial bool
}

// A Recogniser turns lines of a known output format into updates. A
// Recogniser may keep state (a table's header, a count of folds) per
// Stream; it is not safe for concurrent use, and one instance serves one job.
type Recogniser interface {
	// Name is a short stable name ("optim", "gbm") for configuration and logs.
	Name() string
	// Recognise appends the updates found in l to out and returns it. It
	// returns out unchanged for a line it leaves alone. A recogniser that
	// appends claims the line: later recognisers of the Set do not see it.
	Recognise(l Line, out []Update) []Update
}
