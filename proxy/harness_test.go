package proxy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/server"
)

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
	// kmsgate's own upstream credentials, and the callers' (which must
	// never reach the upstream).
	gateKeyID    = "AKIDKMSGATEPROXY"
	callerKeyID  = "AKIDCALLER"
	callerSecret = "caller-secret"
)

// startEmulator runs a real kmsgate emulator (bbolt in a temp dir) on a
// free loopback port; it is stopped when the test ends.
func startEmulator(t testing.TB, opts ...func(*server.Config)) *server.Server {
	t.Helper()
	dir := t.TempDir()
	cfg := server.Config{
		Listen:   "127.0.0.1:0",
		DataPath: filepath.Join(dir, "kmsgate.db"),
		Region:   testRegion,
		Account:  testAccount,
		Logger:   zerolog.New(io.Discard),
	}
	for _, o := range opts {
		o(&cfg)
	}
	return startServer(t, cfg)
}

func startServer(t testing.TB, cfg server.Config) *server.Server {
	t.Helper()
	srv, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start kmsgate: %v", err)
	}
	t.Cleanup(func() { stopServer(t, srv) })
	return srv
}

func stopServer(t testing.TB, srv *server.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// gateAWS is the SDK configuration the proxy signs with in these tests.
func gateAWS() *aws.Config {
	return &aws.Config{Credentials: credentials.NewStaticCredentialsProvider(gateKeyID, "gate-secret", "")}
}

// startProxy runs kmsgate in proxy mode in front of upstream.
func startProxy(t testing.TB, upstream string, opts ...func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Config{
		Listen:      "127.0.0.1:0",
		Region:      testRegion,
		Account:     testAccount,
		Logger:      zerolog.New(io.Discard),
		Upstream:    upstream,
		UpstreamAWS: gateAWS(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	return startServer(t, cfg)
}

// client is a real SDK client with the caller's credentials, signed for
// region, that makes one attempt per call.
func client(endpoint, region string) *kms.Client {
	return kms.New(kms.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(callerKeyID, callerSecret, ""),
		RetryMaxAttempts: 1,
		BaseEndpoint:     aws.String(endpoint),
	})
}

// hop is a loopback reverse proxy in front of a real upstream that records
// what kmsgate sends it (operation and Authorization header of each
// request) and can answer chosen operations itself, as an upstream that
// refuses them would.
type hop struct {
	srv *httptest.Server

	mu      sync.Mutex
	targets []string
	auths   []string
	ids     []string // the upstream's x-amzn-RequestId of each answer
	refuse  map[string]cannedAnswer
}

type cannedAnswer struct {
	status int
	body   string
}

func startHop(t *testing.T, upstream string) *hop {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	h := &hop{refuse: map[string]cannedAnswer{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ids = append(h.ids, resp.Header.Get("x-amzn-RequestId"))
		return nil
	}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
		h.mu.Lock()
		h.targets = append(h.targets, op)
		h.auths = append(h.auths, r.Header.Get("Authorization"))
		canned, ok := h.refuse[op]
		h.mu.Unlock()
		if ok {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(canned.status)
			_, _ = io.WriteString(w, canned.body)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// count is how many requests of op the hop has seen.
func (h *hop) count(op string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, o := range h.targets {
		if o == op {
			n++
		}
	}
	return n
}

func (h *hop) answer(op string, status int, body string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refuse[op] = cannedAnswer{status, body}
}

// lastID is the request id of the upstream's last answer.
func (h *hop) lastID() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ids) == 0 {
		return ""
	}
	return h.ids[len(h.ids)-1]
}

func (h *hop) authorizations() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.auths...)
}

// rawCall posts one KMS request and returns the HTTP status and body.
func rawCall(t *testing.T, endpoint, op, body string) (int, string) {
	t.Helper()
	status, b, _ := rawCallHeader(t, endpoint, op, body)
	return status, b
}

// rawCallHeader is rawCall with the answer's headers.
func rawCallHeader(t *testing.T, endpoint, op, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// apiError is err's AWS error code and message.
func apiError(t *testing.T, err error) (code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want an AWS API error", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
