package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/server"
)

// authFiles is gateFiles plus keys with a session token, an expired one
// and a tokenless one, for the identity table.
func authFiles(t *testing.T) string {
	t.Helper()
	path := gateFiles(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, []byte(`  - arn: arn:aws:sts::111122223333:assumed-role/Temp/session-1
    accessKeys:
      - id: ASIATEMP
        secret: temp-secret
        sessionToken: the-token
      - id: ASIAOLD
        secret: old-secret
        sessionToken: old-token
        expires: 2020-01-01T00:00:00Z
    policies: [policies/all.json]
`)...)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func withAuth(principals string) func(*server.Config) {
	return func(c *server.Config) {
		c.Auth, c.PrincipalsPath, c.PolicyMode = kmsapi.AuthVerify, principals, gate.Enforce
	}
}

func (in *instance) clientWith(region, id, secret, token string) *kms.Client {
	return sdkClient(kms.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, token),
		RetryMaxAttempts: 1,
	}, func(o *kms.Options) { o.BaseEndpoint = aws.String(in.srv.URL()) })
}

// signedRequest is a raw KMS request signed by the SDK's signer at a
// chosen time, for the cases the SDK client cannot make (a stale clock,
// another service's scope).
func signedRequest(t *testing.T, url, path, service string, at time.Time, id, secret string) *http.Request {
	t.Helper()
	body := []byte(`{"NumberOfBytes":8}`)
	method := http.MethodPost
	if path != "/" {
		method, body = http.MethodGet, nil
	}
	req, err := http.NewRequest(method, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService.GenerateRandom")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), service, testRegion, at); err != nil {
		t.Fatal(err)
	}
	return req
}

// send answers status, __type and message of a raw request.
func send(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(raw, &e)
	return resp.StatusCode, e.Type, e.Message
}

func TestAuthVerifyIdentityTable(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 25, 14, 57, 51, 0, time.UTC)
	in := start(t, withAuth(authFiles(t)))
	gr := &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(8)}

	t.Run("a known key with the right secret is served", func(t *testing.T) {
		out := must(in.clientWith(testRegion, "AKIAADMIN", "admin-secret", "").GenerateRandom(ctx, gr))(t)
		if len(out.Plaintext) != 8 {
			t.Fatalf("got %d bytes, want 8", len(out.Plaintext))
		}
	})
	t.Run("a session key with its token is served", func(t *testing.T) {
		must(in.clientWith(testRegion, "ASIATEMP", "temp-secret", "the-token").GenerateRandom(ctx, gr))(t)
	})
	invalidToken := "The security token included in the request is invalid."
	for _, tc := range []struct {
		name, id, secret, token, code, msg string
	}{
		{"an unknown access key", "AKIAUNKNOWN", "x", "", "UnrecognizedClientException", invalidToken},
		{"a session key without its token", "ASIATEMP", "temp-secret", "", "UnrecognizedClientException", invalidToken},
		{"a session key with another token", "ASIATEMP", "temp-secret", "not-the-token", "UnrecognizedClientException", invalidToken},
		{"a token on a key that has none", "AKIAADMIN", "admin-secret", "a-token", "UnrecognizedClientException", invalidToken},
		{"an expired session", "ASIAOLD", "old-secret", "old-token", "ExpiredTokenException", "The security token included in the request is expired"},
		{"a wrong secret", "AKIAADMIN", "not-the-secret", "", "InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := in.clientWith(testRegion, tc.id, tc.secret, tc.token).GenerateRandom(ctx, gr)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}

	fixed := start(t, withAuth(authFiles(t)), func(c *server.Config) { c.SignatureClock = func() time.Time { return now } })
	t.Run("X-Amz-Date too old", func(t *testing.T) {
		status, code, msg := send(t, signedRequest(t, fixed.srv.URL(), "/", "kms", now.Add(-23*time.Minute-18*time.Second), "AKIAADMIN", "admin-secret"))
		if status != 400 || code != "InvalidSignatureException" || msg != "Signature expired: 20260325T143433Z is now earlier than 20260325T145251Z (20260325T145751Z - 5 min.)" {
			t.Fatalf("got %d %s %q, want 400 InvalidSignatureException with AWS's expired text", status, code, msg)
		}
	})
	t.Run("X-Amz-Date too far ahead", func(t *testing.T) {
		status, code, msg := send(t, signedRequest(t, fixed.srv.URL(), "/", "kms", now.Add(6*time.Minute), "AKIAADMIN", "admin-secret"))
		if status != 400 || code != "InvalidSignatureException" || msg != "Signature not yet current: 20260325T150351Z is still later than 20260325T150251Z (20260325T145751Z + 5 min.)" {
			t.Fatalf("got %d %s %q, want 400 InvalidSignatureException with AWS's not-yet-current text", status, code, msg)
		}
	})
	ahead := start(t, withAuth(authFiles(t)), func(c *server.Config) {
		c.SignatureClock = func() time.Time { return time.Now().Add(10 * time.Minute) }
	})
	t.Run("the SDK's own request from a clock 10 minutes behind", func(t *testing.T) {
		_, err := ahead.clientWith(testRegion, "AKIAADMIN", "admin-secret", "").GenerateRandom(ctx, gr)
		wantAPIError(t, err, "InvalidSignatureException", "-")
		if !regexp.MustCompile(`^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$`).MatchString(apiMessage(err)) {
			t.Fatalf("got %q, want AWS's expired text", apiMessage(err))
		}
	})
	t.Run("a credential scoped to another service", func(t *testing.T) {
		status, code, msg := send(t, signedRequest(t, in.srv.URL(), "/", "s3", time.Now(), "AKIAADMIN", "admin-secret"))
		if status != 400 || code != "InvalidSignatureException" || msg != "Credential should be scoped to correct service: 'kms'. " {
			t.Fatalf("got %d %s %q, want 400 InvalidSignatureException naming kms", status, code, msg)
		}
	})
	t.Run("no Authorization header", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, in.srv.URL()+"/", bytes.NewReader([]byte(`{"NumberOfBytes":8}`)))
		req.Header.Set("X-Amz-Target", "TrentService.GenerateRandom")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		status, code, msg := send(t, req)
		if status != 400 || code != "MissingAuthenticationTokenException" || msg != "Missing Authentication Token" {
			t.Fatalf("got %d %s %q, want 400 MissingAuthenticationTokenException", status, code, msg)
		}
	})
	t.Run("a tampered body fails the signature", func(t *testing.T) {
		req := signedRequest(t, in.srv.URL(), "/", "kms", time.Now(), "AKIAADMIN", "admin-secret")
		req.Body = io.NopCloser(bytes.NewReader([]byte(`{"NumberOfBytes":9}`)))
		status, code, _ := send(t, req)
		if status != 400 || code != "InvalidSignatureException" {
			t.Fatalf("got %d %s, want 400 InvalidSignatureException", status, code)
		}
	})
	t.Run("the scope's region is the region the call acts in", func(t *testing.T) {
		k := must(in.clientWith("eu-west-1", "AKIAADMIN", "admin-secret", "").CreateKey(ctx, &kms.CreateKeyInput{}))(t)
		if got := aws.ToString(k.KeyMetadata.Arn); !regexp.MustCompile(`^arn:aws:kms:eu-west-1:111122223333:key/`).MatchString(got) {
			t.Fatalf("got %s, want a key in eu-west-1", got)
		}
	})
	t.Run("/healthz needs no signature", func(t *testing.T) {
		resp, err := http.Get(in.srv.URL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
	})
	t.Run("the admin paths need an admin principal's signature", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, in.srv.URL()+"/_kmsgate/decisions?limit=5", nil)
		if status, code, _ := send(t, req); status != 400 || code != "MissingAuthenticationTokenException" {
			t.Fatalf("unsigned: got %d %s, want 400 MissingAuthenticationTokenException", status, code)
		}
		status, code, msg := send(t, signedRequest(t, in.srv.URL(), "/_kmsgate/decisions?limit=5", "kms", time.Now(), "AKIAAPP", "app-secret"))
		if status != 400 || code != "AccessDeniedException" || msg != "User: "+appARN+" is not authorized to use the kmsgate admin path /_kmsgate/decisions: the principal is not marked admin in the principals file." {
			t.Fatalf("app: got %d %s %q, want 400 AccessDeniedException", status, code, msg)
		}
		if status, code, _ := send(t, signedRequest(t, in.srv.URL(), "/_kmsgate/decisions?limit=5", "kms", time.Now(), "AKIAADMIN", "admin-secret")); status != 200 {
			t.Fatalf("admin: got %d %s, want 200", status, code)
		}
	})
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// presignedRequest is a GenerateRandom POST presigned by the SDK's signer
// (X-Amz-Signature in the query, the headers left as headers), body
// tampered with when tamper is set.
func presignedRequest(t *testing.T, url string, at time.Time, expires, id, secret string, tamper bool) *http.Request {
	t.Helper()
	body := []byte(`{"NumberOfBytes":8}`)
	req, err := http.NewRequest(http.MethodPost, url+"/?X-Amz-Expires="+expires, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService.GenerateRandom")
	sum := sha256.Sum256(body)
	uri, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true }).PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), "kms", testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	if tamper {
		body = []byte(`{"NumberOfBytes":9}`)
	}
	out, err := http.NewRequest(http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out.Header = req.Header.Clone()
	return out
}

// TestAuthVerifyPresignedQuery: a request presigned in the query string
// (SigV4's query form) is verified as the header form is.
func TestAuthVerifyPresignedQuery(t *testing.T) {
	in := start(t, withAuth(authFiles(t)))
	now := time.Now().UTC()
	mismatch := "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	for _, tc := range []struct {
		name           string
		req            *http.Request
		status         int
		code, msgMatch string
	}{
		{"a valid presigned request", presignedRequest(t, in.srv.URL(), now, "300", "AKIAADMIN", "admin-secret", false), 200, "", ""},
		{"a wrong secret", presignedRequest(t, in.srv.URL(), now, "300", "AKIAADMIN", "wrong", false), 400, "InvalidSignatureException", "^" + regexp.QuoteMeta(mismatch) + "$"},
		{"a body changed after signing", presignedRequest(t, in.srv.URL(), now, "300", "AKIAADMIN", "admin-secret", true), 400, "InvalidSignatureException", "^" + regexp.QuoteMeta(mismatch) + "$"},
		{"an unknown access key", presignedRequest(t, in.srv.URL(), now, "300", "AKIANOBODY", "x", false), 400, "UnrecognizedClientException", "^The security token included in the request is invalid.$"},
		{"past X-Amz-Expires", presignedRequest(t, in.srv.URL(), now.Add(-2*time.Minute), "60", "AKIAADMIN", "admin-secret", false), 400, "InvalidSignatureException", `^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 60 sec\.\)$`},
		{"outside the 5-minute window", presignedRequest(t, in.srv.URL(), now.Add(-10*time.Minute), "3600", "AKIAADMIN", "admin-secret", false), 400, "InvalidSignatureException", `^Signature expired: .* - 5 min\.\)$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, msg := send(t, tc.req)
			if status != tc.status || code != tc.code || !regexp.MustCompile(tc.msgMatch).MatchString(msg) {
				t.Fatalf("got %d %s %q, want %d %s matching %s", status, code, msg, tc.status, tc.code, tc.msgMatch)
			}
		})
	}
}

// TestAuthVerifyAcceptsEveryHeaderTheClientSigned: some SDKs (the AWS SDK
// for Java 1.x) sign User-Agent, which aws-sdk-go-v2's signer leaves out of
// what it signs itself; the server must check the headers the request
// names in SignedHeaders, whatever its own signer would have signed.
func TestAuthVerifyAcceptsEveryHeaderTheClientSigned(t *testing.T) {
	in := start(t, withAuth(authFiles(t)))
	body := []byte(`{"NumberOfBytes":8}`)
	req, err := http.NewRequest(http.MethodPost, in.srv.URL()+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService.GenerateRandom")
	// Under its lower-case name the SDK's signer signs it, as Java's does.
	req.Header["user-agent"] = []string{"aws-sdk-java/1.12.0 Linux/6.1"}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIAADMIN", SecretAccessKey: "admin-secret"}, req,
		hex.EncodeToString(sum[:]), "kms", testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	req.Header["User-Agent"] = []string{""} // net/http then sends no User-Agent of its own
	if !regexp.MustCompile(`SignedHeaders=[^,]*user-agent`).MatchString(req.Header.Get("Authorization")) {
		t.Fatalf("got Authorization %q, want user-agent among the signed headers", req.Header.Get("Authorization"))
	}
	if status, code, msg := send(t, req); status != 200 {
		t.Fatalf("got %d %s %q, want 200", status, code, msg)
	}
}
