package integration

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/kmsgatetest"
)

// TestREADMEGoSnippetWorksOnItsOwn runs the README's aws-sdk-go-v2 snippet
// in an environment with no AWS settings at all (no credentials, region,
// profile or shared files), as a new user's shell may be: it must not
// depend on what the CLI snippet exported.
func TestREADMEGoSnippetWorksOnItsOwn(t *testing.T) {
	srv := kmsgatetest.New(t)
	none := filepath.Join(t.TempDir(), "none")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()

	// The README's snippet, with the endpoint of this test's server.
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	client := kms.NewFromConfig(cfg, func(o *kms.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})

	out, err := client.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey through the README's client: %v", err)
	}
	if got, want := aws.ToString(out.KeyMetadata.Arn), "arn:aws:kms:us-east-1:111122223333:key/"+aws.ToString(out.KeyMetadata.KeyId); got != want {
		t.Errorf("got ARN %s, want %s", got, want)
	}
}
