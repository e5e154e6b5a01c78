package kmsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/internal/syncbuf"
)

const (
	testAccount = "111122223333"
	testRegion  = "eu-west-1"
)

// testBackend implements a few operations with real logic; every other
// method goes to the nil embedded Backend and panics, which the server must
// turn into KMSInternalException.
type testBackend struct {
	kmsgate.Backend

	mu      sync.Mutex
	callers []kmsgate.Caller
	// created is the CreationDate DescribeKey and ListAliases answer.
	created time.Time
}

func (b *testBackend) record(ctx context.Context) kmsgate.Caller {
	c, _ := kmsgate.CallerFrom(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.callers = append(b.callers, c)
	return c
}

func (b *testBackend) lastCaller(t *testing.T) kmsgate.Caller {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.callers) == 0 {
		t.Fatal("the backend saw no call")
	}
	return b.callers[len(b.callers)-1]
}

func keyARN(c kmsgate.Caller, id string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", c.Region, c.Account, id)
}

// Encrypt "encrypts" by prefixing "ct:"; the KeyId answered is the ARN of
// the key id asked in the caller's region and account.
func (b *testBackend) Encrypt(ctx context.Context, in *kms.EncryptInput, _ ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	c := b.record(ctx)
	return &kms.EncryptOutput{
		CiphertextBlob:      append([]byte("ct:"), in.Plaintext...),
		KeyId:               aws.String(keyARN(c, aws.ToString(in.KeyId))),
		EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault,
	}, nil
}

func (b *testBackend) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c := b.record(ctx)
	pt, ok := bytes.CutPrefix(in.CiphertextBlob, []byte("ct:"))
	if !ok {
		return nil, &types.InvalidCiphertextException{}
	}
	return &kms.DecryptOutput{
		Plaintext:           pt,
		KeyId:               aws.String(keyARN(c, "decrypted")),
		EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault,
	}, nil
}

// DescribeKey answers a key, or the error its KeyId names.
func (b *testBackend) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	c := b.record(ctx)
	id := aws.ToString(in.KeyId)
	switch id {
	case "missing":
		return nil, &types.NotFoundException{Message: aws.String(fmt.Sprintf("Key '%s' does not exist", keyARN(c, id)))}
	case "invalid":
		return nil, kmsgate.NewValidationException("1 validation error detected: Value '%s' at 'keyId' failed to satisfy constraint", id)
	case "unavailable":
		return nil, &types.KeyUnavailableException{Message: aws.String("The key is unavailable.")}
	case "timeout":
		return nil, &types.DependencyTimeoutException{Message: aws.String("The system timed out.")}
	case "silent":
		return nil, &types.InvalidCiphertextException{}
	case "broken":
		return nil, errors.New("bolt: database file secret-path.db is corrupt")
	case "nothing":
		return nil, nil
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &types.KeyMetadata{
		KeyId:                 in.KeyId,
		Arn:                   aws.String(keyARN(c, id)),
		AWSAccountId:          aws.String(c.Account),
		CreationDate:          aws.Time(b.created),
		Description:           aws.String(""),
		Enabled:               true,
		KeyState:              types.KeyStateEnabled,
		KeyUsage:              types.KeyUsageTypeEncryptDecrypt,
		KeySpec:               types.KeySpecSymmetricDefault,
		EncryptionAlgorithms:  []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSymmetricDefault},
		MultiRegion:           aws.Bool(false),
		Origin:                types.OriginTypeAwsKms,
		KeyManager:            types.KeyManagerTypeCustomer,
		CustomerMasterKeySpec: types.CustomerMasterKeySpecSymmetricDefault,
	}}, nil
}

// CreateKey echoes what it was given in the new key's metadata.
func (b *testBackend) CreateKey(ctx context.Context, in *kms.CreateKeyInput, _ ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	c := b.record(ctx)
	return &kms.CreateKeyOutput{KeyMetadata: &types.KeyMetadata{
		KeyId:        aws.String("1234abcd-12ab-34cd-56ef-1234567890ab"),
		Arn:          aws.String(keyARN(c, "1234abcd-12ab-34cd-56ef-1234567890ab")),
		Description:  in.Description,
		KeySpec:      in.KeySpec,
		KeyUsage:     in.KeyUsage,
		MultiRegion:  in.MultiRegion,
		CreationDate: aws.Time(b.created),
	}}, nil
}

// ListAliases answers one alias per tag-free request, with both timestamps.
func (b *testBackend) ListAliases(ctx context.Context, in *kms.ListAliasesInput, _ ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	b.record(ctx)
	n := int(aws.ToInt32(in.Limit))
	out := &kms.ListAliasesOutput{Truncated: n > 1}
	for i := range min(n, 1) {
		out.Aliases = append(out.Aliases, types.AliasListEntry{
			AliasName:       aws.String(fmt.Sprintf("alias/a%d", i)),
			CreationDate:    aws.Time(b.created),
			LastUpdatedDate: aws.Time(b.created.Add(time.Hour)),
		})
	}
	if out.Truncated {
		out.NextMarker = aws.String("next")
	}
	return out, nil
}

// GenerateRandom answers NumberOfBytes bytes counting up from 0.
func (b *testBackend) GenerateRandom(ctx context.Context, in *kms.GenerateRandomInput, _ ...func(*kms.Options)) (*kms.GenerateRandomOutput, error) {
	b.record(ctx)
	out := make([]byte, aws.ToInt32(in.NumberOfBytes))
	for i := range out {
		out[i] = byte(i)
	}
	return &kms.GenerateRandomOutput{Plaintext: out}, nil
}

// harness is a real server on 127.0.0.1 with a real SDK client.
type harness struct {
	srv     *httptest.Server
	client  *kms.Client
	logs    *syncbuf.Buffer
	backend *testBackend
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	h := &harness{
		logs:    &syncbuf.Buffer{},
		backend: &testBackend{created: time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)},
	}
	cfg := Config{
		Backend:       h.backend,
		Logger:        zerolog.New(h.logs),
		DefaultRegion: "us-east-1",
		Account:       testAccount,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	h.srv = httptest.NewServer(New(cfg))
	t.Cleanup(h.srv.Close)
	h.client = kms.New(kms.Options{
		BaseEndpoint: aws.String(h.srv.URL),
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer:      aws.NopRetryer{},
	})
	return h
}

// rawAnswer is one HTTP answer, its body decoded when it is a JSON object.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// do sends one raw HTTP request to the harness' server.
func (h *harness) do(t *testing.T, method, path string, header map[string]string, body string) rawAnswer {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := rawAnswer{status: resp.StatusCode, header: resp.Header, body: b}
	_ = json.Unmarshal(b, &a.json)
	return a
}

// call posts body as operation op (unsigned).
func (h *harness) call(t *testing.T, op, body string) rawAnswer {
	t.Helper()
	return h.do(t, http.MethodPost, "/", map[string]string{
		"X-Amz-Target": targetPrefix + op,
		"Content-Type": contentTypeJSON11,
	}, body)
}

// logLine waits until the log has the line of request id and returns it decoded.
func (h *harness) logLine(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for line := range strings.Lines(h.logs.String()) {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["request_id"] == id {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line for request %s in:\n%s", id, h.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// opSnapshot is one operation's counts in kmsgate_requests_total.
type opSnapshot struct {
	Requests, Errors int64
}

// metricsOf reads GET /metrics with the Prometheus text parser and sums
// kmsgate_requests_total per operation (errors: a non-empty error_code).
func (h *harness) metricsOf(t *testing.T) map[string]opSnapshot {
	t.Helper()
	a := h.do(t, http.MethodGet, "/metrics", nil, "")
	if a.status != http.StatusOK {
		t.Fatalf("metrics: got status %d, want 200", a.status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(a.body))
	if err != nil {
		t.Fatalf("metrics body %s: %v", a.body, err)
	}
	fam := fams["kmsgate_requests_total"]
	if fam == nil {
		t.Fatalf("no kmsgate_requests_total in %s", a.body)
	}
	out := map[string]opSnapshot{}
	for _, m := range fam.GetMetric() {
		var op, code string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "operation":
				op = l.GetValue()
			case "error_code":
				code = l.GetValue()
			}
		}
		n := int64(m.GetCounter().GetValue())
		got := out[op]
		got.Requests += n
		if code != "" {
			got.Errors += n
		}
		out[op] = got
	}
	return out
}

// wantError checks an error answer's status, __type and X-Amzn-ErrorType.
func wantError(t *testing.T, a rawAnswer, status int, code string) {
	t.Helper()
	if a.status != status {
		t.Errorf("got status %d, want %d (body %s)", a.status, status, a.body)
	}
	if got := a.json["__type"]; got != code {
		t.Errorf("got __type %v, want %s (body %s)", got, code, a.body)
	}
	if got := a.header.Get(headerErrorType); got != code {
		t.Errorf("got X-Amzn-ErrorType %q, want %q", got, code)
	}
	if got := a.header.Get("Content-Type"); got != contentTypeJSON11 {
		t.Errorf("got Content-Type %q, want %q", got, contentTypeJSON11)
	}
	if a.header.Get(headerRequestID) == "" {
		t.Errorf("no %s header on the error answer", headerRequestID)
	}
}
