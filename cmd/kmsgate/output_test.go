package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/kmsgatetest"
)

// TestAFailedWriteOfTheOutputExitsOne: every verb that writes to stdout
// exits 1 and says so when stdout is /dev/full (the output is lost). With a
// working stdout each writes something; some exit 1 there too (a lint
// finding, a would-deny), so the message is what tells the failed write.
func TestAFailedWriteOfTheOutputExitsOne(t *testing.T) {
	offlineAWSEnv(t)
	srv := kmsgatetest.New(t)
	dir := t.TempDir()
	policy := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(policy, []byte(seedDoc(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile := writeLog(t, dir, "decisions.jsonl", recordLog())
	sealed, stderr, code := kmsgateCmd(t, kmsgateBin, srv.URL, "secret", "envelope", "encrypt", "--key-name", "app")
	if code != 0 {
		t.Fatalf("envelope encrypt: exit %d, stderr %q", code, stderr)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"version", "", []string{"version"}},
		{"help", "", []string{"--help"}},
		{"policy simulate", "", []string{"policy", "simulate", "--identity-policy", policy, "--action", "kms:ListAliases", "--resource", "*"}},
		{"policy lint", "", []string{"policy", "lint", policy}},
		{"policy generate", "", []string{"policy", "generate", "--from", logFile, "--principal", genApp}},
		{"policy report", "", []string{"policy", "report", "--from", logFile}},
		{"healthcheck", "", []string{"healthcheck", "--url", srv.URL + "/healthz"}},
		{"envelope encrypt", "secret", []string{"envelope", "encrypt", "--key-name", "app"}},
		{"envelope decrypt", sealed, []string{"envelope", "decrypt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := func(stdout *os.File) (string, int) {
				cmd := exec.Command(kmsgateBin, tc.args...)
				cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+srv.URL)
				cmd.Stdin = strings.NewReader(tc.stdin)
				var errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = stdout, &errb
				err := cmd.Run()
				var ee *exec.ExitError
				switch {
				case errors.As(err, &ee):
					return errb.String(), ee.ExitCode()
				case err != nil:
					t.Fatalf("running kmsgate: %v", err)
				}
				return errb.String(), 0
			}
			ok, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
			if err != nil {
				t.Fatal(err)
			}
			defer ok.Close()
			if stderr, _ := run(ok); strings.Contains(stderr, "writing the output") {
				t.Fatalf("with a working stdout: got stderr %q, want no write failure", stderr)
			}
			if fi, _ := ok.Stat(); fi.Size() == 0 {
				t.Fatal("with a working stdout: got no output, want some (else this case tests nothing)")
			}
			full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer full.Close()
			stderr, code := run(full)
			if code != 1 || !strings.Contains(stderr, "writing the output") {
				t.Errorf("with stdout on /dev/full: got exit %d, stderr %q; want exit 1 naming the failed write", code, stderr)
			}
		})
	}
}
