package gate_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/kmsapi"
)

// TestSecureTransportIsTrueOverTLS: aws:SecureTransport is true when the
// wire is served over TLS and false over plain HTTP (kmsgate serve has no
// TLS; a program serving kmsapi's handler over TLS gets true). The same
// handler, signed requests of the real SDK, a policy that allows ListKeys
// only over TLS.
func TestSecureTransportIsTrueOverTLS(t *testing.T) {
	dir := t.TempDir()
	principals := filepath.Join(dir, "principals.yaml")
	if err := os.WriteFile(principals, []byte(`principals:
  - arn: arn:aws:iam::111122223333:user/app
    accessKeys: [{id: AKIAAPP, secret: app-secret}]
    inlinePolicies:
      - {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	emu, ps, keys := stack(t, dir, principals)
	log := zerolog.New(io.Discard)
	rec, err := gate.NewRecorder(log, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gate.New(gate.Config{Next: emu, Facts: emu, Mode: gate.Enforce, Principals: ps,
		Account: emulator.DefaultAccount, Region: emulator.DefaultRegion, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	h := kmsapi.New(kmsapi.Config{Backend: g, Logger: log, DefaultRegion: "us-east-1", Account: emulator.DefaultAccount, Keys: keys, Auth: kmsapi.AuthVerify})
	plain, secure := httptest.NewServer(h), httptest.NewTLSServer(h)
	t.Cleanup(plain.Close)
	t.Cleanup(secure.Close)
	for _, tc := range []struct {
		name    string
		srv     *httptest.Server
		allowed bool
	}{{"over TLS", secure, true}, {"over plain HTTP", plain, false}} {
		t.Run(tc.name, func(t *testing.T) {
			c := kms.New(kms.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAAPP", "app-secret", ""),
				RetryMaxAttempts: 1, HTTPClient: tc.srv.Client()}, func(o *kms.Options) { o.BaseEndpoint = aws.String(tc.srv.URL) })
			_, err := c.ListKeys(context.Background(), &kms.ListKeysInput{})
			if got := err == nil; got != tc.allowed {
				t.Fatalf("got allowed=%v (%v), want %v", got, err, tc.allowed)
			}
		})
	}
}
