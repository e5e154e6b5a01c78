package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
