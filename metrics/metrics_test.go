package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kmsgate/kmsgate/metrics"
)

// scrape serves m's handler, GETs it and parses the answer with the
// Prometheus text parser, as a Prometheus server would read it.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the scrape: %v", err)
	}
	return fams
}

// series finds the sample of family name whose labels are exactly labels.
func series(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	fam := fams[name]
	if fam == nil {
		t.Fatalf("no family %s in the scrape", name)
	}
next:
	for _, m := range fam.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no %s%v in the scrape", name, labels)
	return nil
}

func TestEverySeriesIsScrapedWithWhatWasRecorded(t *testing.T) {
	m := metrics.New(metrics.Options{Version: "v1.2.3"})
	enc := m.Operation("Encrypt")
	enc.Done("", 2*time.Millisecond)
	enc.Done("", 3*time.Millisecond)
	enc.Done("NotFoundException", time.Millisecond)
	m.RequestStarted()
	m.RequestStarted()
	m.RequestDone()
	m.PolicyDecision("ExplicitDeny", "enforce")
	m.PolicyDecision("ExplicitDeny", "enforce")
	m.PolicyDecision("Allow", "dry-run")
	m.PolicyDecision("Allow", "some-later-mode") // not among the counters looked up once
	m.UpstreamCall("Decrypt", "", 40*time.Millisecond)
	m.UpstreamCall("Decrypt", "DependencyTimeoutException", 2*time.Second)
	m.StoreTx(true, 5*time.Millisecond)
	m.StoreTx(false, 10*time.Microsecond)
	m.StoreTx(false, 20*time.Microsecond)
	m.WatchStoreSize(func() (int64, error) { return 32768, nil })
	m.WatchStoreSize(func() (int64, error) { return 1, nil }) // only the first counts

	fams := scrape(t, m)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
		get    func(*dto.Metric) float64
	}{
		{"kmsgate_requests_total", map[string]string{"operation": "Encrypt", "error_code": ""}, 2, counter},
		{"kmsgate_requests_total", map[string]string{"operation": "Encrypt", "error_code": "NotFoundException"}, 1, counter},
		{"kmsgate_request_duration_seconds", map[string]string{"operation": "Encrypt"}, 3, histCount},
		{"kmsgate_request_duration_seconds", map[string]string{"operation": "Encrypt"}, 0.006, histSum},
		{"kmsgate_requests_in_flight", map[string]string{}, 1, gauge},
		{"kmsgate_policy_decisions_total", map[string]string{"decision": "ExplicitDeny", "mode": "enforce"}, 2, counter},
		{"kmsgate_policy_decisions_total", map[string]string{"decision": "Allow", "mode": "dry-run"}, 1, counter},
		{"kmsgate_policy_decisions_total", map[string]string{"decision": "Allow", "mode": "some-later-mode"}, 1, counter},
		{"kmsgate_upstream_requests_total", map[string]string{"operation": "Decrypt", "error_code": ""}, 1, counter},
		{"kmsgate_upstream_requests_total", map[string]string{"operation": "Decrypt", "error_code": "DependencyTimeoutException"}, 1, counter},
		{"kmsgate_upstream_request_duration_seconds", map[string]string{"operation": "Decrypt"}, 2, histCount},
		{"kmsgate_store_transaction_duration_seconds", map[string]string{"kind": "write"}, 1, histCount},
		{"kmsgate_store_transaction_duration_seconds", map[string]string{"kind": "read"}, 2, histCount},
		{"kmsgate_store_size_bytes", map[string]string{}, 32768, gauge},
		{"kmsgate_build_info", map[string]string{"version": "v1.2.3", "goversion": runtime.Version()}, 1, gauge},
	} {
		got := tc.get(series(t, fams, tc.name, tc.labels))
		if diff := got - tc.want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s%v: got %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("no %s: the Go and process collectors are missing", name)
		}
	}
}

func counter(m *dto.Metric) float64   { return m.GetCounter().GetValue() }
func gauge(m *dto.Metric) float64     { return m.GetGauge().GetValue() }
func histCount(m *dto.Metric) float64 { return float64(m.GetHistogram().GetSampleCount()) }
func histSum(m *dto.Metric) float64   { return m.GetHistogram().GetSampleSum() }

func TestAFailedStoreSizeReadLeavesTheRestOfTheScrape(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.WatchStoreSize(func() (int64, error) { return 0, http.ErrServerClosed })
	fams := scrape(t, m)
	if fams["kmsgate_store_size_bytes"] != nil {
		t.Errorf("got a store size from a failed read")
	}
	series(t, fams, "kmsgate_build_info", map[string]string{"version": "dev", "goversion": runtime.Version()})
}

func TestANilMetricsIsANoOp(t *testing.T) {
	var m *metrics.Metrics
	// None of these may panic: parts hold a nil *Metrics when nobody scrapes.
	m.Operation("Encrypt").Done("", time.Millisecond)
	m.RequestStarted()
	m.RequestDone()
	m.PolicyDecision("Allow", "enforce")
	m.UpstreamCall("Encrypt", "", time.Millisecond)
	m.StoreTx(true, time.Millisecond)
	m.WatchStoreSize(func() (int64, error) { return 1, nil })
	if m.Registry() != nil {
		t.Errorf("got a registry from a nil *Metrics")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("got status %d from a nil *Metrics' handler, want 404", rec.Code)
	}
}

func TestTwoRegistriesAreIndependent(t *testing.T) {
	a, b := metrics.New(metrics.Options{}), metrics.New(metrics.Options{})
	a.Operation("Sign").Done("", time.Millisecond)
	b.Operation("Sign") // resolved, never counted
	if got := counter(series(t, scrape(t, a), "kmsgate_requests_total", map[string]string{"operation": "Sign", "error_code": ""})); got != 1 {
		t.Errorf("a: got %v Sign requests, want 1", got)
	}
	if got := counter(series(t, scrape(t, b), "kmsgate_requests_total", map[string]string{"operation": "Sign", "error_code": ""})); got != 0 {
		t.Errorf("b: got %v Sign requests, want 0", got)
	}
}

// BenchmarkPolicyDecision is the gate's count of one decision (once per
// judged call): 91-200 ns when each looked its counter up with
// WithLabelValues, 15-42 ns with the counter looked up once.
func BenchmarkPolicyDecision(b *testing.B) {
	m := metrics.New(metrics.Options{})
	b.ReportAllocs()
	for b.Loop() {
		m.PolicyDecision("Allow", "enforce")
	}
}
