package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/kmsapi"
	"github.com/kmsgate/kmsgate/kmsgatetest"
	"github.com/kmsgate/kmsgate/server"
)

// TestProxyBinaryTakesItsCredentialsFromTheSDKChain runs `kmsgate serve
// --upstream URL` as a process whose only credentials are the SDK's
// environment variables, in front of an emulator that checks signatures
// and knows only that key; then stops the upstream.
func TestProxyBinaryTakesItsCredentialsFromTheSDKChain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	principals := filepath.Join(dir, "principals.yaml")
	if err := os.WriteFile(principals, []byte(`principals:
  - arn: arn:aws:iam::`+testAccount+`:user/kmsgate-proxy
    accessKeys:
      - id: AKIAENVPROXY
        secret: env-proxy-secret
`), 0o600); err != nil {
		t.Fatal(err)
	}
	up := start(t, func(c *server.Config) { c.Auth, c.PrincipalsPath = kmsapi.AuthVerify, principals })
	// The child's SDK default chain: these variables, and no shared files
	// or instance metadata of the machine's.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVPROXY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-proxy-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	p := startBinary(t, "--upstream", up.ks.URL, "--upstream-timeout", "5s")

	c := sdkClient(kms.Options{
		Region: testRegion, BaseEndpoint: aws.String(p.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(kmsgatetest.AccessKeyID, kmsgatetest.SecretAccessKey, ""),
	})
	key := must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyId, Plaintext: []byte("via the binary")}))(t)
	if got := string(must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}))(t).Plaintext); got != "via the binary" {
		t.Errorf("got %q, want \"via the binary\"", got)
	}
	health := func() (string, error) {
		out, err := exec.Command(kmsgateBinary, "healthcheck", "--url", p.url+"/healthz", "--timeout", "5s").CombinedOutput()
		return string(out), err
	}
	if out, err := health(); err != nil || !strings.Contains(out, `"reachable":true`) {
		t.Errorf("healthcheck: got %v and %q, want exit 0 with the upstream reachable", err, out)
	}

	up.ks.Stop()
	_, err := c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(8)})
	wantAPIError(t, err, "DependencyTimeoutException", "-")
	out, err := health()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(out, "connection refused") {
		t.Errorf("healthcheck with the upstream stopped: got %v and %q, want exit 1 naming the cause", err, out)
	}
}
