package kmsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// TestVerifierSignerServesOneSecret: the SDK signer caches signing keys by
// access key id, region, service and day, not by secret; the verifier
// keeps one signer per secret, so a key whose secret changed never checks
// a signature against the old secret's cached signing key.
func TestVerifierSignerServesOneSecret(t *testing.T) {
	body := []byte(`{"KeyId":"alias/a","KeySpec":"AES_256"}`)
	now := time.Now()
	sign := func(secret string) (*http.Request, credential) {
		signed, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4599/", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		signed.Header.Set("Content-Type", "application/x-amz-json-1.1")
		signed.Header.Set("X-Amz-Target", "TrentService.GenerateDataKey")
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIAK", SecretAccessKey: secret}, signed,
			hex.EncodeToString(sum[:]), "kms", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Host = signed.Host
		for _, name := range []string{"Content-Type", "X-Amz-Target", "X-Amz-Date", "Authorization"} {
			r.Header[name] = signed.Header[name]
		}
		cred, err := parseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			t.Fatal(err)
		}
		return r, cred
	}
	v := &verifier{now: func() time.Time { return now }}
	oldReq, oldCred := sign("old-secret")
	newReq, newCred := sign("new-secret")
	for _, tc := range []struct {
		name      string
		r         *http.Request
		cred      credential
		secret    string
		wantValid bool
	}{
		{"the old secret's signature, the key holding the old secret", oldReq, oldCred, "old-secret", true},
		{"the old secret's signature once the secret changed", oldReq, oldCred, "new-secret", false},
		{"the new secret's signature", newReq, newCred, "new-secret", true},
		{"the new secret's signature checked against the old secret", newReq, newCred, "old-secret", false},
	} {
		err := v.verify(tc.r, tc.cred, AccessKey{Secret: tc.secret}, body)
		var ae smithy.APIError
		switch {
		case tc.wantValid && err != nil:
			t.Errorf("%s: got %v, want a valid signature", tc.name, err)
		case !tc.wantValid && (!errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException"):
			t.Errorf("%s: got %v, want InvalidSignatureException", tc.name, err)
		}
	}
}

// The verifier's pooled signing requests never carry one check into
// another: concurrent checks of different requests (signing different
// headers) each get their own answer, and a signature checked against
// another body fails.
func TestConcurrentVerifiesDoNotMix(t *testing.T) {
	now := time.Now()
	v := &verifier{now: func() time.Time { return now }}
	key := AccessKey{Secret: hotSecret}
	type signedReq struct {
		r    *http.Request
		cred credential
		body []byte
	}
	reqs := make([]signedReq, 8)
	for i := range reqs {
		body := []byte(`{"KeyId":"alias/k` + strconv.Itoa(i) + `","KeySpec":"AES_256"}`)
		signed, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4599/", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		signed.Header.Set("Content-Type", contentTypeJSON11)
		signed.Header.Set("X-Amz-Target", "TrentService.GenerateDataKey")
		names := []string{"Content-Type", "X-Amz-Target", "X-Amz-Date", "Authorization"}
		if i%2 == 1 { // half of them sign one more header
			signed.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
			names = append(names, "Amz-Sdk-Request")
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: hotKeyID, SecretAccessKey: hotSecret}, signed,
			hex.EncodeToString(sum[:]), "kms", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Host = signed.Host
		for _, name := range names {
			r.Header[name] = signed.Header[name]
		}
		cred, err := parseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			t.Fatal(err)
		}
		reqs[i] = signedReq{r, cred, body}
	}
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() {
			own, other := reqs[i], reqs[(i+1)%len(reqs)]
			for range 50 {
				if err := v.verify(own.r, own.cred, key, own.body); err != nil {
					t.Errorf("request %d: got %v, want a valid signature", i, err)
					return
				}
				var ae smithy.APIError
				if err := v.verify(own.r, own.cred, key, other.body); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
					t.Errorf("request %d with another body: got %v, want InvalidSignatureException", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
