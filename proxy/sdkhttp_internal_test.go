package proxy

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kmsgate/kmsgate/internal/sdkhttp"
)

// Every region's upstream client sends through sdkhttp.Guard: without it
// a large upstream answer can be cut off by the SDK's own request body
// (internal/sdkhttp plays that race with a real client and server).
func TestUpstreamClientsSendThroughSDKHTTPGuard(t *testing.T) {
	p, err := New(context.Background(), Config{Upstream: "http://127.0.0.1:1", DefaultRegion: "us-east-1",
		AWS: &aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDPROXY", "secret", "")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		if got := p.client(region).Options().HTTPClient; got != sdkhttp.Doer(p.http) {
			t.Errorf("%s: got HTTPClient %T, want the proxy's sdkhttp.Guarded", region, got)
		}
	}
}
