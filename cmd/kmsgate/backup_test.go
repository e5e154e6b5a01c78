package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// sdkClient is a real aws-sdk-go-v2 KMS client for a kmsgate at addr.
func sdkClient(addr string) *kms.Client {
	return kms.New(kms.Options{
		Region:           "us-east-1",
		BaseEndpoint:     sdkaws.String("http://" + addr),
		Credentials:      sdkaws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
}

// acked is what a writer was told succeeded: a key, and a ciphertext under
// it with its plaintext.
type acked struct {
	keyID     string
	blob, pt  []byte
	ackedAtNs int64
}

// writeLoad runs n writers, each creating keys and encrypting under them,
// until stop is closed; it returns everything acknowledged.
func writeLoad(c *kms.Client, n int, stop chan struct{}) func() []acked {
	var (
		mu  sync.Mutex
		out []acked
		wg  sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for {
				select {
				case <-stop:
					return
				default:
				}
				k, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
				if err != nil {
					continue // the server is being killed or stopped
				}
				pt := make([]byte, 32)
				rand.Read(pt)
				e, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: pt})
				now := time.Now().UnixNano()
				mu.Lock()
				out = append(out, acked{keyID: *k.KeyMetadata.KeyId, ackedAtNs: now})
				if err == nil {
					out[len(out)-1].blob, out[len(out)-1].pt = e.CiphertextBlob, pt
				}
				mu.Unlock()
			}
		}()
	}
	return func() []acked {
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return out
	}
}

// checkAcked asserts every acknowledged key is there and every
// acknowledged ciphertext decrypts to its plaintext.
func checkAcked(t *testing.T, c *kms.Client, all []acked) {
	t.Helper()
	ctx := context.Background()
	blobs := 0
	for _, a := range all {
		if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: sdkaws.String(a.keyID)}); err != nil {
			t.Errorf("acknowledged key %s: %v", a.keyID, err)
			continue
		}
		if a.blob == nil {
			continue
		}
		blobs++
		d, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: a.blob})
		if err != nil || !bytes.Equal(d.Plaintext, a.pt) {
			t.Errorf("acknowledged ciphertext under %s: got %v, want its plaintext", a.keyID, err)
		}
	}
	if blobs == 0 {
		t.Errorf("got no acknowledged ciphertext among %d keys, want the load to have written some", len(all))
	}
}

func runKmsgate(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(kmsgateBin, args...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=")
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func stopServe(t *testing.T, cmd *exec.Cmd, done chan error) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("kmsgate serve exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("kmsgate serve did not stop after SIGTERM")
	}
}

// TestHotBackupUnderWriteLoadRestores takes `kmsgate backup --url` while
// writers create keys and encrypt, restores the copy beside the root key,
// and decrypts every ciphertext acknowledged before the backup began.
func TestHotBackupUnderWriteLoadRestores(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "kmsgate.db")
	cmd, addr, _, done := serveLogs(t, "--data", data)
	c := sdkClient(addr)
	stop := make(chan struct{})
	collect := writeLoad(c, 4, stop)
	time.Sleep(500 * time.Millisecond) // some writes before the backup
	backupAt := time.Now().UnixNano()
	out := filepath.Join(dir, "backup.db")
	stdout, stderr, code := runKmsgate(t, "backup", "--url", "http://"+addr, "--out", out)
	time.Sleep(200 * time.Millisecond) // and some during and after it
	close(stop)
	all := collect()
	stopServe(t, cmd, done)
	if code != 0 || !strings.Contains(stdout, "backup written: "+out) {
		t.Fatalf("backup: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	var before []acked
	for _, a := range all {
		if a.ackedAtNs < backupAt {
			before = append(before, a)
		}
	}
	if len(before) == 0 {
		t.Fatal("no write was acknowledged before the backup")
	}
	// Restore: the copy as the store, beside the root key.
	restored := filepath.Join(t.TempDir(), "kmsgate.db")
	key, err := os.ReadFile(data + ".rootkey")
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, out, restored)
	os.WriteFile(restored+".rootkey", key, 0o600)
	_, addr2, _, done2 := serveLogs(t, "--data", restored)
	checkAcked(t, sdkClient(addr2), before)
	_ = done2
	t.Logf("%d keys acknowledged before the backup, %d in all", len(before), len(all))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "kmsgate.db")
	cmd, addr, _, done := serveLogs(t, "--data", data)
	k, err := sdkClient(addr).CreateKey(context.Background(), &kms.CreateKeyInput{Description: sdkaws.String("kept")})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an offline backup of a store in use is refused, pointing at --url", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "b.db")
		_, stderr, code := runKmsgate(t, "backup", "--data", data, "--out", out)
		if code != 1 || !strings.Contains(stderr, "is in use by another kmsgate") || !strings.Contains(stderr, "--url") {
			t.Errorf("got exit %d, %q; want 1 and the in-use message with --url", code, stderr)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v for %s, want no file", err, out)
		}
		if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 0 {
			t.Errorf("got %d files left beside --out, want none", len(ents))
		}
	})
	t.Run("an existing --out is not written over", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "b.db")
		os.WriteFile(out, []byte("mine"), 0o600)
		_, stderr, code := runKmsgate(t, "backup", "--url", "http://"+addr, "--out", out)
		if b, _ := os.ReadFile(out); code != 1 || string(b) != "mine" || !strings.Contains(stderr, "exists") {
			t.Errorf("got exit %d, %q and file %q; want 1, a refusal, the file untouched", code, stderr, b)
		}
	})
	t.Run("flags: exactly one source and --out", func(t *testing.T) {
		for _, args := range [][]string{{"--out", "x"}, {"--url", "http://x", "--data", "y", "--out", "x"}, {"--url", "http://x"}} {
			if _, _, code := runKmsgate(t, append([]string{"backup"}, args...)...); code != 2 {
				t.Errorf("backup %v: got exit %d, want 2", args, code)
			}
		}
	})
	stopServe(t, cmd, done)
	t.Run("an offline backup of a stopped store restores", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "b.db")
		if stdout, stderr, code := runKmsgate(t, "backup", "--data", data, "--out", out); code != 0 {
			t.Fatalf("got exit %d: %s %s", code, stdout, stderr)
		}
		key, _ := os.ReadFile(data + ".rootkey")
		os.WriteFile(out+".rootkey", key, 0o600)
		_, addr2, _, _ := serveLogs(t, "--data", out)
		d, err := sdkClient(addr2).DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: k.KeyMetadata.KeyId})
		if err != nil || sdkaws.ToString(d.KeyMetadata.Description) != "kept" {
			t.Errorf("got %v, want the key restored", err)
		}
	})
}

// TestKill9UnderConcurrentWrites kills the server with SIGKILL while
// writers create keys and encrypt, several times over, and checks after
// each restart that every acknowledged key and ciphertext is there.
func TestKill9UnderConcurrentWrites(t *testing.T) {
	data := filepath.Join(t.TempDir(), "kmsgate.db")
	var all []acked
	var rounds atomic.Int32
	for round := range 3 {
		cmd, addr, _, done := serveLogs(t, "--data", data)
		c := sdkClient(addr)
		if round > 0 {
			checkAcked(t, c, all) // what earlier rounds acknowledged survived
		}
		stop := make(chan struct{})
		collect := writeLoad(c, 4, stop)
		time.Sleep(time.Duration(300+200*round) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		close(stop)
		got := collect()
		if len(got) == 0 {
			t.Fatalf("round %d: nothing acknowledged", round)
		}
		all = append(all, got...)
		rounds.Add(1)
	}
	_, addr, _, _ := serveLogs(t, "--data", data)
	checkAcked(t, sdkClient(addr), all)
	t.Logf("%d rounds, %d keys acknowledged", rounds.Load(), len(all))
}

// TestBackupNeedsAnAdminOnceAuthIsOn: with --auth verify, the backup
// endpoint answers only an admin principal's signature; `kmsgate backup
// --url` signs with the AWS_* credentials in its environment.
func TestBackupNeedsAnAdminOnceAuthIsOn(t *testing.T) {
	dir := t.TempDir()
	principals := filepath.Join(dir, "principals.yaml")
	os.WriteFile(principals, []byte(`principals:
  - arn: arn:aws:iam::111122223333:user/app
    accessKeys: [{id: AKIAAPPEXAMPLE, secret: app-secret}]
  - arn: arn:aws:iam::111122223333:user/ops
    accessKeys: [{id: AKIAOPSEXAMPLE, secret: ops-secret}]
    admin: true
`), 0o600)
	_, addr, _, _ := serveLogs(t, "--data", filepath.Join(dir, "kmsgate.db"), "--auth", "verify", "--principals", principals)
	for _, tc := range []struct {
		name, akid, secret string
		wantCode           int
	}{
		{"an admin principal gets the backup", "AKIAOPSEXAMPLE", "ops-secret", 0},
		{"another principal is refused", "AKIAAPPEXAMPLE", "app-secret", 1},
		{"an unsigned request is refused", "", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "b.db")
			var o, e bytes.Buffer
			cmd := exec.Command(kmsgateBin, "backup", "--url", "http://"+addr, "--out", out, "--region", "us-east-1")
			cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+tc.akid, "AWS_SECRET_ACCESS_KEY="+tc.secret, "AWS_SESSION_TOKEN=")
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != tc.wantCode {
				t.Fatalf("got exit %d (%s%s), want %d", code, o.String(), e.String(), tc.wantCode)
			}
			_, statErr := os.Stat(out)
			if (tc.wantCode == 0) != (statErr == nil) {
				t.Errorf("got %v for the backup file, want it written only for the admin", statErr)
			}
		})
	}
}
