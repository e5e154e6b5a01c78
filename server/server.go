// Package server assembles a running kmsgate from its parts: the backend by
// mode (emulator mode: the bbolt store with its root key, the emulator over
// it and the background sweeper for deletion and automatic rotation; proxy
// mode: the proxy to the upstream KMS, with no store, seed or sweeper), the
// kmsapi wire handler, and an HTTP listener with graceful shutdown.
// cmd/kmsgate and the integration tests start kmsgate through it, so both
// run the same wiring.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/iampolicy"
	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/metrics"
	"github.com/kmsgate/kmsgate/proxy"
	"github.com/kmsgate/kmsgate/storage"
)

// Config is everything a kmsgate server needs; cmd/kmsgate fills it from
// flags and KMSGATE_* variables.
type Config struct {
	// Listen is the TCP address, e.g. 127.0.0.1:4599 (port 0 picks one).
	Listen string
	// DataPath is the bbolt file. Ignored when Ephemeral or Store is set.
	DataPath string
	// Store is --store: "" or bbolt://PATH (the bbolt file, as DataPath),
	// or etcd://HOST:PORT[,HOST:PORT...]/PREFIX: a store shared by several
	// kmsgate replicas (storage.ParseStoreURL). An etcd store needs the
	// root key from RootKeyHex or RootKeyFile.
	Store string
	// RootKeyFile is --root-key-file: the file holding the hex root key
	// (read, never written). For bbolt it replaces DataPath + ".rootkey".
	RootKeyFile string
	// Etcd are the etcd store's connection settings (TLS, auth, limits);
	// its Endpoints and Prefix come from Store.
	Etcd EtcdConfig
	// Ephemeral keeps the store in a temporary directory removed by Close.
	Ephemeral bool
	// RootKeyHex, when set, is the 32-byte root key in hex; otherwise the
	// key lives in DataPath + ".rootkey" (created 0600 when missing).
	RootKeyHex string
	// Region answers unsigned requests; Account is the account of every key.
	Region, Account string
	// SeedPath is an optional seed file applied at start-up.
	SeedPath string
	// TestClock enables POST /_kmsgate/clock.
	TestClock bool
	// MaxBodyBytes limits request bodies (0: the wire default).
	MaxBodyBytes int64
	// Init allows a fresh store where a root key file shows one existed
	// (--init): without it, a missing or empty store beside its root key
	// is refused.
	Init bool
	// Check is --check: storage.CheckQuick (the zero value: before
	// serving only checks that cost the same at any store size, then the
	// page walk in the background, at CheckPace; damage it finds
	// is logged, makes /healthz answer 503 and sets
	// kmsgate_store_damaged), storage.CheckFull (every page before
	// serving; a damaged store is refused) or storage.CheckOff.
	// CheckTimeout bounds CheckFull's walk (0: storage.DefaultCheckTimeout).
	Check        storage.CheckMode
	CheckTimeout time.Duration
	// CheckPace is the background walk's pace (zero:
	// storage.DefaultCheckChunk pages at a time, storage.DefaultCheckShare
	// of the time).
	CheckPace storage.Pace
	// ReadTimeout bounds reading one whole request (0: DefaultReadTimeout),
	// WriteTimeout the time from the end of the request headers to the
	// end of the answer (0: DefaultWriteTimeout), IdleTimeout how long a
	// keep-alive connection may wait for its next request (0:
	// DefaultIdleTimeout). MaxConns is the most connections open at once
	// (0: DefaultMaxConns); beyond it new connections wait in the
	// listen queue until one closes.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxConns                               int
	// SweepInterval is how often expired keys are purged and due rotations
	// run in the background (0: one minute).
	SweepInterval time.Duration
	Logger        zerolog.Logger
	// Auth is --auth: kmsapi.AuthOff, or kmsapi.AuthVerify (SigV4 checked
	// against the principals file's keys; needs PrincipalsPath).
	Auth kmsapi.AuthMode
	// PolicyMode is --policy-mode: gate.Off (nothing judged, nothing looked
	// up), gate.Enforce, gate.DryRun or gate.Record. With any mode but Off
	// the judging backend (package gate) wraps the emulator.
	PolicyMode gate.Mode
	// PrincipalsPath is the --principals YAML file ("" for none): access
	// keys, principal ARNs, identity policies, tags, admin flags.
	PrincipalsPath string
	// IdentityPolicies are the --identity-policy files: the identity
	// policies of every caller the principals file does not name.
	IdentityPolicies []string
	// DecisionLog is the --decision-log file decisions are appended to as
	// JSON Lines ("" for none).
	DecisionLog string
	// Metrics is served at GET /metrics and fed by the wire, the store (and
	// the gate and proxy); nil means a new registry with Version in
	// kmsgate_build_info.
	Metrics *metrics.Metrics
	// Version is the build's version ("dev" when empty).
	Version string
	// SignatureClock is the wall clock X-Amz-Date is checked against
	// (time.Now when nil; never the test clock).
	SignatureClock func() time.Time
	// Now and Rand are injected for tests; nil means wall time and crypto/rand.
	Now  func() time.Time
	Rand io.Reader

	// Upstream, when set, is proxy mode: "aws" or the URL of a
	// KMS-compatible endpoint. There is then no store, seed or sweeper.
	Upstream string
	// UpstreamTimeout bounds each upstream call (0: proxy.DefaultTimeout).
	UpstreamTimeout time.Duration
	// FactsTTL is how long upstream key facts are cached (0:
	// proxy.DefaultFactsTTL).
	FactsTTL time.Duration
	// AliasPrefix is --alias-prefix (both modes): every call must also be
	// allowed by the seed's policy with this prefix put in
	// (authz.AliasPrefixPolicy); enforced unless PolicyMode is DryRun or
	// Record. With PrincipalsPath or IdentityPolicies both must allow.
	AliasPrefix string
	// UpstreamAWS is the SDK configuration the proxy signs with; nil means
	// the SDK's default chain (tests give static credentials here).
	UpstreamAWS *aws.Config
}

// EtcdConfig is how to reach an etcd store (Config.Store etcd://...).
type EtcdConfig struct {
	// CACert verifies the members (PEM; the system's roots when empty
	// and TLS is on); Cert and Key are the client certificate. Any of
	// them set turns TLS on.
	CACert, Cert, Key string
	// Username and Password are etcd's own authentication.
	Username, Password string
	// RequestTimeout bounds each etcd call (0: 5s).
	RequestTimeout time.Duration
	// MaxTxnOps is the members' --max-txn-ops (0: etcd's default 128).
	MaxTxnOps int
}

// Defaults of the server limits (Config fields left zero).
const (
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 60 * time.Second
	DefaultIdleTimeout  = 120 * time.Second
	DefaultMaxConns     = 4096
	// readHeaderTimeout bounds the request line and headers (within
	// ReadTimeout when that is shorter).
	readHeaderTimeout = 10 * time.Second
)

// Proxy-mode health: the upstream counts as healthy when it answered within
// healthMaxAge; otherwise /healthz asks it once, for at most
// healthProbeTimeout (kmsgate healthcheck waits 3s).
const (
	healthMaxAge       = 30 * time.Second
	healthProbeTimeout = 2 * time.Second
)

// Server is a started kmsgate.
type Server struct {
	// Addr is the address actually listened on (host:port).
	Addr  string
	Clock *kmsgate.Clock

	cfg     Config
	metrics *metrics.Metrics
	db      *storage.DB
	emu     *emulator.Service
	proxy   *proxy.Proxy
	backend kmsgate.Backend
	http    *http.Server
	served  chan error
	stopSwp context.CancelFunc
	swpDone chan struct{}
	// chkDone is closed when the background store check has ended (at
	// once when there is none); check is what it found.
	chkDone chan struct{}
	check   storeCheck
	tempDir string
	// storeURL is Config.Store parsed when it names an etcd store (Kind
	// "" for bbolt).
	storeURL storage.StoreURL
	// created are the files this Start made, removed when it fails.
	created  []string
	closeErr error
	rec      *gate.Recorder
}

// Start builds the backend by mode and begins serving. Emulator mode
// checks the configuration, binds the listener, opens the store (refusing a
// damaged one, a missing one beside its root key, one in use) and applies
// the seed: no file is created before the listener is bound, and a Start
// that fails removes the files it created. Proxy mode builds the upstream's
// clients. The caller must Shutdown the Server.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, served: make(chan error, 1), swpDone: make(chan struct{}), chkDone: make(chan struct{}), metrics: cfg.Metrics}
	if s.metrics == nil {
		s.metrics = metrics.New(metrics.Options{Version: cfg.Version})
	}
	var (
		health   func(context.Context) (bool, map[string]any)
		rootKey  []byte
		seedFile *seed.File
	)
	if cfg.Upstream != "" {
		if err := s.openProxy(ctx); err != nil {
			return nil, err
		}
		health = s.proxyHealth
	} else {
		health = s.storeHealth
		if !cfg.Ephemeral && cfg.DataPath == "" && cfg.Store == "" {
			return nil, errors.New("no data path: give --data, --store or --ephemeral")
		}
		if cfg.Store != "" {
			u, err := storage.ParseStoreURL(cfg.Store)
			if err != nil {
				return nil, fmt.Errorf("--store: %w", err)
			}
			if cfg.Ephemeral {
				return nil, errors.New("--ephemeral makes a temporary store of its own: give it without --store")
			}
			if u.Kind == "bbolt" {
				s.cfg.DataPath, s.cfg.Store = u.Path, ""
			} else {
				s.storeURL, health = u, s.etcdHealth
			}
			cfg = s.cfg
		}
		switch {
		case cfg.RootKeyHex != "":
			var err error
			if rootKey, err = storage.ParseRootKey(cfg.RootKeyHex); err != nil {
				return nil, fmt.Errorf("KMSGATE_ROOT_KEY: %w", err)
			}
		case cfg.RootKeyFile != "":
			var err error
			if rootKey, err = storage.LoadRootKey(cfg.RootKeyFile); err != nil {
				return nil, fmt.Errorf("--root-key-file: %w", err)
			}
		case s.storeURL.Kind == "etcd":
			return nil, errors.New("an etcd store needs the root key from configuration, the same in every replica: set KMSGATE_ROOT_KEY or --root-key-file (it is never stored in etcd)")
		}
		if cfg.SeedPath != "" {
			f, err := seed.Load(cfg.SeedPath)
			if err != nil {
				return nil, err
			}
			seedFile = f
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s.Addr = ln.Addr().String()
	if cfg.Upstream == "" {
		if err := s.open(ctx, rootKey, seedFile); err != nil {
			ln.Close()
			s.failed()
			return nil, err
		}
	}
	wire, err := s.wire(health)
	if err != nil {
		ln.Close()
		s.failed()
		return nil, err
	}
	handler := kmsapi.New(wire)
	s.http = &http.Server{
		Handler:           handler,
		ReadTimeout:       orDefault(cfg.ReadTimeout, DefaultReadTimeout),
		ReadHeaderTimeout: min(readHeaderTimeout, orDefault(cfg.ReadTimeout, DefaultReadTimeout)),
		WriteTimeout:      orDefault(cfg.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	maxConns := cfg.MaxConns
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	go func() { s.served <- s.http.Serve(limitListener(ln, maxConns)) }()

	if s.proxy != nil {
		close(s.swpDone)
		close(s.chkDone)
		cfg.Logger.Info().Str("addr", s.Addr).Str("mode", "proxy").Str("upstream", cfg.Upstream).Str("region", cfg.Region).
			Str("auth", cfg.Auth.String()).Str("policy_mode", cfg.PolicyMode.String()).Str("alias_prefix", cfg.AliasPrefix).
			Msg("kmsgate serving")
		return s, nil
	}
	sweepCtx, cancel := context.WithCancel(context.Background())
	s.stopSwp = cancel
	go s.sweep(sweepCtx)
	if cfg.Check == storage.CheckQuick && s.db.Kind() == "bbolt" { // etcd checks its own data
		go s.checkInBackground(sweepCtx)
	} else {
		close(s.chkDone)
	}
	cfg.Logger.Info().Str("addr", s.Addr).Str("region", cfg.Region).Str("account", cfg.Account).
		Str("data", s.dataPath()).Str("auth", cfg.Auth.String()).Str("policy_mode", cfg.PolicyMode.String()).Str("alias_prefix", cfg.AliasPrefix).Msg("kmsgate serving")
	return s, nil
}

// backupFunc is what GET /_kmsgate/backup streams: the store, in emulator
// mode; nil (no such path) in proxy mode.
func (s *Server) backupFunc() func(func(int64) io.Writer) (int64, error) {
	if s.db == nil || s.db.Kind() != "bbolt" { // etcd: etcdctl snapshot save
		return nil
	}
	return s.db.Backup
}

// wire builds the wire's configuration: the backend (emulator or proxy), wrapped in the
// judging backend when a policy mode is on, and the access keys of the
// principals file.
func (s *Server) wire(health func(context.Context) (bool, map[string]any)) (kmsapi.Config, error) {
	cfg := s.cfg
	wc := kmsapi.Config{
		Backend:       s.backend,
		Logger:        cfg.Logger,
		DefaultRegion: cfg.Region,
		Account:       cfg.Account,
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Clock:         s.testClock(),
		Health:        health,
		Metrics:       s.metrics,
		Auth:          cfg.Auth,
		Now:           cfg.SignatureClock,
		Backup:        s.backupFunc(),
	}
	if cfg.Auth == kmsapi.AuthVerify && cfg.PrincipalsPath == "" {
		return wc, errors.New("--auth verify needs --principals: the access keys and secrets to check signatures with")
	}
	mode := cfg.PolicyMode
	var guard *iampolicy.Policy
	if cfg.AliasPrefix != "" {
		var err error
		if guard, err = authz.AliasPrefixPolicy(cfg.AliasPrefix); err != nil {
			return wc, fmt.Errorf("--alias-prefix: %w", err)
		}
		if mode == gate.Off {
			// The prefix is enforced unless --policy-mode says dry-run or record.
			mode = gate.Enforce
		}
	}
	if cfg.PrincipalsPath == "" && len(cfg.IdentityPolicies) == 0 && mode == gate.Off {
		return wc, nil
	}
	ps, err := gate.NewPrincipals(cfg.PrincipalsPath, cfg.IdentityPolicies)
	if err != nil {
		return wc, err
	}
	wc.Keys = func(id string) (kmsapi.AccessKey, bool) {
		k := ps.AccessKey(id)
		if k == nil {
			return kmsapi.AccessKey{}, false
		}
		return kmsapi.AccessKey{Principal: k.Principal.ARN, Account: k.Principal.Account, Admin: k.Principal.Admin,
			Secret: k.Secret, SessionToken: k.SessionToken, Expires: k.Expires}, true
	}
	if mode == gate.Off {
		return wc, nil
	}
	s.rec, err = gate.NewRecorder(cfg.Logger, cfg.DecisionLog, gate.DefaultRingSize)
	if err != nil {
		return wc, err
	}
	var facts authz.Facts = s.emu
	var validator gate.Validator = s.emu
	if s.proxy != nil {
		// Proxy mode: kmsgate's own step 1 (the emulator's rules, which
		// read no store), so that a refused request never goes upstream,
		// not even as a DryRun, to learn whether it was valid.
		facts, validator = s.proxy.Facts(), emulator.InputValidator{}
	}
	g, err := gate.New(gate.Config{
		Next: s.backend, Facts: facts, Mode: mode, Principals: ps, Validator: validator,
		Account: cfg.Account, Region: cfg.Region, Recorder: s.rec, Now: s.Clock.Now,
		Count: s.metrics.PolicyDecision,
		Guard: guard, GuardOnly: cfg.PrincipalsPath == "" && len(cfg.IdentityPolicies) == 0,
	})
	if err != nil {
		s.rec.Close()
		return wc, err
	}
	wc.Backend, wc.Decisions = g, s.rec
	return wc, nil
}

// The validators the gate is given (step 1 of every operation).
var (
	_ gate.Validator = (*emulator.Service)(nil)
	_ gate.Validator = emulator.InputValidator{}
)

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// failed undoes a Start that did not finish: the store closed, the files
// this Start created removed.
func (s *Server) failed() {
	if s.emu != nil {
		_ = s.emu.Close()
	}
	_ = s.closeStore()
	for i := len(s.created) - 1; i >= 0; i-- {
		_ = os.Remove(s.created[i])
	}
}

// openProxy builds proxy mode's backend. The emulator-only settings are
// refused rather than silently ignored.
func (s *Server) openProxy(ctx context.Context) error {
	cfg := s.cfg
	switch {
	case cfg.SeedPath != "":
		return errors.New("--seed is for emulator mode: in proxy mode (--upstream) keys live upstream")
	case cfg.TestClock:
		return errors.New("--test-clock is for emulator mode: in proxy mode (--upstream) time is the upstream's")
	}
	s.Clock = kmsgate.NewClock(cfg.Now)
	p, err := proxy.New(ctx, proxy.Config{
		Upstream:      cfg.Upstream,
		Timeout:       cfg.UpstreamTimeout,
		DefaultRegion: cfg.Region,
		FactsTTL:      cfg.FactsTTL,
		AWS:           cfg.UpstreamAWS,
		Logger:        cfg.Logger,
		Metrics:       s.metrics,
		Now:           cfg.Now,
	})
	if err != nil {
		return err
	}
	s.proxy, s.backend = p, p
	return nil
}

// etcdHealth is /healthz on an etcd store: healthy while a quorum of
// members answers a read (asked at each probe, for at most
// healthProbeTimeout).
func (s *Server) etcdHealth(ctx context.Context) (bool, map[string]any) {
	ctx, cancel := context.WithTimeout(ctx, healthProbeTimeout)
	defer cancel()
	store := map[string]any{"engine": "etcd", "url": s.storeURL.String(), "reachable": true}
	err := s.db.Ping(ctx)
	if err != nil {
		store["reachable"], store["error"] = false, err.Error()
	}
	return err == nil, map[string]any{"mode": "emulator", "store": store}
}

func (s *Server) proxyHealth(ctx context.Context) (bool, map[string]any) {
	h := s.proxy.Health(ctx, healthMaxAge, healthProbeTimeout)
	return h.Reachable, map[string]any{"mode": "proxy", "upstream": h}
}

func (s *Server) testClock() *kmsgate.Clock {
	if s.cfg.TestClock {
		return s.Clock
	}
	return nil
}

func (s *Server) dataPath() string {
	if s.storeURL.Kind == "etcd" {
		return s.storeURL.String()
	}
	if s.cfg.Ephemeral {
		return filepath.Join(s.tempDir, "kmsgate.db")
	}
	return s.cfg.DataPath
}

func (s *Server) open(ctx context.Context, rootKey []byte, seedFile *seed.File) error {
	cfg := s.cfg
	if cfg.Ephemeral {
		dir, err := os.MkdirTemp("", "kmsgate-")
		if err != nil {
			return fmt.Errorf("ephemeral store: %w", err)
		}
		s.tempDir = dir
	}
	if s.storeURL.Kind == "etcd" {
		if err := s.openEtcd(rootKey); err != nil {
			return err
		}
		return s.startEmulator(ctx, seedFile)
	}
	data := s.dataPath()
	if fi, err := os.Stat(data); err == nil && fi.IsDir() {
		return fmt.Errorf("store %s is a directory: --data names the store's file, e.g. %s", data, filepath.Join(data, "kmsgate.db"))
	}
	if rootKey == nil {
		var err error
		if rootKey, err = s.rootKeyFile(data); err != nil {
			return err
		}
	} else if absent(data) {
		s.created = append(s.created, data)
	}
	var err error
	s.db, err = storage.Open(data, storage.Options{RootKey: rootKey, Check: cfg.Check, CheckTimeout: cfg.CheckTimeout, ObserveTx: s.metrics.StoreTx})
	if err != nil {
		if isStoreError(err) {
			return err // one line that names the store already
		}
		return fmt.Errorf("open store %s: %w", data, err)
	}
	rep := s.db.CheckReport()
	s.check.set(initialCheckState(cfg.Check, rep), "")
	if rep.Ran {
		ev := cfg.Logger.Info()
		msg := "store checked"
		switch {
		case !rep.Walked:
			ev, msg = cfg.Logger.Warn(), "store check stopped at --check-timeout; the rest of the store is unchecked"
		case !rep.Complete:
			ev, msg = cfg.Logger.Warn(), "store pages checked; bbolt's free-list check left out (the page walk took over half of --check-timeout)"
		}
		ev.Str("data", data).Int("records", rep.Records).Dur("took", rep.Took).Msg(msg)
	}
	return s.startEmulator(ctx, seedFile)
}

// startEmulator starts the emulator on the open store and applies the
// seed.
func (s *Server) startEmulator(ctx context.Context, seedFile *seed.File) error {
	cfg := s.cfg
	var err error
	s.metrics.WatchStoreSize(s.db.Size)
	s.Clock = kmsgate.NewClock(cfg.Now)
	random := cfg.Rand
	if random == nil {
		random = rand.Reader
	}
	s.emu, err = emulator.New(emulator.Config{
		DB:      s.db,
		Account: cfg.Account,
		Region:  cfg.Region,
		Now:     s.Clock.Now,
		Rand:    random,
		Logger:  cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	s.backend = s.emu
	if seedFile != nil {
		if err := s.emu.ApplySeed(ctx, seedFile); err != nil {
			return fmt.Errorf("seed %s: %w", cfg.SeedPath, err)
		}
	}
	return nil
}

// openEtcd opens the etcd store of Config.Store: a new one only with
// --init, so that a mistyped prefix or the wrong cluster is refused
// rather than served empty.
func (s *Server) openEtcd(rootKey []byte) error {
	cfg := s.cfg
	tlsCfg, err := storage.EtcdTLS(cfg.Etcd.CACert, cfg.Etcd.Cert, cfg.Etcd.Key)
	if err != nil {
		return err
	}
	s.db, err = storage.OpenEtcd(storage.EtcdConfig{
		Endpoints: s.storeURL.Endpoints, Prefix: s.storeURL.Prefix, TLS: tlsCfg,
		Username: cfg.Etcd.Username, Password: cfg.Etcd.Password,
		RequestTimeout: cfg.Etcd.RequestTimeout, MaxTxnOps: cfg.Etcd.MaxTxnOps,
		MustExist: !cfg.Init,
	}, storage.Options{RootKey: rootKey, ObserveTx: s.metrics.StoreTx})
	if err != nil {
		return fmt.Errorf("open store %s: %w", s.storeURL, err)
	}
	s.check.set(checkOff, "") // no file here to walk: etcd checks its own data
	return nil
}

func isStoreError(err error) bool {
	var (
		de *storage.DamagedError
		ie *storage.InUseError
		se *storage.SchemaError
	)
	return errors.As(err, &de) || errors.As(err, &ie) || errors.As(err, &se)
}

// exists reports whether path is a file with something in it: an empty
// store file is as good as none (bbolt would make a new store in it).
func exists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Size() > 0
}

func absent(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, os.ErrNotExist)
}

// rootKeyFile reads the root key beside the store, or creates it for a new
// store. The root key file proves a store existed: a missing or empty
// store beside it is refused (unless --init), and a store without its
// root key file is refused; a root key file is never written over.
func (s *Server) rootKeyFile(data string) ([]byte, error) {
	keyPath := data + ".rootkey"
	_, kerr := os.Stat(keyPath)
	keyExists := kerr == nil
	storeExists := exists(data)
	switch {
	case keyExists && !storeExists && !s.cfg.Init:
		return nil, fmt.Errorf("store %s is missing or empty but its root key %s exists, so a store was there: restore the store from a backup, or start a new empty store with --init (or remove %s)", data, keyPath, keyPath)
	case !keyExists && storeExists:
		return nil, fmt.Errorf("store %s exists but its root key %s is missing: restore the root key file (or give it in KMSGATE_ROOT_KEY); without it the store's keys cannot be opened", data, keyPath)
	case keyExists:
		if absent(data) {
			s.created = append(s.created, data)
		}
		return storage.LoadRootKey(keyPath)
	}
	key, err := storage.CreateRootKey(keyPath)
	if err != nil {
		return nil, err
	}
	s.created = append(s.created, keyPath)
	if absent(data) {
		s.created = append(s.created, data)
	}
	return key, nil
}

func (s *Server) sweep(ctx context.Context) {
	defer close(s.swpDone)
	every := s.cfg.SweepInterval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.emu.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error().Err(err).Msg("sweep")
			}
		}
	}
}

// Emulator is the backend behind the server in emulator mode (for tests
// that need to reach past the wire, e.g. to sweep at once); nil in proxy
// mode.
func (s *Server) Emulator() *emulator.Service { return s.emu }

// Proxy is the backend behind the server in proxy mode; nil in emulator
// mode.
func (s *Server) Proxy() *proxy.Proxy { return s.proxy }

// Metrics is the server's registry (GET /metrics): the judging backend and
// the proxy report through it.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// URL is the server's endpoint, e.g. http://127.0.0.1:4599.
func (s *Server) URL() string { return "http://" + s.Addr }

// Shutdown stops accepting, lets in-flight calls finish (until ctx ends),
// stops the sweeper and closes the store. It is safe to call twice.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.http == nil {
		return s.closeErr
	}
	err := s.http.Shutdown(ctx)
	if serr := <-s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	s.http = nil
	if s.stopSwp != nil {
		s.stopSwp()
	}
	<-s.swpDone
	<-s.chkDone
	if s.emu != nil {
		if cerr := s.emu.Close(); err == nil {
			err = cerr
		}
	}
	if s.rec != nil {
		if cerr := s.rec.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := s.closeStore(); err == nil {
		err = cerr
	}
	s.closeErr = err
	return err
}

func (s *Server) closeStore() error {
	var err error
	if s.db != nil {
		err = s.db.Close()
		s.db = nil
	}
	if s.tempDir != "" {
		if rerr := os.RemoveAll(s.tempDir); err == nil {
			err = rerr
		}
		s.tempDir = ""
	}
	return err
}
