package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/authz"
)

const (
	genApp   = "arn:aws:iam::111122223333:user/app"
	genKey   = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	genAlias = "arn:aws:kms:us-east-1:111122223333:alias/jumpwire/org1"
)

func genCheck(action, resource, decision string) authz.LogCheck {
	return authz.LogCheck{Action: action, Resource: resource, Decision: decision}
}

// writeLog writes records as a decision log (JSON Lines).
func writeLog(t *testing.T, dir, name string, recs []authz.LogRecord) string {
	t.Helper()
	var b strings.Builder
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func recordLog() []authz.LogRecord {
	ec := map[string]any{"kms:EncryptionContext:tenant": "org1", "kms:EncryptionContextKeys": []any{"tenant"}}
	return []authz.LogRecord{
		{RequestID: "r1", Operation: "CreateKey", Principal: genApp, Action: "kms:CreateKey", Resources: []string{"*"}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{genCheck("kms:CreateKey", "*", "ImplicitDeny")}},
		{RequestID: "r2", Operation: "CreateAlias", Principal: genApp, Action: "kms:CreateAlias", Resources: []string{genAlias, genKey}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{genCheck("kms:CreateAlias", genAlias, "ImplicitDeny"), genCheck("kms:CreateAlias", genKey, "ImplicitDeny")}},
		{RequestID: "r3", Operation: "GenerateDataKey", Principal: genApp, Action: "kms:GenerateDataKey", Resources: []string{genKey}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{genCheck("kms:GenerateDataKey", genKey, "ImplicitDeny")}, Context: ec,
			KeyAliases: []string{"alias/jumpwire/org1"}, ViaAlias: "alias/jumpwire/org1"},
		{RequestID: "r4", Operation: "Decrypt", Principal: genApp, Action: "kms:Decrypt", Resources: []string{genKey}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{genCheck("kms:Decrypt", genKey, "ImplicitDeny")}, Context: ec, KeyAliases: []string{"alias/jumpwire/org1"}},
	}
}

func TestPolicyGenerateCLI(t *testing.T) {
	dir := t.TempDir()
	logFile := writeLog(t, dir, "decisions.jsonl", recordLog())
	out := filepath.Join(dir, "policy.json")
	stdout, stderr, code := runBin(t, "policy", "generate", "--from", logFile, "--principal", genApp, "--out", out, "--check")
	if code != 0 {
		t.Fatalf("generate --check: exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, w := range []string{"check: all 4 recorded call(s) allowed by the generated policy",
		`check: Statement[0] (Sid "AccountLevelOperations") is needed: without it 1 call(s) are denied, first CreateKey by ` + genApp + ` (kms:CreateKey on *) request r1`} {
		if !strings.Contains(stdout, w) {
			t.Errorf("check output lacks %q:\n%s", w, stdout)
		}
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Version   string
		Statement []struct {
			Sid      string
			Action   any
			Resource any
		}
	}
	if err := json.Unmarshal(doc, &parsed); err != nil || parsed.Version != "2012-10-17" || len(parsed.Statement) != 5 {
		t.Fatalf("policy %s: %v, want 5 statements", doc, err)
	}
	// Lint finds no error in it.
	if lo, le, lc := runBin(t, "policy", "lint", out); lc != 0 || strings.Contains(lo, ": error:") {
		t.Errorf("lint: exit %d\n%s%s", lc, lo, le)
	}
	// simulate agrees: the recorded GenerateDataKey is allowed, another alias is not.
	args := []string{"policy", "simulate", "--identity-policy", out, "--principal", genApp, "--action", "kms:GenerateDataKey", "--resource", genKey}
	if so, _, sc := runBin(t, append(args, "--context", "kms:RequestAlias=alias/jumpwire/org1")...); sc != 0 || !strings.HasPrefix(so, "Allow") {
		t.Errorf("simulate the recorded call: exit %d: %s", sc, so)
	}
	if so, _, sc := runBin(t, append(args, "--context", "kms:RequestAlias=alias/other")...); sc != 1 || !strings.HasPrefix(so, "ImplicitDeny") {
		t.Errorf("simulate another alias: exit %d: %s", sc, so)
	}
	// The same log on stdin, policy on stdout, check on stderr.
	cmdOut, cmdErr, code := runBinStdin(t, logFile, "policy", "generate", "--from", "-", "--check", "--account", "444455556666", "--region", "eu-west-1")
	if code != 0 || !strings.Contains(cmdOut, `"arn:aws:kms:eu-west-1:444455556666:key/*"`) || !strings.Contains(cmdErr, "check: all 4 recorded call(s) allowed") {
		t.Errorf("generate from stdin: exit %d\nstdout: %s\nstderr: %s", code, cmdOut, cmdErr)
	}
}

// runBinStdin runs the binary with a file as stdin.
func runBinStdin(t *testing.T, stdinFile string, args ...string) (string, string, int) {
	t.Helper()
	f, err := os.Open(stdinFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(kmsgateBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, &out, &errb
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running kmsgate: %v", err)
	}
	return out.String(), errb.String(), code
}

func TestPolicyGenerateCLIErrors(t *testing.T) {
	dir := t.TempDir()
	logFile := writeLog(t, dir, "decisions.jsonl", recordLog())
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"operation\":\"Decrypt\"}\nnot json\n"), 0o600)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no log", []string{"policy", "generate"}, 2, "--from FILE is required"},
		{"missing file", []string{"policy", "generate", "--from", filepath.Join(dir, "nope")}, 2, "no such file"},
		{"bad line", []string{"policy", "generate", "--from", bad}, 2, "bad.jsonl:2: not a decision-log record"},
		{"bad account", []string{"policy", "generate", "--from", logFile, "--account", "12"}, 2, `--account "12" is not a 12-digit account id`},
		{"bad region", []string{"policy", "generate", "--from", logFile, "--region", "Mars"}, 2, `--region "Mars" is not a region name`},
		{"nobody's calls", []string{"policy", "generate", "--from", logFile, "--principal", "arn:aws:iam::111122223333:user/nobody"}, 2,
			"the logs hold no judged call of arn:aws:iam::111122223333:user/nobody: nothing to allow"},
		{"report without log", []string{"policy", "report"}, 2, "--from FILE is required"},
		{"report bad format", []string{"policy", "report", "--from", logFile, "--format", "html"}, 2, `--format "html": want text, markdown or junit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runBin(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

func TestPolicyReportCLI(t *testing.T) {
	dir := t.TempDir()
	msg := "User: " + genApp + " is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action"
	denied := writeLog(t, dir, "dry-run.jsonl", []authz.LogRecord{
		{RequestID: "c1", Operation: "CreateKey", Principal: genApp, Action: "kms:CreateKey", Resources: []string{"*"}, Decision: "ImplicitDeny",
			Message: msg, Checks: []authz.LogCheck{genCheck("kms:CreateKey", "*", "ImplicitDeny")}},
	})
	clean := writeLog(t, dir, "clean.jsonl", []authz.LogRecord{
		{RequestID: "g1", Operation: "ListKeys", Principal: genApp, Action: "kms:ListKeys", Resources: []string{"*"}, Decision: "Allow",
			Checks: []authz.LogCheck{genCheck("kms:ListKeys", "*", "Allow")}},
	})
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"text", []string{"--from", denied}, 1, []string{"WOULD DENY kms:CreateKey on * by " + genApp + ": 1 call(s) (CreateKey), first request c1", "message: " + msg, `"Action": "kms:CreateKey"`}},
		{"markdown", []string{"--from", denied, "--format", "markdown"}, 1, []string{"| `" + genApp + "` | `kms:CreateKey` | `*` | ImplicitDeny | 1 | `c1` |", "> " + msg}},
		{"junit", []string{"--from", denied, "--format", "junit"}, 1, []string{`<testcase classname="` + genApp + `" name="kms:CreateKey on *">`, `failures="1"`}},
		{"clean text", []string{"--from", clean}, 0, []string{"no would-deny decisions among 1 logged decision(s)"}},
		{"clean junit", []string{"--from", clean, "--format", "junit"}, 0, []string{`failures="0"`, `name="kms:ListKeys on *"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runBin(t, append([]string{"policy", "report"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			if strings.Contains(tt.name, "junit") {
				var v struct {
					XMLName xml.Name `xml:"testsuites"`
				}
				if err := xml.Unmarshal([]byte(stdout), &v); err != nil {
					t.Errorf("junit does not parse: %v", err)
				}
			}
		})
	}
}
