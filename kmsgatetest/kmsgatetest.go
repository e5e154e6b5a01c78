// Package kmsgatetest runs an in-process kmsgate for Go tests, as
// net/http/httptest runs an HTTP server:
//
//	srv := kmsgatetest.New(t)                   // kmsgate on 127.0.0.1:0, fresh store in t.TempDir()
//	client := srv.Client()                      // *kms.Client: region, dummy credentials, endpoint set
//	keyID := srv.CreateKey(t, "alias/app/test") // a symmetric key with that alias
//
// The server is the one `kmsgate serve` runs (the same server.Start
// wiring: emulator on a real bbolt file, kmsapi wire layer, sweeper), on a
// loopback port of its own, with its store and root key in t.TempDir(). It
// stops when the test ends (t.Cleanup). Nothing is shared between two
// servers, so tests using it may run with t.Parallel() and -race.
package kmsgatetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/internal/sdkhttp"
	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/server"
)

// Defaults of a Server without options.
const (
	DefaultAccount = "111122223333"
	DefaultRegion  = "us-east-1"
	// AccessKeyID and SecretAccessKey are the dummy credentials of Client.
	AccessKeyID     = "AKIAKMSGATETEST00001"
	SecretAccessKey = "kmsgatetest-secret"
)

// TB is the part of TB a Server uses: pass the test's *testing.T
// or *testing.B.
type TB interface {
	Helper()
	Cleanup(func())
	TempDir() string
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Log(args ...any)
}

var _ TB = testing.TB(nil)

// Option configures New.
type Option func(*options)

type options struct {
	account, region string
	seedFile        string
	seeds           []seedValue
	now             func() time.Time
	log             bool
	configure       []func(*server.Config)
	policyMode      gate.Mode
	auth            kmsapi.AuthMode
	identity        []string // policy documents (JSON)
	identityFiles   []string
	principals      string // YAML text
	principalsFile  string
}

type seedValue struct {
	name string
	file *seed.File
	yaml string
}

// WithAccount sets the AWS account id of the emulated keys (default
// DefaultAccount).
func WithAccount(account string) Option { return func(o *options) { o.account = account } }

// WithRegion sets the server's default region and the region of Client
// (default DefaultRegion).
func WithRegion(region string) Option { return func(o *options) { o.region = region } }

// WithSeedFile applies a seed file (kmsgate's YAML format or local-kms's) at
// start-up, as `kmsgate serve --seed FILE` does.
func WithSeedFile(path string) Option { return func(o *options) { o.seedFile = path } }

// WithSeedYAML applies a seed given as YAML text (the seed file format) at
// start-up, after WithSeedFile's.
func WithSeedYAML(yaml string) Option {
	return func(o *options) { o.seeds = append(o.seeds, seedValue{name: "WithSeedYAML", yaml: yaml}) }
}

// WithSeed applies a seed value at start-up, after WithSeedFile's.
func WithSeed(f *seed.File) Option {
	return func(o *options) { o.seeds = append(o.seeds, seedValue{name: "WithSeed", file: f}) }
}

// WithNow sets the wall clock the server starts from (default time.Now).
// Advance moves the server's clock forward from there.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLog writes the server's log (one line per request, start-up and
// shutdown) to t.Log, in zerolog's console format without colour.
func WithLog() Option { return func(o *options) { o.log = true } }

// WithPolicyMode judges every call against IAM policies as `serve
// --policy-mode` does: gate.Enforce (denied calls answer
// AccessDeniedException), gate.DryRun or gate.Record (served, recorded).
// The callers' policies come from WithIdentityPolicy and WithPrincipals.
func WithPolicyMode(m gate.Mode) Option { return func(o *options) { o.policyMode = m } }

// WithIdentityPolicy gives every caller the principals file does not name
// this identity-based policy (a JSON policy document), as `serve
// --identity-policy FILE` does; give it more than once for several.
func WithIdentityPolicy(document string) Option {
	return func(o *options) { o.identity = append(o.identity, document) }
}

// WithIdentityPolicyFile is WithIdentityPolicy with the document in a file.
func WithIdentityPolicyFile(path string) Option {
	return func(o *options) { o.identityFiles = append(o.identityFiles, path) }
}

// WithPrincipals sets the principals file's content (YAML: access keys ->
// principal ARN, identity policies, tags, admin), as `serve --principals`
// does. Policy files it names are read relative to tb.TempDir(); use
// inlinePolicies, or WithPrincipalsFile for a file beside its policies.
// ClientWith signs as one of its access keys.
func WithPrincipals(yaml string) Option { return func(o *options) { o.principals = yaml } }

// WithPrincipalsFile is WithPrincipals with the YAML in a file.
func WithPrincipalsFile(path string) Option { return func(o *options) { o.principalsFile = path } }

// WithAuthVerify checks every request's SigV4 signature against the
// principals' secrets, as `serve --auth verify` does: Client's dummy
// credentials are then refused; use ClientWith.
func WithAuthVerify() Option { return func(o *options) { o.auth = kmsapi.AuthVerify } }

// WithServerConfig changes the server.Config New starts from, for settings
// the other options do not cover (e.g. MaxBodyBytes).
func WithServerConfig(fn func(*server.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, fn) }
}

// Server is a running kmsgate.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:34567. It stays the same
	// across Restart.
	URL string
	// Account and Region are the server's account and default region.
	Account, Region string

	tb      TB
	cfg     server.Config
	mu      sync.Mutex
	srv     *server.Server
	stopped bool
	// transport carries every client's connections, so that Restart can
	// drop the pooled ones the old server closed: a client made before
	// Restart then dials anew instead of writing to a dead connection.
	transport *http.Transport
	// http is what every client sends through: transport behind
	// sdkhttp.Guard, so that no answer is cut off by the SDK's own
	// request body (see package sdkhttp).
	http sdkhttp.Guarded
}

// New starts a kmsgate for the test: listening on a free loopback port, its
// store and root key in tb.TempDir(), the test clock on. It fails the test
// when the server cannot start, and stops the server in tb.Cleanup.
func New(tb TB, opts ...Option) *Server {
	tb.Helper()
	o := options{account: DefaultAccount, region: DefaultRegion}
	for _, opt := range opts {
		opt(&o)
	}
	var rootKey [32]byte
	if _, err := rand.Read(rootKey[:]); err != nil {
		tb.Fatalf("kmsgatetest: root key: %v", err)
	}
	cfg := server.Config{
		Listen:     "127.0.0.1:0",
		DataPath:   filepath.Join(tb.TempDir(), "kmsgate.db"),
		RootKeyHex: hex.EncodeToString(rootKey[:]),
		Region:     o.region,
		Account:    o.account,
		SeedPath:   o.seedFile,
		TestClock:  true,
		Logger:     zerolog.Nop(),
		Now:        o.now,
		Version:    "kmsgatetest",
	}
	dir := tb.TempDir()
	cfg.PolicyMode, cfg.Auth = o.policyMode, o.auth
	cfg.IdentityPolicies = append(cfg.IdentityPolicies, o.identityFiles...)
	for i, doc := range o.identity {
		path := filepath.Join(dir, fmt.Sprintf("identity-policy-%d.json", i))
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			tb.Fatalf("kmsgatetest: writing the identity policy: %v", err)
		}
		cfg.IdentityPolicies = append(cfg.IdentityPolicies, path)
	}
	cfg.PrincipalsPath = o.principalsFile
	if o.principals != "" {
		cfg.PrincipalsPath = filepath.Join(dir, "principals.yaml")
		if err := os.WriteFile(cfg.PrincipalsPath, []byte(o.principals), 0o600); err != nil {
			tb.Fatalf("kmsgatetest: writing the principals file: %v", err)
		}
	}
	if o.log {
		cfg.Logger = zerolog.New(zerolog.ConsoleWriter{Out: tbWriter{tb}, NoColor: true, TimeFormat: "15:04:05.000"}).
			With().Timestamp().Logger()
	}
	for _, fn := range o.configure {
		fn(&cfg)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	s := &Server{Account: cfg.Account, Region: cfg.Region, tb: tb, cfg: cfg,
		transport: transport, http: sdkhttp.Guard(&http.Client{Transport: transport})}
	s.boot()
	tb.Cleanup(s.Stop)
	for _, sv := range o.seeds {
		f := sv.file
		if f == nil {
			var err error
			if f, err = seed.Parse(sv.name, []byte(sv.yaml)); err != nil {
				tb.Fatalf("kmsgatetest: %v", err)
			}
		}
		if err := s.Emulator().ApplySeed(context.Background(), f); err != nil {
			tb.Fatalf("kmsgatetest: %s: %v", sv.name, err)
		}
	}
	return s
}

func (s *Server) boot() {
	s.tb.Helper()
	srv, err := server.Start(context.Background(), s.cfg)
	if err != nil {
		s.tb.Fatalf("kmsgatetest: starting kmsgate: %v", err)
	}
	s.mu.Lock()
	s.srv, s.stopped = srv, false
	s.mu.Unlock()
	s.URL = srv.URL()
	s.cfg.Listen = srv.Addr // a restart listens here again
}

// Stop shuts the server down (in-flight calls finish) and closes its store.
// It is called by tb.Cleanup; calling it again is harmless.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	already := s.stopped
	s.stopped = true
	s.mu.Unlock()
	if already || srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		s.tb.Errorf("kmsgatetest: shutdown: %v", err)
	}
	s.transport.CloseIdleConnections()
}

// Restart stops the server and serves the same store again on the same
// URL: a new process as far as a client can tell (new store handle, new
// emulator, caches empty). Clients made before keep working.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.boot()
}

// Client is an aws-sdk-go-v2 KMS client for the server: its region is the
// server's, its credentials dummy (AccessKeyID), and it makes one attempt
// per call (no retries), so a server-side count of calls is exact.
func (s *Server) Client() *kms.Client { return s.ClientIn(s.Region) }

// ClientIn is Client signing for another region: keys live per region, as
// in AWS.
func (s *Server) ClientIn(region string) *kms.Client {
	return kms.New(kms.Options{
		Region:           region,
		BaseEndpoint:     aws.String(s.URL),
		HTTPClient:       s.http,
		Credentials:      credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		RetryMaxAttempts: 1,
	})
}

// ClientWith is Client signing with the given credentials: an access key
// of WithPrincipals, to call as that principal.
func (s *Server) ClientWith(accessKeyID, secretAccessKey string) *kms.Client {
	return kms.New(kms.Options{
		Region:           s.Region,
		BaseEndpoint:     aws.String(s.URL),
		HTTPClient:       s.http,
		Credentials:      credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
		RetryMaxAttempts: 1,
	})
}

// CreateKey creates a symmetric encryption key (SYMMETRIC_DEFAULT) in the
// server's region and, unless alias is "", points alias at it. It returns
// the key id and fails the test on any error.
func (s *Server) CreateKey(tb TB, alias string) string {
	tb.Helper()
	ctx := context.Background()
	c := s.Client()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("kmsgatetest " + alias)})
	if err != nil {
		tb.Fatalf("kmsgatetest: CreateKey: %v", err)
	}
	id := aws.ToString(out.KeyMetadata.KeyId)
	if alias != "" {
		if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(id)}); err != nil {
			tb.Fatalf("kmsgatetest: CreateAlias %s: %v", alias, err)
		}
	}
	return id
}

// Now is the server's clock: the wall clock (or WithNow's) plus every
// Advance so far.
func (s *Server) Now() time.Time { return s.current().Clock.Now() }

// Advance moves the server's clock forward by d and then runs the
// background work that has come due (deletions whose window has passed,
// automatic rotations), so that its effects are visible at once. It
// returns the new time.
func (s *Server) Advance(d time.Duration) time.Time {
	s.tb.Helper()
	srv := s.current()
	now := srv.Clock.Advance(d)
	if _, err := srv.Emulator().Sweep(context.Background()); err != nil {
		s.tb.Fatalf("kmsgatetest: sweeping after Advance: %v", err)
	}
	return now
}

// Requests is how many requests of the KMS operation op (e.g. "Decrypt")
// the server has answered since it started, successes and errors, as its
// metric kmsgate_requests_total counts them.
func (s *Server) Requests(op string) int64 {
	s.tb.Helper()
	fams, err := s.current().Metrics().Registry().Gather()
	if err != nil {
		s.tb.Fatalf("kmsgatetest: gathering metrics: %v", err)
	}
	var n int64
	for _, fam := range fams {
		if fam.GetName() != "kmsgate_requests_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" && l.GetValue() == op {
					n += int64(m.GetCounter().GetValue())
				}
			}
		}
	}
	return n
}

// Emulator is the backend behind the server, for a test that needs to reach
// past the wire.
func (s *Server) Emulator() *emulator.Service { return s.current().Emulator() }

// Server is the running server.Server (its Metrics, Addr, ...).
func (s *Server) Server() *server.Server { return s.current() }

func (s *Server) current() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}

// tbWriter hands each log line to tb.Log.
type tbWriter struct{ tb TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
