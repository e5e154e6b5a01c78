package kmsapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/kmsapi/internal/awsjson"
	"github.com/kmsgate/kmsgate/kmsapi/internal/sdkvalues"
	"github.com/kmsgate/kmsgate/metrics"
)

func TestRouteTableHasEveryBackendOperation(t *testing.T) {
	table := routeTable(&awsjson.Codec{})
	var want []string
	bt := reflect.TypeFor[kmsgate.Backend]()
	for i := range bt.NumMethod() {
		want = append(want, bt.Method(i).Name)
	}
	var got []string
	for _, r := range table {
		got = append(got, r.name)
		// The method expression decides the input type: a route named X
		// must call the method whose input is kms.XInput.
		m, ok := bt.MethodByName(r.name)
		if !ok {
			t.Errorf("route %s is not a Backend method", r.name)
			continue
		}
		if in := m.Type.In(1).Elem(); in != r.inType {
			t.Errorf("route %s: got input %v, want %v", r.name, r.inType, in)
		}
	}
	slices.Sort(got)
	if len(got) != 56 || !slices.Equal(got, want) {
		t.Errorf("got %d routes %v, want the 56 Backend methods %v", len(got), got, want)
	}
}

func TestEveryOperationReachesTheBackendAndAPanicBecomesKMSInternalException(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Backend = struct{ kmsgate.Backend }{} })
	bt := reflect.TypeFor[kmsgate.Backend]()
	for i := range bt.NumMethod() {
		name := bt.Method(i).Name
		t.Run(name+" panics in the backend and answers 500 KMSInternalException", func(t *testing.T) {
			a := h.call(t, name, "{}")
			wantError(t, a, http.StatusInternalServerError, "KMSInternalException")
			if got := a.json["message"]; got != internalMessage {
				t.Errorf("got message %v, want %q", got, internalMessage)
			}
			line := h.logLine(t, a.header.Get(headerRequestID))
			if line["operation"] != name {
				t.Errorf("got logged operation %v, want %s", line["operation"], name)
			}
			if !strings.Contains(fmt.Sprint(line["error"]), "panic") || line["stack"] == nil {
				t.Errorf("the log line lacks the panic and its stack: %v", line)
			}
		})
	}
	m := h.metricsOf(t)
	for i := range bt.NumMethod() {
		name := bt.Method(i).Name
		if got := m[name]; got.Requests != 1 || got.Errors != 1 {
			t.Errorf("metrics of %s: got %+v, want 1 request and 1 error", name, got)
		}
	}
}

func TestEncryptAndDecryptThroughTheSDK(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	plaintext := []byte{0, 1, 2, 0xff, '"', '\\', 0x80}
	enc, err := h.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String("alias/app"),
		Plaintext:         plaintext,
		EncryptionContext: map[string]string{"tenant": "a\"b", "ü": "\n"},
	})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if want := append([]byte("ct:"), plaintext...); !bytes.Equal(enc.CiphertextBlob, want) {
		t.Errorf("got CiphertextBlob %x, want %x", enc.CiphertextBlob, want)
	}
	if want := "arn:aws:kms:eu-west-1:111122223333:key/alias/app"; aws.ToString(enc.KeyId) != want {
		t.Errorf("got KeyId %q, want %q", aws.ToString(enc.KeyId), want)
	}
	if enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Errorf("got EncryptionAlgorithm %q, want SYMMETRIC_DEFAULT", enc.EncryptionAlgorithm)
	}
	reqID, ok := awsmiddleware.GetRequestIDMetadata(enc.ResultMetadata)
	if !ok || reqID == "" {
		t.Errorf("the SDK read no request id")
	}

	c := h.backend.lastCaller(t)
	want := kmsgate.Caller{Region: testRegion, Account: testAccount, AccessKeyID: "AKID", SourceIP: "127.0.0.1", RequestID: reqID}
	if c != want {
		t.Errorf("got Caller %+v, want %+v", c, want)
	}

	dec, err := h.client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(dec.Plaintext, plaintext) {
		t.Errorf("got Plaintext %x, want %x", dec.Plaintext, plaintext)
	}
}

func TestTimestampsAndNestedStructsThroughTheSDK(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	d, err := h.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("k1")})
	if err != nil {
		t.Fatalf("DescribeKey: %v", err)
	}
	md := d.KeyMetadata
	if got := aws.ToTime(md.CreationDate); !got.Equal(h.backend.created) {
		t.Errorf("got CreationDate %v, want %v", got, h.backend.created)
	}
	if !md.Enabled || md.KeyState != types.KeyStateEnabled || aws.ToString(md.Description) != "" || md.Description == nil {
		t.Errorf("got metadata %+v, want Enabled, KeyState Enabled and an empty (present) Description", md)
	}
	if md.MultiRegion == nil || *md.MultiRegion {
		t.Errorf("got MultiRegion %v, want present and false", md.MultiRegion)
	}
	if !slices.Equal(md.EncryptionAlgorithms, []types.EncryptionAlgorithmSpec{"SYMMETRIC_DEFAULT"}) {
		t.Errorf("got EncryptionAlgorithms %v, want [SYMMETRIC_DEFAULT]", md.EncryptionAlgorithms)
	}

	l, err := h.client.ListAliases(ctx, &kms.ListAliasesInput{Limit: aws.Int32(2)})
	if err != nil {
		t.Fatalf("ListAliases: %v", err)
	}
	if len(l.Aliases) != 1 || !l.Truncated || aws.ToString(l.NextMarker) != "next" {
		t.Fatalf("got %+v, want one alias, truncated, marker next", l)
	}
	if got, want := aws.ToTime(l.Aliases[0].LastUpdatedDate), h.backend.created.Add(time.Hour); !got.Equal(want) {
		t.Errorf("got LastUpdatedDate %v, want %v", got, want)
	}

	r, err := h.client.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(300)})
	if err != nil {
		t.Fatalf("GenerateRandom: %v", err)
	}
	if len(r.Plaintext) != 300 || r.Plaintext[299] != byte(299%256) {
		t.Errorf("got %d random bytes, want 300 counting up", len(r.Plaintext))
	}
}

func TestErrorsThroughTheSDK(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name    string
		keyID   string
		code    string
		message string
		status  int
	}{
		{"a NotFoundException keeps its code, message and 400", "missing", "NotFoundException",
			"Key 'arn:aws:kms:eu-west-1:111122223333:key/missing' does not exist", 400},
		{"a ValidationException without an SDK type keeps its code", "invalid", "ValidationException",
			"1 validation error detected: Value 'invalid' at 'keyId' failed to satisfy constraint", 400},
		{"an error with an empty message has no message", "silent", "InvalidCiphertextException", "", 400},
		{"KeyUnavailableException is a server fault with 500", "unavailable", "KeyUnavailableException", "The key is unavailable.", 500},
		{"DependencyTimeoutException is a server fault with 500", "timeout", "DependencyTimeoutException", "The system timed out.", 500},
		{"a plain Go error is hidden behind KMSInternalException", "broken", "KMSInternalException", internalMessage, 500},
		{"a nil output with a nil error is an internal error", "nothing", "KMSInternalException", internalMessage, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(tc.keyID)})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want an API error", err)
			}
			if apiErr.ErrorCode() != tc.code || apiErr.ErrorMessage() != tc.message {
				t.Errorf("got %s %q, want %s %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), tc.code, tc.message)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) {
				t.Fatalf("got %T, want an *awshttp.ResponseError inside", err)
			}
			if respErr.HTTPStatusCode() != tc.status {
				t.Errorf("got status %d, want %d", respErr.HTTPStatusCode(), tc.status)
			}
			if respErr.ServiceRequestID() == "" {
				t.Errorf("the SDK read no request id from the error answer")
			}
			line := h.logLine(t, respErr.ServiceRequestID())
			if line["error_code"] != tc.code {
				t.Errorf("got logged error_code %v, want %s", line["error_code"], tc.code)
			}
		})
	}

	t.Run("a NotFoundException is a *types.NotFoundException in the SDK", func(t *testing.T) {
		_, err := h.client.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String("missing")})
		var nf *types.NotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("got %T %v, want *types.NotFoundException", err, err)
		}
	})

	t.Run("the internal error text is logged but never answered", func(t *testing.T) {
		a := h.call(t, "DescribeKey", `{"KeyId":"broken"}`)
		if bytes.Contains(a.body, []byte("secret-path")) {
			t.Errorf("the answer leaks the internal error: %s", a.body)
		}
		line := h.logLine(t, a.header.Get(headerRequestID))
		if !strings.Contains(fmt.Sprint(line["error"]), "secret-path.db is corrupt") {
			t.Errorf("the log line lacks the internal error: %v", line)
		}
	})
}

func TestRegionComesFromTheSignatureOrTheDefault(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.client.GenerateRandom(context.Background(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if got := h.backend.lastCaller(t); got.Region != "eu-west-1" || got.AccessKeyID != "AKID" {
		t.Errorf("signed: got region %q access key %q, want eu-west-1 and AKID", got.Region, got.AccessKeyID)
	}
	a := h.call(t, "GenerateRandom", `{"NumberOfBytes":4}`)
	if a.status != http.StatusOK {
		t.Fatalf("unsigned: got status %d, want 200 (%s)", a.status, a.body)
	}
	got := h.backend.lastCaller(t)
	want := kmsgate.Caller{Region: "us-east-1", Account: testAccount, SourceIP: "127.0.0.1", RequestID: a.header.Get(headerRequestID)}
	if got != want {
		t.Errorf("unsigned: got Caller %+v, want %+v", got, want)
	}
	if line := h.logLine(t, want.RequestID); line["region"] != "us-east-1" {
		t.Errorf("got logged region %v, want us-east-1", line["region"])
	}
}

func TestMalformedAuthorizationIsIncompleteSignatureException(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name, header, inMessage string
	}{
		{"a header that is not SigV4 names the missing parameters", "Basic dXNlcjpwYXNz",
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{"a SigV4 header without Signature says so", "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/kms/aws4_request, SignedHeaders=host",
			"Authorization header requires 'Signature' parameter."},
		{"another AWS4 algorithm is unsupported", "AWS4-HMAC-SHA512 Credential=AKID/20260101/eu-west-1/kms/aws4_request, SignedHeaders=host, Signature=ab",
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'"},
		{"a credential of three elements is rejected", "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1, SignedHeaders=host, Signature=ab",
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20260101/eu-west-1'"},
		{"a bad date is rejected", "AWS4-HMAC-SHA256 Credential=AKID/2026-1-1/eu-west-1/kms/aws4_request, SignedHeaders=host, Signature=ab",
			"Invalid credential date. Date is not the required format: yyyyMMdd."},
		{"a bad region is rejected", "AWS4-HMAC-SHA256 Credential=AKID/20260101/EU_WEST/kms/aws4_request, SignedHeaders=host, Signature=ab",
			"Credential should be scoped to a valid region, not 'EU_WEST'."},
		{"a bad terminator is rejected", "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/kms/aws5_request, SignedHeaders=host, Signature=ab",
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := h.do(t, http.MethodPost, "/", map[string]string{
				"X-Amz-Target":  "TrentService.GenerateRandom",
				"Authorization": tc.header,
			}, `{"NumberOfBytes":1}`)
			wantError(t, a, http.StatusBadRequest, "IncompleteSignatureException")
			if msg := fmt.Sprint(a.json["message"]); !strings.Contains(msg, tc.inMessage) {
				t.Errorf("got message %q, want it to contain %q", msg, tc.inMessage)
			}
		})
	}
}

func TestRequestsOutsideTheAPIAreJSON404s(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/"},
		{http.MethodGet, "/nope"},
		{http.MethodPut, "/healthz"},
		{http.MethodPost, "/_kmsgate/clock"}, // no test clock configured
		{http.MethodDelete, "/metrics"},
		{http.MethodGet, "/_kmsgate/metrics"},
	} {
		t.Run(tc.method+" "+tc.path+" is a JSON 404 with a request id", func(t *testing.T) {
			a := h.do(t, tc.method, tc.path, nil, `{"advance":"1h"}`)
			wantError(t, a, http.StatusNotFound, "UnknownOperationException")
		})
	}
}

func TestHealthz(t *testing.T) {
	h := newHarness(t, nil)
	a := h.do(t, http.MethodGet, "/healthz", nil, "")
	if a.status != http.StatusOK || a.json["status"] != "ok" {
		t.Errorf("got %d %s, want 200 {\"status\":\"ok\"}", a.status, a.body)
	}
	if a.header.Get(headerRequestID) == "" {
		t.Errorf("no request id on /healthz")
	}
}

func TestRequestIDsComeFromTheConfiguredSource(t *testing.T) {
	n := 0
	h := newHarness(t, func(c *Config) {
		c.NewRequestID = func() string { n++; return fmt.Sprintf("req-%d", n) }
	})
	a := h.do(t, http.MethodGet, "/healthz", nil, "")
	b := h.call(t, "GenerateRandom", `{"NumberOfBytes":1}`)
	if got := []string{a.header.Get(headerRequestID), b.header.Get(headerRequestID)}; !slices.Equal(got, []string{"req-1", "req-2"}) {
		t.Errorf("got request ids %v, want [req-1 req-2]", got)
	}
	if got := h.backend.lastCaller(t).RequestID; got != "req-2" {
		t.Errorf("got Caller.RequestID %q, want req-2", got)
	}
}

func TestDefaultRequestIDsAreUUIDShapedAndDistinct(t *testing.T) {
	h := newHarness(t, nil)
	seen := map[string]bool{}
	for range 20 {
		id := h.do(t, http.MethodGet, "/healthz", nil, "").header.Get(headerRequestID)
		if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[14] != '4' || id[18] != '-' || id[23] != '-' {
			t.Errorf("got request id %q, want a UUID shape", id)
		}
		if seen[id] {
			t.Errorf("request id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestClockEndpoint(t *testing.T) {
	wall := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := kmsgate.NewClock(func() time.Time { return wall })
	h := newHarness(t, func(c *Config) { c.Clock = clock })

	t.Run("advancing 720h moves the clock and answers the new now", func(t *testing.T) {
		a := h.do(t, http.MethodPost, "/_kmsgate/clock", nil, `{"advance":"720h"}`)
		want := wall.Add(720 * time.Hour)
		if a.status != http.StatusOK || a.json["now"] != float64(want.Unix()) {
			t.Errorf("got %d %s, want 200 now=%d", a.status, a.body, want.Unix())
		}
		if !clock.Now().Equal(want) {
			t.Errorf("got clock %v, want %v", clock.Now(), want)
		}
	})
	for _, body := range []string{`{"advance":"soon"}`, `{"advance":"-1h"}`, `{"advance":`} {
		t.Run("a bad body "+body+" is a 400 and leaves the clock", func(t *testing.T) {
			before := clock.Now()
			a := h.do(t, http.MethodPost, "/_kmsgate/clock", nil, body)
			if a.status != http.StatusBadRequest {
				t.Errorf("got status %d, want 400 (%s)", a.status, a.body)
			}
			if !clock.Now().Equal(before) {
				t.Errorf("the clock moved to %v", clock.Now())
			}
		})
	}
}

func TestMetricsCountRequestsAndErrors(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	for range 3 {
		if _, err := h.client.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(8)}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = h.client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("not ours")})
	_ = h.call(t, "Decrypt", `{"CiphertextBlob":"!!"}`)
	m := h.metricsOf(t)
	want := map[string]opSnapshot{"GenerateRandom": {3, 0}, "Decrypt": {2, 2}, "Encrypt": {0, 0}}
	for op, w := range want {
		if m[op] != w {
			t.Errorf("metrics of %s: got %+v, want %+v", op, m[op], w)
		}
	}
	if len(m) != 57 {
		t.Errorf("got %d operations in metrics, want the 56 and %q", len(m), metrics.OpUnknown)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxBodyBytes = 64 })
	ctx := context.Background()
	_, err := h.client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("k"), Plaintext: bytes.Repeat([]byte("x"), 100)})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "RequestEntityTooLargeException" ||
		apiErr.ErrorMessage() != "Request body of more than 64 bytes" {
		t.Fatalf("got %v, want RequestEntityTooLargeException 'Request body of more than 64 bytes'", err)
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() != http.StatusRequestEntityTooLarge {
		t.Errorf("got status %d, want 413", respErr.HTTPStatusCode())
	}
	// The same client goes on working.
	out, err := h.client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("k"), Plaintext: []byte("small")})
	if err != nil || string(out.CiphertextBlob) != "ct:small" {
		t.Fatalf("second request: got %v %v, want ct:small", out, err)
	}

	t.Run("a body without Content-Length over the limit is a 413 too", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/", &chunked{r: strings.NewReader(`{"NumberOfBytes":1` + strings.Repeat(" ", 100) + `}`)})
		req.Header.Set("X-Amz-Target", "TrentService.GenerateRandom")
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("got status %d, want 413", resp.StatusCode)
		}
	})

	t.Run("a route's own limit wins over the default", func(t *testing.T) {
		table := routeTable(&awsjson.Codec{})
		for i := range table {
			if table[i].name == "GenerateRandom" {
				table[i].maxBody = 10
			}
		}
		srv := newServer(Config{Backend: h.backend, Logger: zerolog.Nop()}, table)
		rec := httptest.NewRecorder()
		req, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(`{"NumberOfBytes":1}`))
		req.Header.Set("X-Amz-Target", "TrentService.GenerateRandom")
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "more than 10 bytes") {
			t.Errorf("got %d %s, want 413 naming 10 bytes", rec.Code, rec.Body)
		}
	})
}

func TestBadRequestsAreAWSShapedErrors(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name, target, contentType, body, code string
	}{
		{"malformed JSON is a SerializationException", "TrentService.Encrypt", contentTypeJSON11, `{"KeyId":`, "SerializationException"},
		{"a number for a string is a SerializationException", "TrentService.Encrypt", contentTypeJSON11, `{"KeyId":5}`, "SerializationException"},
		{"a string for a number is a SerializationException", "TrentService.GenerateRandom", contentTypeJSON11, `{"NumberOfBytes":"5"}`, "SerializationException"},
		{"a fraction for an integer is a SerializationException", "TrentService.GenerateRandom", contentTypeJSON11, `{"NumberOfBytes":1.5}`, "SerializationException"},
		{"bad base64 is a SerializationException", "TrentService.Decrypt", contentTypeJSON11, `{"CiphertextBlob":"@@@"}`, "SerializationException"},
		{"trailing garbage is a SerializationException", "TrentService.GenerateRandom", contentTypeJSON11, `{"NumberOfBytes":1} x`, "SerializationException"},
		{"an array body is a SerializationException", "TrentService.GenerateRandom", contentTypeJSON11, `[1]`, "SerializationException"},
		{"an object for a map of strings with a number is a SerializationException", "TrentService.Encrypt", contentTypeJSON11, `{"EncryptionContext":{"a":1}}`, "SerializationException"},
		{"an unsupported Content-Type is a SerializationException", "TrentService.GenerateRandom", "text/plain", `{"NumberOfBytes":1}`, "SerializationException"},
		{"an unknown operation is an UnknownOperationException", "TrentService.MakeCoffee", contentTypeJSON11, `{}`, "UnknownOperationException"},
		{"another service's target is an UnknownOperationException", "AmazonSSM.Encrypt", contentTypeJSON11, `{}`, "UnknownOperationException"},
		{"a missing target is an UnknownOperationException", "", contentTypeJSON11, `{}`, "UnknownOperationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": tc.contentType}
			if tc.target != "" {
				hdr["X-Amz-Target"] = tc.target
			}
			a := h.do(t, http.MethodPost, "/", hdr, tc.body)
			wantError(t, a, http.StatusBadRequest, tc.code)
			msg, _ := a.json["message"].(string)
			if msg == "" {
				t.Errorf("got no message, want a short explanation")
			}
			if tc.code == "UnknownOperationException" {
				want := tc.target
				if want == "" {
					want = "X-Amz-Target"
				}
				if !strings.Contains(msg, want) {
					t.Errorf("got message %q, want it to name %q", msg, want)
				}
			}
		})
	}

	t.Run("plain JSON and no Content-Type are accepted", func(t *testing.T) {
		for _, ct := range []string{"application/json", "", "application/x-amz-json-1.1; charset=utf-8"} {
			a := h.do(t, http.MethodPost, "/", map[string]string{"X-Amz-Target": "TrentService.GenerateRandom", "Content-Type": ct}, `{"NumberOfBytes":2}`)
			if a.status != http.StatusOK || a.json["Plaintext"] != "AAE=" {
				t.Errorf("Content-Type %q: got %d %s, want 200 Plaintext AAE=", ct, a.status, a.body)
			}
			if got := a.header.Get("Content-Type"); got != contentTypeJSON11 {
				t.Errorf("got answer Content-Type %q, want %q", got, contentTypeJSON11)
			}
		}
	})

	t.Run("an empty body is the empty object", func(t *testing.T) {
		a := h.call(t, "ListAliases", "")
		if a.status != http.StatusOK {
			t.Errorf("got %d %s, want 200", a.status, a.body)
		}
	})
}

func TestLogNeverHoldsPlaintextOrBlobs(t *testing.T) {
	h := newHarness(t, nil)
	secret := []byte("TOP-SECRET-PLAINTEXT-4242")
	enc, err := h.client.Encrypt(context.Background(), &kms.EncryptInput{
		KeyId:             aws.String("alias/app"),
		Plaintext:         secret,
		EncryptionContext: map[string]string{"purpose": "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(enc.ResultMetadata)
	if _, err := h.client.Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Fatal(err)
	}
	_ = h.call(t, "Encrypt", `{"Plaintext":"`+base64.StdEncoding.EncodeToString(secret)+`","KeyId":5}`)
	line := h.logLine(t, id)
	for _, k := range []string{"request_id", "operation", "key_arn", "region", "status", "error_code", "duration_ms"} {
		if _, ok := line[k]; !ok {
			t.Errorf("the log line lacks %q: %v", k, line)
		}
	}
	if ms, ok := line["duration_ms"].(float64); !ok || ms < 0 {
		t.Errorf("got duration_ms %#v, want a number of milliseconds", line["duration_ms"])
	}
	if line["operation"] != "Encrypt" || line["key_arn"] != "arn:aws:kms:eu-west-1:111122223333:key/alias/app" || line["status"] != float64(200) {
		t.Errorf("got log line %v, want Encrypt, the key ARN and status 200", line)
	}
	logs := h.logs.String()
	for _, needle := range []string{
		string(secret),
		base64.StdEncoding.EncodeToString(secret),
		base64.StdEncoding.EncodeToString(enc.CiphertextBlob),
		base64.StdEncoding.EncodeToString(secret[:18]),
	} {
		if strings.Contains(logs, needle) {
			t.Errorf("the log holds %q:\n%s", needle, logs)
		}
	}
	if n := strings.Count(logs, "\n"); n != 3 {
		t.Errorf("got %d log lines for 3 requests, want 3:\n%s", n, logs)
	}
}

// chunked hides its length so that the request is sent without Content-Length.
type chunked struct{ r io.Reader }

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestEveryOperationThroughTheSDKCarriesEveryMember(t *testing.T) {
	rec := &recordingBackend{}
	h := newHarness(t, func(c *Config) { c.Backend = rec })
	client := reflect.ValueOf(h.client)
	bt := reflect.TypeFor[kmsgate.Backend]()
	for i := range bt.NumMethod() {
		name := bt.Method(i).Name
		t.Run(name+" sends its whole input and gets its whole output", func(t *testing.T) {
			inType := bt.Method(i).Type.In(1).Elem()
			in := reflect.New(inType)
			sdkvalues.Fill(in.Elem(), 1)
			res := client.MethodByName(name).Call([]reflect.Value{reflect.ValueOf(context.Background()), in})
			if err, _ := res[1].Interface().(error); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := rec.input(name); !reflect.DeepEqual(got, in.Interface()) {
				t.Errorf("the backend got %+v, want %+v", reflect.ValueOf(got).Elem(), in.Elem())
			}
			out := res[0].Elem()
			out.FieldByName("ResultMetadata").SetZero()
			want := reflect.New(out.Type())
			sdkvalues.Fill(want.Elem(), 3)
			if !reflect.DeepEqual(out.Interface(), want.Elem().Interface()) {
				t.Errorf("the SDK got %+v, want %+v", out, want.Elem())
			}
		})
	}
}

// Routing goes through the mux route table: exact paths reach their
// handler; every other path, clean or not ("//", "/../x", "/healthz/.."),
// is a JSON 404 as the README promises, never a redirect with an empty body.
func TestRoutingKeepsMuxBehaviourForEveryPath(t *testing.T) {
	h := New(Config{Backend: &testBackend{}, Logger: zerolog.Nop(), Account: testAccount})
	tests := []struct {
		method, path string
		wantStatus   int
		wantLocation string
	}{
		{http.MethodGet, "/healthz", http.StatusOK, ""},
		{http.MethodGet, "//healthz", http.StatusNotFound, ""},
		{http.MethodPost, "/./", http.StatusNotFound, ""},
		{http.MethodPost, "//", http.StatusNotFound, ""},
		{http.MethodPost, "/../x", http.StatusNotFound, ""},
		{http.MethodGet, "/healthz/..", http.StatusNotFound, ""},
		{http.MethodPost, "/healthz/..", http.StatusNotFound, ""},
		{http.MethodGet, "/healthz/", http.StatusNotFound, ""},
		{http.MethodPost, "/healthz", http.StatusNotFound, ""},
		{http.MethodGet, "/HEALTHZ", http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path+" answers "+strconv.Itoa(tc.wantStatus), func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.wantStatus {
				t.Errorf("got status %d, want %d", rec.Code, tc.wantStatus)
			}
			if got := rec.Header().Get("Location"); got != tc.wantLocation {
				t.Errorf("got Location %q, want %q", got, tc.wantLocation)
			}
			if len(rec.Header()[headerRequestID]) != 1 {
				t.Error("got no request id")
			}
			if rec.Code == http.StatusNotFound {
				var body struct {
					Type string `json:"__type"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Type != "UnknownOperationException" {
					t.Errorf("got body %q, want a JSON UnknownOperationException", rec.Body.String())
				}
			}
		})
	}
}

// A credential scoped to another service is AWS's InvalidSignatureException
// (with auth off too: the scope is read to find the region).
func TestCredentialOfAnotherServiceIsInvalidSignatureException(t *testing.T) {
	h := newHarness(t, nil)
	a := h.do(t, http.MethodPost, "/", map[string]string{
		"X-Amz-Target":  "TrentService.GenerateRandom",
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=ab",
	}, `{"NumberOfBytes":1}`)
	wantError(t, a, http.StatusBadRequest, "InvalidSignatureException")
	if got, want := fmt.Sprint(a.json["message"]), "Credential should be scoped to correct service: 'kms'. "; got != want {
		t.Errorf("got message %q, want %q", got, want)
	}
}
