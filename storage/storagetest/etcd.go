package storagetest

import (
	"context"
	"crypto/tls"
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

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

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
	t      testing.TB
	dir    string
	name   string
	client string // host:port
	peer   string
	// cluster is --initial-cluster: every member's name=peer URL.
	cluster    string
	cmd        *exec.Cmd
	exited     chan struct{}
	prefixSeen *atomic.Int64
	// members are all the cluster's members (this one among them).
	members []*Etcd
	// TLS is set for a member that takes only TLS clients with a
	// certificate (StartEtcdTLS).
	TLS *TLSFiles
}

// TLSFiles are the PEM files of a TLS member: the CA that signed both
// certificates, the member's own, and a client's.
type TLSFiles struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// StartEtcd starts an etcd member for the test, failing it (not skipping)
// when etcd is not installed: CI installs it (.ci/run), and so must a
// developer (apt-get install etcd-server).
func StartEtcd(t testing.TB) *Etcd {
	t.Helper()
	return StartEtcdCluster(t, 1)[0]
}

// StartEtcdTLS starts one etcd member that serves clients over TLS only
// and requires a client certificate signed by its CA (files made in
// t.TempDir()).
func StartEtcdTLS(t testing.TB) *Etcd {
	t.Helper()
	files, err := writeTLSFiles(t.TempDir())
	if err != nil {
		t.Fatalf("TLS files for etcd: %v", err)
	}
	return startEtcdCluster(t, 1, files)[0]
}

// StartEtcdCluster starts a cluster of n etcd members for the test, as
// StartEtcd starts one: every member in its own t.TempDir() on free
// loopback ports, all stopped with SIGTERM at cleanup.
func StartEtcdCluster(t testing.TB, n int) []*Etcd {
	t.Helper()
	return startEtcdCluster(t, n, nil)
}

func startEtcdCluster(t testing.TB, n int, tlsFiles *TLSFiles) []*Etcd {
	t.Helper()
	if _, err := os.Stat(EtcdBinary); err != nil {
		t.Fatalf("etcd is not installed at %s (%v): install Debian's etcd-server package (apt-get install -y etcd-server); .ci/run and make test-deps do", EtcdBinary, err)
	}
	ports, err := freePorts(2 * n)
	if err != nil {
		t.Fatalf("free ports for etcd: %v", err)
	}
	members := make([]*Etcd, n)
	var cluster []string
	seen := &atomic.Int64{}
	for i := range members {
		e := &Etcd{t: t, dir: t.TempDir(), name: fmt.Sprintf("m%d", i), client: ports[2*i], peer: ports[2*i+1], prefixSeen: seen, members: members, TLS: tlsFiles}
		members[i] = e
		cluster = append(cluster, e.name+"=http://"+e.peer)
		t.Cleanup(func() { e.stop(syscall.SIGTERM) })
	}
	for _, e := range members {
		e.cluster = strings.Join(cluster, ",")
		if err := e.launch(); err != nil {
			t.Fatal(err)
		}
	}
	// A member answers once a quorum is up: wait after starting them all.
	for _, e := range members {
		if err := e.waitReady(); err != nil {
			t.Fatal(err)
		}
	}
	return members
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

// URL is a --store URL of a store under a prefix of its own in this
// member's cluster, naming every member.
func (e *Etcd) URL() string {
	return fmt.Sprintf("etcd://%s/kmsgate-test-%d", strings.Join(e.endpoints(), ","), e.prefixSeen.Add(1))
}

// Config is an EtcdConfig for a store under a prefix of its own in this
// member's cluster, naming every member.
func (e *Etcd) Config() storage.EtcdConfig {
	return storage.EtcdConfig{Endpoints: e.endpoints(), Prefix: fmt.Sprintf("/kmsgate-test-%d", e.prefixSeen.Add(1)), TLS: e.clientTLS()}
}

// clientTLS is the client side of a TLS member (nil for a plain one).
func (e *Etcd) clientTLS() *tls.Config {
	if e.TLS == nil {
		return nil
	}
	cfg, err := storage.EtcdTLS(e.TLS.CA, e.TLS.ClientCert, e.TLS.ClientKey)
	if err != nil {
		e.t.Fatalf("etcd client TLS: %v", err)
	}
	return cfg
}

func (e *Etcd) endpoints() []string {
	var eps []string
	for _, m := range e.members {
		eps = append(eps, m.client)
	}
	return eps
}

// Leader is the cluster's member that is leader now, as the members
// answer (it fails the test when none answers within 10s).
func (e *Etcd) Leader() *Etcd {
	e.t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: e.endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: e.clientTLS()})
	if err != nil {
		e.t.Fatalf("etcd client: %v", err)
	}
	defer cli.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, m := range e.members {
			if m.cmd == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			st, err := cli.Status(ctx, m.client)
			cancel()
			if err == nil && st.Leader != 0 && st.Leader == st.Header.MemberId {
				return m
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no etcd member said it was the leader within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *Etcd) start() error {
	if err := e.launch(); err != nil {
		return err
	}
	return e.waitReady()
}

// launch starts the member's process.
func (e *Etcd) launch() error {
	log, err := os.OpenFile(filepath.Join(e.dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	scheme := "http://"
	var tlsArgs []string
	if e.TLS != nil {
		scheme = "https://"
		tlsArgs = []string{"--cert-file", e.TLS.ServerCert, "--key-file", e.TLS.ServerKey, "--trusted-ca-file", e.TLS.CA, "--client-cert-auth"}
	}
	cmd := exec.Command(EtcdBinary, append([]string{
		"--name", e.name,
		"--data-dir", filepath.Join(e.dir, "data"),
		"--listen-client-urls", scheme + e.client,
		"--advertise-client-urls", scheme + e.client,
		"--listen-peer-urls", "http://" + e.peer,
		"--initial-advertise-peer-urls", "http://" + e.peer,
		"--initial-cluster", e.cluster, "--initial-cluster-token", "kmsgate-test",
		"--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
	}, tlsArgs...)...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TMPDIR=" + e.dir}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start etcd: %w", err)
	}
	exited := make(chan struct{})
	e.cmd, e.exited = cmd, exited
	go func() { _ = cmd.Wait(); close(exited) }()
	return nil
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
	cfg := storage.EtcdConfig{Endpoints: []string{e.client}, Prefix: "/kmsgate-probe", RequestTimeout: 2 * time.Second, DialTimeout: 2 * time.Second, MaxAttempts: 4, TLS: e.clientTLS()}
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

// EnableAuth turns on etcd's authentication with a root user (password
// rootPassword) and a user that may read and write only the keys under
// prefix. The member cannot be restarted by the test afterwards (its
// readiness probe has no credentials).
func (e *Etcd) EnableAuth(rootPassword, user, password, prefix string) {
	e.t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: e.endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		e.t.Fatalf("etcd client: %v", err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	steps := []func() error{
		func() error { _, err := cli.RoleAdd(ctx, "root"); return err },
		func() error { _, err := cli.UserAdd(ctx, "root", rootPassword); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.RoleAdd(ctx, user); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, user, prefix, clientv3.GetPrefixRangeEnd(prefix), clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := cli.UserAdd(ctx, user, password); return err },
		func() error { _, err := cli.UserGrantRole(ctx, user, user); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			e.t.Fatalf("enable etcd auth, step %d: %v", i+1, err)
		}
	}
}

// Kill stops the member with SIGKILL, as a crash would (no leadership
// handed over), and waits for it to exit.
func (e *Etcd) Kill() {
	e.t.Helper()
	e.stop(syscall.SIGKILL)
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
