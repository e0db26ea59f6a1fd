package deploycheck

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rexporter/rexporter/internal/testharness"
)

const (
	agentConfigPath   = "deploy/agent/prometheus-agent.yml"
	centralConfigPath = "deploy/agent/prometheus-central.yml"
)

// writeConfig writes a changed copy of a repository config into dir.
func writeConfig(t *testing.T, dir, name string, cfg map[string]any) string {
	t.Helper()
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitReady polls a readiness URL until it answers 200.
func waitReady(t *testing.T, p *proc, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	defer cancel()
	for {
		if code, err := httpGet(ctx, url); err == nil && code == http.StatusOK {
			return
		}
		if p.exited() {
			t.Fatalf("%s exited:\n%s", p.name, p.out)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s not ready at %s:\n%s", p.name, url, p.out)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// startCentralPrometheus runs Debian's Prometheus as the recipe's central
// store: deploy/agent/prometheus-central.yml, the remote-write receiver on,
// the alert rules evaluated every testScrapeInterval.
func startCentralPrometheus(t *testing.T, binary string, extraArgs ...string) *promServer {
	t.Helper()
	root, dir := repoRoot(t), t.TempDir()
	var cfg map[string]any
	readYAML(t, centralConfigPath, &cfg)
	if cfg["scrape_configs"] != nil {
		t.Errorf("%s scrapes; the central store only receives", centralConfigPath)
	}
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatalf("%s has no global section", centralConfigPath)
	}
	global["evaluation_interval"] = testScrapeInterval.String()
	// In compose, rules/ sits next to the config: the repository's rules.
	rules, _ := cfg["rule_files"].([]any)
	for i, r := range rules {
		rules[i] = filepath.Join(root, "deploy", "prometheus", r.(string))
	}
	addr := testharness.FreePort(t)
	p := &promServer{addr: addr}
	argv := append([]string{binary,
		"--config.file=" + writeConfig(t, dir, "central.yml", cfg),
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--web.enable-remote-write-receiver",
		"--log.level=warn"}, extraArgs...)
	p.proc = startProc(t, "central prometheus", dir, argv...)
	waitReady(t, p.proc, "http://"+addr+"/-/ready")
	return p
}

// startVictoriaMetrics runs Debian's VictoriaMetrics single-node with the
// flags docker-compose.yml gives it, on a loopback port.
func startVictoriaMetrics(t *testing.T, binary string) *promServer {
	t.Helper()
	dir := t.TempDir()
	svc, err := loadCompose(t, "agent").GetService("victoriametrics")
	if err != nil {
		t.Fatal(err)
	}
	addr := testharness.FreePort(t)
	args := []string{binary, "-storageDataPath=" + filepath.Join(dir, "data"), "-httpListenAddr=" + addr, "-loggerLevel=WARN"}
	for _, a := range svc.Command {
		switch {
		case strings.HasPrefix(a, "-storageDataPath="), strings.HasPrefix(a, "-httpListenAddr="):
		case strings.HasPrefix(a, "-dedup.minScrapeInterval="):
			// Equal to the scrape interval, which the tests shorten.
			args = append(args, "-dedup.minScrapeInterval="+testScrapeInterval.String())
		default:
			args = append(args, a)
		}
	}
	p := &promServer{addr: addr}
	p.proc = startProc(t, "victoria-metrics", dir, args...)
	waitReady(t, p.proc, "http://"+addr+"/health")
	return p
}

// startAgent runs Debian's Prometheus in agent mode with
// deploy/agent/prometheus-agent.yml, changed only where the test must: a
// testScrapeInterval scrape, the test's exporter as target, and each
// remote_write URL pointing at the test's store of the same name. The
// remote-write queue settings stay as shipped.
//
// A store whose address is "" has its remote_write left out; features are
// added to --enable-feature=agent.
func startAgent(t *testing.T, binary string, exporters []string, stores map[string]string, features ...string) *proc {
	t.Helper()
	dir := t.TempDir()
	var cfg map[string]any
	readYAML(t, agentConfigPath, &cfg)
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatalf("%s has no global section", agentConfigPath)
	}
	global["scrape_interval"] = testScrapeInterval.String()
	global["scrape_timeout"] = testScrapeInterval.String()
	jobs, _ := cfg["scrape_configs"].([]any)
	if len(jobs) != 1 || jobs[0].(map[string]any)["job_name"] != "rexporter" {
		t.Fatalf("%s: want one scrape job, rexporter", agentConfigPath)
	}
	jobs[0].(map[string]any)["static_configs"] = []any{map[string]any{"targets": exporters}}
	rws, _ := cfg["remote_write"].([]any)
	var names []string
	var kept []any
	for _, rw := range rws {
		rw := rw.(map[string]any)
		name, _ := rw["name"].(string)
		addr, ok := stores[name]
		if !ok {
			t.Fatalf("%s: remote_write %q is new to this test", agentConfigPath, name)
		}
		names = append(names, name)
		if addr != "" {
			rw["url"] = "http://" + addr + "/api/v1/write"
			kept = append(kept, rw)
		}
	}
	cfg["remote_write"] = kept
	sort.Strings(names)
	if want := sortedKeys(stores); !slices.Equal(names, want) {
		t.Fatalf("%s writes to %v, want %v", agentConfigPath, names, want)
	}
	addr := testharness.FreePort(t)
	p := startProc(t, "prometheus agent", dir, binary,
		"--enable-feature="+strings.Join(append([]string{"agent"}, features...), ","),
		"--config.file="+writeConfig(t, dir, "agent.yml", cfg),
		"--storage.agent.path="+filepath.Join(dir, "wal"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	waitReady(t, p, "http://"+addr+"/-/ready")
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestRemoteWriteRecipe runs the recipe of docs/scaling.md end to end on
// loopback: a real rexporter fed by the blog's R client and the helper's
// demo job, scraped by Debian's Prometheus 2.42 in agent mode, which
// remote-writes to a central Prometheus (remote-write receiver) and to
// VictoriaMetrics single-node. On each central store every dashboard panel
// query must return data, and a value sent to rexporter must become
// queryable: the time that takes is logged (docs/scaling.md quotes it).
func TestRemoteWriteRecipe(t *testing.T) {
	t.Parallel() // mostly waiting: runs beside TestRelease, which compiles
	promBin := requireTool(t, "prometheus", "prometheus")
	vmBin := requireTool(t, "victoria-metrics", "victoria-metrics")
	rscript := requireTool(t, "Rscript", "r-base-core")
	d := loadDashboard(t)
	queries, err := Queries(d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()

	ex := startRexporter(t)
	rc := startRClient(t, rscript, ex.ingest, 1000, "0.2", 1)
	demo := startRDemo(t, rscript, ex.ingest, 1000, "0.2", "demo a")
	stores := map[string]*promServer{
		"central-prometheus": startCentralPrometheus(t, promBin),
		"victoriametrics":    startVictoriaMetrics(t, vmBin),
	}
	addrs := map[string]string{}
	for name, s := range stores {
		addrs[name] = s.addr
	}
	agent := startAgent(t, promBin, []string{ex.web}, addrs)

	for _, name := range sortedKeys(stores) {
		store := stores[name]
		t.Run(name+": every panel returns data", func(t *testing.T) {
			var vars, offered map[string][]string
			for {
				vars, offered, err = resolveVariables(ctx, store, d, nil)
				if err == nil && len(offered["instance"]) == 1 && len(offered["rname"]) == 4 && len(offered["progress"]) > 0 {
					break
				}
				if rc.exited() || demo.exited() || agent.exited() {
					t.Fatal("an R client or the agent exited before the data arrived")
				}
				select {
				case <-ctx.Done():
					t.Fatalf("variables never resolved: %v (last error %v)", offered, err)
				case <-time.After(250 * time.Millisecond):
				}
			}
			if !slices.Equal(offered["instance"], []string{ex.web}) {
				t.Errorf("instance offers %v, want %v", offered["instance"], ex.web)
			}
			qctx, cancel := context.WithTimeout(ctx, 45*time.Second)
			defer cancel()
			waitForData(qctx, t, store, concreteQueries(t, queries, vars))
			// The agent's external label arrives with every series.
			res, err := store.query(ctx, `count(rexporter_build_info{site="local"})`, true, time.Now(), time.Now())
			if err != nil || len(res) != 1 {
				t.Errorf("rexporter_build_info with the agent's site label: %v %v", res, err)
			}
		})
	}

	// Native histograms: rexporter exposes every histogram in classic and
	// native form. A 2.42 agent with --enable-feature=native-histograms
	// scrapes the native form only (2.42 cannot keep both) and forwards it
	// with send_native_histograms: true, to a central Prometheus that accepts
	// native histograms. VictoriaMetrics 1.79 does not store them, so this
	// pipeline has only the Prometheus store.
	t.Run("native histograms arrive", func(t *testing.T) {
		central := startCentralPrometheus(t, promBin, "--enable-feature=native-histograms")
		startAgent(t, promBin, []string{ex.web},
			map[string]string{"central-prometheus": central.addr, "victoriametrics": ""}, "native-histograms")
		for {
			res, err := central.query(ctx, `histogram_count(random_poisson_values)`, true, time.Now(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(res) == 1 && res[0].values[0] > 0 {
				t.Logf("histogram_count(random_poisson_values) = %v on the central store", res[0].values[0])
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no native histogram arrived: %v", res)
			case <-time.After(250 * time.Millisecond):
			}
		}
	})

	// The delay from a message to a query on each central store: a value
	// written to rexporter's ingest port, then the instant query polled on
	// every store until it returns that value. The first value makes a new
	// series; the next ones update it.
	t.Run("delay from message to central query", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", ex.ingest, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		probe := func(value int) map[string]time.Duration {
			sent := time.Now()
			if _, err := fmt.Fprintf(conn, "agent probe: %d\n", value); err != nil {
				t.Fatal(err)
			}
			seen := map[string]time.Duration{}
			for len(seen) < len(stores) {
				for name, store := range stores {
					if _, ok := seen[name]; ok {
						continue
					}
					res, err := store.query(ctx, "agent_probe", true, time.Now(), time.Now())
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if len(res) == 1 && res[0].values[0] == float64(value) {
						seen[name] = time.Since(sent)
					}
				}
				if time.Since(sent) > 60*time.Second {
					t.Fatalf("value %d not queryable on every store after 60 s (seen on %v)", value, seen)
				}
				time.Sleep(50 * time.Millisecond)
			}
			return seen
		}
		first := probe(1000)
		delays := map[string][]time.Duration{}
		for i := 1; i <= 3; i++ {
			for name, d := range probe(1000 + i) {
				delays[name] = append(delays[name], d.Round(10*time.Millisecond))
			}
		}
		for _, name := range sortedKeys(delays) {
			ds := delays[name]
			slices.Sort(ds)
			t.Logf("%s: message to query: new series %v; updates %v (median %v); scrape every %v, remote_write queue as shipped",
				name, first[name].Round(10*time.Millisecond), ds, ds[len(ds)/2], testScrapeInterval)
		}
	})
}
