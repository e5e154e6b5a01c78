// Package metrics is kmsgate's Prometheus instrumentation: one *Metrics per
// server, served at GET /metrics in the Prometheus text format through
// prometheus/client_golang, with its own registry (no package globals).
//
// Every method is safe on a nil *Metrics and then does nothing, so a part
// that takes a *Metrics in its config (the wire layer, the store, the
// judging backend, the proxy) works unchanged without one.
//
// Series:
//
//	kmsgate_requests_total{operation,error_code}     KMS requests answered; error_code "" on success
//	kmsgate_request_duration_seconds{operation}      latency histogram of KMS requests
//	kmsgate_requests_in_flight                       HTTP requests being served
//	kmsgate_policy_decisions_total{decision,mode}    policy decisions (the gate's hook: PolicyDecision)
//	kmsgate_upstream_requests_total{operation,error_code}  calls to the upstream KMS (the proxy's hook: UpstreamCall)
//	kmsgate_upstream_request_duration_seconds{operation}   their latency
//	kmsgate_store_transaction_duration_seconds{kind}  bbolt transactions, kind "read" or "write"
//	kmsgate_store_size_bytes                          the store's size (bbolt's data size), read at scrape time
//	kmsgate_store_damaged                             1 once the store check has found damage, else 0
//	kmsgate_store_check_running                       1 while the background store check walks the pages
//	kmsgate_store_check_duration_seconds              how long the last background store check took
//	kmsgate_build_info{version,goversion}             always 1
//
// plus the Go runtime's and the process's standard collectors.
package metrics

import (
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Label values of OpUnknown: a request whose X-Amz-Target names no KMS
// operation (the target itself is never a label value: callers choose it).
const OpUnknown = "unknown"

// Options configure New.
type Options struct {
	// Version is the build's version for kmsgate_build_info ("dev" when empty).
	Version string
}

// Metrics holds every kmsgate series in one registry.
type Metrics struct {
	reg              *prometheus.Registry
	requests         *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	inFlight         prometheus.Gauge
	decisions        *prometheus.CounterVec
	upstream         *prometheus.CounterVec
	upstreamDuration *prometheus.HistogramVec
	storeTx          *prometheus.HistogramVec
	storeRead        prometheus.Observer
	storeWrite       prometheus.Observer
	storeDamaged     prometheus.Gauge
	checkRunning     prometheus.Gauge
	checkDuration    prometheus.Gauge
	// decisionCounters are decisions' counters of the decisions and modes
	// the gate counts, looked up on first use: WithLabelValues hashes the
	// labels and looks them up under a lock on every call.
	decisionCounters [len(decisionNames)][len(modeNames)]lazyCounter

	sizeOnce sync.Once
}

// lazyCounter is a counter looked up once.
type lazyCounter struct {
	once sync.Once
	c    prometheus.Counter
}

// New makes a registry with every kmsgate series, the build info, and the
// Go runtime and process collectors.
func New(o Options) *Metrics {
	if o.Version == "" {
		o.Version = "dev"
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmsgate_requests_total",
			Help: "KMS requests answered, by operation and AWS error code (empty on success).",
		}, []string{"operation", "error_code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kmsgate_request_duration_seconds",
			Help:    "Time to answer a KMS request, by operation.",
			Buckets: requestBuckets,
		}, []string{"operation"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kmsgate_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmsgate_policy_decisions_total",
			Help: "Policy decisions, by decision (Allow, ImplicitDeny, ExplicitDeny) and policy mode.",
		}, []string{"decision", "mode"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kmsgate_upstream_requests_total",
			Help: "Calls to the upstream KMS in proxy mode, by operation and error code (empty on success).",
		}, []string{"operation", "error_code"}),
		upstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kmsgate_upstream_request_duration_seconds",
			Help:    "Time of a call to the upstream KMS, by operation.",
			Buckets: requestBuckets,
		}, []string{"operation"}),
		storeTx: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kmsgate_store_transaction_duration_seconds",
			Help:    "Time of a store transaction, by kind (read or write); a write includes its fsync.",
			Buckets: storeBuckets,
		}, []string{"kind"}),
		storeDamaged: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kmsgate_store_damaged",
			Help: "1 once the store check has found damage in the store (restore a backup), else 0.",
		}),
		checkRunning: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kmsgate_store_check_running",
			Help: "1 while the background store check (--check quick) walks the store's pages, else 0.",
		}),
		checkDuration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kmsgate_store_check_duration_seconds",
			Help: "How long the last background store check took (0 until one has ended).",
		}),
	}
	m.storeRead = m.storeTx.WithLabelValues("read")
	m.storeWrite = m.storeTx.WithLabelValues("write")
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kmsgate_build_info",
		Help: "The kmsgate build: always 1, with its version and Go version as labels.",
	}, []string{"version", "goversion"})
	build.WithLabelValues(o.Version, runtime.Version()).Set(1)
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.decisions, m.upstream,
		m.upstreamDuration, m.storeTx, m.storeDamaged, m.checkRunning, m.checkDuration, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// requestBuckets run from 100µs (a cached Encrypt) to 10s (an RSA_4096
// CreateKey on a busy machine, a slow upstream).
var requestBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// storeBuckets run from 10µs (a cached read) to 1s (a write's fsync on a slow disk).
var storeBuckets = []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}

// Handler serves the registry in the Prometheus text format (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the registry behind Handler, for callers that add their own
// collectors or gather in a test.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Op is one KMS operation's series, resolved once so that counting a
// successful request costs no label look-up.
type Op struct {
	m    *Metrics
	name string
	ok   prometheus.Counter
	dur  prometheus.Observer
}

// Operation returns the series of the KMS operation name (nil when m is nil).
// The wire layer calls it once per route at start-up.
func (m *Metrics) Operation(name string) *Op {
	if m == nil {
		return nil
	}
	return &Op{m: m, name: name, ok: m.requests.WithLabelValues(name, ""), dur: m.duration.WithLabelValues(name)}
}

// Done counts one answered request of the operation: errCode is the AWS
// error code answered ("" on success), d the time it took.
func (o *Op) Done(errCode string, d time.Duration) {
	if o == nil {
		return
	}
	if errCode == "" {
		o.ok.Inc()
	} else {
		o.m.requests.WithLabelValues(o.name, errCode).Inc()
	}
	o.dur.Observe(d.Seconds())
}

// RequestStarted and RequestDone bracket every HTTP request (in-flight gauge).
func (m *Metrics) RequestStarted() {
	if m != nil {
		m.inFlight.Inc()
	}
}

// RequestDone ends what RequestStarted began.
func (m *Metrics) RequestDone() {
	if m != nil {
		m.inFlight.Dec()
	}
}

// PolicyDecision counts one decision of the policy gate: decision is
// Allow, ImplicitDeny or ExplicitDeny; mode the policy mode that made it
// (enforce, dry-run, record).
func (m *Metrics) PolicyDecision(decision, mode string) {
	if m == nil {
		return
	}
	d, md := slices.Index(decisionNames[:], decision), slices.Index(modeNames[:], mode)
	if d < 0 || md < 0 {
		m.decisions.WithLabelValues(decision, mode).Inc()
		return
	}
	lc := &m.decisionCounters[d][md]
	lc.once.Do(func() { lc.c = m.decisions.WithLabelValues(decision, mode) })
	lc.c.Inc()
}

// The decisions and modes decisionCounters has room for.
var (
	decisionNames = [...]string{"Allow", "ImplicitDeny", "ExplicitDeny"}
	modeNames     = [...]string{"enforce", "dry-run", "record"}
)

// UpstreamCall counts one call to the upstream KMS (proxy mode): operation
// is the KMS operation, errCode the error code it answered ("" on success;
// e.g. DependencyTimeoutException when unreachable), d its duration.
func (m *Metrics) UpstreamCall(operation, errCode string, d time.Duration) {
	if m == nil {
		return
	}
	m.upstream.WithLabelValues(operation, errCode).Inc()
	m.upstreamDuration.WithLabelValues(operation).Observe(d.Seconds())
}

// StoreTx records one store transaction's duration; it fits
// storage.Options.ObserveTx.
func (m *Metrics) StoreTx(writable bool, d time.Duration) {
	if m == nil {
		return
	}
	if writable {
		m.storeWrite.Observe(d.Seconds())
	} else {
		m.storeRead.Observe(d.Seconds())
	}
}

// StoreCheckRunning says whether the background store check is walking the
// store's pages.
func (m *Metrics) StoreCheckRunning(running bool) {
	if m == nil {
		return
	}
	if running {
		m.checkRunning.Set(1)
	} else {
		m.checkRunning.Set(0)
	}
}

// StoreCheckDone records a finished background store check: how long it
// took, and whether it found damage (kmsgate_store_damaged stays 1 then).
func (m *Metrics) StoreCheckDone(took time.Duration, damaged bool) {
	if m == nil {
		return
	}
	m.checkDuration.Set(took.Seconds())
	if damaged {
		m.storeDamaged.Set(1)
	}
}

// WatchStoreSize registers kmsgate_store_size_bytes, read from size at each
// scrape (a failed read reports nothing). Only the first call registers.
func (m *Metrics) WatchStoreSize(size func() (int64, error)) {
	if m == nil {
		return
	}
	m.sizeOnce.Do(func() {
		m.reg.MustRegister(&sizeCollector{size: size, desc: prometheus.NewDesc(
			"kmsgate_store_size_bytes", "Size of the store's data in bytes (bbolt's, read at scrape time).", nil, nil)})
	})
}

type sizeCollector struct {
	size func() (int64, error)
	desc *prometheus.Desc
}

func (c *sizeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sizeCollector) Collect(ch chan<- prometheus.Metric) {
	n, err := c.size()
	if err != nil {
		return // e.g. the store is closing; the rest of the scrape still answers
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
