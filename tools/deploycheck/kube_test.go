package deploycheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

const kubeDir = "deploy/kubernetes"

// kubeObjects strictly decodes every manifest under deploy/kubernetes.
func kubeObjects(t *testing.T) map[string][]any {
	t.Helper()
	root := repoRoot(t)
	out := map[string][]any{}
	err := filepath.WalkDir(filepath.Join(root, kubeDir), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			t.Errorf("%s: not a manifest (.yaml); keep only manifests in %s", rel, kubeDir)
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		objs, err := DecodeManifests(raw)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		out[filepath.ToSlash(rel)] = objs
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no manifests under %s", kubeDir)
	}
	return out
}

// one returns the single object of type T among the manifests.
func one[T any](t *testing.T, objs map[string][]any) T {
	t.Helper()
	var found []T
	for _, list := range objs {
		for _, o := range list {
			if v, ok := o.(T); ok {
				found = append(found, v)
			}
		}
	}
	if len(found) != 1 {
		var zero T
		t.Fatalf("want exactly one %T in %s, found %d", zero, kubeDir, len(found))
	}
	return found[0]
}

// TestKubeManifestsDecodeStrictly is the offline validation the issue asks
// for: every document decodes into its k8s.io/api or prometheus-operator
// type with no unknown field, and every object is namespaced where the
// others are.
func TestKubeManifestsDecodeStrictly(t *testing.T) {
	objs := kubeObjects(t)
	kinds := map[string]int{}
	for file, list := range objs {
		for _, o := range list {
			m, ok := o.(metav1.Object)
			if !ok {
				t.Fatalf("%s: %T has no metadata", file, o)
			}
			kind := reflect.TypeOf(o).Elem().Name()
			kinds[kind]++
			if m.GetName() == "" {
				t.Errorf("%s: a %s without a name", file, kind)
			}
			if kind != "Namespace" && m.GetNamespace() != "rexporter" {
				t.Errorf("%s: %s %s in namespace %q, want rexporter", file, kind, m.GetName(), m.GetNamespace())
			}
		}
	}
	for _, k := range []string{"Namespace", "Deployment", "Service", "ServiceMonitor", "PodMonitor", "NetworkPolicy", "PrometheusRule"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among the manifests (%v)", k, kinds)
		}
	}
}

// TestKubeStrictDecoderCatches makes sure the decoder really is strict.
func TestKubeStrictDecoderCatches(t *testing.T) {
	tests := map[string]struct {
		manifest string
		want     string
	}{
		"clean service": {manifest: "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n    - port: 1\n"},
		"misspelt field": {manifest: "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  prots:\n    - port: 1\n",
			want: `unknown field "prots"`},
		"misspelt field of a ServiceMonitor": {manifest: "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: a\nspec:\n  selector: {}\n  endpoints:\n    - port: metrics\n      intervall: 5s\n",
			want: `unknown field "intervall"`},
		"wrong type": {manifest: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: one\n",
			want: "cannot unmarshal"},
		"duplicate key": {manifest: "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n",
			want: "already set"},
		"unknown kind": {manifest: "apiVersion: v1\nkind: Pdo\nmetadata:\n  name: a\n", want: "unknown kind"},
		"second document checked too": {manifest: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  nmae: a\n",
			want: `unknown field "nmae"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeManifests([]byte(tc.manifest))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestKubeWiring follows names, labels and ports from one object to the
// next: Deployment → Service → ServiceMonitor, PodMonitor → pod, the
// NetworkPolicy's ports, and the command line the rest of the repository
// uses.
func TestKubeWiring(t *testing.T) {
	objs := kubeObjects(t)
	dep := one[*appsv1.Deployment](t, objs)
	svc := one[*corev1.Service](t, objs)
	sm := one[*monitoringv1.ServiceMonitor](t, objs)
	pm := one[*monitoringv1.PodMonitor](t, objs)
	np := one[*networkingv1.NetworkPolicy](t, objs)

	podLabels := labels.Set(dep.Spec.Template.Labels)
	sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	if err != nil || !sel.Matches(podLabels) {
		t.Errorf("Deployment's selector %v does not select its pods %v (%v)", dep.Spec.Selector, podLabels, err)
	}
	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(dep.Spec.Template.Spec.Containers))
	}
	c := dep.Spec.Template.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["ingest"] != 6000 || ports["metrics"] != 9100 {
		t.Errorf("container ports %v, want ingest 6000 and metrics 9100", ports)
	}
	if want := []string{"--listen", "6000", "--metrics", ":9100"}; !slices.Equal(c.Args, want) {
		t.Errorf("container args %v, want %v (as the Dockerfile and compose)", c.Args, want)
	}
	for name, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		want := map[string]string{"liveness": "/-/healthy", "readiness": "/-/ready"}[name]
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != "metrics" {
			t.Errorf("%s probe %+v, want GET %s on port metrics", name, probe, want)
		}
	}
	sc, psc := c.SecurityContext, dep.Spec.Template.Spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot ||
		sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Error("want a non-root pod, a read-only root file system, no privilege escalation and all capabilities dropped")
	}

	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, podLabels)
	}
	svcPorts := map[string]corev1.ServicePort{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Name] = p
		if p.TargetPort.StrVal != "" && ports[p.TargetPort.StrVal] == 0 {
			t.Errorf("Service port %s targets %q, which the container does not name", p.Name, p.TargetPort.StrVal)
		}
	}
	smSel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil || !smSel.Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector does not select the Service (labels %v)", svc.Labels)
	}
	for _, e := range sm.Spec.Endpoints {
		if _, ok := svcPorts[e.Port]; !ok || e.Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoint port %q path %q; want a Service port and /metrics", e.Port, e.Path)
		}
	}
	// The job label must be "rexporter" for the alert rules: the Service's
	// name for a ServiceMonitor, a relabeling for a PodMonitor.
	if svc.Name != "rexporter" || sm.Spec.JobLabel != "" {
		t.Errorf("Service %q, ServiceMonitor jobLabel %q: the job label would not be rexporter", svc.Name, sm.Spec.JobLabel)
	}
	pmSel, err := metav1.LabelSelectorAsSelector(&pm.Spec.Selector)
	if err != nil || !pmSel.Matches(podLabels) {
		t.Errorf("PodMonitor selector does not select the pods %v", podLabels)
	}
	for _, e := range pm.Spec.PodMetricsEndpoints {
		if e.Port == nil || ports[*e.Port] == 0 {
			t.Errorf("PodMonitor endpoint port %v is not a container port", e.Port)
		}
		job := false
		for _, r := range e.RelabelConfigs {
			job = job || (r.TargetLabel == "job" && r.Replacement != nil && *r.Replacement == "rexporter")
		}
		if !job {
			t.Error("PodMonitor endpoint does not set job=rexporter")
		}
	}

	// NetworkPolicy: selects the pods; port 6000 only from the jobs'
	// namespace; nothing open to all.
	npSel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil || !npSel.Matches(podLabels) {
		t.Errorf("NetworkPolicy does not select the pods %v", podLabels)
	}
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
		t.Errorf("policyTypes %v, want [Ingress]", np.Spec.PolicyTypes)
	}
	ingestFrom := 0
	for i, rule := range np.Spec.Ingress {
		if len(rule.From) == 0 || len(rule.Ports) == 0 {
			t.Errorf("ingress rule %d allows every source or every port", i)
		}
		for _, p := range rule.Ports {
			if p.Port == nil || p.Port.IntValue() != 6000 {
				continue
			}
			for _, from := range rule.From {
				if from.IPBlock != nil || from.NamespaceSelector == nil ||
					from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "r-jobs" {
					t.Errorf("ingress rule %d lets %+v reach port 6000; want only namespace r-jobs", i, from)
				}
				ingestFrom++
			}
		}
	}
	if ingestFrom == 0 {
		t.Error("no ingress rule lets the jobs' namespace reach port 6000")
	}
}

// TestKubePrometheusRuleMatchesRules checks that the PrometheusRule carries
// exactly the groups of the repository's rule file, which promtool checks
// and unit-tests.
func TestKubePrometheusRuleMatchesRules(t *testing.T) {
	pr := one[*monitoringv1.PrometheusRule](t, kubeObjects(t))
	got, err := json.Marshal(pr.Spec.Groups)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []monitoringv1.RuleGroup `json:"groups"`
	}
	if err := yaml.UnmarshalStrict(readRepoFile(t, "deploy/prometheus/rules/rexporter.rules.yml"), &file); err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(file.Groups)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) || len(file.Groups) == 0 {
		t.Errorf("PrometheusRule groups differ from deploy/prometheus/rules/rexporter.rules.yml:\n got %s\nwant %s", got, want)
	}
}
