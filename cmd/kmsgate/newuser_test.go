package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func TestVersionFlags(t *testing.T) {
	var want string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		out, err := exec.Command(kmsgateBin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("kmsgate %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		if !strings.HasPrefix(string(out), "kmsgate ") {
			t.Errorf("kmsgate %s: got %q, want \"kmsgate <version>\"", strings.Join(args, " "), out)
		}
		if want == "" {
			want = string(out)
		} else if string(out) != want {
			t.Errorf("kmsgate %s: got %q, want what `kmsgate version` says, %q", strings.Join(args, " "), out, want)
		}
	}
}

// Every command names flags with two dashes in its errors and usage, as the
// README and --help do.
func TestFlagErrorsNameFlagsWithTwoDashes(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--port", "1"},
		{"serve", "--max-body", "lots"},
		{"healthcheck", "--nope"},
		{"version", "--nope"},
		{"policy", "simulate", "--nope"},
		{"policy", "lint", "--nope"},
		{"policy", "generate", "--nope"},
		{"envelope", "encrypt", "--nope"},
		{"envelope", "decrypt", "--nope"},
	} {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(kmsgateBin, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
				t.Errorf("got %v, want exit 2", err)
			}
			got := stderr.String()
			bad := args[len(args)-1]
			if bad == "1" || bad == "lots" {
				bad = args[len(args)-2]
			}
			if !strings.Contains(got, bad) {
				t.Errorf("the error does not name %s:\n%s", bad, got)
			}
			if m := oneDash.FindString(got); m != "" {
				t.Errorf("got a flag with one dash (%q) in:\n%s", m, got)
			}
		})
	}
}

var oneDash = regexp.MustCompile(`(?m)(^|[ \t:])-[A-Za-z][A-Za-z-]*`)

func TestColourOnlyOnATerminal(t *testing.T) {
	noEnv := func(string) string { return "" }
	noColor := func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tty := openPTY(t)
	for _, tc := range []struct {
		name   string
		w      io.Writer
		getenv func(string) string
		want   bool
	}{
		{"a terminal", tty, noEnv, true},
		{"a terminal with NO_COLOR", tty, noColor, false},
		{"a pipe", w, noEnv, false},
		{"a file", file, noEnv, false},
		{"a buffer", &bytes.Buffer{}, noEnv, false},
	} {
		if got := colour(tc.w, tc.getenv); got != tc.want {
			t.Errorf("%s: got colour %v, want %v", tc.name, got, tc.want)
		}
	}
}

// openPTY opens the follower side of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	leader, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { leader.Close() })
	var unlock int32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, leader.Fd(), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlocking the pty: %v", e)
	}
	n, err := unix.IoctlGetInt(int(leader.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	follower, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the pty follower: %v", err)
	}
	t.Cleanup(func() { follower.Close() })
	return follower
}

// TestConsoleLogThroughAPipeIsPlainWithAUnitDuration runs `kmsgate serve`
// with its default console log going to a pipe, as `serve 2>file` or a CI
// log collector would see it.
func TestConsoleLogThroughAPipeIsPlainWithAUnitDuration(t *testing.T) {
	cmd := exec.Command(kmsgateBin, "serve", "--listen", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "kmsgate.db"))
	cmd.Env = append(os.Environ(), "NO_COLOR=") // unset: only the pipe may turn colour off
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log strings.Builder
	addr := ""
	deadline := time.After(15 * time.Second)
	for addr == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before serving:\n%s", log.String())
			}
			log.WriteString(l + "\n")
			if m := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(l); m != nil && strings.Contains(l, "kmsgate serving") {
				addr = m[1]
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("no serving line within 15s:\n%s", log.String())
		}
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		log.WriteString(l + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve exited with %v after SIGTERM", err)
	}
	got := log.String()
	if strings.Contains(got, "\x1b[") {
		t.Errorf("the console log through a pipe carries colour escapes:\n%q", got)
	}
	if !regexp.MustCompile(`operation=healthz .*duration_ms=\d`).MatchString(got) && !regexp.MustCompile(`duration_ms=\d.*operation=healthz`).MatchString(got) {
		t.Errorf("no request line with duration_ms for GET /healthz in:\n%s", got)
	}
}
