package kmsapi

// SigV4 verification (--auth verify): the request is rebuilt with exactly
// the headers its Authorization names, signed again with aws-sdk-go-v2's
// signer under the access key's secret, and the two signatures are compared
// in constant time. Every failure answers as AWS does
// (../shared/reference/aws-auth-errors.md). The signer keeps the derived
// signing key per region and service and re-derives it when the day
// changes; kmsgate keeps one signer per access key, so that keys do not
// evict each other's signing keys.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// AuthMode is --auth.
type AuthMode uint8

// The authentication modes.
const (
	// AuthOff reads the access key id of a SigV4 header to pick the caller's
	// principal and checks nothing else.
	AuthOff AuthMode = iota
	// AuthVerify requires a valid SigV4 signature of a known access key on
	// every request but GET /healthz.
	AuthVerify
)

func (m AuthMode) String() string {
	if m == AuthVerify {
		return "verify"
	}
	return "off"
}

// ParseAuthMode reads off or verify.
func ParseAuthMode(s string) (AuthMode, error) {
	switch s {
	case "off":
		return AuthOff, nil
	case "verify":
		return AuthVerify, nil
	}
	return AuthOff, errors.New("unknown auth mode " + strconv.Quote(s) + " (off or verify)")
}

// signatureWindow is how far X-Amz-Date may be from now (JSON services: 5 minutes).
const signatureWindow = 5 * time.Minute

const amzDateFormat = "20060102T150405Z"

func authError(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

func invalidToken() error {
	return authError("UnrecognizedClientException", "The security token included in the request is invalid.")
}

func invalidSignature(msg string) error { return authError("InvalidSignatureException", msg) }

const signatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// canonicalHeaderKey is http.CanonicalHeaderKey without its allocation
// for the headers every KMS client signs.
func canonicalHeaderKey(name string) string {
	switch name {
	case "content-type":
		return "Content-Type"
	case "x-amz-date":
		return "X-Amz-Date"
	case "x-amz-target":
		return "X-Amz-Target"
	case "x-amz-security-token":
		return "X-Amz-Security-Token"
	case "x-amz-content-sha256":
		return "X-Amz-Content-Sha256"
	case "amz-sdk-invocation-id":
		return "Amz-Sdk-Invocation-Id"
	case "amz-sdk-request":
		return "Amz-Sdk-Request"
	case "accept-encoding":
		return "Accept-Encoding"
	}
	return http.CanonicalHeaderKey(name)
}

// verifier checks SigV4 signatures.
type verifier struct {
	now     func() time.Time
	signers sync.Map // access key id -> keySigner
	// requests holds *signingRequests between checks (see signingRequest).
	requests sync.Pool
}

// keySigner is the signer of one access key. The SDK's signer caches the
// signing key per region and service, checking the access key id and the
// day but not the secret, so a signer serves one secret only.
type keySigner struct {
	secret string
	signer *v4.Signer
	// presigner checks the query form: the query and headers as sent,
	// nothing hoisted from headers into the query.
	presigner *v4.Signer
}

func (v *verifier) signer(id, secret string) *keySigner {
	if s, ok := v.signers.Load(id); ok && s.(*keySigner).secret == secret {
		return s.(*keySigner)
	}
	s := &keySigner{secret: secret,
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableSessionToken = true }),
		presigner: v4.NewSigner(func(o *v4.SignerOptions) {
			o.DisableSessionToken, o.DisableHeaderHoisting = true, true
		})}
	v.signers.Store(id, s)
	return s
}

// signingRequest is the request handed to the signer, with its URL: one
// per check, taken from and put back in verifier.requests emptied (its
// header map keeps its room), so that a check does not allocate them.
// Nothing of it outlives the check: the signer keeps no reference.
type signingRequest struct {
	req http.Request
	url url.URL
}

func (v *verifier) getRequest() *signingRequest {
	if sr, ok := v.requests.Get().(*signingRequest); ok {
		return sr
	}
	return &signingRequest{req: http.Request{Header: make(http.Header, 6)}}
}

func (v *verifier) putRequest(sr *signingRequest) {
	h := sr.req.Header
	clear(h)
	*sr = signingRequest{req: http.Request{Header: h}}
	v.requests.Put(sr)
}

// fill makes sr the request as the client signed r: method, path, query,
// the headers signedHeaders names and the body's length. Nothing else goes
// to the signer, which signs every header it is given but those it never
// signs itself (User-Agent, Expect, X-Amzn-Trace-Id, ...), which it
// recognises by their canonical names: a header the client signed goes in
// under its lower-case name, so that it is signed whatever it is (the AWS
// SDK for Java 1.x signs User-Agent). X-Amz-Date keeps its canonical name:
// the signer writes it there itself.
func (sr *signingRequest) fill(r *http.Request, signedHeaders string) *http.Request {
	signed := &sr.req
	sr.url = url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	signed.Method, signed.URL, signed.Host = r.Method, &sr.url, r.Host
	for rest := signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		switch name {
		case "host":
			continue
		case "content-length":
			signed.ContentLength = r.ContentLength
			continue
		}
		ck := canonicalHeaderKey(name)
		if vals, ok := r.Header[ck]; ok {
			if name == "x-amz-date" {
				signed.Header[ck] = vals
			} else {
				signed.Header[name] = vals
			}
		}
	}
	return signed
}

// expectedSignature is the header-form signature of signed (fill) that
// aws-sdk-go-v2's signer computes under creds, in cred's scope, at at, and
// the signed headers it names; ok is false when the signer fails.
func (v *verifier) expectedSignature(signed *http.Request, creds aws.Credentials, cred credential, payloadHash string, at time.Time) (signature, signedHeaders string, ok bool) {
	if err := v.signer(cred.accessKeyID, creds.SecretAccessKey).signer.SignHTTP(context.Background(), creds, signed, payloadHash, cred.service, cred.region, at); err != nil {
		return "", "", false
	}
	auth := signed.Header.Get("Authorization")
	i := strings.LastIndex(auth, "Signature=")
	j := strings.Index(auth, "SignedHeaders=")
	if i < 0 || j < 0 {
		return "", "", false
	}
	signedHeaders, _, ok = strings.Cut(auth[j+len("SignedHeaders="):], ",")
	return auth[i+len("Signature="):], signedHeaders, ok
}

// verify checks the signature of r (whose body is body) made with key.
func (v *verifier) verify(r *http.Request, cred credential, key AccessKey, body []byte) error {
	token, rawDate := r.Header.Get("X-Amz-Security-Token"), r.Header.Get("X-Amz-Date")
	query := cred.query
	if cred.presigned {
		token, rawDate = query.Get("X-Amz-Security-Token"), query.Get("X-Amz-Date")
	}
	if key.SessionToken != "" || token != "" {
		if subtle.ConstantTimeCompare([]byte(token), []byte(key.SessionToken)) != 1 {
			return invalidToken()
		}
	}
	now := v.now().UTC()
	if !key.Expires.IsZero() && !now.Before(key.Expires) {
		return authError("ExpiredTokenException", "The security token included in the request is expired")
	}
	if rawDate == "" {
		return incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", r.Header.Get("Authorization"))
	}
	at, err := time.Parse(amzDateFormat, rawDate)
	if err != nil {
		return incompleteSignature("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", rawDate)
	}
	switch {
	case at.Before(now.Add(-signatureWindow)):
		return invalidSignature("Signature expired: " + rawDate + " is now earlier than " + now.Add(-signatureWindow).Format(amzDateFormat) +
			" (" + now.Format(amzDateFormat) + " - 5 min.)")
	case at.After(now.Add(signatureWindow)):
		return invalidSignature("Signature not yet current: " + rawDate + " is still later than " + now.Add(signatureWindow).Format(amzDateFormat) +
			" (" + now.Format(amzDateFormat) + " + 5 min.)")
	}
	if cred.presigned {
		// X-Amz-Expires bounds a presigned request further (text
		// unverified against AWS).
		if secs, err := strconv.Atoi(query.Get("X-Amz-Expires")); err == nil && secs >= 0 && now.After(at.Add(time.Duration(secs)*time.Second)) {
			return invalidSignature("Signature expired: " + rawDate + " is now earlier than " + now.Add(-time.Duration(secs)*time.Second).Format(amzDateFormat) +
				" (" + now.Format(amzDateFormat) + " - " + strconv.Itoa(secs) + " sec.)")
		}
	}
	sr := v.getRequest()
	defer v.putRequest(sr)
	signed := sr.fill(r, cred.signedHeaders)
	sum := sha256.Sum256(body)
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	payloadHash := string(hexSum[:])
	creds := aws.Credentials{AccessKeyID: cred.accessKeyID, SecretAccessKey: key.Secret}
	if cred.presigned {
		return v.verifyPresigned(signed, query, cred, creds, payloadHash, at)
	}
	wantSig, wantHeaders, found := v.expectedSignature(signed, creds, cred, payloadHash, at)
	if !found {
		return invalidSignature(signatureMismatch)
	}
	ok := subtle.ConstantTimeCompare([]byte(wantSig), []byte(cred.signature)) == 1
	// The scope the client signed must be the one recomputed (its date is
	// X-Amz-Date's day).
	ok = ok && wantHeaders == cred.signedHeaders && cred.date == rawDate[:8]
	if !ok {
		return invalidSignature(signatureMismatch)
	}
	return nil
}

// verifyPresigned checks the query form: the request signed again with
// the query it came with (less X-Amz-Signature) must give the signature
// and the signed headers it carries.
func (v *verifier) verifyPresigned(signed *http.Request, query url.Values, cred credential, creds aws.Credentials, payloadHash string, at time.Time) error {
	q := make(url.Values, len(query))
	for k, vs := range query {
		if k != "X-Amz-Signature" {
			q[k] = vs
		}
	}
	signed.URL.RawQuery = q.Encode()
	uri, _, err := v.signer(creds.AccessKeyID, creds.SecretAccessKey).presigner.PresignHTTP(context.Background(), creds, signed, payloadHash, cred.service, cred.region, at)
	if err != nil {
		return invalidSignature(signatureMismatch)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return invalidSignature(signatureMismatch)
	}
	want := u.Query()
	ok := subtle.ConstantTimeCompare([]byte(want.Get("X-Amz-Signature")), []byte(cred.signature)) == 1
	ok = ok && want.Get("X-Amz-SignedHeaders") == cred.signedHeaders && cred.date == query.Get("X-Amz-Date")[:8]
	if !ok {
		return invalidSignature(signatureMismatch)
	}
	return nil
}
