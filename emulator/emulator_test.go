package emulator_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

const (
	testAccount = "111122223333"
	testRegion  = "eu-west-1"
	arnPrefix   = "arn:aws:kms:eu-west-1:111122223333:"
)

// env is one emulator over a real bbolt file with a movable clock.
type env struct {
	t     testing.TB
	svc   *emulator.Service
	clock *kmsgate.Clock
	path  string
	db    *storage.DB
	ctx   context.Context
	rand  io.Reader // the Service's random source
}

var start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newEnv(t *testing.T) *env { t.Helper(); return newEnvTB(t) }

func newEnvTB(t testing.TB) *env { t.Helper(); return newEnvRand(t, rand.Reader) }

// newEnvRand is newEnv with r for the random source.
func newEnvRand(t testing.TB, r io.Reader) *env {
	t.Helper()
	e := &env{t: t, clock: kmsgate.NewClock(func() time.Time { return start }), path: filepath.Join(t.TempDir(), "kmsgate.db"), rand: r}
	e.ctx = kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: testAccount, Region: testRegion})
	e.open()
	return e
}

// open (re)opens the store and builds a fresh Service over it.
func (e *env) open() {
	e.t.Helper()
	e.db = storagetest.Open(e.t, e.path, storagetest.RootKey())
	svc, err := emulator.New(emulator.Config{DB: e.db, Account: testAccount, Region: testRegion, Now: e.clock.Now, Rand: e.rand, Logger: zerolog.Nop()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
}

// restart closes the store and opens it again with a new Service.
func (e *env) restart() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// in returns a context calling from another region (same account).
func (e *env) in(region string) context.Context { return callerCtx(testAccount, region) }

func callerCtx(account, region string) context.Context {
	return kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: account, Region: region})
}

func (e *env) createKey(in *kms.CreateKeyInput) string {
	e.t.Helper()
	if in == nil {
		in = &kms.CreateKeyInput{}
	}
	out, err := e.svc.CreateKey(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateKey: %v", err)
	}
	return aws.ToString(out.KeyMetadata.KeyId)
}

func (e *env) alias(name, keyID string) {
	e.t.Helper()
	if _, err := e.svc.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(keyID)}); err != nil {
		e.t.Fatalf("CreateAlias(%s): %v", name, err)
	}
}

func (e *env) encrypt(keyID string, pt string, ec map[string]string) []byte {
	e.t.Helper()
	out, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte(pt), EncryptionContext: ec})
	if err != nil {
		e.t.Fatalf("Encrypt: %v", err)
	}
	return out.CiphertextBlob
}

func (e *env) decrypt(blob []byte, ec map[string]string) (string, error) {
	out, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
	if err != nil {
		return "", err
	}
	return string(out.Plaintext), nil
}

func (e *env) describe(keyID string) *kms.DescribeKeyOutput {
	e.t.Helper()
	out, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		e.t.Fatalf("DescribeKey(%s): %v", keyID, err)
	}
	return out
}

// wantErr fails unless err is an API error with code and (when msg is not
// "*") exactly message msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %s %q", code, msg)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got non-API error %v (%T), want %s", err, err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code: got %s (%q), want %s (%q)", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	if msg != "*" && ae.ErrorMessage() != msg {
		t.Fatalf("%s message:\n got %q\nwant %q", code, ae.ErrorMessage(), msg)
	}
	if ae.ErrorFault() != smithy.FaultClient && code != "KMSInternalException" {
		t.Errorf("%s fault: got %v, want client", code, ae.ErrorFault())
	}
}

// wantErrLike is wantErr for a message that names a generated value: it
// must match re.
func wantErrLike(t *testing.T, err error, code string, re *regexp.Regexp) {
	t.Helper()
	wantErr(t, err, code, "*")
	var ae smithy.APIError
	errors.As(err, &ae)
	if !re.MatchString(ae.ErrorMessage()) {
		t.Fatalf("%s message:\n got %q\nwant a match of %s", code, ae.ErrorMessage(), re)
	}
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func TestNewNeedsADB(t *testing.T) {
	if _, err := emulator.New(emulator.Config{}); err == nil {
		t.Fatal("New without DB: got nil error")
	}
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}
