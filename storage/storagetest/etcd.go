package storagetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kmsgate/kmsgate/storage"
)

// EtcdBinary is where Debian's etcd-server package puts etcd.
const EtcdBinary = "/usr/bin/etcd"

// etcdReadyTimeout bounds the wait for a started etcd to answer.
const etcdReadyTimeout = 30 * time.Second

// Etcd is a real etcd member started by a test: its own data directory in
// t.TempDir(), its client and peer ports free loopback ports, its log in
// the data directory's parent. Stop and Start restart it on the same data
// and ports; the test's cleanup stops it with SIGTERM.
type Etcd struct {
	t          testing.TB
	dir        string
	client     string // host:port
	peer       string
	cmd        *exec.Cmd
	exited     chan struct{}
	prefixSeen atomic.Int64
}

// StartEtcd starts an etcd member for the test, failing it (not skipping)
// when etcd is not installed: CI installs it (.ci/run), and so must a
// developer (apt-get install etcd-server).
func StartEtcd(t testing.TB) *Etcd {
	t.Helper()
	if _, err := os.Stat(EtcdBinary); err != nil {
		t.Fatalf("etcd is not installed at %s (%v): install Debian's etcd-server package (apt-get install -y etcd-server); .ci/run and make test-deps do", EtcdBinary, err)
	}
	e := &Etcd{t: t, dir: t.TempDir()}
	ports, err := freePorts(2)
	if err != nil {
		t.Fatalf("free ports for etcd: %v", err)
	}
	e.client, e.peer = ports[0], ports[1]
	t.Cleanup(func() { e.stop(syscall.SIGTERM) })
	if err := e.start(); err != nil {
		t.Fatal(err)
	}
	return e
}

// freePorts finds n loopback ports free right now (held open together so
// that they differ).
func freePorts(n int) ([]string, error) {
	var addrs []string
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// Endpoint is the member's client address, host:port.
func (e *Etcd) Endpoint() string { return e.client }

// URL is a --store URL of a store under a prefix of its own in this etcd.
func (e *Etcd) URL() string {
	return fmt.Sprintf("etcd://%s/kmsgate-test-%d", e.client, e.prefixSeen.Add(1))
}

// Config is an EtcdConfig for a store under a prefix of its own.
func (e *Etcd) Config() storage.EtcdConfig {
	return storage.EtcdConfig{Endpoints: []string{e.client}, Prefix: fmt.Sprintf("/kmsgate-test-%d", e.prefixSeen.Add(1))}
}

func (e *Etcd) start() error {
	log, err := os.OpenFile(filepath.Join(e.dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(EtcdBinary,
		"--name", "test",
		"--data-dir", filepath.Join(e.dir, "data"),
		"--listen-client-urls", "http://"+e.client,
		"--advertise-client-urls", "http://"+e.client,
		"--listen-peer-urls", "http://"+e.peer,
		"--initial-advertise-peer-urls", "http://"+e.peer,
		"--initial-cluster", "test=http://"+e.peer,
		"--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
	)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TMPDIR=" + e.dir}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start etcd: %w", err)
	}
	e.cmd, e.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(e.exited) }()
	return e.waitReady()
}

// waitReady waits until the member answers a read, the process exits, or
// etcdReadyTimeout passes.
func (e *Etcd) waitReady() error {
	deadline := time.Now().Add(etcdReadyTimeout)
	for {
		conn, err := net.DialTimeout("tcp", e.client, time.Second)
		if err == nil {
			conn.Close()
			if err = e.probe(); err == nil {
				return nil
			}
		}
		select {
		case <-e.exited:
			return fmt.Errorf("etcd exited at start-up; its log:\n%s", e.Log())
		default:
		}
		if time.Now().After(deadline) {
			e.stop(syscall.SIGKILL)
			return fmt.Errorf("etcd did not answer within %s (%v); its log:\n%s", etcdReadyTimeout, err, e.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probe opens and closes a store (a linearizable read and a write).
func (e *Etcd) probe() error {
	cfg := storage.EtcdConfig{Endpoints: []string{e.client}, Prefix: "/kmsgate-probe", RequestTimeout: 2 * time.Second, DialTimeout: 2 * time.Second, MaxAttempts: 1}
	db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: RootKey()})
	if err != nil {
		return err
	}
	return db.Close()
}

// Log is what etcd wrote so far.
func (e *Etcd) Log() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "etcd.log"))
	s := string(b)
	if len(s) > 4000 {
		s = "..." + s[len(s)-4000:]
	}
	return strings.TrimSpace(s)
}

// Stop stops the member with SIGTERM and waits for it to exit.
func (e *Etcd) Stop() {
	e.t.Helper()
	e.stop(syscall.SIGTERM)
}

// Start starts a stopped member again on its data and ports.
func (e *Etcd) Start() {
	e.t.Helper()
	if err := e.start(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *Etcd) stop(sig syscall.Signal) {
	if e.cmd == nil {
		return
	}
	_ = e.cmd.Process.Signal(sig)
	select {
	case <-e.exited:
	case <-time.After(20 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
	e.cmd = nil
}

// OpenEtcd opens a store under a prefix of its own in e under RootKey(),
// closed and checked (reopened under the root key) when the test ends.
func OpenEtcd(t testing.TB, e *Etcd) (*storage.DB, storage.EtcdConfig) {
	t.Helper()
	cfg := e.Config()
	db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: RootKey()})
	if err != nil {
		t.Fatalf("storage.OpenEtcd(%v): %v", cfg.Endpoints, err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		if e.cmd == nil {
			return // the test left etcd stopped
		}
		check, err := storage.OpenEtcd(cfg, storage.Options{RootKey: RootKey()})
		if err != nil {
			t.Errorf("reopen the etcd store %s for the check: %v", cfg.Prefix, err)
			return
		}
		defer check.Close()
		if err := check.View(func(tx *storage.Tx) error { return nil }); err != nil {
			t.Errorf("read the etcd store %s: %v", cfg.Prefix, err)
		}
	})
	return db, cfg
}
