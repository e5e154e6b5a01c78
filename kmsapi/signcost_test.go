package kmsapi

// What the SDK's signer costs verify: the expected signature of the hot
// request computed by aws-sdk-go-v2's SignHTTP (as verify does) and by a
// reference written here from the SigV4 steps (canonical request, string
// to sign, HMAC under the cached signing key). The reference is test code:
// issue 9 asks that kmsgate itself computes signatures with the SDK's
// signer; this file only measures what that choice costs, in one run, and
// checks that both give the signature the client sent.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// referenceSigner computes header-form SigV4 signatures for requests to
// "/" with no query (all KMS JSON requests), keeping the signing key of
// one (secret, date, region, service).
type referenceSigner struct {
	secret, scope string
	signingKey    []byte
	buf           []byte
}

func referenceHMAC(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signature is the hex signature of r (path "/", no query) under cred's
// scope and signed headers.
func (s *referenceSigner) signature(r *http.Request, cred credential, payloadHash string) string {
	scope := cred.date + "/" + cred.region + "/" + cred.service + "/aws4_request"
	if scope != s.scope {
		key := referenceHMAC([]byte("AWS4"+s.secret), cred.date)
		for _, part := range []string{cred.region, cred.service, "aws4_request"} {
			key = referenceHMAC(key, part)
		}
		s.scope, s.signingKey = scope, key
	}
	b := append(s.buf[:0], r.Method...)
	b = append(b, "\n/\n\n"...)
	for rest := cred.signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		b = append(append(b, name...), ':')
		switch name {
		case "host":
			b = append(b, r.Host...)
		case "content-length":
			b = strconv.AppendInt(b, r.ContentLength, 10)
		default:
			for i, v := range r.Header[canonicalHeaderKey(name)] {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, strings.TrimSpace(v)...)
			}
		}
		b = append(b, '\n')
	}
	b = append(append(append(b, '\n'), cred.signedHeaders...), '\n')
	b = append(b, payloadHash...)
	canonical := sha256.Sum256(b)
	b = append(s.buf[:0], "AWS4-HMAC-SHA256\n"...)
	b = append(append(b, r.Header.Get("X-Amz-Date")...), '\n')
	b = append(append(b, s.scope...), '\n')
	b = hex.AppendEncode(b, canonical[:])
	s.buf = b
	m := hmac.New(sha256.New, s.signingKey)
	m.Write(b)
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// sdkSignature is the expected signature as verify computes it: the
// request filled as the client signed it, then the SDK's signer.
func sdkSignature(tb testing.TB, v *verifier, r *http.Request, cred credential, payloadHash string, at time.Time) string {
	sr := v.getRequest()
	defer v.putRequest(sr)
	sig, _, ok := v.expectedSignature(sr.fill(r, cred.signedHeaders), aws.Credentials{AccessKeyID: cred.accessKeyID, SecretAccessKey: hotSecret}, cred, payloadHash, at)
	if !ok {
		tb.Fatal("the SDK's signer failed")
	}
	return sig
}

// hotCredential is what verify reads of x's request: its credential, its
// body's hash and its signing time.
func hotCredential(tb testing.TB, x *reusedExchange) (cred credential, payloadHash string, at time.Time) {
	tb.Helper()
	cred, err := parseAuthorization(x.req.Header.Get("Authorization"))
	if err != nil {
		tb.Fatal(err)
	}
	if cred.signedHeaders != "content-length;content-type;host;x-amz-date;x-amz-target" {
		tb.Fatalf("the hot request signs %q; the reference and sdkSignature expect the SDK's five headers", cred.signedHeaders)
	}
	if at, err = time.Parse(amzDateFormat, x.req.Header.Get("X-Amz-Date")); err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(hotBody)
	return cred, hex.EncodeToString(sum[:]), at
}

func TestReferenceSignatureAgreesWithTheSDK(t *testing.T) {
	now := time.Now()
	x := newReusedExchange(t, now)
	cred, payloadHash, at := hotCredential(t, x)
	ref := &referenceSigner{secret: hotSecret}
	if got := sdkSignature(t, &verifier{}, x.req, cred, payloadHash, at); got != cred.signature {
		t.Errorf("SDK: got signature %s, want the client's %s", got, cred.signature)
	}
	if got := ref.signature(x.req, cred, payloadHash); got != cred.signature {
		t.Errorf("reference: got signature %s, want the client's %s", got, cred.signature)
	}
	x.req.Header.Set("X-Amz-Target", "TrentService.Decrypt")
	if got := ref.signature(x.req, cred, payloadHash); got == cred.signature {
		t.Errorf("reference: a changed X-Amz-Target still gives the client's signature %s", got)
	}
}

// BenchmarkExpectedSignature is the expected signature of one signed
// GenerateDataKey computed by the SDK's signer (what verify pays) and by
// the reference: the difference is what a signer of kmsgate's own would
// save per request.
func BenchmarkExpectedSignature(b *testing.B) {
	now := time.Now()
	x := newReusedExchange(b, now)
	cred, payloadHash, at := hotCredential(b, x)
	b.Run("sdk", func(b *testing.B) {
		v := &verifier{}
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			sdkSignature(b, v, x.req, cred, payloadHash, at)
		}
	})
	b.Run("reference", func(b *testing.B) {
		ref := &referenceSigner{secret: hotSecret}
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			ref.signature(x.req, cred, payloadHash)
		}
	})
}
