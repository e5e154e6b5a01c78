package integration

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The AWS CLI works unchanged against `serve --auth verify --policy-mode
// enforce` with a principal whose policy allows kms:*, and gets AWS's
// errors for a wrong secret and for a principal the policy denies.
func TestAWSCLIUnderAuthVerify(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI v2 is needed at %s (apt-get install -y awscli): %v", awsCLI, err)
	}
	p := startBinary(t, "--ephemeral", "--auth", "verify", "--policy-mode", "enforce", "--principals", gateFiles(t))
	cli := func(args ...string) string {
		t.Helper()
		out, errOut, code := runAWSAs(t, p.url, "AKIAADMIN", "admin-secret", args...)
		if code != 0 {
			t.Fatalf("aws %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	var created struct{ KeyMetadata struct{ KeyId, Arn string } }
	decodeJSON(t, cli("kms", "create-key", "--description", "cli under verify"), &created)
	cli("kms", "create-alias", "--alias-name", "alias/jumpwire/cli", "--target-key-id", created.KeyMetadata.KeyId)
	var enc struct{ CiphertextBlob string }
	decodeJSON(t, cli("kms", "encrypt", "--key-id", "alias/jumpwire/cli", "--plaintext", base64.StdEncoding.EncodeToString([]byte("hello cli"))), &enc)
	blob := filepath.Join(t.TempDir(), "blob")
	raw, _ := base64.StdEncoding.DecodeString(enc.CiphertextBlob)
	if err := os.WriteFile(blob, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var dec struct{ Plaintext, KeyId string }
	decodeJSON(t, cli("kms", "decrypt", "--ciphertext-blob", "fileb://"+blob), &dec)
	if pt, _ := base64.StdEncoding.DecodeString(dec.Plaintext); string(pt) != "hello cli" || dec.KeyId != created.KeyMetadata.Arn {
		t.Fatalf("got %q from %s, want \"hello cli\" from %s", pt, dec.KeyId, created.KeyMetadata.Arn)
	}
	_, errOut, code := runAWSAs(t, p.url, "AKIAADMIN", "wrong-secret", "kms", "list-keys")
	if code == 0 || !strings.Contains(errOut, "InvalidSignatureException") || !strings.Contains(errOut, "The request signature we calculated does not match the signature you provided.") {
		t.Fatalf("wrong secret: got exit %d %q, want InvalidSignatureException", code, errOut)
	}
	_, errOut, code = runAWSAs(t, p.url, "AKIAAPP", "app-secret", "kms", "list-aliases")
	want := "User: " + appARN + " is not authorized to perform: kms:ListAliases on resource: * because no identity-based policy allows the kms:ListAliases action"
	if code == 0 || !strings.Contains(errOut, "AccessDeniedException") || !strings.Contains(errOut, want) {
		t.Fatalf("app list-aliases: got exit %d %q, want AccessDeniedException %q", code, errOut, want)
	}
	// The seed's principal may use the key under alias/jumpwire/.
	out, errOut, code := runAWSAs(t, p.url, "AKIAAPP", "app-secret", "kms", "generate-data-key", "--key-id", "alias/jumpwire/cli", "--key-spec", "AES_256")
	if code != 0 || !strings.Contains(out, "CiphertextBlob") {
		t.Fatalf("app generate-data-key: exit %d %s %s", code, out, errOut)
	}
}

const boto3VerifyScript = `
import os
import boto3, botocore
def client(key, secret):
    return boto3.client("kms", endpoint_url=os.environ["KMSGATE_URL"], region_name="eu-west-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"max_attempts": 1}))
kms = client("AKIAADMIN", "admin-secret")
md = kms.create_key(Description="boto3 under verify")["KeyMetadata"]
print("created", md["Arn"].split(":")[3])
enc = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"\x00boto3\xff", EncryptionContext={"app": "py"})
dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext={"app": "py"})
print("roundtrip", dec["Plaintext"] == b"\x00boto3\xff")
for key, secret in (("AKIAADMIN", "bad"), ("AKIANOBODY", "x")):
    try:
        client(key, secret).list_keys()
    except botocore.exceptions.ClientError as e:
        print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
`

func TestBoto3UnderAuthVerify(t *testing.T) {
	if _, err := os.Stat(python3Boto3); err != nil {
		t.Fatalf("Debian's python3 with python3-boto3 is needed (apt-get install -y python3-boto3): %v", err)
	}
	p := startBinary(t, "--ephemeral", "--auth", "verify", "--policy-mode", "enforce", "--principals", gateFiles(t))
	out := runBoto3(t, p, boto3VerifyScript)
	want := "created eu-west-1\nroundtrip True\nerror InvalidSignatureException 400\nerror UnrecognizedClientException 400\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v in %q", err, s)
	}
}
