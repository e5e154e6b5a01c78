package integration

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/server"
)

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
)

// instance is a real kmsgate on 127.0.0.1 with a bbolt store in a temp dir
// that outlives restarts within one test.
type instance struct {
	t    *testing.T
	dir  string
	addr string // after the first boot, restarts listen here again
	srv  *server.Server
	opts func(*server.Config)
}

// start runs kmsgate the way `kmsgate serve --test-clock` does, on a free
// loopback port, and stops it when the test ends.
func start(t *testing.T, opts ...func(*server.Config)) *instance {
	t.Helper()
	in := &instance{t: t, dir: t.TempDir(), opts: func(c *server.Config) {
		for _, o := range opts {
			o(c)
		}
	}}
	in.boot()
	t.Cleanup(func() { in.stop() })
	return in
}

func (in *instance) boot() {
	in.t.Helper()
	cfg := server.Config{
		Listen:    "127.0.0.1:0",
		DataPath:  filepath.Join(in.dir, "kmsgate.db"),
		Region:    testRegion,
		Account:   testAccount,
		TestClock: true,
		Logger:    zerolog.New(io.Discard),
	}
	if in.addr != "" {
		cfg.Listen = in.addr
	}
	in.opts(&cfg)
	srv, err := server.Start(context.Background(), cfg)
	if err != nil {
		in.t.Fatalf("start kmsgate: %v", err)
	}
	in.srv = srv
	in.addr = srv.Addr
}

func (in *instance) stop() {
	if in.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.srv.Shutdown(ctx); err != nil {
		in.t.Errorf("shutdown: %v", err)
	}
	in.srv = nil
}

// restart stops the server (closing the store) and starts it again on the
// same files.
func (in *instance) restart() {
	in.t.Helper()
	in.stop()
	in.boot()
}

// client is a real aws-sdk-go-v2 KMS client signed for region; it keeps
// working across restarts, which listen on the same address.
func (in *instance) client(region string) *kms.Client {
	return kms.New(kms.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	}, func(o *kms.Options) {
		o.BaseEndpoint = aws.String(in.srv.URL())
	})
}

// wantAPIError asserts err is an AWS API error with code (and message when msg
// is not "-") and returns it.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got code %s (%q), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "-" && ae.ErrorMessage() != msg {
		t.Fatalf("got message %q, want %q", ae.ErrorMessage(), msg)
	}
}

// must(c.Op(ctx, in))(t) is the output of a call that must succeed.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

type serverConfig = server.Config
