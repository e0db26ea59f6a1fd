package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// render fills the human dump and the fingerprint. Both are the effective
// configuration as YAML; the fingerprint's version has no comments and writes
// buckets as lists, so only what changes the mapping changes it.
func (m *Mapper) render(defSt settings) {
	m.dump = encode(m.tree(defSt, true))
	sum := sha256.Sum256([]byte(encode(m.tree(defSt, false))))
	m.fingerprint = hex.EncodeToString(sum[:])
}

func (m *Mapper) tree(defSt settings, human bool) *yaml.Node {
	root := mapNode()
	if human {
		src := "no file (built-in defaults)"
		if m.file != "" {
			src = m.file
		}
		root.HeadComment = "Effective mapping from " + src + ".\n" +
			"Rules are tried in order, the first match wins; names no rule matches get the defaults."
	}
	def := mapNode()
	if m.defaults.Drop {
		addKey(def, "drop", boolNode(true))
	}
	writeSettings(def, &defSt, true, human)
	addKey(root, "defaults", def)
	if len(m.rules) > 0 {
		addKey(root, "rules", m.rulesNode(human))
	}
	if human && len(m.recognisers) > 0 {
		key := strNode("recognisers")
		key.HeadComment = "rexporter run tries these on every line of the job's output, in order, before the built-in recognisers."
		root.Content = append(root.Content, key, m.recognisersNode())
	}
	return root
}

// rulesNode writes the rules with all settings filled in.
func (m *Mapper) rulesNode(human bool) *yaml.Node {
	rules := &yaml.Node{Kind: yaml.SequenceNode}
	for i := range m.rules {
		r := &m.rules[i]
		n := mapNode()
		pat := strNode(r.sec.match)
		if human {
			pat.LineComment = r.id
		}
		addKey(n, patternKey(r.sec), pat)
		if r.m.Drop {
			addKey(n, "drop", boolNode(true))
			rules.Content = append(rules.Content, n)
			continue
		}
		if r.baseName != "" {
			addKey(n, "name", strNode(r.baseName))
		}
		if r.m.Help != "" {
			addKey(n, "help", strNode(r.m.Help))
		}
		writeSettings(n, &r.st, false, human)
		rules.Content = append(rules.Content, n)
	}
	return rules
}

// recognisersNode writes the recognisers, each commented with its position.
func (m *Mapper) recognisersNode() *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range m.recognisers {
		e := mapNode()
		name := strNode(r.Name)
		name.LineComment = r.ID
		addKey(e, "name", name)
		addKey(e, "regexp", strNode(r.Regexp))
		n.Content = append(n.Content, e)
	}
	return n
}

// writeSettings adds the shared keys. Rules leave out the keys of families
// they do not have; defaults keep them, since rules inherit them.
func writeSettings(n *yaml.Node, st *settings, all, human bool) {
	fams := flowSeq()
	for _, fn := range famNames {
		if st.families&fn.f != 0 {
			fams.Content = append(fams.Content, strNode(fn.name))
		}
	}
	addKey(n, "families", fams)
	if all || st.families&famCounter != 0 {
		addKey(n, "counter", strNode(st.mode.String()))
	}
	if all || st.families&famHistogram != 0 {
		addKey(n, "buckets", bucketsNode(&st.buckets, human))
		if st.factor == 0 {
			addKey(n, "native_histogram", boolNode(false))
		} else {
			nh := mapNode()
			nh.Style = yaml.FlowStyle
			addKey(nh, "factor", numNode(st.factor))
			addKey(nh, "max_buckets", intNode(int64(st.maxBuckets)))
			addKey(n, "native_histogram", nh)
		}
	}
	addKey(n, "ttl", strNode(fmtDuration(st.ttl)))
	if st.units == UnitsAll || st.units == UnitsNone {
		addKey(n, "units", boolNode(st.units == UnitsAll))
	} else {
		u := flowSeq()
		for _, un := range unitNames {
			if st.units&un.u != 0 {
				u.Content = append(u.Content, strNode(un.name))
			}
		}
		addKey(n, "units", u)
	}
	addKey(n, "max_series", intNode(int64(st.maxSeries)))
	addKey(n, "max_states", intNode(int64(st.maxStates)))
	if len(st.labels) > 0 {
		ls := mapNode()
		ls.Style = yaml.FlowStyle
		for _, l := range st.labels {
			addKey(ls, l.name, strNode(l.value.String()))
		}
		addKey(n, "labels", ls)
	}
}

// bucketsNode writes a generator as written (with its boundaries in a
// comment) for humans, and always the boundaries for the fingerprint.
func bucketsNode(b *bucketSpec, human bool) *yaml.Node {
	list := flowSeq()
	for _, v := range b.bounds {
		list.Content = append(list.Content, numNode(v))
	}
	if !human || b.kind == "" || b.kind == "list" {
		return list
	}
	n := mapNode()
	n.Style = yaml.FlowStyle
	addKey(n, "type", strNode(b.kind))
	switch b.kind {
	case "linear":
		addKey(n, "start", numNode(b.start))
		addKey(n, "width", numNode(b.width))
		addKey(n, "count", intNode(b.count))
	case "exponential":
		addKey(n, "start", numNode(b.start))
		addKey(n, "factor", numNode(b.factor))
		addKey(n, "count", intNode(b.count))
	case "discrete":
		addKey(n, "min", intNode(b.min))
		addKey(n, "max", intNode(b.max))
	}
	n.LineComment = boundsSummary(b.bounds)
	return n
}

// boundsSummary shows a generator's boundaries: all of them when few.
func boundsSummary(bounds []float64) string {
	parts := make([]string, 0, 7)
	for i, v := range bounds {
		if len(bounds) > 6 && i == 3 {
			parts = append(parts, "...")
		}
		if len(bounds) <= 6 || i < 3 || i == len(bounds)-1 {
			parts = append(parts, fmtFloat(v))
		}
	}
	return strconv.Itoa(len(bounds)) + " boundaries: " + strings.Join(parts, ", ")
}

// fmtDuration writes d the Prometheus way (1h30m, 2d) when that is exact.
func fmtDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	s := model.Duration(d).String()
	if back, err := model.ParseDuration(s); err == nil && time.Duration(back) == d {
		return s
	}
	return d.String()
}

func encode(n *yaml.Node) string {
	var sb strings.Builder
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		// Only nodes built above are encoded; a failure is a bug here.
		panic("mapping: cannot encode the effective configuration: " + err.Error())
	}
	_ = enc.Close()
	return sb.String()
}

func mapNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func flowSeq() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle} }

func addKey(n *yaml.Node, key string, v *yaml.Node) {
	n.Content = append(n.Content, strNode(key), v)
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func numNode(f float64) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: fmtFloat(f)} }

func intNode(i int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatInt(i, 10)}
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatBool(b)}
}
