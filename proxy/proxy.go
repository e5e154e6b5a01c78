// Package proxy is kmsgate's proxy mode: a kmsgate.Backend that forwards
// every KMS call to an upstream KMS (AWS KMS, or any KMS-compatible URL such
// as another kmsgate, LocalStack or local-kms) through aws-sdk-go-v2's
// *kms.Client, re-signed with kmsgate's own credentials from the SDK's
// default chain. The caller's credentials never leave kmsgate.
//
//   - One *kms.Client per region (the caller's SigV4 scope region, else the
//     default region), all sharing one pooled HTTP client (connection reuse).
//   - The SDK's retries are off (the caller's SDK retries) and so is its
//     client-side input validation (the upstream's own ValidationException
//     reaches the caller, as it would without kmsgate).
//   - Answers pass through unchanged: output fields, and an upstream error's
//     code, message and HTTP status (see UpstreamError).
//   - An upstream that does not answer within Config.Timeout, refuses the
//     connection or fails TLS is answered DependencyTimeoutException (HTTP
//     500) naming the upstream and the cause; the first failure of a burst
//     is logged, and the recovery.
//
// Facts serves authz.Facts from the upstream through a bounded TTL cache;
// the Proxy invalidates it on every mutating call that passes through.
//
// The package must not import the emulator or storage.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/internal/sdkhttp"
	"github.com/kmsgate/kmsgate/metrics"
)

// UpstreamAWS is the Config.Upstream value that means AWS KMS at the SDK's
// own endpoint for each call's region.
const UpstreamAWS = "aws"

// Defaults of Config.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultFactsTTL  = 30 * time.Second
	DefaultFactsSize = 10000
)

// Config is what New needs.
type Config struct {
	// Upstream is "aws" or the URL of a KMS-compatible endpoint
	// (http://host:port or https://host:port).
	Upstream string
	// Timeout bounds each upstream call (default DefaultTimeout).
	Timeout time.Duration
	// DefaultRegion is the region of a call whose context carries no
	// kmsgate.Caller.
	DefaultRegion string
	// FactsTTL is how long a looked-up key fact is kept (default
	// DefaultFactsTTL); FactsSize bounds how many keys are kept (default
	// DefaultFactsSize).
	FactsTTL  time.Duration
	FactsSize int
	// AWS is the SDK configuration to sign and send with. Nil means
	// config.LoadDefaultConfig: the SDK's default credential chain (env,
	// shared config and profile, web identity, container and instance
	// roles). Its Region, retryer and endpoint are replaced per client.
	AWS *aws.Config
	// Logger gets the upstream's outages (once per burst) and recoveries.
	Logger zerolog.Logger
	// Metrics counts upstream calls by operation and error code, with
	// their latency (nil: not counted).
	Metrics *metrics.Metrics
	// Now is the wall clock for health reports (nil: time.Now).
	Now func() time.Time
}

// Proxy forwards every KMS operation to the upstream. It is a
// kmsgate.Backend; Facts is its authz.Facts.
type Proxy struct {
	upstream string   // as configured, for messages
	baseURL  *url.URL // nil for AWS
	timeout  time.Duration
	region   string
	aws      aws.Config
	http     sdkhttp.Guarded
	log      zerolog.Logger
	metrics  *metrics.Metrics
	now      func() time.Time

	mu      sync.RWMutex
	clients map[string]*kms.Client

	health health
	facts  *Facts
}

var (
	_ kmsgate.Backend = (*Proxy)(nil)
	_ authz.Facts     = (*Facts)(nil)
)

// New checks cfg, loads the SDK configuration (credentials from the default
// chain unless cfg.AWS is given) and returns a Proxy. It makes no upstream
// call; the first call per region builds that region's client.
func New(ctx context.Context, cfg Config) (*Proxy, error) {
	p := &Proxy{
		upstream: cfg.Upstream,
		timeout:  cfg.Timeout,
		region:   cfg.DefaultRegion,
		log:      cfg.Logger,
		metrics:  cfg.Metrics,
		now:      cfg.Now,
		clients:  map[string]*kms.Client{},
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.region == "" {
		return nil, errors.New("proxy: no default region")
	}
	switch {
	case cfg.Upstream == UpstreamAWS:
	case cfg.Upstream == "":
		return nil, errors.New("proxy: no upstream: give --upstream aws or --upstream URL")
	default:
		u, err := url.Parse(cfg.Upstream)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("proxy: --upstream %q is neither \"aws\" nor an http(s)://host[:port] URL", cfg.Upstream)
		}
		p.baseURL = u
	}
	if cfg.AWS != nil {
		p.aws = cfg.AWS.Copy()
	} else {
		loaded, err := config.LoadDefaultConfig(ctx, config.WithDefaultRegion(p.region))
		if err != nil {
			return nil, fmt.Errorf("proxy: load the AWS SDK configuration for the upstream: %w", err)
		}
		p.aws = loaded
	}
	if p.aws.Credentials == nil {
		return nil, errors.New("proxy: no credentials for the upstream in the AWS SDK's default chain")
	}
	// One transport for every region's client: idle connections are kept
	// per host, enough for many concurrent callers. Behind sdkhttp.Guard,
	// so that the SDK's own request body never cuts off an upstream
	// answer (a large one, such as an ML-DSA signature, could be lost
	// under load and answered as an upstream failure).
	// Answers are bounded (boundedAnswers).
	p.http = sdkhttp.Guard(boundedAnswers{awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 128
	})})
	p.health.init(p)
	ttl := cfg.FactsTTL
	if ttl <= 0 {
		ttl = DefaultFactsTTL
	}
	size := cfg.FactsSize
	if size <= 0 {
		size = DefaultFactsSize
	}
	p.facts = newFacts(p, size, ttl)
	return p, nil
}

// Facts is the proxy's authz.Facts: key facts looked up upstream through a
// TTL cache that the proxy's mutating calls invalidate.
func (p *Proxy) Facts() *Facts { return p.facts }

// Upstream names the upstream as configured ("aws" or the URL).
func (p *Proxy) Upstream() string { return p.upstream }

// describe names the upstream of region for messages.
func (p *Proxy) describe(region string) string {
	if p.baseURL == nil {
		return "AWS KMS in " + region
	}
	return p.upstream
}

// client returns region's client, building it on first use.
func (p *Proxy) client(region string) *kms.Client {
	p.mu.RLock()
	c := p.clients[region]
	p.mu.RUnlock()
	if c != nil {
		return c
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c = p.clients[region]; c != nil {
		return c
	}
	c = kms.NewFromConfig(p.aws, func(o *kms.Options) {
		o.Region = region
		o.HTTPClient = p.http
		// The caller's SDK retries; kmsgate makes exactly one attempt.
		o.Retryer = aws.NopRetryer{}
		o.RetryMaxAttempts = 1
		if p.baseURL != nil {
			o.BaseEndpoint = aws.String(p.upstream)
		} else {
			// AWS_ENDPOINT_URL in kmsgate's own environment (often set
			// for the applications in front of it) must not turn "aws"
			// into a loop back to kmsgate.
			o.BaseEndpoint = nil
		}
		// The upstream validates input and answers its own
		// ValidationException, exactly as without kmsgate.
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			_, err := s.Initialize.Remove("OperationInputValidation")
			if err != nil && !strings.Contains(err.Error(), "not found") {
				return err
			}
			return nil
		})
	})
	p.clients[region] = c
	return c
}

// callRegion is the region a call is forwarded to: the caller's SigV4 scope
// region, else the default.
func (p *Proxy) callRegion(ctx context.Context) string {
	if c, ok := kmsgate.CallerFrom(ctx); ok && c.Region != "" {
		return c.Region
	}
	return p.region
}

// sdkMethod is a *kms.Client method taken as a method expression, e.g.
// (*kms.Client).Encrypt.
type sdkMethod[In, Out any] func(*kms.Client, context.Context, *In, ...func(*kms.Options)) (*Out, error)

// forward makes one upstream call in the caller's region.
func forward[In, Out any](ctx context.Context, p *Proxy, op string, in *In, m sdkMethod[In, Out]) (*Out, error) {
	return call(ctx, p, p.callRegion(ctx), op, in, m)
}

// call makes one upstream call in region, bounded by the timeout, and turns
// its failure into the error kmsgate answers.
func call[In, Out any](ctx context.Context, p *Proxy, region, op string, in *In, m sdkMethod[In, Out]) (*Out, error) {
	return callWithin(ctx, p, region, p.timeout, op, in, m)
}

func callWithin[In, Out any](ctx context.Context, p *Proxy, region string, timeout time.Duration, op string, in *In, m sdkMethod[In, Out]) (*Out, error) {
	if in == nil {
		in = new(In)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	out, err := m(p.client(region), cctx, in)
	if err != nil {
		err = p.upstreamError(ctx, region, timeout, err)
		var api smithy.APIError
		code := "KMSInternalException"
		if errors.As(err, &api) {
			code = api.ErrorCode()
		}
		p.metrics.UpstreamCall(op, code, time.Since(start))
		return nil, err
	}
	p.metrics.UpstreamCall(op, "", time.Since(start))
	p.health.answered()
	if out == nil {
		return nil, fmt.Errorf("upstream %s answered neither an output nor an error", p.describe(region))
	}
	return out, nil
}

// health follows whether the upstream answers: the time of its last answer
// (any HTTP answer, an error too), and whether the calls since have failed
// to reach it. Only a change between the two takes the lock.
type health struct {
	p          *Proxy
	lastAnswer atomic.Int64 // unix nanoseconds; 0: never
	failing    atomic.Bool

	mu        sync.Mutex
	failures  int
	lastCause string
	lastFail  time.Time
}

func (h *health) init(p *Proxy) { h.p = p }

func (h *health) answered() {
	h.lastAnswer.Store(h.p.now().UnixNano())
	if !h.failing.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing.Swap(false) {
		h.p.log.Info().Str("upstream", h.p.upstream).Int("failed_calls", h.failures).
			Msg("upstream KMS answers again")
		h.failures = 0
	}
}

// failed notes a call that did not reach the upstream; the first of a
// burst is logged.
func (h *health) failed(upstream, cause string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures++
	h.lastCause = upstream + ": " + cause
	h.lastFail = h.p.now()
	if !h.failing.Swap(true) {
		h.p.log.Error().Str("upstream", upstream).Str("cause", cause).
			Msg("upstream KMS unreachable; calls answer DependencyTimeoutException until it answers again (logged once per outage)")
	}
}

// Health is what /healthz reports of the upstream in proxy mode.
type Health struct {
	// Upstream is "aws" or the URL.
	Upstream string `json:"upstream"`
	// Reachable is false while calls fail to reach the upstream.
	Reachable bool `json:"reachable"`
	// LastAnswer is when the upstream last answered (RFC 3339), "" if never.
	LastAnswer string `json:"lastAnswer,omitempty"`
	// Error is the last failure's cause while unreachable.
	Error string `json:"error,omitempty"`
	// FailedCalls counts the calls of the current outage.
	FailedCalls int `json:"failedCalls,omitempty"`
}

// Health reports the upstream's state. When it has not answered within
// maxAge (or never), it is asked once more (ListKeys with Limit 1, in the
// default region, bounded by probeTimeout): any answer, even a refusal,
// proves it reachable. Concurrent reports share one probe.
func (p *Proxy) Health(ctx context.Context, maxAge, probeTimeout time.Duration) Health {
	last := p.health.lastAnswer.Load()
	if last == 0 || p.now().Sub(time.Unix(0, last)) > maxAge || p.health.failing.Load() {
		p.probe(ctx, probeTimeout)
	}
	h := Health{Upstream: p.upstream, Reachable: !p.health.failing.Load()}
	if last = p.health.lastAnswer.Load(); last != 0 {
		h.LastAnswer = time.Unix(0, last).UTC().Format(time.RFC3339Nano)
	} else {
		h.Reachable = false
	}
	if !h.Reachable {
		p.health.mu.Lock()
		h.Error, h.FailedCalls = p.health.lastCause, p.health.failures
		p.health.mu.Unlock()
	}
	return h
}

func (p *Proxy) probe(ctx context.Context, timeout time.Duration) {
	_, _, _ = p.facts.flight.Do("\x00probe", func() (any, error) {
		_, err := callWithin(context.WithoutCancel(ctx), p, p.region, min(timeout, p.timeout), "ListKeys",
			&kms.ListKeysInput{Limit: aws.Int32(1)}, (*kms.Client).ListKeys)
		return nil, err
	})
}
