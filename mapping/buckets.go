package mapping

import (
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// maxBoundaries bounds the classic buckets of one histogram: every series
// keeps a counter per boundary.
const maxBoundaries = 1024

// maxDiscrete bounds discrete min and max, below 2^53 so that k+0.5 is exact.
const maxDiscrete = 1e15

// bucketSpec is a buckets setting as written, and the boundaries it gives.
type bucketSpec struct {
	kind   string // "" (unset), "list", "linear", "exponential" or "discrete"
	start  float64
	width  float64
	factor float64
	count  int64
	min    int64
	max    int64
	bounds []float64
}

// bucketKeys are the keys each generated kind takes besides type.
var bucketKeys = map[string][]string{
	"linear":      {"start", "width", "count"},
	"exponential": {"start", "factor", "count"},
	"discrete":    {"min", "max"},
}

// buckets reads an explicit list of boundaries or a generator mapping.
func (d *decoder) buckets(n *yaml.Node, path string) bucketSpec {
	switch n.Kind {
	case yaml.SequenceNode:
		return d.bucketList(n, path)
	case yaml.MappingNode:
		return d.bucketFunc(n, path)
	}
	d.errs.add(n.Line, "%s must be a list of boundaries or a mapping {type: linear, exponential or discrete, ...}", path)
	return bucketSpec{}
}

func (d *decoder) bucketList(n *yaml.Node, path string) bucketSpec {
	spec := bucketSpec{kind: "list"}
	switch {
	case len(n.Content) == 0:
		d.errs.add(n.Line, "%s must have at least one boundary (+Inf is implicit)", path)
		return spec
	case len(n.Content) > maxBoundaries:
		d.errs.add(n.Line, "%s has %d boundaries, more than %d", path, len(n.Content), maxBoundaries)
		return spec
	}
	for i, c := range n.Content {
		if c = d.resolve(c); c == nil {
			return spec
		}
		ip := path + "[" + strconv.Itoa(i) + "]"
		v, ok := d.number(c, ip)
		if !ok {
			continue
		}
		if k := len(spec.bounds); k > 0 && v <= spec.bounds[k-1] {
			d.errs.add(c.Line, "%s = %s must be greater than the boundary before it (%s)", ip, fmtFloat(v), fmtFloat(spec.bounds[k-1]))
			continue
		}
		spec.bounds = append(spec.bounds, v)
	}
	return spec
}

// bucketFunc reads a generator mapping {type: linear, exponential or
// discrete, ...}: the keys are checked here, the numbers by the kind's own
// function, and the boundaries they give by checkBounds.
func (d *decoder) bucketFunc(n *yaml.Node, path string) bucketSpec {
	kind, args, ok := d.bucketArgs(n, path)
	if !ok {
		return bucketSpec{}
	}
	var spec bucketSpec
	switch kind {
	case "linear":
		spec, ok = args.linear()
	case "exponential":
		spec, ok = args.exponential()
	case "discrete":
		spec, ok = args.discrete(n.Line)
	}
	if !ok || !d.checkBounds(n, path, spec.bounds) {
		return bucketSpec{}
	}
	spec.kind = kind
	return spec
}

// bucketArgs reads the type and the other keys of a generator mapping and
// checks that they are the ones its kind takes, each once.
func (d *decoder) bucketArgs(n *yaml.Node, path string) (string, bucketGen, bool) {
	kind := ""
	lines := map[string]int{}
	nums := map[string]*yaml.Node{}
	var order []string // keys other than type, in file order
	d.pairs(n, func(k, v *yaml.Node) {
		kp := path + "." + k.Value
		if first, dup := lines[k.Value]; dup {
			d.errs.add(k.Line, "%s is set twice (first on line %d)", kp, first)
			return
		}
		lines[k.Value] = k.Line
		if k.Value == "type" {
			t, ok := d.str(v, kp)
			if _, known := bucketKeys[t]; ok && !known {
				d.errs.add(v.Line, "%s must be linear, exponential or discrete, not %q (or write the boundaries as a list)", kp, t)
				return
			}
			kind = t
			return
		}
		nums[k.Value] = v
		order = append(order, k.Value)
	})
	if kind == "" {
		if _, set := lines["type"]; !set {
			d.errs.add(n.Line, "%s needs type: linear, exponential or discrete (or a list of boundaries)", path)
		}
		return "", bucketGen{}, false
	}
	want := bucketKeys[kind]
	ok := true
	for _, key := range order {
		if !contains(want, key) {
			d.errs.add(lines[key], "%s.%s: %s buckets take %s%s", path, key, kind, listWords(want), suggest(key, want))
			ok = false
		}
	}
	for _, key := range want {
		if _, set := nums[key]; !set {
			d.errs.add(n.Line, "%s: %s buckets need %s", path, kind, key)
			ok = false
		}
	}
	return kind, bucketGen{d: d, path: path, nums: nums}, ok
}

// bucketGen is the numbers of a generator mapping, every key its kind
// takes present.
type bucketGen struct {
	d    *decoder
	path string
	nums map[string]*yaml.Node
}

func (g bucketGen) num(key string) (float64, bool) { return g.d.number(g.nums[key], g.path+"."+key) }

func (g bucketGen) integer(key string) (int64, bool) { return g.d.integer(g.nums[key], g.path+"."+key) }

// fail reports that key's value is out of range.
func (g bucketGen) fail(key, format string, args ...any) {
	g.d.errs.add(g.nums[key].Line, "%s."+key+" "+format, append([]any{g.path}, args...)...)
}

// count reads the number of boundaries of linear and exponential buckets.
func (g bucketGen) count() (int64, bool) {
	c, ok := g.integer("count")
	if ok && (c < 1 || c > maxBoundaries) {
		g.fail("count", "must be between 1 and %d", maxBoundaries)
		return c, false
	}
	return c, ok
}

// linear reads {start, width, count}: start, start+width, ...
func (g bucketGen) linear() (bucketSpec, bool) {
	start, ok1 := g.num("start")
	width, ok2 := g.num("width")
	count, ok3 := g.count()
	if ok2 && width <= 0 {
		g.fail("width", "must be > 0")
		ok2 = false
	}
	if !ok1 || !ok2 || !ok3 {
		return bucketSpec{}, false
	}
	spec := bucketSpec{start: start, width: width, count: count}
	for i := range count {
		spec.bounds = append(spec.bounds, round15(start+float64(i)*width))
	}
	return spec, true
}

// exponential reads {start, factor, count}: start, start·factor, ...
func (g bucketGen) exponential() (bucketSpec, bool) {
	start, ok1 := g.num("start")
	factor, ok2 := g.num("factor")
	count, ok3 := g.count()
	if ok1 && start <= 0 {
		g.fail("start", "must be > 0")
		ok1 = false
	}
	if ok2 && factor <= 1 {
		g.fail("factor", "must be > 1")
		ok2 = false
	}
	if !ok1 || !ok2 || !ok3 {
		return bucketSpec{}, false
	}
	spec := bucketSpec{start: start, factor: factor, count: count}
	for i := range count {
		spec.bounds = append(spec.bounds, round15(start*math.Pow(factor, float64(i))))
	}
	return spec, true
}

// discrete reads {min, max}: one bucket per integer, min-0.5 < v <= min+0.5
// and so on. line is the mapping's, for an error about both keys.
func (g bucketGen) discrete(line int) (bucketSpec, bool) {
	lo, ok1 := g.integer("min")
	hi, ok2 := g.integer("max")
	if !ok1 || !ok2 {
		return bucketSpec{}, false
	}
	switch {
	case lo < -maxDiscrete || lo > maxDiscrete || hi < -maxDiscrete || hi > maxDiscrete:
		g.d.errs.add(line, "%s: min and max must be between -1e15 and 1e15", g.path)
		return bucketSpec{}, false
	case hi < lo:
		g.fail("max", "must be >= min (%d)", lo)
		return bucketSpec{}, false
	case hi-lo >= maxBoundaries:
		g.d.errs.add(g.nums["max"].Line, "%s gives %d boundaries, more than %d", g.path, hi-lo+1, maxBoundaries)
		return bucketSpec{}, false
	}
	spec := bucketSpec{min: lo, max: hi}
	for k := lo; k <= hi; k++ {
		spec.bounds = append(spec.bounds, float64(k)+0.5)
	}
	return spec, true
}

// checkBounds reports whether generated boundaries are finite and still
// increasing once rounded to 15 significant digits.
func (d *decoder) checkBounds(n *yaml.Node, path string, bounds []float64) bool {
	for i := 1; i < len(bounds); i++ {
		switch {
		case math.IsInf(bounds[i], 0):
			d.errs.add(n.Line, "%s: boundary %d overflows", path, i+1)
			return false
		case bounds[i] <= bounds[i-1]:
			d.errs.add(n.Line, "%s: boundaries %d and %d are both %s once rounded to 15 significant digits", path, i, i+1, fmtFloat(bounds[i]))
			return false
		}
	}
	return true
}

// round15 rounds v to 15 significant digits, so that generated boundaries
// print as written (0.3, not 0.30000000000000004) in le labels.
func round15(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil {
		return v // ±Inf: reported by the caller
	}
	return r
}

// fmtFloat formats a boundary the way le labels show it.
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// listWords joins words as "a, b and c".
func listWords(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	s := words[0]
	for _, w := range words[1 : len(words)-1] {
		s += ", " + w
	}
	return s + " and " + words[len(words)-1]
}
