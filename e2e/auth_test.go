package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestBasicAuth serves /metrics behind exporter-toolkit basic auth from
// --web.config.file: no or wrong credentials get 401, the right ones 200.
func TestBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, "--web.config.file", cfg)

	tests := map[string]struct {
		user, pass string
		want       int
	}{
		"no credentials":    {want: http.StatusUnauthorized},
		"wrong password":    {user: "prometheus", pass: "nope", want: http.StatusUnauthorized},
		"right credentials": {user: "prometheus", pass: "s3cret", want: http.StatusOK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := getStatus(t, "http://"+p.web+"/metrics", tc.user, tc.pass); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
		})
	}
}

// getStatus GETs url, with basic auth when user is set, and returns the
// status code.
func getStatus(t *testing.T, url, user, pass string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := (&http.Client{Timeout: testTimeout}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// tlsWeb is a web config with TLS (a self-signed certificate for
// 127.0.0.1) and bcrypt basic auth, and what a client needs to trust it.
type tlsWeb struct {
	config string // --web.config.file
	caFile string // the certificate, PEM: the CA a client trusts
	pool   *x509.CertPool
}

// webUser and webPassword are the credentials of newTLSWeb's config.
const (
	webUser     = "prometheus"
	webPassword = "s3cret"
)

// newTLSWeb writes a fresh ECDSA key, a self-signed certificate for the IP
// address 127.0.0.1 (valid for a day), and a web config serving TLS with it
// and asking for webUser's bcrypt-hashed password (default cost, as a user
// would generate it).
func newTLSWeb(t *testing.T) tlsWeb {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "rexporter e2e"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(webPassword), bcrypt.DefaultCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := tlsWeb{
		config: filepath.Join(dir, "web.yml"),
		caFile: filepath.Join(dir, "cert.pem"),
		pool:   x509.NewCertPool(),
	}
	keyFile := filepath.Join(dir, "key.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	files := map[string][]byte{
		w.caFile: certPEM,
		keyFile:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		w.config: []byte("tls_server_config:\n  cert_file: " + w.caFile + "\n  key_file: " + keyFile +
			"\nbasic_auth_users:\n  " + webUser + ": " + string(hash) + "\n"),
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !w.pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("cannot add the certificate to a pool")
	}
	return w
}

// TestTLSBasicAuth serves /metrics over TLS with bcrypt basic auth and asks
// it with Go's TLS client trusting the certificate: 401 without or with
// wrong credentials, 200 and the metrics with the right ones. A client that
// does not trust the certificate, or speaks plain HTTP, gets nothing.
func TestTLSBasicAuth(t *testing.T) {
	t.Parallel()
	w := newTLSWeb(t)
	p := startExporter(t, "--web.config.file", w.config)
	trusting := &http.Client{Timeout: testTimeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: w.pool}}}
	write(t, p.dial(t), "TLS Value: 42\n")
	waitTLSValue(t, trusting, "https://"+p.web+"/metrics")

	tests := map[string]struct {
		client     *http.Client
		scheme     string
		user, pass string
		want       int    // status, or 0 for a failed request
		wantErr    string // in the request's error
	}{
		"no credentials":    {client: trusting, scheme: "https", want: http.StatusUnauthorized},
		"wrong password":    {client: trusting, scheme: "https", user: webUser, pass: "nope", want: http.StatusUnauthorized},
		"wrong user":        {client: trusting, scheme: "https", user: "admin", pass: webPassword, want: http.StatusUnauthorized},
		"right credentials": {client: trusting, scheme: "https", user: webUser, pass: webPassword, want: http.StatusOK},
		"unknown authority": {client: &http.Client{Timeout: testTimeout}, scheme: "https", user: webUser, pass: webPassword,
			wantErr: "certificate signed by unknown authority"},
		"plain HTTP": {client: &http.Client{Timeout: testTimeout}, scheme: "http", user: webUser, pass: webPassword,
			want: http.StatusBadRequest},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tc.scheme+"://"+p.web+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := tc.client.Do(req)
			if tc.wantErr != "" {
				var unknown x509.UnknownAuthorityError
				if err == nil || !errors.As(err, &unknown) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			switch tc.want {
			case http.StatusUnauthorized:
				if got := resp.Header.Get("WWW-Authenticate"); got != "Basic" {
					t.Errorf("WWW-Authenticate %q, want Basic", got)
				}
			case http.StatusOK:
				if resp.TLS == nil {
					t.Error("answered without TLS")
				}
				if !strings.Contains(string(body), "\ntls_value{r_job=\"127.0.0.1\"} 42\n") {
					t.Errorf("metrics without tls_value 42:\n%s", body)
				}
			}
		})
	}
}

// waitTLSValue asks url with the right credentials until tls_value shows.
func waitTLSValue(t *testing.T, client *http.Client, url string) {
	t.Helper()
	for deadline := time.Now().Add(testTimeout); ; {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(webUser, webPassword)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "\ntls_value{") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tls_value never showed: %s\n%s", resp.Status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
