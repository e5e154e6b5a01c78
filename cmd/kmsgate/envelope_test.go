package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// offlineAWSEnv gives the SDK static credentials and a region from the
// environment only, so that it never looks for an instance role or a
// profile (and so never sends traffic off this machine).
func offlineAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVELOPETEST0001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "envelope-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_KMS", "")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
}

// closedPort is a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestEnvelopeCLIRefusesBadUsageWithoutOutput(t *testing.T) {
	offlineAWSEnv(t)
	cases := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantErr  string
	}{
		{"no verb prints usage", []string{"envelope"}, "", 2, "usage:"},
		{"an unknown verb is refused", []string{"envelope", "seal"}, "", 2, `unknown verb "seal"`},
		{"an unknown flag is refused", []string{"envelope", "encrypt", "--key", "x"}, "", 2, "flag provided but not defined"},
		{"a positional argument is refused", []string{"envelope", "encrypt", "hello"}, "", 2, "unexpected argument"},
		{"a bad tenant is refused", []string{"envelope", "encrypt", "--tenant", "a b"}, "x", 1, "tenant"},
		{"decrypt input without the prefix is refused", []string{"envelope", "decrypt"}, "hello", 1, "does not start with"},
		{"decrypt input that is not base64 is refused", []string{"envelope", "decrypt"}, "kmsgate:***", 1, "base64"},
		{"decrypt input too short to be a ciphertext is refused", []string{"envelope", "decrypt"}, "kmsgate:AQE", 1, "shorter than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("got exit %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("got stdout %q, want nothing", stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("got stderr %q, want it to say %q", stderr.String(), tc.wantErr)
			}
		})
	}
}

func TestEnvelopeCLIReportsAnUnreachableKMS(t *testing.T) {
	offlineAWSEnv(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"envelope", "encrypt", "--key-name", "app", "--endpoint", closedPort(t)},
		strings.NewReader("secret"), &stdout, &stderr)
	if code != 1 {
		t.Errorf("got exit %d, want 1", code)
	}
	if stdout.Len() != 0 {
		t.Errorf("got stdout %q, want nothing", stdout.String())
	}
	if want := "KMS GenerateDataKey on alias/app/default failed: KMS unreachable"; !strings.Contains(stderr.String(), want) {
		t.Errorf("got stderr %q, want it to say %q", stderr.String(), want)
	}
}
