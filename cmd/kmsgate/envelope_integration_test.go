package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/envelope"
	"github.com/kmsgate/kmsgate/envelope/envelopetest"
)

// buildKmsgate builds this command into a temporary directory.
func buildKmsgate(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kmsgate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// kmsgateCmd runs the built binary with the test's AWS environment
// (offlineAWSEnv) and AWS_ENDPOINT_URL pointing at endpoint.
func kmsgateCmd(t *testing.T, bin, endpoint, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+endpoint)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running kmsgate: %v", err)
	}
	return o.String(), e.String(), code
}

func TestEnvelopeCLIThroughTheBuiltBinary(t *testing.T) {
	offlineAWSEnv(t)
	bin := buildKmsgate(t)
	t.Run("a field round-trips with AWS_ENDPOINT_URL or --endpoint", func(t *testing.T) { cliRoundTrip(t, bin) })
	t.Run("failures print the KMS error and nothing on stdout", func(t *testing.T) { cliFailures(t, bin) })
}

func cliRoundTrip(t *testing.T, bin string) {
	srv := envelopetest.Start(t)
	plaintext := "card 4111-1111-1111-1111\nwith a newline and \x00\xff bytes"

	text, stderr, code := kmsgateCmd(t, bin, srv.URL, plaintext, "envelope", "encrypt", "--key-name", "jumpwire", "--tenant", "org1")
	if code != 0 {
		t.Fatalf("encrypt: exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(text, envelope.TextPrefix) || !strings.HasSuffix(text, "\n") || strings.Count(text, "\n") != 1 {
		t.Errorf("encrypt: got stdout %q, want one line starting with %q", text, envelope.TextPrefix)
	}
	if strings.Contains(text, "4111") {
		t.Error("encrypt: the plaintext shows in the ciphertext")
	}
	aliases, err := srv.Client().ListAliases(context.Background(), &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range aliases.Aliases {
		found = found || *a.AliasName == "alias/jumpwire/org1"
	}
	if !found {
		t.Error("encrypt: got no alias/jumpwire/org1, want it created")
	}

	got, stderr, code := kmsgateCmd(t, bin, srv.URL, text, "envelope", "decrypt")
	if code != 0 {
		t.Fatalf("decrypt: exit %d, stderr %q", code, stderr)
	}
	if got != plaintext {
		t.Errorf("decrypt: got %q, want %q", got, plaintext)
	}

	// --endpoint wins over AWS_ENDPOINT_URL.
	got, stderr, code = kmsgateCmd(t, bin, closedPort(t), text, "envelope", "decrypt", "--endpoint", srv.URL)
	if code != 0 || got != plaintext {
		t.Errorf("decrypt with --endpoint: got (%q, exit %d, stderr %q), want the plaintext", got, code, stderr)
	}
}

func cliFailures(t *testing.T, bin string) {
	srv := envelopetest.Start(t)
	text, stderr, code := kmsgateCmd(t, bin, srv.URL, "secret", "envelope", "encrypt", "--key-name", "app")
	if code != 0 {
		t.Fatalf("encrypt: exit %d, stderr %q", code, stderr)
	}
	bad := []byte(strings.TrimSpace(text))
	bad[len(bad)-3] ^= 0x01 // still base64, one sealed byte changed
	stdout, stderr, code := kmsgateCmd(t, bin, srv.URL, string(bad), "envelope", "decrypt")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "kmsgate envelope decrypt: ciphertext is corrupted: authentication failed") {
		t.Errorf("a changed ciphertext: got (stdout %q, exit %d, stderr %q), want exit 1, nothing on stdout, corrupted on stderr", stdout, code, stderr)
	}

	desc, err := srv.Client().DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws("alias/app/default")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client().DisableKey(context.Background(), &kms.DisableKeyInput{KeyId: desc.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"decrypting under a disabled key shows DisabledException", text,
			[]string{"envelope", "decrypt"}, []string{"kmsgate envelope decrypt: KMS Decrypt failed: DisabledException: ", *desc.KeyMetadata.KeyId}},
		{"encrypting under a disabled key shows DisabledException", "x",
			[]string{"envelope", "encrypt", "--key-name", "app"}, []string{"KMS GenerateDataKey on alias/app/default failed: DisabledException: "}},
		{"encrypting under a missing key ARN shows NotFoundException", "x",
			[]string{"envelope", "encrypt", "--key-name", "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"},
			[]string{"failed: NotFoundException: "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := kmsgateCmd(t, bin, srv.URL, tc.stdin, tc.args...)
			if code != 1 {
				t.Errorf("got exit %d, want 1", code)
			}
			if stdout != "" {
				t.Errorf("got stdout %q, want nothing", stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("got stderr %q, want it to say %q", stderr, w)
				}
			}
		})
	}
}

func aws(s string) *string { return &s }
