package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/server"
	"github.com/kmsgate/kmsgate/storage"
)

func runServe(args []string, _ io.Reader, _, stderr io.Writer) int {
	var (
		cfg                 server.Config
		logFormat, logLevel string
		shutdownTimeout     time.Duration
		policyMode, auth    string
		check               string
		skipCheck           bool
	)
	f := newEnvFlags("serve", "serve [flags]", stderr, nil)
	f.String(&cfg.Listen, "listen", "KMSGATE_LISTEN", "127.0.0.1:4599", "address to listen on")
	f.String(&cfg.DataPath, "data", "KMSGATE_DATA", "./kmsgate.db", "bbolt store file (its root key beside it in FILE.rootkey)")
	f.String(&cfg.Store, "store", "KMSGATE_STORE", "", "the store: bbolt://PATH (as --data) or etcd://HOST:PORT[,HOST:PORT...]/PREFIX, shared by several replicas (needs KMSGATE_ROOT_KEY or --root-key-file; --init the first time)")
	f.String(&cfg.RootKeyFile, "root-key-file", "KMSGATE_ROOT_KEY_FILE", "", "file holding the hex root key (read only; instead of the <data>.rootkey file; the same in every replica of an etcd store)")
	f.String(&cfg.Etcd.CACert, "etcd-cacert", "KMSGATE_ETCD_CACERT", "", "etcd store: PEM CA certificate to verify the members with (turns TLS on)")
	f.String(&cfg.Etcd.Cert, "etcd-cert", "KMSGATE_ETCD_CERT", "", "etcd store: PEM client certificate (with --etcd-key; turns TLS on)")
	f.String(&cfg.Etcd.Key, "etcd-key", "KMSGATE_ETCD_KEY", "", "etcd store: PEM client key")
	f.String(&cfg.Etcd.Username, "etcd-username", "KMSGATE_ETCD_USERNAME", "", "etcd store: user name of etcd's authentication (password in $KMSGATE_ETCD_PASSWORD)")
	f.Duration(&cfg.Etcd.RequestTimeout, "etcd-timeout", "KMSGATE_ETCD_TIMEOUT", 5*time.Second, "etcd store: longest wait for one etcd call; then the request fails with DependencyTimeoutException")
	f.Int(&cfg.Etcd.MaxTxnOps, "etcd-max-txn-ops", "KMSGATE_ETCD_MAX_TXN_OPS", 128, "etcd store: the members' --max-txn-ops (largest transaction)")
	f.Bool(&cfg.Ephemeral, "ephemeral", "KMSGATE_EPHEMERAL", false, "use a temporary store removed at exit (for CI)")
	f.String(&cfg.Region, "region", "KMSGATE_REGION", "us-east-1", "region of unsigned requests")
	f.String(&cfg.Account, "account", "KMSGATE_ACCOUNT", "111122223333", "AWS account id of the emulated keys")
	f.String(&cfg.SeedPath, "seed", "KMSGATE_SEED", "", "YAML seed file applied at start-up (kmsgate or local-kms format)")
	f.Bool(&cfg.TestClock, "test-clock", "KMSGATE_TEST_CLOCK", false, "enable POST /_kmsgate/clock to move time forward")
	f.Int64(&cfg.MaxBodyBytes, "max-body", "KMSGATE_MAX_BODY", 1<<20, "largest request body in bytes")
	f.Duration(&cfg.SweepInterval, "sweep-interval", "KMSGATE_SWEEP_INTERVAL", time.Minute, "how often expired keys are deleted and due rotations run")
	f.Bool(&cfg.Init, "init", "KMSGATE_INIT", false, "start a new empty store even though the root key file shows a store existed")
	f.String(&check, "check", "KMSGATE_CHECK", "quick", "store check: quick (before serving only checks that cost the same at any store size; every page is then walked in the background, and damage makes /healthz answer 503), full (every page before serving; a damaged store is refused) or off")
	f.Bool(&skipCheck, "skip-check", "KMSGATE_SKIP_CHECK", false, "the same as --check off (kept for older scripts)")
	f.Duration(&cfg.CheckTimeout, "check-timeout", "KMSGATE_CHECK_TIMEOUT", storage.DefaultCheckTimeout, "bound on --check full's page walk at start-up; the rest is served unchecked")
	f.Duration(&cfg.ReadTimeout, "read-timeout", "KMSGATE_READ_TIMEOUT", server.DefaultReadTimeout, "longest time to read one whole request")
	f.Duration(&cfg.WriteTimeout, "write-timeout", "KMSGATE_WRITE_TIMEOUT", server.DefaultWriteTimeout, "longest time from a request's headers to the end of its answer")
	f.Duration(&cfg.IdleTimeout, "idle-timeout", "KMSGATE_IDLE_TIMEOUT", server.DefaultIdleTimeout, "how long an idle keep-alive connection stays open")
	f.Int(&cfg.MaxConns, "max-conns", "KMSGATE_MAX_CONNS", server.DefaultMaxConns, "most connections open at once; more wait until one closes")
	f.Duration(&shutdownTimeout, "shutdown-timeout", "KMSGATE_SHUTDOWN_TIMEOUT", 30*time.Second, "how long in-flight calls may finish after SIGINT/SIGTERM")
	f.String(&cfg.Upstream, "upstream", "KMSGATE_UPSTREAM", "", "proxy mode: forward to \"aws\" (AWS KMS in each call's region) or a KMS endpoint URL; empty: emulate")
	f.Duration(&cfg.UpstreamTimeout, "upstream-timeout", "KMSGATE_UPSTREAM_TIMEOUT", 10*time.Second, "proxy mode: longest wait for one upstream call")
	f.String(&cfg.AliasPrefix, "alias-prefix", "KMSGATE_ALIAS_PREFIX", "", "allow only the seed's policy with this alias prefix (e.g. alias/jumpwire/): crypto and DescribeKey on keys with an alias under it, alias operations under it, CreateKey; enforced unless --policy-mode dry-run or record")
	f.Duration(&cfg.FactsTTL, "facts-ttl", "KMSGATE_FACTS_TTL", 30*time.Second, "proxy mode: how long key facts looked up upstream are cached")
	f.String(&logFormat, "log-format", "KMSGATE_LOG_FORMAT", "console", "log format: console or json")
	f.String(&logLevel, "log-level", "KMSGATE_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	f.String(&auth, "auth", "KMSGATE_AUTH", "off", "SigV4 signatures: off (the access key id only picks the principal) or verify (checked against --principals)")
	f.String(&policyMode, "policy-mode", "KMSGATE_POLICY_MODE", "off", "judge calls against IAM policies: off, enforce, dry-run or record")
	f.String(&cfg.PrincipalsPath, "principals", "KMSGATE_PRINCIPALS", "", "YAML file of principals: access keys, ARN, identity policies, tags, admin")
	f.List(&cfg.IdentityPolicies, "identity-policy", "KMSGATE_IDENTITY_POLICY", "identity policy FILE of every caller the principals file does not name (repeatable; the variable is comma-separated)")
	f.String(&cfg.DecisionLog, "decision-log", "KMSGATE_DECISION_LOG", "", "append policy decisions to this file as JSON Lines")
	f.EnvOnly("KMSGATE_ROOT_KEY", "", "64 hex characters: the root key that seals key material at rest, instead of the <data>.rootkey file")
	f.EnvOnly("KMSGATE_ETCD_PASSWORD", "", "etcd store: password of --etcd-username (environment only, so that it is not in the process list)")
	f.EnvOnly("GOGC", "200", "Go's garbage collector target; serve sets 200 unless GOGC is set")
	if code, ok := f.parse(args, stderr); !ok {
		return code
	}
	mode, err := gate.ParseMode(policyMode)
	if err != nil {
		fmt.Fprintf(stderr, "kmsgate serve: --policy-mode: %v\n", err)
		return 2
	}
	cfg.PolicyMode = mode
	if cfg.Check, err = storage.ParseCheckMode(check); err != nil {
		fmt.Fprintf(stderr, "kmsgate serve: --check: %v\n", err)
		return 2
	}
	if skipCheck {
		if cfg.Check == storage.CheckFull {
			fmt.Fprintf(stderr, "kmsgate serve: --skip-check is --check off; it cannot go with --check full\n")
			return 2
		}
		cfg.Check = storage.CheckOff
	}
	if cfg.Auth, err = kmsapi.ParseAuthMode(auth); err != nil {
		fmt.Fprintf(stderr, "kmsgate serve: --auth: %v\n", err)
		return 2
	}
	cfg.RootKeyHex = os.Getenv("KMSGATE_ROOT_KEY")
	cfg.Etcd.Password = os.Getenv("KMSGATE_ETCD_PASSWORD")
	cfg.Version = buildVersion()
	logger, err := newLogger(stderr, logFormat, logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "kmsgate serve: %v\n", err)
		return 2
	}
	cfg.Logger = logger
	if os.Getenv("GOGC") == "" {
		// Collect garbage half as often as Go's default: under load this
		// buys throughput for a few MB of RSS (see BENCHMARKS.md). GOGC
		// set in the environment wins.
		debug.SetGCPercent(200)
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	startSig, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-sigs: // a signal during start-up stops the seed and the start
			close(startSig)
			stop()
		case <-ctx.Done():
		}
	}()
	srv, err := server.Start(ctx, cfg)
	stop()
	<-watched
	if err != nil {
		fmt.Fprintf(stderr, "kmsgate serve: %v\n", err)
		return 1
	}
	select {
	case <-startSig:
	case <-sigs:
	}
	logger.Info().Msg("shutting down: finishing in-flight calls (a second signal stops at once)")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	forced := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			logger.Warn().Msg("second signal: stopping at once, cutting in-flight calls")
			close(forced)
			cancel()
		case <-sctx.Done():
		}
	}()
	err = srv.Shutdown(sctx) // closes the store even when cut short
	select {
	case <-forced:
		logger.Warn().Msg("stopped at once; store closed")
		return 1
	default:
	}
	if err != nil {
		logger.Error().Err(err).Msg("shutdown")
		return 1
	}
	logger.Info().Msg("stopped; store closed")
	return 0
}

func newLogger(w io.Writer, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" {
		return zerolog.Logger{}, fmt.Errorf("unknown --log-level %q (debug, info, warn, error)", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339, NoColor: !colour(w, os.Getenv)}
	default:
		return zerolog.Logger{}, fmt.Errorf("unknown --log-format %q (console or json)", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// colour says whether console logs to w may carry colour escapes: only when
// w is a terminal and NO_COLOR (https://no-color.org) is unset. A log
// written to a file or a pipe stays plain text.
func colour(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
