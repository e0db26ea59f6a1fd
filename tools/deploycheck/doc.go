// Package deploycheck verifies the deployment files of rexporter offline:
// docker-compose.yml (compose-go), dashboards/rexporter.json (the Grafana
// Foundation SDK's strict parser plus lint rules of our own), the Prometheus
// configuration and alert rules (promtool), the Dockerfile (BuildKit's
// linter), and, against a real Prometheus scraping real rexporters fed by the
// blog's R client and the R helper's demo job, that every dashboard query
// returns data.
//
// It lives in its own module (tools/go.mod) because compose-go, BuildKit and
// the Grafana SDK are heavy; the rexporter module never imports it.
package deploycheck
