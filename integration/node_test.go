package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kmsgate/kmsgate/kmsgatetest"
)

// TestJavaScriptSDKv3 runs integration/node/kms.mjs, the README's JS SDK v3
// snippet put to work (npm @aws-sdk/client-kms, pinned in package-lock.json,
// installed by `make test-deps` and .ci/run), against a kmsgate.
func TestJavaScriptSDKv3(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join("node", "node_modules", "@aws-sdk", "client-kms", "package.json")); err != nil {
		t.Fatalf("@aws-sdk/client-kms is not installed in integration/node: run `make test-deps` (npm ci): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: run `make test-deps` (Debian's nodejs): %v", err)
	}
	onEveryStore(t, func(t *testing.T, srv *kmsgatetest.Server) { javaScriptSDKv3(t, node, srv) })
}

func javaScriptSDKv3(t *testing.T, node string, srv *kmsgatetest.Server) {
	cmd := exec.Command(node, "kms.mjs")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "KMSGATE_URL="+srv.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node kms.mjs: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	var got struct {
		KeyID              string   `json:"keyId"`
		KeyARN             string   `json:"keyArn"`
		CreationDateIsDate bool     `json:"creationDateIsDate"`
		CreationYear       int      `json:"creationYear"`
		Decrypted          string   `json:"decrypted"`
		DecryptKeyID       string   `json:"decryptKeyId"`
		DataKeyBytes       int      `json:"dataKeyBytes"`
		DataKeyRoundTrip   bool     `json:"dataKeyRoundTrip"`
		WrongContext       string   `json:"wrongContext"`
		Missing            string   `json:"missing"`
		MissingStatus      int      `json:"missingStatus"`
		MissingMessage     string   `json:"missingMessage"`
		Aliases            []string `json:"aliases"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("node's output %q: %v", stdout.String(), err)
	}
	wantARN := "arn:aws:kms:" + testRegion + ":" + testAccount + ":key/" + got.KeyID
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"key ARN", got.KeyARN, wantARN},
		{"CreationDate is a JS Date", got.CreationDateIsDate, true},
		{"CreationDate is after 2025", got.CreationYear > 2025, true},
		{"decrypted plaintext", got.Decrypted, "from node"},
		{"Decrypt's KeyId", got.DecryptKeyID, wantARN},
		{"data key length", got.DataKeyBytes, 32},
		{"data key decrypts to itself", got.DataKeyRoundTrip, true},
		{"Decrypt with another context", got.WrongContext, "InvalidCiphertextException"},
		{"DescribeKey of a missing alias", got.Missing, "NotFoundException"},
		{"its HTTP status", got.MissingStatus, 400},
		{"its message", got.MissingMessage, "Alias arn:aws:kms:" + testRegion + ":" + testAccount + ":alias/missing is not found."},
		{"aliases of the key", got.Aliases, []string{"alias/node"}},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if got := srv.Requests("Decrypt"); got != 3 {
		t.Errorf("got %d Decrypt calls on the server, want the script's 3", got)
	}
}
