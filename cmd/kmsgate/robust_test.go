package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// serveLogs starts `kmsgate serve` with args and returns the command, its
// address (once "kmsgate serving" is logged) and a channel of its log lines.
func serveLogs(t *testing.T, args ...string) (*exec.Cmd, string, chan string, chan error) {
	t.Helper()
	cmd := exec.Command(kmsgateBin, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "KMSGATE_ROOT_KEY=", "TMPDIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, done := make(chan string, 100), make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var e struct{ Message, Addr string }
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Message == "kmsgate serving" {
				addr <- e.Addr
			}
			select {
			case lines <- sc.Text():
			default:
			}
		}
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
			}
		}
	})
	select {
	case a := <-addr:
		return cmd, a, lines, done
	case err := <-done:
		t.Fatalf("kmsgate serve exited before serving: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("kmsgate serve did not start")
	}
	return nil, "", nil, nil
}

func TestDamagedStoreIsOneLineAndExit1(t *testing.T) {
	data := filepath.Join(t.TempDir(), "kmsgate.db")
	cmd, _, _, done := serveLogs(t, "--data", data)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	big := bytes.Repeat([]byte{0xAB}, 1<<16)
	raw, _ := os.ReadFile(data)
	for _, tc := range []struct {
		name   string
		damage func() error
		want   string
	}{
		{"truncated", func() error { return os.Truncate(data, 8192) }, "store " + data + " is damaged: "},
		{"overwritten", func() error { return os.WriteFile(data, big, 0o600) }, "store " + data + " is damaged: "},
		{"empty beside its root key", func() error { return os.Truncate(data, 0) }, "store " + data + " is missing or empty but its root key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(data, raw, 0o600)
			if err := tc.damage(); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			c := exec.Command(kmsgateBin, "serve", "--listen", "127.0.0.1:0", "--data", data)
			c.Env = append(os.Environ(), "KMSGATE_ROOT_KEY=")
			c.Stdout, c.Stderr = &out, &out
			err := c.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("got %v, want exit 1; output:\n%s", err, out.String())
			}
			text := strings.TrimSpace(out.String())
			if strings.Count(text, "\n") != 0 || strings.Contains(text, "goroutine") || !strings.Contains(text, tc.want) {
				t.Errorf("got output %q, want one line containing %q", text, tc.want)
			}
		})
	}
}

func TestSecondSignalStopsAtOnce(t *testing.T) {
	data := filepath.Join(t.TempDir(), "kmsgate.db")
	cmd, addr, lines, done := serveLogs(t, "--data", data, "--shutdown-timeout", "10m", "--read-timeout", "10m")
	// A stalled request: its body never comes, so the first signal's
	// graceful shutdown waits for it.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Length: 100\r\n\r\n{")
	time.Sleep(100 * time.Millisecond) // let the server read the headers
	cmd.Process.Signal(syscall.SIGTERM)
	waitLine(t, lines, "shutting down")
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 {
			t.Errorf("got %v, want exit 1", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("kmsgate did not stop on the second signal")
	}
	waitLine(t, lines, "second signal: stopping at once")
	waitLine(t, lines, "stopped at once; store closed")
}

func waitLine(t *testing.T, lines chan string, msg string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, msg) {
				return
			}
		case <-timeout:
			t.Fatalf("no log line %q", msg)
		}
	}
}

// storeWithDamagedPage makes a store of 40 keys with `kmsgate serve`, stops
// it, and damages the first data page of the key records.
func storeWithDamagedPage(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "kmsgate.db")
	cmd, addr, _, done := serveLogs(t, "--data", data)
	c := sdkClient(addr)
	for range 40 {
		if _, err := c.CreateKey(context.Background(), &kms.CreateKeyInput{Description: sdkaws.String(strings.Repeat("d", 2000))}); err != nil {
			t.Fatal(err)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	storagetest.DamageFirstLeaf(t, data, "emulator.keys")
	return data
}

// TestDamagedDataPageByCheckMode: a store with a damaged data page is
// refused at start with --check full (or KMSGATE_CHECK=full): one line,
// exit 1. With the default (--check quick) it is served, and the
// background walk logs the damage and turns /healthz to 503 while calls
// that do not read the page keep answering.
func TestDamagedDataPageByCheckMode(t *testing.T) {
	data := storeWithDamagedPage(t)
	for _, tc := range []struct {
		name string
		args []string
		env  string
		want string
		code int
	}{
		{"--check full refuses it", []string{"--check", "full"}, "", "store " + data + " is damaged: page ", 1},
		{"KMSGATE_CHECK=full refuses it", nil, "KMSGATE_CHECK=full", "store " + data + " is damaged: page ", 1},
		{"an unknown mode is a usage error", []string{"--check", "fast"}, "", `kmsgate serve: --check: unknown store check mode "fast" (quick, full or off)`, 2},
		{"--skip-check cannot go with --check full", []string{"--skip-check", "--check", "full"}, "", "kmsgate serve: --skip-check is --check off; it cannot go with --check full", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			c := exec.Command(kmsgateBin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", data}, tc.args...)...)
			c.Env = append(os.Environ(), "KMSGATE_ROOT_KEY=", "KMSGATE_CHECK=", tc.env)
			c.Stdout, c.Stderr = &out, &out
			err := c.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != tc.code {
				t.Fatalf("got %v, want exit %d; output:\n%s", err, tc.code, out.String())
			}
			text := strings.TrimSpace(out.String())
			if strings.Count(text, "\n") != 0 || strings.Contains(text, "goroutine") || !strings.Contains(text, tc.want) {
				t.Errorf("got output %q, want one line containing %q", text, tc.want)
			}
		})
	}
	t.Run("the default serves it and the background check reports it", func(t *testing.T) {
		_, addr, lines, _ := serveLogs(t, "--data", data)
		waitLine(t, lines, `"message":"STORE DAMAGED: store `+data+` is damaged: page `)
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"check":"damaged"`) {
			t.Errorf("/healthz: got %d %s, want 503 with the store check damaged", res.StatusCode, body)
		}
		// CreateKey writes new records (the damaged leaf holds the first
		// keys in id order): answered. ListKeys reads the damaged page:
		// KMSInternalException, an AWS error, not a dropped connection.
		c := sdkClient(addr)
		if _, err := c.CreateKey(context.Background(), &kms.CreateKeyInput{}); err != nil {
			var ae interface{ ErrorCode() string }
			if !errors.As(err, &ae) || ae.ErrorCode() != "KMSInternalException" {
				t.Errorf("CreateKey: got %v, want success or KMSInternalException", err)
			}
		}
		_, err = c.ListKeys(context.Background(), &kms.ListKeysInput{Limit: sdkaws.Int32(1000)})
		var ae interface{ ErrorCode() string }
		if !errors.As(err, &ae) || ae.ErrorCode() != "KMSInternalException" {
			t.Errorf("ListKeys over the damaged page: got %v, want KMSInternalException", err)
		}
	})
}

// TestDataDirectoryIsNamed: --data naming a directory is refused in one
// line that says so, whether the root key comes from a file or from the
// environment (before: a missing root key file, or bbolt's "is a
// directory").
func TestDataDirectoryIsNamed(t *testing.T) {
	dir := t.TempDir()
	for _, rootKey := range []string{"", strings.Repeat("ab", 32)} {
		var out bytes.Buffer
		c := exec.Command(kmsgateBin, "serve", "--listen", "127.0.0.1:0", "--data", dir)
		c.Env = append(os.Environ(), "KMSGATE_ROOT_KEY="+rootKey)
		c.Stdout, c.Stderr = &out, &out
		err := c.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 {
			t.Fatalf("root key %q: got %v, want exit 1; output:\n%s", rootKey, err, out.String())
		}
		want := "kmsgate serve: store " + dir + " is a directory: --data names the store's file, e.g. " + filepath.Join(dir, "kmsgate.db")
		if got := strings.TrimSpace(out.String()); got != want {
			t.Errorf("root key %q: got %q, want %q", rootKey, got, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("got %d files left in the directory, want none", len(entries))
	}
}
