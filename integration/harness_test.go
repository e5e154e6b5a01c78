package integration

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/kmsgatetest"
	"github.com/kmsgate/kmsgate/server"
)

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
)

// instance is a real kmsgate on 127.0.0.1 (kmsgatetest: the server
// `kmsgate serve --test-clock` runs) with a bbolt store in a temp dir that
// outlives restarts within one test.
type instance struct {
	ks  *kmsgatetest.Server
	srv *server.Server // the running server; a restart replaces it
}

// start runs kmsgate on a free loopback port, opts applied to its
// server.Config, and stops it when the test ends.
func start(t *testing.T, opts ...func(*server.Config)) *instance {
	t.Helper()
	ks := kmsgatetest.New(t, kmsgatetest.WithAccount(testAccount), kmsgatetest.WithRegion(testRegion),
		kmsgatetest.WithServerConfig(func(c *server.Config) {
			for _, o := range opts {
				o(c)
			}
		}))
	return &instance{ks: ks, srv: ks.Server()}
}

// restart stops the server (closing the store) and starts it again on the
// same files and address.
func (in *instance) restart() {
	in.ks.Restart()
	in.srv = in.ks.Server()
}

// client is a real aws-sdk-go-v2 KMS client signed for region; it keeps
// working across restarts, which listen on the same address.
func (in *instance) client(region string) *kms.Client { return in.ks.ClientIn(region) }

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
