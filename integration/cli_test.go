package integration

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kmsgate/kmsgate/internal/syncbuf"
	"github.com/kmsgate/kmsgate/internal/testbin"
)

// awsCLI is Debian's AWS CLI v2; `aws` on PATH may be an old v1 that sends
// blobs differently.
const awsCLI = "/usr/bin/aws"

var kmsgateBinary string // built once in TestMain

func TestMain(m *testing.M) { testbin.Main(m, "../cmd/kmsgate", &kmsgateBinary) }

// process is `kmsgate serve` running as its own process.
type process struct {
	cmd  *exec.Cmd
	url  string
	logs *syncbuf.Buffer
	done chan error
}

// startBinary runs the built kmsgate binary with args after `serve` and waits
// for its "kmsgate serving" log line to learn the address.
func startBinary(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(kmsgateBinary, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	// The root key file beside the store; an --ephemeral store in the
	// test's own temporary directory, so that nothing is left outside it.
	cmd.Env = append(os.Environ(), "KMSGATE_ROOT_KEY=", "TMPDIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &syncbuf.Buffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.WriteString(line + "\n")
			var entry struct{ Message, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Message == "kmsgate serving" {
				addr <- entry.Addr
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.done:
		t.Fatalf("kmsgate exited before serving: %v\n%s", err, p.logs)
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("kmsgate did not start\n%s", p.logs)
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// kill ends the server with SIGKILL, as a crash would, and waits for it.
func (p *process) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop ends the server as an operator would, with SIGTERM, and waits for
// it: a clean exit closes the store and removes an --ephemeral one. SIGKILL
// only when it has not stopped after a long while (and the test fails).
func (p *process) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("kmsgate exited with %v after SIGTERM\n%s", err, p.logs)
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("kmsgate did not stop within 30s of SIGTERM\n%s", p.logs)
	}
}

// runAWS runs the AWS CLI v2 against url with test credentials.
func runAWS(t *testing.T, url string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runAWSAs(t, url, "AKIDEXAMPLE", "secret", args...)
}

// runAWSAs runs the AWS CLI v2 against url with the access key id and secret.
func runAWSAs(t *testing.T, url, id, secret string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI v2 is needed at %s (apt-get install -y awscli): %v", awsCLI, err)
	}
	cmd := exec.Command(awsCLI, append([]string{"--endpoint-url", url, "--region", testRegion, "--output", "json"}, args...)...)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(),
		"AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1",
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run aws: %v", err)
	}
	return out.String(), errb.String(), code
}

func awsJSON(t *testing.T, url string, v any, args ...string) {
	t.Helper()
	out, errOut, code := runAWS(t, url, args...)
	if code != 0 {
		t.Fatalf("aws %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("aws %s: %v in %q", strings.Join(args, " "), err, out)
		}
	}
}

func TestAWSCLIRoundTripAgainstTheBinary(t *testing.T) {
	for _, st := range binaryStores(t) {
		t.Run(st.name, func(t *testing.T) { awsCLIRoundTrip(t, startBinary(t, st.args(t)...)) })
	}
}

func awsCLIRoundTrip(t *testing.T, p *process) {

	resp, err := http.Get(p.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("got /healthz %d, want 200", resp.StatusCode)
	}

	var created struct {
		KeyMetadata struct{ KeyId, Arn, KeyState string }
	}
	awsJSON(t, p.url, &created, "kms", "create-key", "--description", "cli test")
	id := created.KeyMetadata.KeyId
	if created.KeyMetadata.KeyState != "Enabled" || created.KeyMetadata.Arn != keyARN(testRegion, id) {
		t.Fatalf("got %+v, want an enabled key with its ARN", created.KeyMetadata)
	}
	awsJSON(t, p.url, nil, "kms", "create-alias", "--alias-name", "alias/cli", "--target-key-id", id)

	plainFile := filepath.Join(t.TempDir(), "plain.bin")
	plaintext := []byte("secret from the AWS CLI \x00\xff")
	if err := os.WriteFile(plainFile, plaintext, 0o600); err != nil {
		t.Fatal(err)
	}
	var enc struct{ CiphertextBlob, KeyId string }
	awsJSON(t, p.url, &enc, "kms", "encrypt", "--key-id", "alias/cli", "--plaintext", "fileb://"+plainFile,
		"--encryption-context", "purpose=test")
	blob, err := base64.StdEncoding.DecodeString(enc.CiphertextBlob)
	if err != nil || enc.KeyId != keyARN(testRegion, id) {
		t.Fatalf("got ciphertext %q (%v) from %s, want base64 from the key ARN", enc.CiphertextBlob, err, enc.KeyId)
	}
	blobFile := filepath.Join(t.TempDir(), "blob.bin")
	if err := os.WriteFile(blobFile, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	var dec struct{ Plaintext, KeyId string }
	awsJSON(t, p.url, &dec, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=test")
	if got, _ := base64.StdEncoding.DecodeString(dec.Plaintext); !bytes.Equal(got, plaintext) {
		t.Errorf("got plaintext %q, want %q", got, plaintext)
	}

	var dk struct{ Plaintext, CiphertextBlob string }
	awsJSON(t, p.url, &dk, "kms", "generate-data-key", "--key-id", id, "--key-spec", "AES_256")
	if raw, _ := base64.StdEncoding.DecodeString(dk.Plaintext); len(raw) != 32 {
		t.Errorf("got a %d-byte data key, want 32", len(raw))
	}

	awsJSON(t, p.url, nil, "kms", "disable-key", "--key-id", id)
	var desc struct{ KeyMetadata struct{ KeyState string } }
	awsJSON(t, p.url, &desc, "kms", "describe-key", "--key-id", "alias/cli")
	if desc.KeyMetadata.KeyState != "Disabled" {
		t.Errorf("got state %s after disable-key, want Disabled", desc.KeyMetadata.KeyState)
	}
	var sched struct {
		KeyState     string
		DeletionDate string // the CLI prints timestamps as ISO 8601
	}
	awsJSON(t, p.url, &sched, "kms", "schedule-key-deletion", "--key-id", id, "--pending-window-in-days", "7")
	if when, err := time.Parse(time.RFC3339, sched.DeletionDate); sched.KeyState != "PendingDeletion" || err != nil ||
		when.Sub(time.Now()) < 6*24*time.Hour || when.Sub(time.Now()) > 8*24*time.Hour {
		t.Errorf("got state %s deletion %q, want PendingDeletion in 7 days", sched.KeyState, sched.DeletionDate)
	}

	t.Run("an error reaches the CLI with AWS's code and message", func(t *testing.T) {
		_, errOut, code := runAWS(t, p.url, "kms", "describe-key", "--key-id", "alias/missing")
		msg := fmt.Sprintf(": Alias arn:aws:kms:%s:%s:alias/missing is not found.", testRegion, testAccount)
		if code == 0 || !strings.Contains(errOut, "An error occurred (NotFoundException) when calling the DescribeKey operation") || !strings.Contains(errOut, msg) {
			t.Errorf("got exit %d stderr %q, want a NotFoundException failure ending %q", code, errOut, msg)
		}
	})

	t.Run("SIGTERM stops the server cleanly", func(t *testing.T) {
		p.stop(t)
		if !strings.Contains(p.logs.String(), "store closed") {
			t.Errorf("got logs without the store-closed line:\n%s", p.logs)
		}
	})
}

func TestLogsNeverCarryPlaintext(t *testing.T) {
	p := startBinary(t, "--ephemeral", "--log-level", "debug")
	var created struct{ KeyMetadata struct{ KeyId string } }
	awsJSON(t, p.url, &created, "kms", "create-key")
	secret := "correct-horse-battery-staple"
	plainFile := filepath.Join(t.TempDir(), "p")
	os.WriteFile(plainFile, []byte(secret), 0o600)
	var enc struct{ CiphertextBlob string }
	awsJSON(t, p.url, &enc, "kms", "encrypt", "--key-id", created.KeyMetadata.KeyId, "--plaintext", "fileb://"+plainFile)
	var dk struct{ Plaintext string }
	awsJSON(t, p.url, &dk, "kms", "generate-data-key", "--key-id", created.KeyMetadata.KeyId, "--key-spec", "AES_256")
	p.stop(t) // once it has exited, every line it logged has been read
	logs := p.logs.String()
	for _, leak := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), dk.Plaintext, enc.CiphertextBlob} {
		if strings.Contains(logs, leak) {
			t.Errorf("log contains %q:\n%s", leak, logs)
		}
	}
	for _, op := range []string{"CreateKey", "Encrypt", "GenerateDataKey"} {
		if !strings.Contains(logs, `"operation":"`+op+`"`) {
			t.Errorf("got no request line for %s in:\n%s", op, logs)
		}
	}
}

func TestHealthcheckCommand(t *testing.T) {
	p := startBinary(t, "--ephemeral")
	listen := strings.TrimPrefix(p.url, "http://")
	t.Run("a serving kmsgate is healthy", func(t *testing.T) {
		out, err := exec.Command(kmsgateBinary, "healthcheck", "--listen", listen).CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"status":"ok"`) {
			t.Errorf("got %v and %q, want exit 0 with the health body", err, out)
		}
	})
	t.Run("the listen address comes from KMSGATE_LISTEN as in the Docker image", func(t *testing.T) {
		cmd := exec.Command(kmsgateBinary, "healthcheck")
		cmd.Env = append(os.Environ(), "KMSGATE_LISTEN=0.0.0.0:"+listen[strings.LastIndex(listen, ":")+1:])
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("got %v and %q, want exit 0", err, out)
		}
	})
	t.Run("nothing listening is unhealthy", func(t *testing.T) {
		p.cmd.Process.Signal(syscall.SIGTERM)
		<-p.done
		err := exec.Command(kmsgateBinary, "healthcheck", "--listen", listen, "--timeout", "2s").Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Errorf("got %v, want exit 1", err)
		}
	})
}
