package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// HealthcheckCmd asks a running rexporter whether it is healthy. It exists so
// that the distroless container image, which has no shell, curl or wget, can
// still declare a HEALTHCHECK: exit 0 when the URL answers 2xx, 1 otherwise.
type HealthcheckCmd struct {
	URL                string        `default:"http://127.0.0.1:9100/-/healthy" env:"REXPORTER_HEALTHCHECK_URL" placeholder:"URL" help:"Endpoint to probe; user:password@ in the URL is sent as basic auth (for --web.config.file)."`
	Timeout            time.Duration `default:"3s" env:"REXPORTER_HEALTHCHECK_TIMEOUT" help:"Give up after this long."`
	InsecureSkipVerify bool          `name:"tls.insecure-skip-verify" env:"REXPORTER_HEALTHCHECK_TLS_INSECURE_SKIP_VERIFY" help:"Accept any TLS certificate (a self-signed one on 127.0.0.1)."`
}

// Validate implements kong's cross-field checks.
func (c *HealthcheckCmd) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want http://HOST:PORT/PATH or https://...", c.URL) //nolint:staticcheck // ST1005: ends in a URL pattern, not punctuation
	}
	if c.Timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	return nil
}

// Run probes the URL once. A failure is returned as an error, which run turns
// into exit code 1, the code Docker's HEALTHCHECK reads as unhealthy.
func (c *HealthcheckCmd) Run(e *env, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(e.ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// No proxy: the probe targets this container's own port, and an
	// HTTP_PROXY inherited from the image's environment must not reroute it.
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	if c.InsecureSkipVerify {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // opt-in, for a self-signed certificate on loopback
	}
	client := &http.Client{Transport: tr}
	resp, err := client.Do(req)
	if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
		err = uerr.Err // the URL is named below, with its password redacted
	}
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("healthcheck %s: %s", req.URL.Redacted(), resp.Status)
	}
	logger.Debug("healthy", "url", req.URL.Redacted(), "status", resp.Status)
	return nil
}
