package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a server process the run started.
type Server struct {
	Cmd  *exec.Cmd
	Addr string
	// StartToAnswer is the time from just before the process was started to
	// the first answered request.
	StartToAnswer time.Duration

	stderr *limitedBuffer
	done   chan struct{}
	err    error
}

// FreeLoopbackAddr returns a 127.0.0.1 address whose port was free a moment
// ago.
func FreeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// StartServer starts bin with args (which must make it listen on addr) and
// polls addr with a real call (ListKeys) until it answers, at most timeout.
// It measures the time from process start to that first answer.
func StartServer(ctx context.Context, bin string, args []string, addr string, client Target, timeout time.Duration) (*Server, error) {
	s := &Server{Addr: addr, stderr: &limitedBuffer{max: 64 << 10}, done: make(chan struct{})}
	s.Cmd = exec.Command(bin, args...)
	s.Cmd.Stdout = s.stderr
	s.Cmd.Stderr = s.stderr
	t0 := time.Now()
	if err := s.Cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.err = s.Cmd.Wait()
		close(s.done)
	}()
	limit := time.NewTimer(timeout)
	defer limit.Stop()
	for {
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		_, _, err := client.Do(callCtx, "ListKeys", []byte("{}"))
		cancel()
		if err == nil {
			s.StartToAnswer = time.Since(t0)
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("%s exited before answering (%v): %s", bin, s.err, strings.TrimSpace(s.stderr.String()))
		case <-limit.C:
			s.Stop()
			return nil, fmt.Errorf("%s did not answer on %s within %v: %v", bin, addr, timeout, err)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Microsecond):
		}
	}
}

// StartFloor starts exe with args that make it serve a floor on an address
// of its choosing and print that address as its first line of output.
func StartFloor(exe string, args []string, timeout time.Duration) (*Server, error) {
	s := &Server{stderr: &limitedBuffer{max: 64 << 10}, done: make(chan struct{})}
	s.Cmd = exec.Command(exe, args...)
	s.Cmd.Stderr = s.stderr
	out, err := s.Cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.Cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- strings.TrimSpace(sc.Text())
		}
		close(line)
		for sc.Scan() { // keep draining so the child never blocks
		}
		s.err = s.Cmd.Wait()
		close(s.done)
	}()
	select {
	case addr, ok := <-line:
		if !ok || addr == "" {
			s.Stop()
			return nil, fmt.Errorf("floor process printed no address: %s", strings.TrimSpace(s.stderr.String()))
		}
		s.Addr = addr
		return s, nil
	case <-time.After(timeout):
		s.Stop()
		return nil, fmt.Errorf("floor process printed no address within %v", timeout)
	}
}

// CPU is the CPU time (user and system, every thread) the process has
// used so far.
func (s *Server) CPU() (time.Duration, error) {
	return ProcessCPU(s.Cmd.Process.Pid)
}

// clockTicks is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// Linux whatever the kernel's own tick).
const clockTicks = 100

// ProcessCPU reads the CPU time (user and system) process pid has used,
// from /proc/<pid>/stat.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name (field 2, in parentheses) may
// hold spaces and parentheses itself: fields are counted after its last
// ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name in the process's stat line")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("the process's stat line has %d fields after the command name, want at least 13", len(f))
	}
	utime, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %v", err)
	}
	stime, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %v", err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// PeakRSS is the process's peak resident set size (VmHWM), in bytes.
func (s *Server) PeakRSS() (int64, error) {
	return PeakRSS(s.Cmd.Process.Pid)
}

// Stop asks the process to end (SIGINT), and kills it after two seconds.
func (s *Server) Stop() {
	if s.Cmd.Process == nil {
		return
	}
	_ = s.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
		_ = s.Cmd.Process.Kill()
		<-s.done
	}
}

// Output is what the process wrote to stderr (and, for kmsgate, stdout),
// the first 64 KiB.
func (s *Server) Output() string { return s.stderr.String() }

// PeakRSS reads VmHWM from /proc/<pid>/status, in bytes.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmHWM(b)
}

func parseVmHWM(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	return 0, errors.New("no VmHWM line in the process status")
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
