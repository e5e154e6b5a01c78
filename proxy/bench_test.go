package proxy_test

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// BenchmarkProxyVsDirect measures what the proxy adds: GenerateDataKey
// (AES_256) from a real SDK client, to an emulator direct and through
// kmsgate in proxy mode in front of that same emulator, in one process and
// one run. Direct and proxy alternate, in benchRounds rounds (go test's
// -count would repeat each side back to back), so drift on a shared
// machine hits both alike.
//
//   - c1: one caller; reports the median (p50-ms) and 99th percentile
//     (p99-ms) latency of b.N calls.
//   - c16: 16 concurrent callers, each on its own kept-alive connection;
//     reports throughput (req/s).
//
// Command (BENCHMARKS.md): go test -run '^$' -bench ProxyVsDirect -benchtime 3s ./proxy
func BenchmarkProxyVsDirect(b *testing.B) {
	ctx := context.Background()
	up := startEmulator(b)
	px := startProxy(b, up.URL())
	key := must(client(up.URL(), testRegion).CreateKey(ctx, &kms.CreateKeyInput{}))(b).KeyMetadata.KeyId
	in := &kms.GenerateDataKeyInput{KeyId: key, KeySpec: types.DataKeySpecAes256}
	sides := []struct {
		name string
		c    *kms.Client
	}{{"direct", benchClient(up.URL())}, {"proxy", benchClient(px.URL())}}
	for _, s := range sides {
		for range 100 { // open and warm the connections, the proxy's too
			must(s.c.GenerateDataKey(ctx, in))(b)
		}
	}
	for range benchRounds {
		for _, s := range sides {
			benchC1(b, s.name, s.c, in)
		}
		for _, s := range sides {
			benchC16(b, s.name, s.c, in)
		}
	}
}

// benchRounds is how many times each side is measured, alternating.
const benchRounds = 5

func benchC1(b *testing.B, name string, c *kms.Client, in *kms.GenerateDataKeyInput) {
	ctx := context.Background()
	b.Run("c1/"+name, func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for range b.N {
			start := time.Now()
			if _, err := c.GenerateDataKey(ctx, in); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e6, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e6, "p99-ms")
	})
}

func benchC16(b *testing.B, name string, c *kms.Client, in *kms.GenerateDataKeyInput) {
	ctx := context.Background()
	b.Run("c16/"+name, func(b *testing.B) {
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.GenerateDataKey(ctx, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	})
}

// benchClient is a caller's SDK client whose pool keeps a connection per
// concurrent caller.
func benchClient(endpoint string) *kms.Client {
	return kms.New(kms.Options{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(callerKeyID, callerSecret, ""),
		RetryMaxAttempts: 1,
		BaseEndpoint:     aws.String(endpoint),
		HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = 64
		}),
	})
}
