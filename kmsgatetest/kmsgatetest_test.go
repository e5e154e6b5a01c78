package kmsgatetest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/internal/sdkhttp"
	"github.com/kmsgate/kmsgate/kmsgatetest"
	"github.com/kmsgate/kmsgate/server"
)

var ctx = context.Background()

func TestNewClientCreateKeyRoundTrip(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t)
	c := srv.Client()
	id := srv.CreateKey(t, "alias/app/test")
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/app/test"), Plaintext: []byte("card 4111")})
	if err != nil {
		t.Fatalf("Encrypt through the alias: %v", err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if string(dec.Plaintext) != "card 4111" {
		t.Errorf("got plaintext %q, want %q", dec.Plaintext, "card 4111")
	}
	wantARN := "arn:aws:kms:us-east-1:111122223333:key/" + id
	if got := aws.ToString(dec.KeyId); got != wantARN {
		t.Errorf("got KeyId %s, want %s", got, wantARN)
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("got URL %s, want a loopback URL", srv.URL)
	}
}

// Every client sends through sdkhttp.Guard: without it, a large answer (an
// ML-DSA signature) could be cut off by the SDK's own request body when the
// machine is loaded (internal/sdkhttp plays that race).
func TestClientsSendThroughSDKHTTPGuard(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t)
	for _, tc := range []struct {
		name   string
		client *kms.Client
	}{
		{"Client", srv.Client()},
		{"ClientIn", srv.ClientIn("eu-west-1")},
		{"ClientWith", srv.ClientWith("AKIDOTHER", "other-secret")},
	} {
		if _, ok := tc.client.Options().HTTPClient.(sdkhttp.Guarded); !ok {
			t.Errorf("%s: got HTTPClient %T, want an sdkhttp.Guarded", tc.name, tc.client.Options().HTTPClient)
		}
	}
}

func TestCreateKeyWithoutAnAliasMakesNoAlias(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t)
	id := srv.CreateKey(t, "")
	out, err := srv.Client().ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Aliases) != 0 {
		t.Errorf("got aliases %v, want none", out.Aliases)
	}
}

func TestAccountAndRegionOptions(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t, kmsgatetest.WithAccount("444455556666"), kmsgatetest.WithRegion("eu-west-1"))
	id := srv.CreateKey(t, "alias/x")
	out, err := srv.Client().DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.KeyMetadata.Arn), "arn:aws:kms:eu-west-1:444455556666:key/"+id; got != want {
		t.Errorf("got ARN %s, want %s", got, want)
	}
	// Keys live per region: a client signing for another region does not see it.
	_, err = srv.ClientIn("us-west-2").DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeKey from us-west-2: got %v, want NotFoundException", err)
	}
}

const seedYAML = `keys:
  - id: 0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e
    description: seeded
    aliases: [alias/seeded]
`

func TestSeedOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opt   kmsgatetest.Option
		keyID string
	}{
		{"WithSeedYAML", kmsgatetest.WithSeedYAML(seedYAML), "alias/seeded"},
		{"WithSeed", kmsgatetest.WithSeed(&seed.File{Keys: []seed.Key{{ID: "800d5768-3fd7-4edd-a4b8-4c81c3e4c147", Enabled: true, KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac}}}), "800d5768-3fd7-4edd-a4b8-4c81c3e4c147"},
		// The README's complete example starts on a fresh store.
		{"WithSeedFile of the README's example", kmsgatetest.WithSeedFile("../emulator/seed/testdata/kmsgate-example.yaml"), "alias/signing"},
		{"WithSeedFile of local-kms's example", kmsgatetest.WithSeedFile("../emulator/seed/testdata/local-kms-example.yaml"), "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := kmsgatetest.New(t, tc.opt)
			if tc.keyID == "-" {
				keys, err := srv.Client().ListKeys(ctx, &kms.ListKeysInput{})
				if err != nil || len(keys.Keys) == 0 {
					t.Fatalf("got %v (%v), want the seed's keys", keys, err)
				}
				return
			}
			if _, err := srv.Client().DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(tc.keyID)}); err != nil {
				t.Errorf("DescribeKey %s: %v", tc.keyID, err)
			}
		})
	}
}

func TestAdvanceDeletesAKeyWhoseWindowHasPassed(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := kmsgatetest.New(t, kmsgatetest.WithNow(func() time.Time { return start }))
	c := srv.Client()
	id := srv.CreateKey(t, "")
	md, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToTime(md.KeyMetadata.CreationDate); !got.Equal(start) {
		t.Errorf("got CreationDate %v, want WithNow's %v", got, start)
	}
	if _, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Advance(6*24*time.Hour), start.Add(6*24*time.Hour); !got.Equal(want) {
		t.Errorf("Advance returned %v, want %v", got, want)
	}
	if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}); err != nil {
		t.Errorf("after 6 of 7 days: DescribeKey %v, want the key still pending deletion", err)
	}
	srv.Advance(25 * time.Hour)
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("after the window: got %v, want NotFoundException", err)
	}
	if got, want := srv.Now(), start.Add(7*24*time.Hour+time.Hour); !got.Equal(want) {
		t.Errorf("got Now %v, want %v", got, want)
	}
}

// logTB is a TB whose Log lines are kept (everything else is the test's).
type logTB struct {
	*testing.T
	mu    sync.Mutex
	lines []string
}

func (l *logTB) Log(args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range args {
		l.lines = append(l.lines, a.(string))
	}
}

func (l *logTB) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func TestWithLogWritesToTheTestLogWithoutColour(t *testing.T) {
	t.Parallel()
	tb := &logTB{T: t}
	srv := kmsgatetest.New(tb, kmsgatetest.WithLog())
	srv.CreateKey(t, "alias/logged")
	srv.Stop() // the request lines are written by the time it returns
	logs := tb.all()
	for _, want := range []string{"kmsgate serving", "operation=CreateKey", "operation=CreateAlias", "duration_ms="} {
		if !strings.Contains(logs, want) {
			t.Errorf("the test log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "\x1b[") {
		t.Errorf("the test log carries colour escapes:\n%q", logs)
	}
	quiet := &logTB{T: t}
	kmsgatetest.New(quiet).CreateKey(t, "")
	if got := quiet.all(); got != "" {
		t.Errorf("without WithLog: got log lines %q, want none", got)
	}
}

func TestCleanupStopsTheServer(t *testing.T) {
	t.Parallel()
	var addr string
	t.Run("a test that starts one", func(t *testing.T) {
		srv := kmsgatetest.New(t)
		u, err := url.Parse(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		addr = u.Host
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dialing the running server: %v", err)
		}
		conn.Close()
	})
	conn, err := net.Dial("tcp", addr)
	if err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after its test ended", addr)
	}
}

func TestParallelServersShareNothing(t *testing.T) {
	t.Parallel()
	for i := range 6 {
		t.Run("server", func(t *testing.T) {
			t.Parallel()
			srv := kmsgatetest.New(t)
			id := srv.CreateKey(t, "alias/same-name-everywhere")
			keys, err := srv.Client().ListKeys(ctx, &kms.ListKeysInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(keys.Keys) != 1 || aws.ToString(keys.Keys[0].KeyId) != id {
				t.Errorf("server %d: got keys %v, want only its own %s", i, keys.Keys, id)
			}
		})
	}
}

func TestRequestsCountsCallsOfAnOperation(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t)
	c := srv.Client()
	id := srv.CreateKey(t, "")
	for range 3 {
		if _, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("garbage")})
	for _, tc := range []struct {
		op   string
		want int64
	}{{"GenerateDataKey", 3}, {"Decrypt", 1}, {"CreateKey", 1}, {"Encrypt", 0}} {
		if got := srv.Requests(tc.op); got != tc.want {
			t.Errorf("Requests(%s): got %d, want %d", tc.op, got, tc.want)
		}
	}
}

func TestRestartKeepsTheStoreAndTheURL(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t)
	c := srv.Client()
	srv.CreateKey(t, "alias/durable")
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/durable"), Plaintext: []byte("kept")})
	if err != nil {
		t.Fatal(err)
	}
	before := srv.URL
	srv.Restart()
	if srv.URL != before {
		t.Errorf("got URL %s after Restart, want %s", srv.URL, before)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		t.Fatalf("Decrypt after Restart with the client made before: %v", err)
	}
	if !bytes.Equal(dec.Plaintext, []byte("kept")) {
		t.Errorf("got %q, want %q", dec.Plaintext, "kept")
	}
	if got := srv.Requests("Encrypt"); got != 0 {
		t.Errorf("got %d Encrypt requests counted after Restart, want 0 (a new process)", got)
	}
}

func TestWithServerConfig(t *testing.T) {
	t.Parallel()
	srv := kmsgatetest.New(t, kmsgatetest.WithServerConfig(func(c *server.Config) { c.MaxBodyBytes = 64 }))
	_, err := srv.Client().Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/none"), Plaintext: bytes.Repeat([]byte("x"), 200)})
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("got %v, want a 413 from a 64-byte body limit", err)
	}
}

func TestABadSeedFailsTheTest(t *testing.T) {
	t.Parallel()
	ft := &fatalTB{logTB: logTB{T: t}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		kmsgatetest.New(ft, kmsgatetest.WithSeedYAML("keys:\n  - id: not-a-key-id\n"))
	}()
	<-done
	if !strings.Contains(ft.fatal, "not-a-key-id") {
		t.Errorf("got Fatalf %q, want it to name the bad entry", ft.fatal)
	}
}

// fatalTB records Fatalf and stops the goroutine as testing.T does.
type fatalTB struct {
	logTB
	fatal string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic("fatal")
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		srv := kmsgatetest.New(b)
		srv.Stop()
	}
}
