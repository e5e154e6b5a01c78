package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/envelope"
	"github.com/kmsgate/kmsgate/kmsgatetest"
)

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
	bin := kmsgateBin // built by TestMain
	t.Run("a field round-trips with AWS_ENDPOINT_URL or --endpoint", func(t *testing.T) { cliRoundTrip(t, bin) })
	t.Run("failures print the KMS error and nothing on stdout", func(t *testing.T) { cliFailures(t, bin) })
	t.Run("a field sealed against kmsgate serve opens after serve restarts", func(t *testing.T) { cliAcrossServeRestart(t, bin) })
}

// serveProcess runs `kmsgate serve` from the built binary on a free loopback
// port and returns its URL; stop sends SIGTERM and waits for a clean exit.
func serveProcess(t *testing.T, bin, data string) (url string, stop func()) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data, "--log-format", "json", "--log-level", "info")
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kmsgate serve: %v", err)
	}
	done := make(chan error, 1)
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("kmsgate serve exited with %v", err)
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Error("kmsgate serve did not stop within 15s of SIGTERM")
		}
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			var line struct{ Message, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Message == "kmsgate serving" {
				addr <- line.Addr
			}
		}
		done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		return "http://" + a, stop
	case err := <-done:
		t.Fatalf("kmsgate serve exited before serving: %v", err)
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("kmsgate serve did not log its address within 15s")
	}
	return "", nil
}

func cliAcrossServeRestart(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "kmsgate.db")
	url, stop := serveProcess(t, bin, data)
	text, stderr, code := kmsgateCmd(t, bin, url, "across restarts", "envelope", "encrypt", "--key-name", "jumpwire", "--tenant", "org1")
	stop()
	if code != 0 {
		t.Fatalf("encrypt: exit %d, stderr %q", code, stderr)
	}
	url, stop = serveProcess(t, bin, data)
	defer stop()
	got, stderr, code := kmsgateCmd(t, bin, url, text, "envelope", "decrypt")
	if code != 0 || got != "across restarts" {
		t.Errorf("decrypt after restart: got (%q, exit %d, stderr %q), want the plaintext", got, code, stderr)
	}
}

func cliRoundTrip(t *testing.T, bin string) {
	srv := kmsgatetest.New(t)
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
	srv := kmsgatetest.New(t)
	text, stderr, code := kmsgateCmd(t, bin, srv.URL, "secret", "envelope", "encrypt", "--key-name", "app")
	if code != 0 {
		t.Fatalf("encrypt: exit %d, stderr %q", code, stderr)
	}
	raw, err := envelope.DecodeText(strings.TrimSpace(text))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0x01 // one byte of the GCM tag changed; the text form stays well-formed
	bad := envelope.EncodeText(raw)
	stdout, stderr, code := kmsgateCmd(t, bin, srv.URL, bad, "envelope", "decrypt")
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
