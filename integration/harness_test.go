package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/internal/sdkhttp"
	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/kmsgatetest"
	"github.com/kmsgate/kmsgate/server"
	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
)

// instance is a real kmsgate on 127.0.0.1 (kmsgatetest: the server
// `kmsgate serve --test-clock` runs) with a bbolt store in a temp dir that
// outlives restarts within one test.
//
// Behind a proxy (startBehindProxy), srv is still the emulator (the
// upstream: its clock and admin paths) and clients talk to proxy.
type instance struct {
	ks    *kmsgatetest.Server
	srv   *server.Server // the running server; a restart replaces it
	proxy *server.Server // kmsgate in proxy mode in front of srv, or nil
	// adminID and adminSecret sign requests to srv's admin paths when it
	// checks signatures (behind a proxy); "" when it does not.
	adminID, adminSecret string
}

// starter starts the kmsgate a test talks to, opts applied to the
// emulator's server.Config.
type starter func(t *testing.T, opts ...func(*server.Config)) *instance

// onEveryBackend runs one test of the conformance suite (go-cloud's
// drivertest pattern: one suite, every backend) against the emulator
// direct and against a proxy in front of an emulator. The assertions are
// the same: the proxy answers exactly as its upstream.
//
// "etcd" is the emulator with its store in a real etcd (issue 16): the
// same answers as on bbolt.
func onEveryBackend(t *testing.T, test func(*testing.T, starter)) {
	t.Run("emulator", func(t *testing.T) { test(t, start) })
	t.Run("proxy", func(t *testing.T) { test(t, startBehindProxy) })
	t.Run("etcd", func(t *testing.T) { test(t, startOnEtcd) })
}

// startOnEtcd starts kmsgate (opts applied) on a new store in an etcd
// member of the test's own (storagetest.StartEtcd), with the root key
// given by configuration as an etcd store needs.
func startOnEtcd(t *testing.T, opts ...func(*server.Config)) *instance {
	t.Helper()
	store := storagetest.StartEtcd(t).URL()
	return start(t, append([]func(*server.Config){func(c *server.Config) {
		c.Store, c.Init = store, true
	}}, opts...)...)
}

// onEveryStore runs test on a kmsgate in process (kmsgatetest) on each
// engine: bbolt and etcd.
func onEveryStore(t *testing.T, test func(*testing.T, *kmsgatetest.Server)) {
	for _, st := range []struct {
		name string
		opts func(*testing.T) []kmsgatetest.Option
	}{
		{"bbolt", func(*testing.T) []kmsgatetest.Option { return nil }},
		{"etcd", func(t *testing.T) []kmsgatetest.Option {
			store := storagetest.StartEtcd(t).URL()
			return []kmsgatetest.Option{kmsgatetest.WithServerConfig(func(c *server.Config) { c.Store, c.Init = store, true })}
		}},
	} {
		t.Run(st.name, func(t *testing.T) {
			test(t, kmsgatetest.New(t, append(st.opts(t), kmsgatetest.WithAccount(testAccount), kmsgatetest.WithRegion(testRegion))...))
		})
	}
}

// binaryStores are the store flags of `kmsgate serve` for each engine, for
// the tests of real clients against the binary: a bbolt file, or a new
// store in an etcd member of the test's own with the root key in a file
// (plain, TLS-only with client certificates, or with etcd's authentication:
// the --etcd-* flags).
func binaryStores(t *testing.T) []struct {
	name string
	args func(t *testing.T) []string
} {
	return []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"bbolt", func(t *testing.T) []string { return []string{"--data", filepath.Join(t.TempDir(), "kmsgate.db")} }},
		{"etcd", func(t *testing.T) []string {
			return []string{"--store", storagetest.StartEtcd(t).URL(), "--init", "--root-key-file", rootKeyFile(t)}
		}},
		{"etcd over TLS with a client certificate", func(t *testing.T) []string {
			e := storagetest.StartEtcdTLS(t)
			return []string{"--store", e.URL(), "--init", "--root-key-file", rootKeyFile(t),
				"--etcd-cacert", e.TLS.CA, "--etcd-cert", e.TLS.ClientCert, "--etcd-key", e.TLS.ClientKey}
		}},
		{"etcd as a user of etcd's authentication", func(t *testing.T) []string {
			e := storagetest.StartEtcd(t)
			store := e.URL()
			e.EnableAuth("root-secret", "kmsgate", "kmsgate-secret", store[strings.LastIndex(store, "/"):]+"/")
			t.Setenv("KMSGATE_ETCD_PASSWORD", "kmsgate-secret") // startBinary passes the environment on
			return []string{"--store", store, "--init", "--root-key-file", rootKeyFile(t), "--etcd-username", "kmsgate"}
		}},
	}
}

// rootKeyFile writes a fresh root key file in the test's directory.
func rootKeyFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "root.key")
	if _, err := storage.CreateRootKey(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Credentials of the proxy's own upstream calls; callers sign with
// kmsgatetest.AccessKeyID.
const (
	proxyAccessKeyID     = "AKIAKMSGATEPROXY0001"
	proxySecretAccessKey = "kmsgate-proxy-secret"
)

// startBehindProxy starts an emulator (opts applied to it) and kmsgate in
// proxy mode in front of it, signing upstream with its own credentials.
// The emulator runs --auth verify and knows only the proxy's access key:
// a caller's signature reaching it would be refused
// (UnrecognizedClientException), so every passing test proves that the
// proxy re-signs.
func startBehindProxy(t *testing.T, opts ...func(*server.Config)) *instance {
	t.Helper()
	principals := filepath.Join(t.TempDir(), "principals.yaml")
	if err := os.WriteFile(principals, []byte(`principals:
  - arn: arn:aws:iam::`+testAccount+`:user/kmsgate-proxy
    accessKeys:
      - id: `+proxyAccessKeyID+`
        secret: `+proxySecretAccessKey+`
    admin: true
`), 0o600); err != nil {
		t.Fatal(err)
	}
	in := start(t, append(opts, func(c *server.Config) {
		c.Auth, c.PrincipalsPath = kmsapi.AuthVerify, principals
	})...)
	in.adminID, in.adminSecret = proxyAccessKeyID, proxySecretAccessKey
	px := startProxy(t, in.ks.URL, nil)
	in.proxy = px
	return in
}

// startProxy runs kmsgate in proxy mode in front of upstream, signing as
// the proxy's principal, opts applied to its server.Config, and stops it
// when the test ends.
func startProxy(t *testing.T, upstream string, opts func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Config{
		Listen:   "127.0.0.1:0",
		Region:   testRegion,
		Account:  testAccount,
		Logger:   zerolog.New(io.Discard),
		Upstream: upstream,
		// RSA wrapping keys (GetParametersForImport) take seconds under
		// -race on a loaded machine; timeouts are tested in ./proxy.
		UpstreamTimeout: time.Minute,
		UpstreamAWS:     &aws.Config{Credentials: credentials.NewStaticCredentialsProvider(proxyAccessKeyID, proxySecretAccessKey, "")},
	}
	if opts != nil {
		opts(&cfg)
	}
	px, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start the proxy: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := px.Shutdown(ctx); err != nil {
			t.Errorf("proxy shutdown: %v", err)
		}
	})
	return px
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

// postAdmin posts body to one of the emulator's admin paths (signed by its
// admin key when it checks signatures).
func (in *instance) postAdmin(t *testing.T, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, in.srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if in.adminID != "" {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: in.adminID, SecretAccessKey: in.adminSecret},
			req, hex.EncodeToString(sum[:]), "kms", testRegion, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// sdkClient is kms.New with the HTTP client behind sdkhttp.Guard (when o
// names none), as kmsgatetest's clients are: a large answer is never cut
// off by the SDK's own request body on a loaded machine.
func sdkClient(o kms.Options, optFns ...func(*kms.Options)) *kms.Client {
	if o.HTTPClient == nil {
		o.HTTPClient = sdkhttp.Guard(awshttp.NewBuildableClient())
	}
	return kms.New(o, optFns...)
}

// client is a real aws-sdk-go-v2 KMS client signed for region (through the
// proxy when there is one); it keeps working across restarts, which listen
// on the same address. Its HTTP client is behind sdkhttp.Guard, as
// kmsgatetest's: a large answer is never cut off by the SDK's own request
// body on a loaded machine.
func (in *instance) client(region string) *kms.Client {
	if in.proxy == nil {
		return in.ks.ClientIn(region)
	}
	return sdkClient(kms.Options{
		Region:           region,
		BaseEndpoint:     aws.String(in.proxy.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider(kmsgatetest.AccessKeyID, kmsgatetest.SecretAccessKey, ""),
		RetryMaxAttempts: 1,
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

// newKey creates a key with c and returns its id.
func newKey(t testing.TB, c *kms.Client, in *kms.CreateKeyInput) string {
	t.Helper()
	return aws.ToString(must(c.CreateKey(context.Background(), in))(t).KeyMetadata.KeyId)
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
