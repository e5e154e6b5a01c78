package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// python3Boto3 is Debian's python3, which owns Debian's python3-boto3 (a
// pyenv python3 on PATH would not see it).
const python3Boto3 = "/usr/bin/python3"

// boto3Script drives boto3 against KMSGATE_URL and prints one line per
// check; the test compares the lines. Timestamps must come back as
// datetimes, blobs as bytes, errors with AWS's code and message.
const boto3Script = `
import datetime, os, sys
import boto3, botocore
kms = boto3.client("kms", endpoint_url=os.environ["KMSGATE_URL"], region_name="eu-west-1",
                   aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                   config=botocore.config.Config(retries={"max_attempts": 1}))
md = kms.create_key(Description="from boto3")["KeyMetadata"]
print("created", md["KeyState"], md["Arn"].split(":")[3], isinstance(md["CreationDate"], datetime.datetime))
kms.create_alias(AliasName="alias/boto3", TargetKeyId=md["KeyId"])
enc = kms.encrypt(KeyId="alias/boto3", Plaintext=b"\x00boto3\xff", EncryptionContext={"app": "py"})
dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext={"app": "py"})
print("roundtrip", dec["Plaintext"] == b"\x00boto3\xff", dec["KeyId"] == md["Arn"])
dk = kms.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256")
print("datakey", len(dk["Plaintext"]))
sched = kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
print("deletion", isinstance(sched["DeletionDate"], datetime.datetime))
try:
    kms.describe_key(KeyId="alias/missing")
except botocore.exceptions.ClientError as e:
    print("error", e.response["Error"]["Code"], e.response["Error"]["Message"])
`

func TestBoto3AgainstTheBinary(t *testing.T) {
	if _, err := os.Stat(python3Boto3); err != nil {
		t.Fatalf("Debian's python3 with python3-boto3 is needed (apt-get install -y python3-boto3): %v", err)
	}
	for _, st := range binaryStores(t) {
		t.Run(st.name, func(t *testing.T) { boto3AgainstTheBinary(t, startBinary(t, st.args(t)...)) })
	}
}

// runBoto3 runs script with Debian's python3 and boto3 against p
// (KMSGATE_URL) and answers its standard output; a failing script fails
// the test with both outputs.
func runBoto3(t *testing.T, p *process, script string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "boto3_script.py")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python3Boto3, file)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "KMSGATE_URL=" + p.url, "AWS_EC2_METADATA_DISABLED=true"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 script: %v\n%s%s", err, out.String(), errb.String())
	}
	return out.String()
}

func boto3AgainstTheBinary(t *testing.T, p *process) {
	out := runBoto3(t, p, boto3Script)
	want := []string{
		"created Enabled eu-west-1 True",
		"roundtrip True True",
		"datakey 32",
		"deletion True",
		"error NotFoundException Alias arn:aws:kms:eu-west-1:111122223333:alias/missing is not found.",
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got boto3 lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
