package proxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/internal/syncbuf"
	"github.com/kmsgate/kmsgate/server"
)

func TestProxyForwardsAndAnswersAsTheUpstream(t *testing.T) {
	ctx := context.Background()
	up := startEmulator(t)
	h := startHop(t, up.URL())
	px := startProxy(t, h.srv.URL)
	viaProxy, direct := client(px.URL(), testRegion), client(up.URL(), testRegion)

	key := must(viaProxy.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("through the proxy")}))(t).KeyMetadata
	t.Run("the key lives upstream", func(t *testing.T) {
		got := must(direct.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key.KeyId}))(t).KeyMetadata
		if aws.ToString(got.Arn) != aws.ToString(key.Arn) || aws.ToString(got.Description) != "through the proxy" {
			t.Errorf("got %s %q upstream, want %s \"through the proxy\"", aws.ToString(got.Arn), aws.ToString(got.Description), aws.ToString(key.Arn))
		}
	})
	t.Run("round trip: encrypted through the proxy, decrypted direct and back", func(t *testing.T) {
		enc := must(viaProxy.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyId, Plaintext: []byte("secret"), EncryptionContext: map[string]string{"a": "b"}}))(t)
		if aws.ToString(enc.KeyId) != aws.ToString(key.Arn) || enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
			t.Errorf("got Encrypt KeyId %s %s, want %s SYMMETRIC_DEFAULT", aws.ToString(enc.KeyId), enc.EncryptionAlgorithm, aws.ToString(key.Arn))
		}
		dec := must(direct.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"a": "b"}}))(t)
		if string(dec.Plaintext) != "secret" {
			t.Errorf("got %q, want \"secret\"", dec.Plaintext)
		}
		dec = must(viaProxy.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"a": "b"}}))(t)
		if string(dec.Plaintext) != "secret" || aws.ToString(dec.KeyId) != aws.ToString(key.Arn) {
			t.Errorf("got %q from %s, want \"secret\" from %s", dec.Plaintext, aws.ToString(dec.KeyId), aws.ToString(key.Arn))
		}
	})
	t.Run("the caller's region is the upstream call's region", func(t *testing.T) {
		eu := must(client(px.URL(), "eu-west-1").CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
		if want := "arn:aws:kms:eu-west-1:" + testAccount + ":key/" + aws.ToString(eu.KeyId); aws.ToString(eu.Arn) != want {
			t.Errorf("got %s, want %s", aws.ToString(eu.Arn), want)
		}
		_, err := direct.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: eu.KeyId})
		if code, _ := apiError(t, err); code != "NotFoundException" {
			t.Errorf("got %s for the eu-west-1 key in us-east-1, want NotFoundException", code)
		}
	})
	t.Run("the answer carries the upstream's request id", func(t *testing.T) {
		for _, c := range []struct{ op, body string }{
			{"GenerateRandom", `{"NumberOfBytes":4}`},
			{"DescribeKey", `{"KeyId":"alias/missing"}`},
		} {
			_, _, header := rawCallHeader(t, px.URL(), c.op, c.body)
			if got, want := header.Get("x-amzn-RequestId"), h.lastID(); got != want || want == "" {
				t.Errorf("%s: got x-amzn-RequestId %q, want the upstream's %q", c.op, got, want)
			}
		}
	})
	t.Run("every upstream call is signed with kmsgate's credentials, never the caller's", func(t *testing.T) {
		auths := h.authorizations()
		if len(auths) == 0 {
			t.Fatal("the upstream saw no call")
		}
		for _, a := range auths {
			if !strings.Contains(a, "Credential="+gateKeyID+"/") || strings.Contains(a, callerKeyID) {
				t.Errorf("got Authorization %q upstream, want kmsgate's %s only", a, gateKeyID)
			}
		}
	})
}

// TestUpstreamErrorsPassThroughUnchanged compares each error answer of the
// proxy with the emulator's own answer to the same request: code, message
// and HTTP status.
func TestUpstreamErrorsPassThroughUnchanged(t *testing.T) {
	ctx := context.Background()
	up := startEmulator(t)
	px := startProxy(t, up.URL())
	direct := client(up.URL(), testRegion)
	disabled := must(direct.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	must(direct.DisableKey(ctx, &kms.DisableKeyInput{KeyId: disabled.KeyId}))(t)
	enabled := must(direct.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata

	for _, c := range []struct {
		name, op, body, wantCode string
	}{
		{"NotFoundException", "DescribeKey", `{"KeyId":"alias/missing"}`, "NotFoundException"},
		{"DisabledException", "Encrypt", fmt.Sprintf(`{"KeyId":%q,"Plaintext":"aGk="}`, aws.ToString(disabled.KeyId)), "DisabledException"},
		{"the upstream's own validation, not the SDK's", "Encrypt", `{"Plaintext":"aGk="}`, "ValidationException"},
		{"a malformed key id", "DescribeKey", `{"KeyId":""}`, "ValidationException"},
		{"an out-of-range value", "GenerateRandom", `{"NumberOfBytes":0}`, "ValidationException"},
		{"DryRun", "Encrypt", fmt.Sprintf(`{"KeyId":%q,"Plaintext":"aGk=","DryRun":true}`, aws.ToString(enabled.KeyId)), "DryRunOperationException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantStatus, wantBody := rawCall(t, up.URL(), c.op, c.body)
			gotStatus, gotBody := rawCall(t, px.URL(), c.op, c.body)
			if gotStatus != wantStatus || gotBody != wantBody {
				t.Errorf("got %d %s through the proxy, want %d %s as the upstream answers", gotStatus, gotBody, wantStatus, wantBody)
			}
			var e struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal([]byte(gotBody), &e); err != nil || e.Type != c.wantCode {
				t.Errorf("got __type %q (%v), want %s", e.Type, err, c.wantCode)
			}
		})
	}
}

// TestUpstreamAnswersKeepTheirStatus covers answers a kmsgate upstream does
// not give but AWS does (throttling, 5xx): a loopback server answers them
// as AWS would.
func TestUpstreamAnswersKeepTheirStatus(t *testing.T) {
	for _, c := range []struct {
		name       string
		status     int
		body       string
		wantCode   string
		wantMsg    string
		wantStatus int
	}{
		{"throttling stays a 400", 400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`, "ThrottlingException", "Rate exceeded", 400},
		{"a KMS 500 stays a 500", 500, `{"__type":"KMSInternalException","message":"upstream broke"}`, "KMSInternalException", "upstream broke", 500},
		{"a 503 keeps its status", 503, `{"__type":"ServiceUnavailableException","message":"try later"}`, "ServiceUnavailableException", "try later", 503},
		{"a namespaced type keeps its code", 400, `{"__type":"com.amazonaws.kms#LimitExceededException","message":"too many keys"}`, "LimitExceededException", "too many keys", 400},
		{"a refused signature", 400, `{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}`, "UnrecognizedClientException", "The security token included in the request is invalid.", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			}))
			defer upstream.Close()
			px := startProxy(t, upstream.URL)
			status, body := rawCall(t, px.URL(), "ListKeys", `{}`)
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal([]byte(body), &e)
			if status != c.wantStatus || e.Type != c.wantCode || e.Message != c.wantMsg {
				t.Errorf("got %d %s %q, want %d %s %q", status, e.Type, e.Message, c.wantStatus, c.wantCode, c.wantMsg)
			}
		})
	}
}

// closedPort returns a loopback address that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUnreachableUpstreamAnswersDependencyTimeout(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers; ends when kmsgate gives up or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	tlsUp := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsUp.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	refused := "http://" + closedPort(t)

	for _, c := range []struct {
		name, upstream, wantCause string
		timeout                   time.Duration
	}{
		{"connection refused", refused, "connection refused", 0},
		{"no answer within the timeout", hang.URL, "no answer within 300ms (--upstream-timeout)", 300 * time.Millisecond},
		{"an untrusted certificate", tlsUp.URL, "TLS: the upstream's certificate is not trusted", 0},
		{"https to a server without TLS", "https://" + strings.TrimPrefix(plain.URL, "http://"), "TLS handshake failed: the upstream does not speak TLS", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			px := startProxy(t, c.upstream, func(cfg *server.Config) { cfg.UpstreamTimeout = c.timeout })
			status, body := rawCall(t, px.URL(), "GenerateRandom", `{"NumberOfBytes":8}`)
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal([]byte(body), &e)
			if status != 500 || e.Type != "DependencyTimeoutException" {
				t.Fatalf("got %d %s, want 500 DependencyTimeoutException", status, body)
			}
			if !strings.Contains(e.Message, c.upstream) || !strings.Contains(e.Message, c.wantCause) {
				t.Errorf("got message %q, want it to name %s and %q", e.Message, c.upstream, c.wantCause)
			}
		})
	}
}

func TestUpstreamOutageIsLoggedOnceAndRecoversWithoutRestart(t *testing.T) {
	ctx := context.Background()
	up := startEmulator(t)
	addr := up.Addr
	var logs syncbuf.Buffer
	px := startProxy(t, up.URL(), func(c *server.Config) { c.Logger = zerolog.New(&logs) })
	c := client(px.URL(), testRegion)
	must(c.ListKeys(ctx, &kms.ListKeysInput{}))(t)

	stopServer(t, up)
	for i := 0; i < 3; i++ {
		_, err := c.ListKeys(ctx, &kms.ListKeysInput{})
		if code, _ := apiError(t, err); code != "DependencyTimeoutException" {
			t.Fatalf("call %d with the upstream stopped: got %s, want DependencyTimeoutException", i, code)
		}
	}
	status, body := httpGet(t, px.URL()+"/healthz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"reachable":false`) || !strings.Contains(body, "connection refused") {
		t.Errorf("got /healthz %d %s while the upstream is down, want 503 naming the cause", status, body)
	}

	// The upstream comes back on the same address, with a new store.
	startEmulator(t, func(cfg *server.Config) { cfg.Listen = addr })
	must(c.ListKeys(ctx, &kms.ListKeysInput{}))(t)
	status, body = httpGet(t, px.URL()+"/healthz")
	if status != http.StatusOK || !strings.Contains(body, `"reachable":true`) {
		t.Errorf("got /healthz %d %s after recovery, want 200 reachable", status, body)
	}

	// Upstream calls: 2 answered; 3 failed, and the probe of the /healthz
	// asked during the outage.
	_, page := httpGet(t, px.URL()+"/metrics")
	for _, want := range []string{
		`kmsgate_upstream_requests_total{error_code="",operation="ListKeys"} 2`,
		`kmsgate_upstream_requests_total{error_code="DependencyTimeoutException",operation="ListKeys"} 4`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	out := logs.String()
	if n := strings.Count(out, "upstream KMS unreachable"); n != 1 {
		t.Errorf("got %d outage lines for one outage of 3+ failed calls, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "upstream KMS answers again"); n != 1 {
		t.Errorf("got %d recovery lines, want 1:\n%s", n, out)
	}
}

func TestHealthzInProxyMode(t *testing.T) {
	up := startEmulator(t)
	px := startProxy(t, up.URL())
	// No call has been made: /healthz asks the upstream itself.
	status, body := httpGet(t, px.URL()+"/healthz")
	var got struct {
		Status   string `json:"status"`
		Mode     string `json:"mode"`
		Upstream struct {
			Upstream   string `json:"upstream"`
			Reachable  bool   `json:"reachable"`
			LastAnswer string `json:"lastAnswer"`
		} `json:"upstream"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("got /healthz %s: %v", body, err)
	}
	if status != 200 || got.Status != "ok" || got.Mode != "proxy" || got.Upstream.Upstream != up.URL() || !got.Upstream.Reachable || got.Upstream.LastAnswer == "" {
		t.Errorf("got /healthz %d %s, want 200 ok, proxy mode, %s reachable with a last answer", status, body, up.URL())
	}

	down := startProxy(t, "http://"+closedPort(t))
	status, body = httpGet(t, down.URL()+"/healthz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"status":"unhealthy"`) || !strings.Contains(body, "connection refused") {
		t.Errorf("got /healthz %d %s with nothing upstream, want 503 unhealthy naming the cause", status, body)
	}
}

func TestProxyModeRefusesEmulatorSettings(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  func(*server.Config)
		want string
	}{
		{"seed", func(c *server.Config) { c.SeedPath = "seed.yaml" }, "--seed is for emulator mode"},
		{"test clock", func(c *server.Config) { c.TestClock = true }, "--test-clock is for emulator mode"},
		{"a bad upstream", func(c *server.Config) { c.Upstream = "kms.example" }, `--upstream "kms.example" is neither "aws" nor an http(s)://host[:port] URL`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := server.Config{Listen: "127.0.0.1:0", Region: testRegion, Account: testAccount,
				Logger: zerolog.New(io.Discard), Upstream: "http://127.0.0.1:1", UpstreamAWS: gateAWS()}
			c.cfg(&cfg)
			srv, err := server.Start(context.Background(), cfg)
			if err == nil {
				stopServer(t, srv)
				t.Fatalf("got a started server, want an error containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestProxyModeHasNoStore(t *testing.T) {
	up := startEmulator(t)
	dir := t.TempDir()
	px := startProxy(t, up.URL(), func(c *server.Config) { c.DataPath = dir + "/kmsgate.db" })
	if px.Emulator() != nil || px.Proxy() == nil {
		t.Errorf("got emulator %v, proxy %v; want no emulator and a proxy", px.Emulator(), px.Proxy())
	}
	must(client(px.URL(), testRegion).ListKeys(context.Background(), &kms.ListKeysInput{}))(t)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Errorf("got %v (%v) in the data directory, want nothing written in proxy mode", entries, err)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOversizedUpstreamAnswerFailsTheCall: an upstream answer longer than
// 16 MiB (the proxy's bound) fails the call as any answer kmsgate cannot
// read does, instead of being read whole; one of exactly 16 MiB is served.
func TestOversizedUpstreamAnswerFailsTheCall(t *testing.T) {
	const bound = 16 << 20
	const head, tail = `{"Keys":[],"Truncated":false,"Padding":"`, `"}`
	for _, c := range []struct {
		name       string
		size       int
		wantStatus int
		wantCode   string
	}{
		{"an answer of exactly the bound is served", bound, 200, ""},
		{"an answer one byte longer fails the call", bound + 1, 500, "KMSInternalException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				_, _ = io.WriteString(w, head+strings.Repeat("a", c.size-len(head)-len(tail))+tail)
			}))
			defer upstream.Close()
			px := startProxy(t, upstream.URL)
			status, body := rawCall(t, px.URL(), "ListKeys", `{}`)
			var e struct {
				Type string `json:"__type"`
			}
			_ = json.Unmarshal([]byte(body), &e)
			if status != c.wantStatus || e.Type != c.wantCode {
				t.Errorf("got %d %q, want %d %q", status, e.Type, c.wantStatus, c.wantCode)
			}
		})
	}
}
