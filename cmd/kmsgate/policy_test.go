package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/internal/testbin"
)

// kmsgateBin is the binary TestMain builds for the CLI tests.
var kmsgateBin string

func TestMain(m *testing.M) { testbin.Main(m, ".", &kmsgateBin) }

// seedDoc returns the reference's seed policy (shared with authz's tests).
func seedDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../authz/testdata/seed-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runBin runs the built binary and returns stdout, stderr and the exit code.
func runBin(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(kmsgateBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running kmsgate: %v", err)
	}
	return out.String(), errb.String(), code
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	cliKey  = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	cliKey2 = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
)

// TestPolicySimulateReferenceCases runs every numbered case of the IAM
// reference through the binary: exit code and first line.
func TestPolicySimulateReferenceCases(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"case1.json": `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
			{"Sid":"NoReports","Effect":"Deny","Action":"iam:*Report","Resource":"*"}]}`,
		"kp-role-x.json":     `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/X"},"Action":"kms:*","Resource":"*"}]}`,
		"role-y.json":        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"}]}`,
		"s3.json":            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		"kp-role-r.json":     `{"Statement":[{"Sid":"R","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/R"},"Action":"kms:Decrypt","Resource":"*"}]}`,
		"deny.json":          `{"Version":"2012-10-17","Statement":[{"Sid":"NoKMS","Effect":"Deny","Action":"kms:*","Resource":"arn:aws:kms:*:111122223333:key/*"}]}`,
		"finance.json":       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:*:111122223333:key/*","Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance-key"}}}]}`,
		"request-alias.json": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:*:111122223333:key/*","Condition":{"StringEquals":{"kms:RequestAlias":"alias/finance-key"}}}]}`,
		"ec-keys.json":       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:*:111122223333:key/*","Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"AppName"}}}]}`,
		"ec2.json":           `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}]}`,
		"notaction.json":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`,
		"case11.json":        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"KMS:generatedatakey*","Resource":"*"}]}`,
		"seed.json":          seedDoc(t),
	})
	f := func(name string) string { return filepath.Join(dir, name) }
	roleY := "arn:aws:sts::111122223333:assumed-role/Y/session"
	roleR := "arn:aws:sts::111122223333:assumed-role/R/session"
	cases := []struct {
		name      string
		args      []string
		wantCode  int
		wantFirst string
		// wantText must appear in the output when set.
		wantText string
	}{
		{"case 1: iam:GetCredentialReport is explicitly denied", []string{"--identity-policy", f("case1.json"), "--action", "iam:GetCredentialReport", "--resource", "*"}, 1, "ExplicitDeny", `sid="NoReports"`},
		{"case 1: iam:GetUser is allowed", []string{"--identity-policy", f("case1.json"), "--action", "iam:GetUser", "--resource", "*"}, 0, "Allow", `sid="Read"`},
		{"case 1: iam:CreatePolicy is implicitly denied", []string{"--identity-policy", f("case1.json"), "--action", "iam:CreatePolicy", "--resource", "*"}, 1, "ImplicitDeny", ""},
		{"case 2: role Y is denied by a key policy naming only role X", []string{"--identity-policy", f("role-y.json"), "--key-policy", f("kp-role-x.json"), "--principal", roleY, "--action", "kms:Decrypt", "--resource", cliKey}, 1, "ImplicitDeny", "because no resource-based policy allows the kms:Decrypt action"},
		{"case 3: the default key policy with no KMS identity statement denies", []string{"--identity-policy", f("s3.json"), "--action", "kms:Decrypt", "--resource", cliKey}, 1, "ImplicitDeny", "because no identity-based policy allows the kms:Decrypt action"},
		{"case 4: a key policy naming role R allows it alone", []string{"--key-policy", f("kp-role-r.json"), "--principal", roleR, "--action", "kms:Decrypt", "--resource", cliKey}, 0, "Allow", `sid="R"`},
		{"case 5: an identity Deny beats the key policy", []string{"--identity-policy", f("deny.json"), "--key-policy", f("kp-role-r.json"), "--principal", roleR, "--action", "kms:Decrypt", "--resource", cliKey}, 1, "ExplicitDeny", "with an explicit deny in an identity-based policy"},
		{"case 6: a key carrying alias/finance-key is allowed", []string{"--identity-policy", f("finance.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey, "--context", "kms:ResourceAliases=alias/finance-key", "--context", "kms:ResourceAliases=alias/other"}, 0, "Allow", ""},
		{"case 6: a key with no alias is denied", []string{"--identity-policy", f("finance.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey, "--context-json", `{"kms:ResourceAliases":[]}`}, 1, "ImplicitDeny", ""},
		{"case 7: KeyId alias/finance-key is allowed", []string{"--identity-policy", f("request-alias.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey, "--context", "kms:RequestAlias=alias/finance-key"}, 0, "Allow", ""},
		{"case 7: the key's id or ARN (no kms:RequestAlias) is denied", []string{"--identity-policy", f("request-alias.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey}, 1, "ImplicitDeny", ""},
		{"case 8: a context with AppName is allowed", []string{"--identity-policy", f("ec-keys.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey, "--context-json", `{"kms:EncryptionContextKeys":["AppName","Project"],"kms:EncryptionContext:AppName":"Helper","kms:EncryptionContext:Project":"Alpha"}`}, 0, "Allow", ""},
		{"case 8: a context without AppName is denied", []string{"--identity-policy", f("ec-keys.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey, "--context-json", `{"kms:EncryptionContextKeys":["Project"]}`}, 1, "ImplicitDeny", ""},
		{"case 8: no context is denied", []string{"--identity-policy", f("ec-keys.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey}, 1, "ImplicitDeny", ""},
		{"case 9: an absent ec2:InstanceType is allowed", []string{"--identity-policy", f("ec2.json"), "--action", "ec2:RunInstances", "--resource", "*"}, 0, "Allow", ""},
		{"case 9: m5.large is denied", []string{"--identity-policy", f("ec2.json"), "--action", "ec2:RunInstances", "--resource", "*", "--context", "ec2:InstanceType=m5.large"}, 1, "ImplicitDeny", ""},
		{"case 10: NotAction iam:* allows kms:Decrypt on resource *", []string{"--identity-policy", f("notaction.json"), "--action", "kms:Decrypt", "--resource", "*"}, 0, "Allow", ""},
		{"case 10: NotAction iam:* denies iam:CreateUser", []string{"--identity-policy", f("notaction.json"), "--action", "iam:CreateUser", "--resource", "*"}, 1, "ImplicitDeny", ""},
		{"case 11: KMS:generatedatakey* matches kms:GenerateDataKeyWithoutPlaintext", []string{"--identity-policy", f("case11.json"), "--action", "kms:GenerateDataKeyWithoutPlaintext", "--resource", cliKey}, 0, "Allow", ""},
		{"case 12: GenerateDataKey with KeyId alias/jumpwire/org1 is allowed", []string{"--identity-policy", f("seed.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey, "--context-json", `{"kms:ResourceAliases":["alias/jumpwire/org1"],"kms:RequestAlias":"alias/jumpwire/org1"}`}, 0, "Allow", `sid="UseKeys"`},
		{"case 12: Decrypt without KeyId of that key's blob is allowed", []string{"--identity-policy", f("seed.json"), "--action", "kms:Decrypt", "--resource", cliKey, "--context-json", `{"kms:ResourceAliases":["alias/jumpwire/org1"]}`}, 0, "Allow", ""},
		{"case 12: GenerateDataKey on a key without an alias/jumpwire/ alias is denied", []string{"--identity-policy", f("seed.json"), "--action", "kms:GenerateDataKey", "--resource", cliKey2, "--context-json", `{"kms:ResourceAliases":["alias/payments"]}`}, 1, "ImplicitDeny", "because no identity-based policy allows the kms:GenerateDataKey action"},
		{"case 12: kms:ListAliases is denied", []string{"--identity-policy", f("seed.json"), "--action", "kms:ListAliases", "--resource", "*"}, 1, "ImplicitDeny", "on resource: * because no identity-based policy allows the kms:ListAliases action"},
		{"case 12: CreateAlias alias/other is denied on the alias", []string{"--identity-policy", f("seed.json"), "--action", "kms:CreateAlias", "--resource", "arn:aws:kms:us-east-1:111122223333:alias/other"}, 1, "ImplicitDeny", ""},
		{"case 12: CreateAlias alias/jumpwire/x is allowed on the alias", []string{"--identity-policy", f("seed.json"), "--action", "kms:CreateAlias", "--resource", "arn:aws:kms:us-east-1:111122223333:alias/jumpwire/x"}, 0, "Allow", `sid="ManageAliases"`},
		{"case 12: CreateAlias alias/jumpwire/x is allowed on the key", []string{"--identity-policy", f("seed.json"), "--action", "kms:CreateAlias", "--resource", cliKey2}, 0, "Allow", `sid="AliasKeySide"`},
		{"case 12: CreateKey is allowed", []string{"--identity-policy", f("seed.json"), "--action", "kms:CreateKey", "--resource", "*"}, 0, "Allow", `sid="CreateKeys"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, append([]string{"policy", "simulate"}, tc.args...)...)
			first, _, _ := strings.Cut(out, "\n")
			if code != tc.wantCode || first != tc.wantFirst {
				t.Fatalf("got exit %d and first line %q, want %d and %q\nstdout:\n%s\nstderr:\n%s", code, first, tc.wantCode, tc.wantFirst, out, errOut)
			}
			if tc.wantText != "" && !strings.Contains(out, tc.wantText) {
				t.Fatalf("got output\n%s\nwant it to contain %q", out, tc.wantText)
			}
		})
	}
}

func TestPolicySimulateJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"seed.json": seedDoc(t)})
	cases := []struct {
		name     string
		args     []string
		wantCode int
		want     string
		wantSids []string
	}{
		{"an Allow lists the key policy and identity statements", []string{"--context-json", `{"kms:ResourceAliases":["alias/jumpwire/a"]}`, "--action", "kms:Encrypt", "--resource", cliKey}, 0, "Allow",
			[]string{"Enable IAM User Permissions", "UseKeys"}},
		{"an ImplicitDeny lists no statements", []string{"--action", "kms:ListAliases", "--resource", "*"}, 1, "ImplicitDeny", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, append([]string{"policy", "simulate", "--json", "--identity-policy", filepath.Join(dir, "seed.json")}, tc.args...)...)
			if code != tc.wantCode {
				t.Fatalf("got exit %d, want %d (%s)", code, tc.wantCode, errOut)
			}
			var got struct {
				Decision          string `json:"decision"`
				Reason            string `json:"reason"`
				MatchedStatements []struct {
					Policy string `json:"policy"`
					Index  *int   `json:"index"`
					Sid    string `json:"sid"`
					Effect string `json:"effect"`
				} `json:"matchedStatements"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("got output %q, want JSON: %v", out, err)
			}
			if !strings.Contains(out, `"matchedStatements": [`) {
				t.Fatalf("got %s, want matchedStatements as an array", out)
			}
			if got.Decision != tc.want || got.Reason == "" {
				t.Fatalf("got decision %q reason %q, want %q and a reason", got.Decision, got.Reason, tc.want)
			}
			var sids []string
			for _, s := range got.MatchedStatements {
				if s.Index == nil || s.Policy == "" || s.Effect != "Allow" {
					t.Fatalf("got statement %+v, want policy, index and effect", s)
				}
				sids = append(sids, s.Sid)
			}
			if strings.Join(sids, ",") != strings.Join(tc.wantSids, ",") {
				t.Fatalf("got statements %v, want %v", sids, tc.wantSids)
			}
		})
	}
}

func TestPolicySimulateBadUsage(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bad.json":       `{"Version":"2012-10-17","Statement":[{"Sid":"Ok","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"Broken","Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}]}`,
		"good.json":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		"principal.json": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`,
	})
	good := filepath.Join(dir, "good.json")
	cases := []struct {
		name     string
		args     []string
		wantErrs []string
	}{
		{"a policy that does not parse names file, statement and element", []string{"--identity-policy", filepath.Join(dir, "bad.json"), "--action", "sqs:SendMessage", "--resource", "*"},
			[]string{"bad.json", "Statement[1]", `"Broken"`, "NotAction"}},
		{"an identity policy naming a principal", []string{"--identity-policy", filepath.Join(dir, "principal.json"), "--action", "sqs:SendMessage", "--resource", "*"},
			[]string{"principal.json", "Statement[0]", "Principal"}},
		{"a key policy statement without a principal", []string{"--identity-policy", good, "--key-policy", good, "--action", "kms:Decrypt", "--resource", cliKey},
			[]string{"good.json", "Statement[0]", "Principal"}},
		{"a missing file", []string{"--identity-policy", filepath.Join(dir, "none.json"), "--action", "sqs:SendMessage", "--resource", "*"}, []string{"none.json"}},
		{"no --action", []string{"--identity-policy", good, "--resource", "*"}, []string{"--action"}},
		{"no --resource", []string{"--identity-policy", good, "--action", "sqs:SendMessage"}, []string{"--resource"}},
		{"a --context without =", []string{"--identity-policy", good, "--action", "sqs:SendMessage", "--resource", "*", "--context", "novalue"}, []string{"KEY=VALUE"}},
		{"a --context-json that is not an object", []string{"--identity-policy", good, "--action", "sqs:SendMessage", "--resource", "*", "--context-json", "[1]"}, []string{"--context-json"}},
		{"an unknown flag", []string{"--bogus"}, []string{"bogus"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, append([]string{"policy", "simulate"}, tc.args...)...)
			if code != 2 {
				t.Fatalf("got exit %d, want 2 (stdout %q)", code, out)
			}
			for _, w := range tc.wantErrs {
				if !strings.Contains(errOut, w) {
					t.Fatalf("got stderr %q, want it to name %q", errOut, w)
				}
			}
		})
	}
	for _, args := range [][]string{{"policy", "--help"}, {"policy", "simulate", "--help"}, {"policy", "lint", "-h"}} {
		if _, errOut, code := runBin(t, args...); code != 0 {
			t.Fatalf("%v: got exit %d, want 0 (%s)", args, code, errOut)
		}
	}
	if _, _, code := runBin(t, "policy"); code != 2 {
		t.Fatalf("policy without a sub-command: got exit %d, want 2", code)
	}
	if _, _, code := runBin(t, "policy", "frob"); code != 2 {
		t.Fatalf("policy frob: got exit %d, want 2", code)
	}
}

func TestPolicySimulateContext(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"tags.json": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]},"NumericLessThan":{"n":5},"Bool":{"aws:SecureTransport":true}}}]}`,
		"role.json": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"}}}]}`,
		"home.json": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`,
	})
	tags := []string{"policy", "simulate", "--identity-policy", filepath.Join(dir, "tags.json"), "--action", "kms:TagResource", "--resource", "*"}
	home := []string{"policy", "simulate", "--identity-policy", filepath.Join(dir, "home.json"), "--action", "sqs:SendMessage"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a key given twice is a set that ForAllValues checks member by member", append(tags, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=team", "--context", "n=4", "--context", "aws:SecureTransport=true"), "Allow"},
		{"a set member outside the list fails ForAllValues", append(tags, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=owner", "--context", "n=4", "--context", "aws:SecureTransport=true"), "ImplicitDeny"},
		{"--context-json numbers and bools are typed", append(tags, "--context-json", `{"aws:TagKeys":["env"],"n":4,"aws:SecureTransport":true}`), "Allow"},
		{"--context-json numbers are compared as numbers", append(tags, "--context-json", `{"aws:TagKeys":["env"],"n":7,"aws:SecureTransport":true}`), "ImplicitDeny"},
		{"the default principal's user name fills ${aws:username}", append(home, "--resource", "arn:aws:s3:::home/kmsgate/f"), "Allow"},
		{"--principal sets the user name", append(home, "--resource", "arn:aws:s3:::home/alice/f", "--principal", "arn:aws:iam::111122223333:user/alice"), "Allow"},
		{"an assumed-role session's aws:PrincipalArn is its role", []string{"policy", "simulate", "--identity-policy", filepath.Join(dir, "role.json"), "--action", "s3:ListBucket", "--resource", "*",
			"--principal", "arn:aws:sts::111122223333:assumed-role/app/session-1"}, "Allow"},
		{"another user's home is denied", append(home, "--resource", "arn:aws:s3:::home/bob/f"), "ImplicitDeny"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, _ := runBin(t, tc.args...)
			first, _, _ := strings.Cut(out, "\n")
			if first != tc.want {
				t.Fatalf("got %q, want %q\n%s%s", first, tc.want, out, errOut)
			}
		})
	}
}

func TestPolicyLint(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"seed.json":  seedDoc(t),
		"clean.json": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:111122223333:key/*"}]}`,
		"warn.json":  `{"Version":"2012-10-17","Statement":[{"Sid":"Wide","Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`,
		"both.json":  `{"Version":"2012-10-17","Statement":[{"Sid":"Both","Effect":"Allow","Action":"kms:Decrypt","NotAction":"kms:Encrypt","Resource":"*"}]}`,
		"typo.json":  `{"Version":"2012-10-17","Statement":[{"Sid":"Typo","Effect":"Allow","Action":"kms:Decrypts","Resource":"*"}]}`,
	})
	f := func(n string) string { return filepath.Join(dir, n) }
	cases := []struct {
		name     string
		files    []string
		wantCode int
		wantOut  []string
	}{
		{"the seed's policy has the alias escalation error", []string{f("seed.json")}, 1, []string{"seed.json: error: Statement[2] (Sid \"AliasKeySide\"): alias-escalation:"}},
		{"a clean policy has no findings", []string{f("clean.json")}, 0, []string{"no findings"}},
		{"warnings alone exit 0", []string{f("warn.json")}, 0, []string{"warning", "allow-with-notaction"}},
		{"Action with NotAction is an error", []string{f("both.json")}, 1, []string{"error", "action-with-notaction", `"Both"`}},
		{"an unknown kms action is an error", []string{f("typo.json")}, 1, []string{"unknown-action", "kms:Decrypts"}},
		{"several files are linted together", []string{f("clean.json"), f("typo.json")}, 1, []string{"typo.json: error"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, append([]string{"policy", "lint"}, tc.files...)...)
			if code != tc.wantCode {
				t.Fatalf("got exit %d, want %d\n%s%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Fatalf("got output %q, want it to contain %q", out, w)
				}
			}
		})
	}
	t.Run("--json prints the findings as an array", func(t *testing.T) {
		out, _, code := runBin(t, "policy", "lint", "--json", f("seed.json"))
		var got []struct{ Severity, Rule, Sid string }
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 {
			t.Fatalf("got exit %d and %q (%v), want 1 and a JSON array", code, out, err)
		}
		if len(got) != 1 || got[0].Rule != "alias-escalation" || got[0].Sid != "AliasKeySide" {
			t.Fatalf("got %+v, want one alias-escalation finding on AliasKeySide", got)
		}
	})
	t.Run("no files is bad usage", func(t *testing.T) {
		if _, _, code := runBin(t, "policy", "lint"); code != 2 {
			t.Fatalf("got exit %d, want 2", code)
		}
	})
	t.Run("a missing file is bad usage", func(t *testing.T) {
		if _, _, code := runBin(t, "policy", "lint", f("missing.json")); code != 2 {
			t.Fatalf("got exit %d, want 2", code)
		}
	})
}

// A non-KMS request across accounts is decided as IAM does: the identity
// policy and the resource-based policy must both allow.
func TestPolicySimulateCrossAccount(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"id.json":     `{"Version":"2012-10-17","Statement":[{"Sid":"Get","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`,
		"bucket.json": `{"Version":"2012-10-17","Statement":[{"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sqs:SendMessage","Resource":"*"}]}`,
		"other.json":  `{"Version":"2012-10-17","Statement":[{"Sid":"Else","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:root"},"Action":"sqs:SendMessage","Resource":"*"}]}`,
	})
	base := []string{"policy", "simulate", "--principal", "arn:aws:iam::444455556666:user/eve", "--action", "sqs:SendMessage",
		"--resource", "arn:aws:sqs:us-east-1:111122223333:queue", "--identity-policy", filepath.Join(dir, "id.json")}
	for _, tc := range []struct {
		name     string
		extra    []string
		wantCode int
		want     string
	}{
		{"both sides allow", []string{"--key-policy", filepath.Join(dir, "bucket.json")}, 0, "Allow"},
		{"no resource-based policy given", nil, 1, "ImplicitDeny"},
		{"the resource policy names another account", []string{"--key-policy", filepath.Join(dir, "other.json")}, 1, "ImplicitDeny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, append(base, tc.extra...)...)
			if code != tc.wantCode || !strings.HasPrefix(out, tc.want+"\n") || !strings.Contains(out, "cross-account") {
				t.Fatalf("got exit %d %q (%s), want %d %s with a cross-account reason", code, out, errOut, tc.wantCode, tc.want)
			}
		})
	}
}
