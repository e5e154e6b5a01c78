package kmsgatetest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/kmsgatetest"
)

// In a test, pass the test's *testing.T to New. An Example has no
// *testing.T, so these use exampleT, a stand-in with the same methods.

func ExampleNew() {
	t := newExampleT() // in a test: func TestX(t *testing.T)
	defer t.cleanup()

	srv := kmsgatetest.New(t)
	client := srv.Client()
	srv.CreateKey(t, "alias/app/test")

	ctx := context.Background()
	enc, err := client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/app/test"), Plaintext: []byte("hello")})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	dec, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	fmt.Printf("%s\n", dec.Plaintext)
	// Output: hello
}

func ExampleWithSeedYAML() {
	t := newExampleT()
	defer t.cleanup()

	srv := kmsgatetest.New(t, kmsgatetest.WithSeedYAML(`
keys:
  - id: 0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e
    description: payments master key
    aliases: [alias/jumpwire/payments]
`))
	out, err := srv.Client().DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String("alias/jumpwire/payments")})
	if err != nil {
		t.Fatalf("DescribeKey: %v", err)
	}
	fmt.Println(*out.KeyMetadata.KeyId, *out.KeyMetadata.Description)
	// Output: 0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e payments master key
}

func ExampleWithSeedFile() {
	t := newExampleT()
	defer t.cleanup()

	srv := kmsgatetest.New(t, kmsgatetest.WithSeedFile("../emulator/seed/testdata/kmsgate-example.yaml"))
	out, err := srv.Client().DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String("alias/signing")})
	if err != nil {
		t.Fatalf("DescribeKey: %v", err)
	}
	fmt.Println(out.KeyMetadata.KeySpec, out.KeyMetadata.KeyUsage)
	// Output: ECC_NIST_P256 SIGN_VERIFY
}

func ExampleWithAccount() {
	t := newExampleT()
	defer t.cleanup()

	srv := kmsgatetest.New(t, kmsgatetest.WithAccount("444455556666"), kmsgatetest.WithRegion("eu-west-1"))
	srv.CreateKey(t, "alias/eu")
	out, err := srv.Client().DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String("alias/eu")})
	if err != nil {
		t.Fatalf("DescribeKey: %v", err)
	}
	arnPrefix, _, _ := strings.Cut(*out.KeyMetadata.Arn, "key/")
	fmt.Println(arnPrefix)
	// Output: arn:aws:kms:eu-west-1:444455556666:
}

func ExampleServer_Advance() {
	t := newExampleT()
	defer t.cleanup()

	srv := kmsgatetest.New(t)
	client := srv.Client()
	ctx := context.Background()
	keyID := srv.CreateKey(t, "")
	if _, err := client.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatalf("ScheduleKeyDeletion: %v", err)
	}

	srv.Advance(7*24*time.Hour + time.Minute) // the deletion window passes at once

	_, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &keyID})
	var nf *types.NotFoundException
	fmt.Println(errors.As(err, &nf))
	// Output: true
}

func ExampleServer_Requests() {
	t := newExampleT()
	defer t.cleanup()

	srv := kmsgatetest.New(t)
	client := srv.Client()
	keyID := srv.CreateKey(t, "")
	for range 3 {
		if _, err := client.GenerateDataKey(context.Background(), &kms.GenerateDataKeyInput{KeyId: &keyID, KeySpec: types.DataKeySpecAes256}); err != nil {
			t.Fatalf("GenerateDataKey: %v", err)
		}
	}
	// Count the KMS calls the code under test made, e.g. to check a cache.
	fmt.Println(srv.Requests("GenerateDataKey"), srv.Requests("Decrypt"))
	// Output: 3 0
}

func ExampleWithLog() {
	t := newExampleT()
	defer t.cleanup()

	// Each request's log line goes to t.Log: `go test -v` shows it, and a
	// failing test shows it next to the failure.
	srv := kmsgatetest.New(t, kmsgatetest.WithLog())
	srv.CreateKey(t, "alias/logged")
	srv.Stop()
	fmt.Println(t.logged("operation=CreateAlias"))
	// Output: true
}

// exampleT stands in for *testing.T in the examples: a temporary directory
// removed by cleanup, Cleanup functions run by cleanup, Fatalf panics.
type exampleT struct {
	dir      string
	cleanups []func()
	mu       sync.Mutex // the server logs from its own goroutines
	logs     []string
}

func newExampleT() *exampleT {
	dir, err := os.MkdirTemp("", "kmsgatetest-example-")
	if err != nil {
		panic(err)
	}
	return &exampleT{dir: dir}
}

func (t *exampleT) Helper()          {}
func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) TempDir() string  { return t.dir }
func (t *exampleT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.logs = append(t.logs, fmt.Sprint(args...))
}
func (t *exampleT) Errorf(f string, a ...any) { fmt.Printf("error: "+f+"\n", a...) }
func (t *exampleT) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

func (t *exampleT) logged(s string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.logs {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	os.RemoveAll(t.dir)
}

func ExampleWithPolicyMode() {
	t := newExampleT()
	defer t.cleanup()

	// The application's production policy: it may encrypt, not decrypt.
	srv := kmsgatetest.New(t, kmsgatetest.WithPolicyMode(gate.Enforce), kmsgatetest.WithIdentityPolicy(`{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": ["kms:CreateKey", "kms:CreateAlias", "kms:Encrypt"], "Resource": "*"}]}`))
	client := srv.Client()
	srv.CreateKey(t, "alias/app")
	ctx := context.Background()
	enc, err := client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/app"), Plaintext: []byte("x")})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	_, err = client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	var ae interface{ ErrorCode() string } // smithy.APIError

	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
	}
	// Output: AccessDeniedException
}
