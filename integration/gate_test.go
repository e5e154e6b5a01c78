package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/envelope"
	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/server"
)

const (
	appARN     = "arn:aws:iam::" + testAccount + ":user/app"
	adminARN   = "arn:aws:iam::" + testAccount + ":user/admin"
	granteeARN = "arn:aws:iam::" + testAccount + ":role/grantee"
)

// gateFiles writes a principals file with three principals: app (the
// seed's policy, access key AKIAAPP), admin (kms:*, admin, AKIAADMIN) and
// grantee (no policy, AKIAGRANTEE). It returns the file's path.
func gateFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	seed, err := os.ReadFile("../authz/testdata/seed-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "policies"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("policies/seed.json", string(seed))
	write("policies/all.json", `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)
	write("principals.yaml", `principals:
  - arn: `+appARN+`
    accessKeys:
      - id: AKIAAPP
        secret: app-secret
    policies: [policies/seed.json]
    tags: {team: payments}
  - arn: `+adminARN+`
    accessKeys:
      - id: AKIAADMIN
        secret: admin-secret
    policies: [policies/all.json]
    admin: true
  - arn: `+granteeARN+`
    accessKeys:
      - id: AKIAGRANTEE
        secret: grantee-secret
`)
	return filepath.Join(dir, "principals.yaml")
}

func withGate(mode gate.Mode, principals, decisionLog string) func(*server.Config) {
	return func(c *server.Config) {
		c.PolicyMode, c.PrincipalsPath, c.DecisionLog = mode, principals, decisionLog
	}
}

// clientAs is a real SDK client signing with one access key.
func (in *instance) clientAs(id, secret string) *kms.Client {
	return sdkClient(kms.Options{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, ""),
		RetryMaxAttempts: 1,
	}, func(o *kms.Options) { o.BaseEndpoint = aws.String(in.srv.URL()) })
}

// decisions reads GET /_kmsgate/decisions.
func (in *instance) decisions(t *testing.T, limit string) []authz.LogRecord {
	t.Helper()
	resp, err := http.Get(in.srv.URL() + "/_kmsgate/decisions?limit=" + limit)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /_kmsgate/decisions: got status %d, want 200", resp.StatusCode)
	}
	var body struct{ Decisions []authz.LogRecord }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Decisions
}

func denied(action, resource, why string) string {
	return "User: " + appARN + " is not authorized to perform: " + action + " on resource: " + resource + " " + why
}

// otherKey makes, as admin, a key under alias/other and a blob of it.
func otherKey(t *testing.T, admin *kms.Client) (arn string, blob []byte) {
	t.Helper()
	ctx := context.Background()
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
	must(admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/other"), TargetKeyId: k.KeyMetadata.KeyId}))(t)
	enc := must(admin.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/other"), Plaintext: []byte("x")}))(t)
	return aws.ToString(k.KeyMetadata.Arn), enc.CiphertextBlob
}

func TestGateEnforceSeedFlowAndDenials(t *testing.T) {
	ctx := context.Background()
	logPath := filepath.Join(t.TempDir(), "decisions.jsonl")
	in := start(t, withGate(gate.Enforce, gateFiles(t), logPath))
	app, admin := in.clientAs("AKIAAPP", "app-secret"), in.clientAs("AKIAADMIN", "admin-secret")

	t.Run("the seed's envelope flow succeeds for a principal with only the seed's policy", func(t *testing.T) {
		env, err := envelope.New(envelope.Config{KMS: app, KeyName: "jumpwire", Tenant: "org1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Start(ctx); err != nil {
			t.Fatalf("Start (CreateKey + CreateAlias alias/jumpwire/org1 + GenerateDataKey): %v", err)
		}
		sealed := must(env.Encrypt(ctx, []byte("4111 1111")))(t)
		// A second envelope has a cold cache: its Decrypt asks KMS,
		// without KeyId.
		env2, err := envelope.New(envelope.Config{KMS: app, KeyName: "jumpwire", Tenant: "org1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(must(env2.Decrypt(ctx, sealed))(t)); got != "4111 1111" {
			t.Fatalf("got %q, want the plaintext back", got)
		}
		if got := env2.CacheStats().Misses; got != 1 {
			t.Fatalf("got %d cache misses, want 1 (one KMS Decrypt)", got)
		}
	})

	otherARN, otherBlob := otherKey(t, admin)
	t.Run("GenerateDataKey on a key under alias/other is denied with AWS's message", func(t *testing.T) {
		_, err := app.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/other"), KeySpec: types.DataKeySpecAes256})
		wantAPIError(t, err, "AccessDeniedException", denied("kms:GenerateDataKey", otherARN, "because no identity-based policy allows the kms:GenerateDataKey action"))
	})
	t.Run("Decrypt of that key's blob without KeyId is denied on the key inside the blob", func(t *testing.T) {
		_, err := app.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: otherBlob})
		wantAPIError(t, err, "AccessDeniedException", denied("kms:Decrypt", otherARN, "because no identity-based policy allows the kms:Decrypt action"))
	})
	t.Run("the denial message is what policy simulate says for the same request", func(t *testing.T) {
		out, err := exec.Command(kmsgateBinary, "policy", "simulate", "--identity-policy", "../authz/testdata/seed-policy.json",
			"--principal", appARN, "--action", "kms:GenerateDataKey", "--resource", otherARN,
			"--context", "kms:ResourceAliases=alias/other", "--context", "kms:RequestAlias=alias/other", "--json").Output()
		if err == nil {
			t.Fatalf("policy simulate exited 0, want 1 (a deny):\n%s", out)
		}
		var sim struct{ Decision, Message string }
		if err := json.Unmarshal(out, &sim); err != nil {
			t.Fatalf("policy simulate: %v in %s", err, out)
		}
		_, err = app.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/other"), KeySpec: types.DataKeySpecAes256})
		wantAPIError(t, err, "AccessDeniedException", sim.Message)
	})
	t.Run("a denied call changes nothing", func(t *testing.T) {
		_, err := app.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/other2"), TargetKeyId: aws.String(otherARN)})
		wantAPIError(t, err, "AccessDeniedException", denied("kms:CreateAlias", "arn:aws:kms:us-east-1:111122223333:alias/other2", "because no identity-based policy allows the kms:CreateAlias action"))
		_, err = admin.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/other2")})
		wantAPIError(t, err, "NotFoundException", "-")
	})
	t.Run("a KeyId that names no key answers NotFoundException and is not logged as a denial", func(t *testing.T) {
		before := len(in.decisions(t, "1000"))
		_, err := app.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/jumpwire/missing"), KeySpec: types.DataKeySpecAes256})
		wantAPIError(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/jumpwire/missing is not found.")
		if after := len(in.decisions(t, "1000")); after != before {
			t.Fatalf("got %d decisions after a NotFoundException, want %d (none added)", after, before)
		}
	})
	t.Run("a blob that names no key, without KeyId, answers as AWS: KeyId must not be null", func(t *testing.T) {
		_, err := app.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("not a blob at all, not even close")})
		wantAPIError(t, err, "ValidationException", "KeyId must not be null")
	})
	t.Run("denials are in the ring and the decision log, enforced", func(t *testing.T) {
		recs := in.decisions(t, "2")
		if len(recs) != 2 {
			t.Fatalf("got %d decisions with limit=2, want 2", len(recs))
		}
		if recs[1].Operation != "CreateAlias" {
			t.Fatalf("got newest decision %s, want CreateAlias (the last denial)", recs[1].Operation)
		}
		var last authz.LogRecord
		for _, r := range in.decisions(t, "1000") {
			if r.Operation == "GenerateDataKey" {
				last = r
				break
			}
		}
		if last.Operation != "GenerateDataKey" || last.Decision != "ImplicitDeny" || !last.Enforced || last.Principal != appARN ||
			last.ViaAlias != "alias/other" || strings.Join(last.Resources, ",") != otherARN || strings.Join(last.KeyAliases, ",") != "alias/other" {
			t.Fatalf("got last decision %+v, want the enforced ImplicitDeny of GenerateDataKey on alias/other", last)
		}
		if last.Context["kms:RequestAlias"] != "alias/other" || last.Context["kms:CallerAccount"] != testAccount {
			t.Fatalf("got context %v, want kms:RequestAlias and kms:CallerAccount", last.Context)
		}
		lines := readJSONL(t, logPath)
		if len(lines) < 4 {
			t.Fatalf("got %d lines in the decision log, want the 4 denials at least", len(lines))
		}
		for _, l := range lines {
			if l.Decision == "Allow" || !l.Enforced || l.RequestID == "" || l.Time == "" {
				t.Fatalf("got line %+v, want only enforced denials with time and request id in enforce mode", l)
			}
		}
	})
}

func readJSONL(t *testing.T, path string) []authz.LogRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []authz.LogRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r authz.LogRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("decision log line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestGateGrantWithEncryptionContextConstraint(t *testing.T) {
	ctx := context.Background()
	in := start(t, withGate(gate.Enforce, gateFiles(t), ""))
	admin, grantee := in.clientAs("AKIAADMIN", "admin-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
	id := k.KeyMetadata.KeyId
	right := map[string]string{"tenant": "t1"}
	wrong := map[string]string{"tenant": "t2"}
	blobRight := must(admin.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: []byte("r"), EncryptionContext: right}))(t).CiphertextBlob
	blobWrong := must(admin.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: []byte("w"), EncryptionContext: wrong}))(t).CiphertextBlob

	noGrant := "User: " + granteeARN + " is not authorized to perform: kms:Decrypt on resource: " + aws.ToString(k.KeyMetadata.Arn) +
		" because no identity-based policy allows the kms:Decrypt action"
	_, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blobRight, EncryptionContext: right})
	wantAPIError(t, err, "AccessDeniedException", noGrant)

	g := must(admin.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: id, GranteePrincipal: aws.String(granteeARN),
		Operations:  []types.GrantOperation{types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextEquals: right}}))(t)
	t.Run("the grant lets the grantee decrypt with the right context at once (grant token)", func(t *testing.T) {
		out := must(grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blobRight, EncryptionContext: right, GrantTokens: []string{aws.ToString(g.GrantToken)}}))(t)
		if string(out.Plaintext) != "r" {
			t.Fatalf("got %q, want \"r\"", out.Plaintext)
		}
	})
	t.Run("and without the token", func(t *testing.T) {
		must(grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blobRight, EncryptionContext: right}))(t)
	})
	t.Run("not with another context", func(t *testing.T) {
		_, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blobWrong, EncryptionContext: wrong})
		wantAPIError(t, err, "AccessDeniedException", noGrant)
	})
	t.Run("not for another operation", func(t *testing.T) {
		_, err := grantee.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: []byte("e"), EncryptionContext: right})
		wantAPIError(t, err, "AccessDeniedException", strings.Replace(noGrant, "kms:Decrypt", "kms:Encrypt", 2))
	})
}

func TestGateKeyPolicyDenyBeatsIdentityAllow(t *testing.T) {
	ctx := context.Background()
	in := start(t, withGate(gate.Enforce, gateFiles(t), ""))
	admin := in.clientAs("AKIAADMIN", "admin-secret")
	policy := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	  {"Sid":"NoEncryptForAdmin","Effect":"Deny","Principal":{"AWS":"` + adminARN + `"},"Action":"kms:Encrypt","Resource":"*"}]}`
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(policy)}))(t)
	_, err := admin.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: []byte("x")})
	wantAPIError(t, err, "AccessDeniedException", "User: "+adminARN+" is not authorized to perform: kms:Encrypt on resource: "+
		aws.ToString(k.KeyMetadata.Arn)+" with an explicit deny in a resource-based policy")
	// Other actions the identity policy allows still work.
	must(admin.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyMetadata.KeyId}))(t)
}

func TestGateDryRunServesAndLogsTheWouldDeny(t *testing.T) {
	ctx := context.Background()
	logPath := filepath.Join(t.TempDir(), "decisions.jsonl")
	in := start(t, withGate(gate.DryRun, gateFiles(t), logPath))
	app, admin := in.clientAs("AKIAAPP", "app-secret"), in.clientAs("AKIAADMIN", "admin-secret")
	otherARN, _ := otherKey(t, admin)
	out := must(app.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/other"), KeySpec: types.DataKeySpecAes256}))(t)
	if len(out.Plaintext) != 32 {
		t.Fatalf("got a %d-byte data key, want 32 (served as if allowed)", len(out.Plaintext))
	}
	recs := in.decisions(t, "1000")
	if len(recs) != 1 {
		t.Fatalf("got %d decisions, want 1 (only the would-deny; admin's allowed calls are not logged in dry-run): %+v", len(recs), recs)
	}
	r := recs[0]
	want := denied("kms:GenerateDataKey", otherARN, "because no identity-based policy allows the kms:GenerateDataKey action")
	if r.Decision != "ImplicitDeny" || r.Enforced || r.Message != want {
		t.Fatalf("got %+v, want a not enforced ImplicitDeny with message %q", r, want)
	}
	lines := readJSONL(t, logPath)
	if len(lines) != 1 || lines[0].Message != want {
		t.Fatalf("got decision log %+v, want the one would-deny", lines)
	}
	for _, l := range []string{"Plaintext", "CiphertextBlob"} {
		raw, _ := os.ReadFile(logPath)
		if strings.Contains(string(raw), l) {
			t.Fatalf("the decision log holds %s", l)
		}
	}
}

func TestGateRecordLogsAllowedCalls(t *testing.T) {
	ctx := context.Background()
	logPath := filepath.Join(t.TempDir(), "decisions.jsonl")
	in := start(t, withGate(gate.Record, gateFiles(t), logPath))
	admin := in.clientAs("AKIAADMIN", "admin-secret")
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
	must(admin.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: []byte("x"), EncryptionContext: map[string]string{"Tenant": "t1"}}))(t)
	lines := readJSONL(t, logPath)
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (CreateKey, Encrypt)", len(lines))
	}
	enc := lines[1]
	if enc.Operation != "Encrypt" || enc.Decision != "Allow" || enc.Enforced || enc.Action != "kms:Encrypt" ||
		enc.Context["kms:EncryptionContext:Tenant"] != "t1" || len(enc.Statements) != 2 {
		t.Fatalf("got %+v, want the allowed Encrypt with its context and the two deciding statements", enc)
	}
	if got := in.decisions(t, "1000"); len(got) != 2 || got[0].Operation != "CreateKey" {
		t.Fatalf("got ring %+v, want CreateKey then Encrypt", got)
	}
	resp, err := http.Get(in.srv.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if want := `kmsgate_policy_decisions_total{decision="Allow",mode="record"} 2`; !strings.Contains(string(page), want) {
		t.Fatalf("GET /metrics has no line %q", want)
	}
}

func TestGateAWSManagedKeyKeepsItsFixedPolicy(t *testing.T) {
	ctx := context.Background()
	in := start(t, withGate(gate.Enforce, gateFiles(t), ""))
	admin := in.clientAs("AKIAADMIN", "admin-secret")
	// Reading the key's metadata is what the managed policy lets the
	// account do directly.
	md := must(admin.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")}))(t)
	if md.KeyMetadata.KeyManager != types.KeyManagerTypeAws {
		t.Fatalf("got KeyManager %s, want AWS", md.KeyMetadata.KeyManager)
	}
	// Direct use is not through the service (no kms:ViaService): denied
	// even for a principal allowed kms:*.
	_, err := admin.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/aws/s3"), Plaintext: []byte("x")})
	wantAPIError(t, err, "AccessDeniedException", "User: "+adminARN+" is not authorized to perform: kms:Encrypt on resource: "+
		aws.ToString(md.KeyMetadata.Arn)+" because no resource-based policy allows the kms:Encrypt action")
}

func TestGateRetiringPrincipalMayRetireTheGrant(t *testing.T) {
	ctx := context.Background()
	in := start(t, withGate(gate.Enforce, gateFiles(t), ""))
	admin, grantee := in.clientAs("AKIAADMIN", "admin-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
	id := k.KeyMetadata.KeyId
	mine := must(admin.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: id, GranteePrincipal: aws.String(appARN),
		RetiringPrincipal: aws.String(granteeARN), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}))(t)
	other := must(admin.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: id, GranteePrincipal: aws.String(appARN),
		RetiringPrincipal: aws.String(adminARN), Operations: []types.GrantOperation{types.GrantOperationEncrypt}}))(t)
	// The grantee role has no identity policy: only being the retiring
	// principal lets it retire.
	_, err := grantee.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: id, GrantId: other.GrantId})
	wantAPIError(t, err, "AccessDeniedException", "User: "+granteeARN+" is not authorized to perform: kms:RetireGrant on resource: "+
		aws.ToString(k.KeyMetadata.Arn)+" because no identity-based policy allows the kms:RetireGrant action")
	must(grantee.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: id, GrantId: mine.GrantId}))(t)
	left := must(admin.ListGrants(ctx, &kms.ListGrantsInput{KeyId: id}))(t)
	if len(left.Grants) != 1 || aws.ToString(left.Grants[0].GrantId) != aws.ToString(other.GrantId) {
		t.Fatalf("got %d grants left, want only the other one", len(left.Grants))
	}

	t.Run("with only a grant token, judged on the key the token names", func(t *testing.T) {
		byToken := must(admin.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: id, GranteePrincipal: aws.String(appARN),
			RetiringPrincipal: aws.String(granteeARN), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}))(t)
		app := in.clientAs("AKIAAPP", "app-secret")
		// app is the grantee, but the grant does not allow RetireGrant and
		// its policy allows nothing on this key: the token is no authority.
		_, err := app.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: byToken.GrantToken})
		wantAPIError(t, err, "AccessDeniedException", denied("kms:RetireGrant", aws.ToString(k.KeyMetadata.Arn),
			"because no identity-based policy allows the kms:RetireGrant action"))
		_, err = grantee.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: aws.String("not-a-token")})
		wantAPIError(t, err, "InvalidGrantTokenException", "The request was rejected because the specified grant token is not valid.")
		must(grantee.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: byToken.GrantToken}))(t)
		left := must(admin.ListGrants(ctx, &kms.ListGrantsInput{KeyId: id}))(t)
		if len(left.Grants) != 1 {
			t.Fatalf("got %d grants left, want 1 (the token's grant retired)", len(left.Grants))
		}
	})
}

// startGateWith starts the server in enforce mode with a principals file of
// entries (YAML items of its principals list) plus admin (kms:*, AKIAADMIN),
// written beside the seed's policy as seed.json.
func startGateWith(t *testing.T, entries string) *instance {
	t.Helper()
	dir := t.TempDir()
	seed, err := os.ReadFile("../authz/testdata/seed-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "seed.json"), seed, 0o600); err != nil {
		t.Fatal(err)
	}
	principals := filepath.Join(dir, "principals.yaml")
	if err := os.WriteFile(principals, []byte("principals:\n"+entries+`  - arn: `+adminARN+`
    accessKeys: [{id: AKIAADMIN, secret: admin-secret}]
    inlinePolicies: [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	return start(t, withGate(gate.Enforce, principals, ""))
}

// TestGateFactChangesTakeEffectOnTheNextCall: the gate's key facts are
// cached between writes (emulator's factsCache), so each change of an
// alias, a tag, a key policy or a grant must decide the very next call.
// Each step makes one change as admin, then one call as the caller.
func TestGateFactChangesTakeEffectOnTheNextCall(t *testing.T) {
	ctx := context.Background()
	in := startGateWith(t, `  - arn: `+appARN+`
    accessKeys: [{id: AKIAAPP, secret: app-secret}]
    policies: [seed.json]
    inlinePolicies:
      - {"Version": "2012-10-17", "Statement": [{"Sid": "Frozen", "Effect": "Deny", "Action": "kms:GenerateDataKey", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/frozen": "yes"}}}]}
  - arn: `+granteeARN+`
    accessKeys: [{id: AKIAGRANTEE, secret: grantee-secret}]
`)
	app, admin, grantee := in.clientAs("AKIAAPP", "app-secret"), in.clientAs("AKIAADMIN", "admin-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	other := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	arn := aws.ToString(k.Arn)
	must(admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/jumpwire/k"), TargetKeyId: k.KeyId}))(t)
	blob := must(admin.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")}))(t).CiphertextBlob
	noAlias := denied("kms:GenerateDataKey", arn, "because no identity-based policy allows the kms:GenerateDataKey action")
	frozen := denied("kms:GenerateDataKey", arn, "with an explicit deny in an identity-based policy")
	denyPolicy := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"kms:*","Resource":"*"},
	  {"Sid":"NoDataKeys","Effect":"Deny","Principal":{"AWS":"` + appARN + `"},"Action":"kms:GenerateDataKey","Resource":"*"}]}`
	byPolicy := denied("kms:GenerateDataKey", arn, "with an explicit deny in a resource-based policy")
	defaultPolicy := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"kms:*","Resource":"*"}]}`
	noGrant := "User: " + granteeARN + " is not authorized to perform: kms:Decrypt on resource: " + arn +
		" because no identity-based policy allows the kms:Decrypt action"
	var grantID string

	gdk := func(keyID string) error {
		_, err := app.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256})
		return err
	}
	decrypt := func() error {
		_, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
		return err
	}
	for _, step := range []struct {
		name              string
		change            func() error
		call              func() error
		wantCode, wantMsg string // "" when the call succeeds
	}{
		{"allowed through the jumpwire alias (facts now cached)", nil, func() error { return gdk(arn) }, "", ""},
		{"the alias moves to another key", func() error {
			_, err := admin.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/jumpwire/k"), TargetKeyId: other.KeyId})
			return err
		}, func() error { return gdk(arn) }, "AccessDeniedException", noAlias},
		{"a new jumpwire alias names the key", func() error {
			_, err := admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/jumpwire/k2"), TargetKeyId: k.KeyId})
			return err
		}, func() error { return gdk(arn) }, "", ""},
		{"the alias used as KeyId is deleted", func() error {
			if err := gdk("alias/jumpwire/k2"); err != nil {
				return err
			}
			_, err := admin.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/jumpwire/k2")})
			return err
		}, func() error { return gdk("alias/jumpwire/k2") }, "NotFoundException", "Alias arn:aws:kms:" + testRegion + ":" + testAccount + ":alias/jumpwire/k2 is not found."},
		{"the alias is back", func() error {
			_, err := admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/jumpwire/k2"), TargetKeyId: k.KeyId})
			return err
		}, func() error { return gdk(arn) }, "", ""},
		{"a tag an identity policy denies on", func() error {
			_, err := admin.TagResource(ctx, &kms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{{TagKey: aws.String("frozen"), TagValue: aws.String("yes")}}})
			return err
		}, func() error { return gdk(arn) }, "AccessDeniedException", frozen},
		{"the tag is removed", func() error {
			_, err := admin.UntagResource(ctx, &kms.UntagResourceInput{KeyId: k.KeyId, TagKeys: []string{"frozen"}})
			return err
		}, func() error { return gdk(arn) }, "", ""},
		{"a key policy that denies the caller", func() error {
			_, err := admin.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(denyPolicy)})
			return err
		}, func() error { return gdk(arn) }, "AccessDeniedException", byPolicy},
		{"the key policy is the default again", func() error {
			_, err := admin.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(defaultPolicy)})
			return err
		}, func() error { return gdk(arn) }, "", ""},
		{"a grantee without a grant", nil, decrypt, "AccessDeniedException", noGrant},
		{"a grant is created", func() error {
			g, err := admin.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: k.KeyId, GranteePrincipal: aws.String(granteeARN),
				Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
			if err == nil {
				grantID = aws.ToString(g.GrantId)
			}
			return err
		}, decrypt, "", ""},
		{"the grant is revoked", func() error {
			_, err := admin.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: k.KeyId, GrantId: aws.String(grantID)})
			return err
		}, decrypt, "AccessDeniedException", noGrant},
	} {
		if step.change != nil {
			if err := step.change(); err != nil {
				t.Fatalf("%s: the change failed: %v", step.name, err)
			}
		}
		err := step.call()
		if step.wantCode == "" {
			if err != nil {
				t.Fatalf("%s: got %v, want success", step.name, err)
			}
			continue
		}
		t.Run(step.name, func(t *testing.T) { wantAPIError(t, err, step.wantCode, step.wantMsg) })
		if t.Failed() {
			return
		}
	}
}

// TestGateConditionKeysOfTheRequest: kms:GrantConstraintType (CreateGrant's
// constraint) and aws:RequestedRegion (the signature's region) reach the
// caller's policies through the real server.
func TestGateConditionKeysOfTheRequest(t *testing.T) {
	ctx := context.Background()
	in := startGateWith(t, `  - arn: `+appARN+`
    accessKeys: [{id: AKIAAPP, secret: app-secret}]
    inlinePolicies:
      - {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*", "Condition": {"StringEquals": {"kms:GrantConstraintType": "EncryptionContextEquals"}}},
          {"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "`+testRegion+`"}}}]}
`)
	app, admin := in.clientAs("AKIAAPP", "app-secret"), in.clientAs("AKIAADMIN", "admin-secret")
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	noGrant := denied("kms:CreateGrant", aws.ToString(k.Arn), "because no identity-based policy allows the kms:CreateGrant action")
	grant := func(c *types.GrantConstraints) error {
		_, err := app.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: k.KeyId, GranteePrincipal: aws.String(granteeARN),
			Operations: []types.GrantOperation{types.GrantOperationDecrypt}, Constraints: c})
		return err
	}
	otherRegion := sdkClient(kms.Options{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIAAPP", "app-secret", ""), RetryMaxAttempts: 1},
		func(o *kms.Options) { o.BaseEndpoint = aws.String(in.srv.URL()) })
	for _, tc := range []struct {
		name    string
		call    func() error
		wantMsg string // "" when allowed
	}{
		{"a grant with an EncryptionContextEquals constraint", func() error {
			return grant(&types.GrantConstraints{EncryptionContextEquals: map[string]string{"t": "1"}})
		}, ""},
		{"a grant with an EncryptionContextSubset constraint", func() error {
			return grant(&types.GrantConstraints{EncryptionContextSubset: map[string]string{"t": "1"}})
		}, noGrant},
		{"a grant without a constraint", func() error { return grant(nil) }, noGrant},
		{"ListKeys in the allowed region", func() error {
			_, err := app.ListKeys(ctx, &kms.ListKeysInput{})
			return err
		}, ""},
		{"ListKeys in another region", func() error {
			_, err := otherRegion.ListKeys(ctx, &kms.ListKeysInput{})
			return err
		}, denied("kms:ListKeys", "*", "because no identity-based policy allows the kms:ListKeys action")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			wantAPIError(t, err, "AccessDeniedException", tc.wantMsg)
		})
	}
}

// TestGateMultiRegionCallsAreJudgedInBothRegions: ReplicateKey needs
// kms:ReplicateKey on the primary and kms:CreateKey in the replica's
// region; UpdatePrimaryRegion needs kms:UpdatePrimaryRegion on the primary
// and on the replica that becomes the primary (KMS developer guide,
// "Controlling access to multi-Region keys").
func TestGateMultiRegionCallsAreJudgedInBothRegions(t *testing.T) {
	ctx := context.Background()
	const replicaRegion = "eu-west-1"
	in := startGateWith(t, `  - arn: `+appARN+`
    accessKeys: [{id: AKIAAPP, secret: app-secret}]
    inlinePolicies:
      - {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["kms:ReplicateKey", "kms:DescribeKey"], "Resource": "*"},
          {"Effect": "Allow", "Action": "kms:UpdatePrimaryRegion", "Resource": "arn:aws:kms:`+testRegion+`:*:key/*"}]}
  - arn: `+granteeARN+`
    accessKeys: [{id: AKIAGRANTEE, secret: grantee-secret}]
    inlinePolicies:
      - {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:ReplicateKey", "kms:CreateKey", "kms:UpdatePrimaryRegion"], "Resource": "*"}]}
`)
	app, full, admin := in.clientAs("AKIAAPP", "app-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret"), in.clientAs("AKIAADMIN", "admin-secret")
	k := must(admin.CreateKey(ctx, &kms.CreateKeyInput{MultiRegion: aws.Bool(true)}))(t).KeyMetadata
	replicate := func(c *kms.Client) error {
		_, err := c.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: k.KeyId, ReplicaRegion: aws.String(replicaRegion)})
		return err
	}
	t.Run("ReplicateKey without kms:CreateKey in the replica's region", func(t *testing.T) {
		wantAPIError(t, replicate(app), "AccessDeniedException", denied("kms:CreateKey", "*", "because no identity-based policy allows the kms:CreateKey action"))
	})
	t.Run("ReplicateKey with both", func(t *testing.T) {
		if err := replicate(full); err != nil {
			t.Fatalf("got %v, want success", err)
		}
	})
	replicaARN := "arn:aws:kms:" + replicaRegion + ":" + testAccount + ":key/" + aws.ToString(k.KeyId)
	t.Run("UpdatePrimaryRegion allowed on the primary only", func(t *testing.T) {
		_, err := app.UpdatePrimaryRegion(ctx, &kms.UpdatePrimaryRegionInput{KeyId: k.KeyId, PrimaryRegion: aws.String(replicaRegion)})
		wantAPIError(t, err, "AccessDeniedException", denied("kms:UpdatePrimaryRegion", replicaARN, "because no identity-based policy allows the kms:UpdatePrimaryRegion action"))
	})
	t.Run("UpdatePrimaryRegion allowed on both", func(t *testing.T) {
		must(full.UpdatePrimaryRegion(ctx, &kms.UpdatePrimaryRegionInput{KeyId: k.KeyId, PrimaryRegion: aws.String(replicaRegion)}))(t)
	})
}

// TestGateValidationComesFirst: KMS checks a request against the API model
// before keys and policies, so a caller the policies refuse, or naming no
// key, gets the ValidationException of an invalid request (the text an
// allowed caller gets for the same request), not AccessDeniedException or
// NotFoundException.
func TestGateValidationComesFirst(t *testing.T) {
	ctx := context.Background()
	in := start(t, withGate(gate.Enforce, gateFiles(t), ""))
	app, admin := in.clientAs("AKIAAPP", "app-secret"), in.clientAs("AKIAADMIN", "admin-secret")
	otherARN, blob := otherKey(t, admin)
	gdk := func(c *kms.Client, keyID string, n int32) error {
		_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), NumberOfBytes: aws.Int32(n)})
		return err
	}
	var ae smithy.APIError
	if err := gdk(admin, "alias/other", 2000); !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Fatalf("the allowed caller: got %v, want ValidationException", err)
	}
	tooMany := ae.ErrorMessage()
	_, err := admin.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: "RSAES_OAEP_SHA_1", GrantTokens: make([]string, 11)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Fatalf("the allowed caller's Decrypt: got %v, want ValidationException", err)
	}
	tooManyTokens := ae.ErrorMessage()
	for _, tc := range []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"a refused key and an invalid NumberOfBytes", func() error { return gdk(app, "alias/other", 2000) }, "ValidationException", tooMany},
		{"no such key and an invalid NumberOfBytes", func() error { return gdk(app, "alias/missing", 2000) }, "ValidationException", tooMany},
		{"a refused Decrypt of a blob with too many grant tokens", func() error {
			_, err := app.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: "RSAES_OAEP_SHA_1", GrantTokens: make([]string, 11)})
			return err
		}, "ValidationException", tooManyTokens},
		{"a valid request on the refused key is still refused", func() error { return gdk(app, "alias/other", 32) }, "AccessDeniedException",
			denied("kms:GenerateDataKey", otherARN, "because no identity-based policy allows the kms:GenerateDataKey action")},
	} {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.msg) })
	}
}
