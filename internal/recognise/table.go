package recognise

import (
	"bytes"
	"unicode"

	"github.com/rexporter/rexporter/parser"
)

// maxColumns bounds the columns of a recognised table.
const maxColumns = 32

// column is one value column of a table: its metric and R names.
type column struct{ name, rname string }

// table recognises a table printed as a header row, then rows of numbers
// whose first column is the step. It only reads rows right after its header
// (or after earlier rows): any other line ends the table, so numbers
// printed without the header are never read as a column.
type table struct {
	name, source string
	stepName     string // metric of the first column
	stepRName    string
	header       func(f [][]byte) ([]column, bool, bool)    // columns of a header line; whether rows write the step "10:"
	cell         func(b []byte, colon bool) (float64, bool) // value of a cell
	starts       []string                                   // a header line starts with one of these
	f            [][]byte
	st           [numStreams]tableState
}

type tableState struct {
	cols  []column // value columns of the current table; nil outside one
	colon bool     // the rows write their step "10:"
}

// Name returns the recogniser's name.
func (t *table) Name() string { return t.name }

// Recognise implements Recogniser.
func (t *table) Recognise(l Line, out []Update) []Update {
	st := &t.st[l.Stream]
	if l.Redrawn {
		st.cols = nil
		return out
	}
	if st.cols == nil && !hasAnyPrefix(l.Text, t.starts) {
		return out // neither a header nor in a table: the common case, kept cheap
	}
	f, ok := fields(l.Text, t.f, 2*maxColumns+2)
	t.f = f
	if !ok || len(f) == 0 {
		st.cols = nil
		return out
	}
	f = dropBars(f)
	if cols, colon, ok := t.header(f); ok {
		// A header gives nothing; the rows do.
		st.cols, st.colon = cols, colon
		return out
	}
	if st.cols == nil || len(f) != len(st.cols)+1 {
		st.cols = nil
		return out
	}
	step := f[0]
	if st.colon {
		s, ok := bytes.CutSuffix(step, []byte(":"))
		if !ok {
			st.cols = nil
			return out
		}
		step = s
	}
	if !isInt(step) {
		st.cols = nil
		return out
	}
	n := len(out)
	out = append(out, Update{Name: t.stepName, RName: t.stepRName, Value: float64(atoi(step)), Kind: Gauge, Source: t.source})
	for c, cell := range f[1:] {
		v, ok := t.cell(cell, st.colon)
		if !ok {
			st.cols = nil
			return out[:n]
		}
		out = append(out, Update{Name: st.cols[c].name, RName: st.cols[c].rname, Value: v, Kind: Gauge, Source: t.source})
	}
	return out
}

func hasAnyPrefix(b []byte, ps []string) bool {
	for _, p := range ps {
		if _, ok := cutPrefix(b, p); ok {
			return true
		}
	}
	return false
}

// dropBars removes the "|" separators of randomForest's regression table.
func dropBars(f [][]byte) [][]byte {
	k := 0
	for _, x := range f {
		if len(x) == 1 && x[0] == '|' {
			continue
		}
		f[k] = x
		k++
	}
	return f[:k]
}

// isWord reports whether b is a header cell: it holds a letter and does not
// start with a digit, a sign or '.', so a number is never a header.
func isWord(b []byte) bool {
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' || b[0] == '-' || b[0] == '+' || b[0] == '.' {
		return false
	}
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// snake splits CamelCase words ("TrainDeviance" → "Train_Deviance") before
// parser.MetricName, so gbm's headers read train_deviance.
func snake(b []byte) string {
	var sb []byte
	for i, c := range b {
		if i > 0 && unicode.IsUpper(rune(c)) && unicode.IsLower(rune(b[i-1])) {
			sb = append(sb, '_')
		}
		sb = append(sb, c)
	}
	return parser.MetricName(sb)
}

// cNumber reads a number printed by C's printf as well as R's: gbm's rows
// hold nan and -nan.
func cNumber(b []byte, _ bool) (float64, bool) {
	switch string(b) {
	case "nan", "-nan":
		return number([]byte("NaN"))
	case "inf":
		return number([]byte("Inf"))
	case "-inf":
		return number([]byte("-Inf"))
	}
	return number(b)
}

// Gbm recognises gbm(verbose = TRUE):
//
//	Iter   TrainDeviance   ValidDeviance   StepSize   Improve
//	     1        0.3970          0.4475     0.1000    0.0548
//
// It gives gbm_iteration and one gauge per other column, named from the
// header with CamelCase split: gbm_train_deviance, gbm_valid_deviance,
// gbm_step_size, gbm_improve.
type Gbm struct{ table }

// NewGbm returns the gbm recogniser.
func NewGbm() *Gbm {
	g := &Gbm{table{name: "gbm", source: "gbm verbose", stepName: "gbm_iteration", stepRName: "Iter", cell: cNumber, starts: []string{"Iter "}}}
	g.header = func(f [][]byte) ([]column, bool, bool) {
		if len(f) < 2 || len(f) > maxColumns || string(f[0]) != "Iter" {
			return nil, false, false
		}
		cols := make([]column, 0, len(f)-1)
		for _, h := range f[1:] {
			if !isWord(h) {
				return nil, false, false
			}
			cols = append(cols, column{name: "gbm_" + snake(h), rname: string(h)})
		}
		return cols, false, true
	}
	return g
}

// RandomForest recognises randomForest(do.trace = n). For classification:
//
//	ntree      OOB      1      2      3
//	   10:   4.03%  0.00%  4.00%  8.00%
//
// gives randomforest_ntree, randomforest_oob_error and one
// randomforest_class_error_<class> per class column (ratios: 4.03% is
// 0.0403). For regression:
//
//	     |      Out-of-bag   |
//	Tree |      MSE  %Var(y) |
//	  10 |    9.911    28.17 |
//
// gives randomforest_ntree, randomforest_mse and randomforest_var_y (the
// percentage as printed, 28.17), and randomforest_test_mse and
// randomforest_test_var_y for a test set's columns.
type RandomForest struct{ table }

// NewRandomForest returns the randomForest recogniser.
func NewRandomForest() *RandomForest {
	return &RandomForest{table{name: "randomForest", source: "randomForest do.trace", stepName: "randomforest_ntree", stepRName: "ntree",
		header: rfHeader, cell: rfCell, starts: []string{"ntree ", "Tree "}}}
}

func rfHeader(f [][]byte) ([]column, bool, bool) {
	if len(f) < 2 || len(f) > maxColumns {
		return nil, false, false
	}
	switch string(f[0]) {
	case "ntree":
		if string(f[1]) != "OOB" {
			return nil, false, false
		}
		cols := []column{{name: "randomforest_oob_error", rname: "OOB"}}
		for _, h := range f[2:] {
			cols = append(cols, column{name: parser.MetricName(append([]byte("randomforest class error "), h...)), rname: string(h)})
		}
		return cols, true, true
	case "Tree":
		cols := make([]column, 0, len(f)-1)
		for i, h := range f[1:] {
			if string(h) != "MSE" && string(h) != "%Var(y)" {
				return nil, false, false
			}
			name := "randomforest_" + parser.MetricName(h)
			if i >= 2 {
				name = "randomforest_test_" + parser.MetricName(h)
			}
			cols = append(cols, column{name: name, rname: string(h)})
		}
		return cols, false, true
	}
	return nil, false, false
}

// rfCell reads a classification cell as a percentage, a regression one as
// a number.
func rfCell(b []byte, colon bool) (float64, bool) {
	if colon {
		return percent(b)
	}
	return number(b)
}
