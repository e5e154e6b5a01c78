package server

import (
	"context"
	"net/http"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsEndpointIsScrapedByThePrometheusParser runs real calls through
// the SDK, scrapes GET /metrics over HTTP and reads it with Prometheus' own
// text parser.
func TestMetricsEndpointIsScrapedByThePrometheusParser(t *testing.T) {
	cfg := config(t)
	cfg.Version = "v9.9.9-test"
	s := startT(t, cfg)
	ctx := context.Background()
	c := kms.New(kms.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDMETRICS", "secret", ""),
		RetryMaxAttempts: 1,
	})
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	// Starts like a symmetric blob (version byte 1), so InvalidCiphertextException
	// (a blob of no known form without KeyId is AWS's "KeyId must not be null").
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("\x01not a blob of ours")}); err == nil {
		t.Fatal("Decrypt of garbage succeeded")
	}

	resp, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: got status %d, want 200", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	find := func(name string, labels map[string]string) *dto.Metric {
		t.Helper()
	next:
		for _, m := range fams[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := labels[l.GetName()]; ok && v != l.GetValue() {
					continue next
				}
			}
			return m
		}
		t.Fatalf("no %s%v in /metrics", name, labels)
		return nil
	}
	for _, tc := range []struct {
		what string
		got  float64
		want func(float64) bool
		says string
	}{
		{"Encrypt successes", find("kmsgate_requests_total", map[string]string{"operation": "Encrypt", "error_code": ""}).GetCounter().GetValue(), eq(2), "2"},
		{"CreateKey successes", find("kmsgate_requests_total", map[string]string{"operation": "CreateKey", "error_code": ""}).GetCounter().GetValue(), eq(1), "1"},
		{"Decrypt InvalidCiphertextException", find("kmsgate_requests_total", map[string]string{"operation": "Decrypt", "error_code": "InvalidCiphertextException"}).GetCounter().GetValue(), eq(1), "1"},
		{"Encrypt latency samples", float64(find("kmsgate_request_duration_seconds", map[string]string{"operation": "Encrypt"}).GetHistogram().GetSampleCount()), eq(2), "2"},
		{"requests in flight (this scrape)", find("kmsgate_requests_in_flight", nil).GetGauge().GetValue(), eq(1), "1"},
		{"store write transactions", float64(find("kmsgate_store_transaction_duration_seconds", map[string]string{"kind": "write"}).GetHistogram().GetSampleCount()), gt(0), "> 0"},
		{"store size in bytes", find("kmsgate_store_size_bytes", nil).GetGauge().GetValue(), gt(0), "> 0"},
		{"build info", find("kmsgate_build_info", map[string]string{"version": "v9.9.9-test", "goversion": runtime.Version()}).GetGauge().GetValue(), eq(1), "1"},
	} {
		if !tc.want(tc.got) {
			t.Errorf("%s: got %v, want %s", tc.what, tc.got, tc.says)
		}
	}
	if s.Metrics() == nil {
		t.Error("Server.Metrics() is nil: the gate and the proxy have nothing to report through")
	}
}

func eq(want float64) func(float64) bool { return func(got float64) bool { return got == want } }
func gt(min float64) func(float64) bool  { return func(got float64) bool { return got > min } }
