package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/envelope"
)

// serveWith runs `kmsgate serve` from the built binary with extra flags on
// a free loopback port and returns its URL; stop sends SIGTERM and waits for
// a clean exit (it is also registered with t.Cleanup).
func serveWith(t *testing.T, data string, extra ...string) (url string, stop func()) {
	t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", data, "--log-format", "json", "--log-level", "info"}, extra...)
	cmd := exec.Command(kmsgateBin, args...)
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kmsgate serve: %v", err)
	}
	done := make(chan error, 1)
	addr := make(chan string, 1)
	var tail []string
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			var line struct{ Message, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Message == "kmsgate serving" {
				addr <- line.Addr
				continue
			}
			if len(tail) < 20 {
				tail = append(tail, sc.Text())
			}
		}
		done <- cmd.Wait()
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
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
	t.Cleanup(stop)
	select {
	case a := <-addr:
		return "http://" + a, stop
	case err := <-done:
		stopped = true
		t.Fatalf("kmsgate serve %v exited before serving: %v\n%s", extra, err, strings.Join(tail, "\n"))
	case <-time.After(15 * time.Second):
		t.Fatal("kmsgate serve did not log its address within 15s")
	}
	return "", nil
}

func kmsClient(url, region string) *kms.Client {
	return kms.New(kms.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAGENERATETEST0001", "generate-test-secret", ""),
		RetryMaxAttempts: 1,
	}, func(o *kms.Options) { o.BaseEndpoint = aws(url) })
}

const worker = "arn:aws:iam::111122223333:user/worker"

// appFlow is the application under test: the seed's envelope flow (the
// envelope creates alias/jumpwire/org1 and its key when missing, encrypts,
// and a second envelope decrypts, which calls KMS Decrypt without KeyId),
// DescribeKey through the alias, Sign through alias/jumpwire/signer (created
// with its key when create is set), and CreateGrant with an encryption
// context constraint. It returns the org1 key's ARN.
func appFlow(t *testing.T, ctx context.Context, c *kms.Client, create bool) string {
	t.Helper()
	enc, err := envelope.New(envelope.Config{KMS: c, KeyName: "jumpwire", Tenant: "org1"})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := enc.Encrypt(ctx, []byte("4111-1111-1111-1111"))
	if err != nil {
		t.Fatalf("envelope encrypt: %v", err)
	}
	dec, err := envelope.New(envelope.Config{KMS: c, KeyName: "jumpwire", Tenant: "org1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := dec.Decrypt(ctx, sealed); err != nil || string(got) != "4111-1111-1111-1111" {
		t.Fatalf("envelope decrypt: %q, %v", got, err)
	}
	dk, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws("alias/jumpwire/org1")})
	if err != nil {
		t.Fatalf("DescribeKey: %v", err)
	}
	keyARN := *dk.KeyMetadata.Arn
	if create {
		sk, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
		if err != nil {
			t.Fatalf("CreateKey (signing): %v", err)
		}
		if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws("alias/jumpwire/signer"), TargetKeyId: sk.KeyMetadata.KeyId}); err != nil {
			t.Fatalf("CreateAlias signer: %v", err)
		}
	}
	if _, err := c.Sign(ctx, &kms.SignInput{KeyId: aws("alias/jumpwire/signer"), Message: []byte("invoice 42"),
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if _, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws(keyARN), GranteePrincipal: aws(worker),
		Operations:  []types.GrantOperation{types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "org1"}}}); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	return keyARN
}

func wantDenied(t *testing.T, what string, err error, msgPrefix string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !strings.HasPrefix(ae.ErrorMessage(), msgPrefix) {
		t.Errorf("%s: got %v, want AccessDeniedException %q...", what, err, msgPrefix)
	}
}

// TestRecordGenerateEnforce is the loop of issue 11 against the real server:
// record the application's calls, generate the policy, and give it back to
// a server in enforce mode as the caller's only identity policy.
func TestRecordGenerateEnforce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const app = "arn:aws:iam::111122223333:user/kmsgate"

	// 1. record
	logFile := filepath.Join(dir, "decisions.jsonl")
	storeA := filepath.Join(dir, "a.db")
	url, stop := serveWith(t, storeA, "--policy-mode", "record", "--decision-log", logFile)
	appFlow(t, ctx, kmsClient(url, "us-east-1"), true)
	stop()

	// 2. generate, with the proof
	policyFile := filepath.Join(dir, "app-policy.json")
	out, errOut, code := runBin(t, "policy", "generate", "--from", logFile, "--principal", app, "--out", policyFile, "--check")
	if code != 0 {
		t.Fatalf("policy generate --check: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "check: all ") || strings.Contains(out, "FAIL") {
		t.Errorf("check output:\n%s", out)
	}
	doc, err := os.ReadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated policy:\n%s", doc)
	var pol struct {
		Statement []struct {
			Sid       string
			Action    any
			Resource  any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal(doc, &pol); err != nil {
		t.Fatal(err)
	}
	star := map[string]bool{"kms:CreateKey": true, "kms:ListKeys": true, "kms:ListAliases": true, "kms:GenerateRandom": true}
	for _, s := range pol.Statement {
		if s.Resource != "*" {
			continue
		}
		for _, a := range asList(s.Action) {
			if !star[a] {
				t.Errorf("statement %s allows the key-scoped %s on \"Resource\": \"*\"", s.Sid, a)
			}
		}
	}
	if !strings.Contains(string(doc), `"kms:EncryptionContext:tenant": "org1"`) {
		t.Errorf("the CreateGrant statement lost the grant's constraint:\n%s", doc)
	}
	if lo, le, lc := runBin(t, "policy", "lint", policyFile); lc != 0 || strings.Contains(lo, ": error:") {
		t.Errorf("policy lint: exit %d\n%s%s", lc, lo, le)
	}

	// 3. enforce on the recorded store: the flow passes (the keys exist now).
	url, stop = serveWith(t, storeA, "--policy-mode", "enforce", "--identity-policy", policyFile)
	c := kmsClient(url, "us-east-1")
	keyA := appFlow(t, ctx, c, false)
	// Calls that were not recorded are denied with AWS's message.
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws(keyA), PendingWindowInDays: seven()})
	wantDenied(t, "ScheduleKeyDeletion on the recorded key", err,
		"User: "+app+" is not authorized to perform: kms:ScheduleKeyDeletion on resource: "+keyA+" because no identity-based policy allows the kms:ScheduleKeyDeletion action")
	other, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey (recorded, so allowed): %v", err)
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: other.KeyMetadata.Arn, KeySpec: types.DataKeySpecAes256})
	wantDenied(t, "GenerateDataKey on another key", err,
		"User: "+app+" is not authorized to perform: kms:GenerateDataKey on resource: "+*other.KeyMetadata.Arn)
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws("alias/other"), TargetKeyId: other.KeyMetadata.KeyId})
	wantDenied(t, "CreateAlias alias/other", err, "User: "+app+" is not authorized to perform: kms:CreateAlias on resource: ")
	_, err = c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws(keyA), GranteePrincipal: aws(worker),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	wantDenied(t, "CreateGrant without the constraint", err, "User: "+app+" is not authorized to perform: kms:CreateGrant on resource: "+keyA)
	stop()

	// 4. a second store, other account, region and key ids, same aliases:
	// the same flow passes call for call, creation included.
	const app2 = "arn:aws:iam::444455556666:user/kmsgate"
	url, stop = serveWith(t, filepath.Join(dir, "b.db"), "--account", "444455556666", "--region", "eu-west-1",
		"--policy-mode", "enforce", "--identity-policy", policyFile)
	c = kmsClient(url, "eu-west-1")
	keyB := appFlow(t, ctx, c, true)
	if keyB == keyA || !strings.HasPrefix(keyB, "arn:aws:kms:eu-west-1:444455556666:key/") {
		t.Errorf("second store's key %s, want a new key in eu-west-1/444455556666", keyB)
	}
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws(keyB), PendingWindowInDays: seven()})
	wantDenied(t, "ScheduleKeyDeletion on the second store", err,
		"User: "+app2+" is not authorized to perform: kms:ScheduleKeyDeletion on resource: "+keyB)
	stop()
}

func seven() *int32 { n := int32(7); return &n }

func asList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// TestDryRunReportNamesTheMissingCreateKey runs the seed's flow in dry-run
// with the seed's policy minus its CreateKey statement: the report names
// exactly kms:CreateKey with AWS's message and exits 1; with the whole seed
// policy it exits 0.
func TestDryRunReportNamesTheMissingCreateKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var seed struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(seedDoc(t)), &seed); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "seed-policy.json")
	os.WriteFile(full, []byte(seedDoc(t)), 0o600)
	var kept []map[string]any
	for _, s := range seed.Statement {
		if s["Sid"] != "CreateKeys" {
			kept = append(kept, s)
		}
	}
	if len(kept) != len(seed.Statement)-1 {
		t.Fatalf("the seed policy has no CreateKeys statement: %v", seed.Statement)
	}
	seed.Statement = kept
	b, _ := json.Marshal(seed)
	noCreate := filepath.Join(dir, "seed-without-createkey.json")
	os.WriteFile(noCreate, b, 0o600)

	run := func(name, policy string) (string, int) {
		logFile := filepath.Join(dir, name+".jsonl")
		url, stop := serveWith(t, filepath.Join(dir, name+".db"), "--policy-mode", "dry-run", "--identity-policy", policy, "--decision-log", logFile)
		enc, err := envelope.New(envelope.Config{KMS: kmsClient(url, "us-east-1"), KeyName: "jumpwire", Tenant: "org1"})
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := enc.Encrypt(ctx, []byte("field"))
		if err != nil {
			t.Fatalf("%s: envelope encrypt (dry-run serves every call): %v", name, err)
		}
		dec, _ := envelope.New(envelope.Config{KMS: kmsClient(url, "us-east-1"), KeyName: "jumpwire", Tenant: "org1"})
		if _, err := dec.Decrypt(ctx, sealed); err != nil {
			t.Fatalf("%s: envelope decrypt: %v", name, err)
		}
		stop()
		out, errOut, code := runBin(t, "policy", "report", "--from", logFile)
		if errOut != "" {
			t.Errorf("%s: report stderr %q", name, errOut)
		}
		return out, code
	}
	out, code := run("without-createkey", noCreate)
	msg := "User: arn:aws:iam::111122223333:user/kmsgate is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action"
	if code != 1 || !strings.HasPrefix(out, "1 would-deny group(s), 1 of ") || !strings.Contains(out, "WOULD DENY kms:CreateKey on * by arn:aws:iam::111122223333:user/kmsgate: 1 call(s)") ||
		!strings.Contains(out, "message: "+msg) || strings.Count(out, "WOULD DENY") != 1 {
		t.Errorf("report without CreateKeys: exit %d\n%s", code, out)
	}
	out, code = run("full", full)
	if code != 0 || !strings.HasPrefix(out, "no would-deny decisions") {
		t.Errorf("report with the seed policy: exit %d\n%s", code, out)
	}
}
