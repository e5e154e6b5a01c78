package storage_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// relay is a TCP relay on loopback to one etcd member. Cut makes it a
// network partition: bytes are read and dropped both ways, nothing is
// closed (no FIN, no RST), new connections are accepted and hear nothing.
// Heal relays again.
type relay struct {
	ln     net.Listener
	target string
	cut    atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target}
	r.wg.Go(r.accept)
	t.Cleanup(r.close)
	return r
}

func (r *relay) Addr() string { return r.ln.Addr().String() }
func (r *relay) Cut()         { r.cut.Store(true) }
func (r *relay) Heal()        { r.cut.Store(false) }

func (r *relay) accept() {
	for {
		in, err := r.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", r.target)
		if err != nil {
			in.Close()
			continue
		}
		r.mu.Lock()
		r.conns = append(r.conns, in, out)
		r.mu.Unlock()
		r.wg.Go(func() { r.pipe(out, in) })
		r.wg.Go(func() { r.pipe(in, out) })
	}
}

// pipe copies from src to dst while the relay is not cut and drops what
// it reads while it is.
func (r *relay) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !r.cut.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return
			}
			if tc, ok := dst.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
			return
		}
	}
}

func (r *relay) close() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// TestEtcdMemberCutOffIsLeftBehind: when the network between kmsgate and
// one member of a three-member cluster is cut (packets dropped, nothing
// closed), the store notices the dead connection and sends every call to
// the members it still reaches; once the cut heals the store keeps
// working. Without keep-alive pings a dead connection looks alive and the
// calls sent through it wait for the request timeout, call after call.
func TestEtcdMemberCutOffIsLeftBehind(t *testing.T) {
	t.Parallel()
	members := storagetest.StartEtcdCluster(t, 3)
	cfg := members[0].Config()
	cfg.Endpoints = nil
	var relays []*relay
	for _, m := range members {
		r := startRelay(t, m.Endpoint())
		relays = append(relays, r)
		cfg.Endpoints = append(cfg.Endpoints, r.Addr())
	}
	cfg.RequestTimeout = time.Second
	db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	write := func() error {
		n++
		return db.Update(func(tx *storage.Tx) error { return tx.Put("b", fmt.Sprint(n), []byte("v")) })
	}
	// Calls through every member's connection before the cut.
	for range 10 {
		if err := write(); err != nil {
			t.Fatalf("write before the cut: %v", err)
		}
	}

	// 30 calls in a row must succeed within a minute of the cut: with the
	// cut connection still in use, about one call in three would time out.
	relays[1].Cut()
	succeedInARow := func(when string) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		inARow, failed := 0, 0
		for inARow < 30 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d calls failed and never 30 succeeded in a row within a minute", when, failed)
			}
			if err := write(); err != nil {
				var unavailable *storage.UnavailableError
				if !errors.As(err, &unavailable) {
					t.Fatalf("%s: got %v, want success or UnavailableError", when, err)
				}
				inARow, failed = 0, failed+1
				continue
			}
			inARow++
		}
		t.Logf("%s: %d calls failed before 30 succeeded in a row", when, failed)
	}
	succeedInARow("member 1 cut off")

	relays[1].Heal()
	relays[2].Cut()
	succeedInARow("member 1 healed, member 2 cut off")
}

// TestEtcdBackSoonAfterALongOutage: after etcd has been down for half a
// minute, calls work again within a few seconds of its return. gRPC's own
// reconnect delay grows to two minutes: with it, a replica went on failing
// for 24 s after a 40 s outage.
func TestEtcdBackSoonAfterALongOutage(t *testing.T) {
	t.Parallel()
	e := storagetest.StartEtcd(t)
	cfg := e.Config()
	cfg.RequestTimeout = 500 * time.Millisecond
	db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	read := func() error { return db.View(func(tx *storage.Tx) error { tx.Get("b", "k"); return nil }) }
	if err := read(); err != nil {
		t.Fatal(err)
	}
	e.Stop()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		var unavailable *storage.UnavailableError
		if err := read(); !errors.As(err, &unavailable) {
			t.Fatalf("with etcd stopped: got %v, want an UnavailableError", err)
		}
	}
	e.Start()
	back, failed := time.Now(), 0
	for read() != nil {
		failed++
		if time.Since(back) > 10*time.Second {
			t.Fatalf("calls still failing 10 s after etcd was back (%d failed)", failed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("working again %v after etcd was back (%d calls failed)", time.Since(back).Round(time.Millisecond), failed)
}
