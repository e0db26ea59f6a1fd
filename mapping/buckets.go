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

func (d *decoder) bucketFunc(n *yaml.Node, path string) bucketSpec {
	var spec bucketSpec
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
			spec.kind = t
			return
		}
		nums[k.Value] = v
		order = append(order, k.Value)
	})
	if spec.kind == "" {
		if _, set := lines["type"]; !set {
			d.errs.add(n.Line, "%s needs type: linear, exponential or discrete (or a list of boundaries)", path)
		}
		return bucketSpec{}
	}
	want := bucketKeys[spec.kind]
	ok := true
	for _, key := range order {
		if !contains(want, key) {
			d.errs.add(lines[key], "%s.%s: %s buckets take %s%s", path, key, spec.kind, listWords(want), suggest(key, want))
			ok = false
		}
	}
	for _, key := range want {
		if _, set := nums[key]; !set {
			d.errs.add(n.Line, "%s: %s buckets need %s", path, spec.kind, key)
			ok = false
		}
	}
	if !ok {
		return bucketSpec{}
	}
	num := func(key string) (float64, bool) { return d.number(nums[key], path+"."+key) }
	integer := func(key string) (int64, bool) { return d.integer(nums[key], path+"."+key) }
	count := func() bool {
		c, ok := integer("count")
		if ok && (c < 1 || c > maxBoundaries) {
			d.errs.add(nums["count"].Line, "%s.count must be between 1 and %d", path, maxBoundaries)
			return false
		}
		spec.count = c
		return ok
	}
	switch spec.kind {
	case "linear":
		start, ok1 := num("start")
		width, ok2 := num("width")
		ok3 := count()
		if ok2 && width <= 0 {
			d.errs.add(nums["width"].Line, "%s.width must be > 0", path)
			ok2 = false
		}
		if !ok1 || !ok2 || !ok3 {
			return bucketSpec{}
		}
		spec.start, spec.width = start, width
		for i := range spec.count {
			spec.bounds = append(spec.bounds, round15(start+float64(i)*width))
		}
	case "exponential":
		start, ok1 := num("start")
		factor, ok2 := num("factor")
		ok3 := count()
		if ok1 && start <= 0 {
			d.errs.add(nums["start"].Line, "%s.start must be > 0", path)
			ok1 = false
		}
		if ok2 && factor <= 1 {
			d.errs.add(nums["factor"].Line, "%s.factor must be > 1", path)
			ok2 = false
		}
		if !ok1 || !ok2 || !ok3 {
			return bucketSpec{}
		}
		spec.start, spec.factor = start, factor
		for i := range spec.count {
			spec.bounds = append(spec.bounds, round15(start*math.Pow(factor, float64(i))))
		}
	case "discrete":
		lo, ok1 := integer("min")
		hi, ok2 := integer("max")
		if !ok1 || !ok2 {
			return bucketSpec{}
		}
		switch {
		case lo < -maxDiscrete || lo > maxDiscrete || hi < -maxDiscrete || hi > maxDiscrete:
			d.errs.add(n.Line, "%s: min and max must be between -1e15 and 1e15", path)
			return bucketSpec{}
		case hi < lo:
			d.errs.add(nums["max"].Line, "%s.max must be >= min (%d)", path, lo)
			return bucketSpec{}
		case hi-lo >= maxBoundaries:
			d.errs.add(nums["max"].Line, "%s gives %d boundaries, more than %d", path, hi-lo+1, maxBoundaries)
			return bucketSpec{}
		}
		spec.min, spec.max = lo, hi
		for k := lo; k <= hi; k++ {
			spec.bounds = append(spec.bounds, float64(k)+0.5)
		}
	}
	for i := 1; i < len(spec.bounds); i++ {
		switch {
		case math.IsInf(spec.bounds[i], 0):
			d.errs.add(n.Line, "%s: boundary %d overflows", path, i+1)
			return bucketSpec{}
		case spec.bounds[i] <= spec.bounds[i-1]:
			d.errs.add(n.Line, "%s: boundaries %d and %d are both %s once rounded to 15 significant digits", path, i, i+1, fmtFloat(spec.bounds[i]))
			return bucketSpec{}
		}
	}
	return spec
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
