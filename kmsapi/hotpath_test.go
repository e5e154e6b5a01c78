package kmsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
)

// The hot path: one GenerateDataKey as the seed's engine sends it (signed
// by the SDK's signer), through the whole handler with a backend that
// allocates nothing, so that what is measured is the wire's own work.

const (
	hotKeyID  = "AKIAHOT"
	hotSecret = "hot-secret"
)

var hotBody = []byte(`{"KeyId":"alias/jumpwire/bench","KeySpec":"AES_256"}`)

// fixedBackend answers GenerateDataKey with out, allocating nothing.
type fixedBackend struct {
	kmsgate.Backend
	out *kms.GenerateDataKeyOutput
}

func (b *fixedBackend) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return b.out, nil
}

// hotSigned is hotBody signed at now as aws-sdk-go-v2 signs it: its
// Host and the headers the handler sees.
func hotSigned(tb testing.TB, now time.Time) (host string, header http.Header) {
	tb.Helper()
	signed, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4599/", bytes.NewReader(hotBody))
	if err != nil {
		tb.Fatal(err)
	}
	signed.Header.Set("Content-Type", contentTypeJSON11)
	signed.Header.Set("X-Amz-Target", "TrentService.GenerateDataKey")
	sum := sha256.Sum256(hotBody)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: hotKeyID, SecretAccessKey: hotSecret}, signed,
		hex.EncodeToString(sum[:]), "kms", "us-east-1", now); err != nil {
		tb.Fatal(err)
	}
	header = http.Header{}
	for _, name := range []string{"Content-Type", "X-Amz-Target", "X-Amz-Date", "Authorization"} {
		header[name] = signed.Header[name]
	}
	return signed.Host, header
}

// hotServer is the handler over fixedBackend, with the access key the
// request is signed with.
func hotServer(auth AuthMode, now time.Time) *server {
	out := &kms.GenerateDataKeyOutput{
		KeyId:          aws.String("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		CiphertextBlob: bytes.Repeat([]byte{0xc7}, 184),
		Plaintext:      bytes.Repeat([]byte{0x42}, 32),
	}
	return New(Config{
		Backend: &fixedBackend{out: out}, Logger: zerolog.Nop(), DefaultRegion: "us-east-1", Account: testAccount,
		Keys: func(id string) (AccessKey, bool) {
			if id != hotKeyID {
				return AccessKey{}, false
			}
			return AccessKey{Principal: "arn:aws:iam::111122223333:user/app", Secret: hotSecret}, true
		},
		Auth: auth, Now: func() time.Time { return now },
		NewRequestID: func() string { return "00000000-0000-4000-8000-000000000000" },
	}).(*server)
}

// reusedExchange is one request and a response writer that can be served
// again and again without allocating themselves.
type reusedExchange struct {
	req    *http.Request
	body   bytes.Reader
	w      discardWriter
	header http.Header
}

func newReusedExchange(tb testing.TB, now time.Time) *reusedExchange {
	host, header := hotSigned(tb, now)
	x := &reusedExchange{header: header}
	req, err := http.NewRequest(http.MethodPost, "/", &x.body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Host, req.Header, req.RemoteAddr = host, header, "127.0.0.1:50000"
	req.RequestURI, req.ContentLength = "/", int64(len(hotBody))
	req.Body = io.NopCloser(&x.body)
	x.req = req
	x.w.header = make(http.Header, 4)
	return x
}

// serve runs h once; the answer's status must be 200.
func (x *reusedExchange) serve(tb testing.TB, h http.Handler) {
	x.body.Reset(hotBody)
	clear(x.w.header)
	x.w.status = 0
	h.ServeHTTP(&x.w, x.req)
	if x.w.status != http.StatusOK {
		tb.Fatalf("got status %d %s, want 200", x.w.status, x.w.last)
	}
}

// discardWriter is a ResponseWriter that keeps the status only.
type discardWriter struct {
	header http.Header
	status int
	last   []byte // the last Write's bytes, kept only for failure messages
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.last = b
	return len(b), nil
}

// reportCPU starts counting the process's CPU time (user and system, every
// thread: the garbage collector's too); the function it returns reports it
// per operation as cpu-ns/op, which grows less than ns/op when other
// processes share the machine.
func reportCPU(b *testing.B) (stop func()) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

// BenchmarkServeSigned is the whole handler for one signed GenerateDataKey
// over a backend that does no work: the wire's cost per request, with
// signatures checked (verify) and not (off).
func BenchmarkServeSigned(b *testing.B) {
	now := time.Now()
	for _, auth := range []AuthMode{AuthOff, AuthVerify} {
		b.Run(auth.String(), func(b *testing.B) {
			h := hotServer(auth, now)
			x := newReusedExchange(b, now)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				x.serve(b, h)
			}
		})
	}
}

// BenchmarkVerify is the signature check alone: parseAuthorization and
// verify (the SDK signer's SignHTTP included).
func BenchmarkVerify(b *testing.B) {
	now := time.Now()
	x := newReusedExchange(b, now)
	v := &verifier{now: func() time.Time { return now }}
	key := AccessKey{Secret: hotSecret}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		cred, err := parseAuthorization(x.req.Header.Get("Authorization"))
		if err != nil {
			b.Fatal(err)
		}
		if err := v.verify(x.req, cred, key, hotBody); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHotPathAllocations pins the allocations of the handler's own work
// for one signed GenerateDataKey (the backend allocates nothing): a new
// allocation on this path costs every request.
func TestHotPathAllocations(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		auth AuthMode
		max  float64
	}{{AuthOff, 8}, {AuthVerify, 51}} {
		h := hotServer(tc.auth, now)
		x := newReusedExchange(t, now)
		got := testing.AllocsPerRun(200, func() { x.serve(t, h) })
		t.Logf("auth %s: %.1f allocations per request", tc.auth, got)
		want := tc.max
		if raceEnabled {
			want += 4 // 3 more measured with verify
		}
		if got > want {
			t.Errorf("auth %s: got %.1f allocations per request, want at most %.0f", tc.auth, got, want)
		}
	}
}
