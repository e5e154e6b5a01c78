package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// engine opens stores of one engine for the conformance suite: open is a
// fresh store, second a second handle on the same store (another replica
// on etcd; the same DB on bbolt, whose file one process holds).
type engine struct {
	name string
	open func(t *testing.T) (db *storage.DB, second func() *storage.DB)
}

func engines(t *testing.T) []engine {
	etcd := storagetest.StartEtcd(t)
	return []engine{
		{"bbolt", func(t *testing.T) (*storage.DB, func() *storage.DB) {
			db := storagetest.New(t)
			return db, func() *storage.DB { return db }
		}},
		{"etcd", func(t *testing.T) (*storage.DB, func() *storage.DB) {
			db, cfg := storagetest.OpenEtcd(t, etcd)
			return db, func() *storage.DB {
				other, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
				if err != nil {
					t.Fatalf("second handle: %v", err)
				}
				t.Cleanup(func() { other.Close() })
				return other
			}
		}},
	}
}

// TestConformance runs the storage contract (Engine's doc comment) on
// every engine against a real store: bbolt in t.TempDir(), etcd as a real
// etcd process.
func TestConformance(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, db *storage.DB, second func() *storage.DB)
	}{
		{"reads see writes and absence", testReadsAndAbsence},
		{"scan order, prefix, from, stop", testScan},
		{"writes are seen in their transaction only until commit", testOwnWrites},
		{"an error rolls everything back", testRollback},
		{"sealed values", testSealed},
		{"snapshots", testSnapshots},
		{"no lost update between handles", testNoLostUpdate},
		{"a scan is guarded against keys created in its range", testScanPhantom},
		{"a scan is guarded against deletions of what it saw", testScanDeletion},
		{"read-only transactions refuse writes", testReadOnly},
	}
	for _, eng := range engines(t) {
		for _, tc := range tests {
			t.Run(eng.name+"/"+tc.name, func(t *testing.T) {
				db, second := eng.open(t)
				tc.run(t, db, second)
			})
		}
	}
}

// put writes the pairs in transactions of at most 100 writes (etcd's
// default --max-txn-ops is 128).
func put(t *testing.T, db *storage.DB, bucket string, kv ...string) {
	t.Helper()
	for len(kv) > 200 {
		put(t, db, bucket, kv[:200]...)
		kv = kv[200:]
	}
	if err := db.Update(func(tx *storage.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Put(bucket, kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func testReadsAndAbsence(t *testing.T, db *storage.DB, _ func() *storage.DB) {
	put(t, db, "b", "k", "v", "empty", "")
	if err := db.Update(func(tx *storage.Tx) error { return tx.Delete("b", "never") }); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	err := db.View(func(tx *storage.Tx) error {
		cases := []struct {
			bucket, key string
			want        []byte
		}{
			{"b", "k", []byte("v")},
			{"b", "empty", []byte{}},
			{"b", "missing", nil},
			{"nobucket", "k", nil},
		}
		for _, c := range cases {
			got := tx.Get(c.bucket, c.key)
			if (got == nil) != (c.want == nil) || string(got) != string(c.want) {
				t.Errorf("Get(%s, %s): got %q (nil %v), want %q (nil %v)", c.bucket, c.key, got, got == nil, c.want, c.want == nil)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func scanAll(tx *storage.Tx, bucket, prefix, from string, limit int) []string {
	var got []string
	_ = tx.Scan(bucket, prefix, from, func(k string, v []byte) (bool, error) {
		got = append(got, k+"="+string(v))
		return limit == 0 || len(got) < limit, nil
	})
	return got
}

func testScan(t *testing.T, db *storage.DB, _ func() *storage.DB) {
	var kv []string
	for i := range 300 { // more than one etcd page
		kv = append(kv, fmt.Sprintf("p/%03d", i), strconv.Itoa(i))
	}
	put(t, db, "b", append(kv, "o/1", "x", "q", "y")...)
	put(t, db, "b2", "p/000", "other bucket")
	err := db.View(func(tx *storage.Tx) error {
		cases := []struct {
			name, prefix, from string
			limit              int
			wantN              int
			wantFirst          string
		}{
			{"whole prefix", "p/", "", 0, 300, "p/000=0"},
			{"from inside", "p/", "p/150", 0, 150, "p/150=150"},
			{"from between keys", "p/", "p/1500", 0, 149, "p/151=151"},
			{"from before the prefix", "p/", "a", 0, 300, "p/000=0"},
			{"from past the prefix", "p/", "z", 0, 0, ""},
			{"stopped", "p/", "", 5, 5, "p/000=0"},
			{"whole bucket", "", "", 0, 302, "o/1=x"},
			{"no such prefix", "zz", "", 0, 0, ""},
		}
		for _, c := range cases {
			got := scanAll(tx, "b", c.prefix, c.from, c.limit)
			first := ""
			if len(got) > 0 {
				first = got[0]
			}
			if len(got) != c.wantN || first != c.wantFirst {
				t.Errorf("%s: got %d keys from %q, want %d from %q", c.name, len(got), first, c.wantN, c.wantFirst)
			}
			for i := 1; i < len(got); i++ {
				if got[i-1] >= got[i] {
					t.Errorf("%s: got %q before %q, want byte order", c.name, got[i-1], got[i])
				}
			}
		}
		keys, err := tx.Keys("b", "o/")
		if err != nil || len(keys) != 1 || keys[0] != "o/1" {
			t.Errorf("Keys(b, o/): got %v, %v, want [o/1]", keys, err)
		}
		wantErr := errors.New("stop")
		if err := tx.Scan("b", "p/", "", func(string, []byte) (bool, error) { return true, wantErr }); err != wantErr {
			t.Errorf("Scan's fn error: got %v, want %v", err, wantErr)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testOwnWrites(t *testing.T, db *storage.DB, _ func() *storage.DB) {
	put(t, db, "b", "a", "1", "c", "3", "e", "5")
	inside := make(chan struct{})
	outside := make(chan []string)
	go func() {
		<-inside
		var got []string
		_ = db.View(func(tx *storage.Tx) error { got = scanAll(tx, "b", "", "", 0); return nil })
		outside <- got
	}()
	err := db.Update(func(tx *storage.Tx) error {
		_ = tx.Put("b", "b", []byte("2"))
		_ = tx.Put("b", "c", []byte("3'"))
		_ = tx.Delete("b", "e")
		_ = tx.Put("b", "f", nil)
		if got, want := fmt.Sprint(scanAll(tx, "b", "", "", 0)), "[a=1 b=2 c=3' f=]"; got != want {
			t.Errorf("scan inside: got %s, want %s", got, want)
		}
		if got := tx.Get("b", "e"); got != nil {
			t.Errorf("Get of a key deleted inside: got %q, want nil", got)
		}
		if got := tx.Get("b", "f"); got == nil || len(got) != 0 {
			t.Errorf("Get of an empty value put inside: got %q (nil %v), want empty, not nil", got, got == nil)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// On bbolt a View runs beside an Update and sees the state before it;
	// here the View starts after the commit on both engines.
	close(inside)
	if got, want := fmt.Sprint(<-outside), "[a=1 b=2 c=3' f=]"; got != want {
		t.Errorf("scan after commit: got %s, want %s", got, want)
	}
}

func testRollback(t *testing.T, db *storage.DB, _ func() *storage.DB) {
	put(t, db, "b", "k", "before")
	wantErr := errors.New("changed my mind")
	err := db.Update(func(tx *storage.Tx) error {
		_ = tx.Put("b", "k", []byte("after"))
		_ = tx.Put("b", "new", []byte("x"))
		return wantErr
	})
	if err != wantErr {
		t.Fatalf("Update: got %v, want fn's error", err)
	}
	_ = db.View(func(tx *storage.Tx) error {
		if got := string(tx.Get("b", "k")); got != "before" {
			t.Errorf("after a rolled-back Update: got %q, want %q", got, "before")
		}
		if got := tx.Get("b", "new"); got != nil {
			t.Errorf("a rolled-back Put: got %q, want nil", got)
		}
		return nil
	})
}

func testSealed(t *testing.T, db *storage.DB, _ func() *storage.DB) {
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutSealed("s", "k", []byte("secret")) }); err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *storage.Tx) error {
		if raw := tx.Get("s", "k"); raw == nil || string(raw) == "secret" {
			t.Errorf("stored sealed value: got %q, want ciphertext", raw)
		}
		pt, ok, err := tx.GetSealed("s", "k")
		if string(pt) != "secret" || !ok || err != nil {
			t.Errorf("GetSealed: got %q, %v, %v, want secret, true, nil", pt, ok, err)
		}
		return nil
	})
	// A sealed value copied to another record does not open.
	_ = db.Update(func(tx *storage.Tx) error { return tx.Put("s", "moved", tx.Get("s", "k")) })
	_ = db.View(func(tx *storage.Tx) error {
		if _, _, err := tx.GetSealed("s", "moved"); !errors.Is(err, storage.ErrSealed) {
			t.Errorf("GetSealed of a moved value: got %v, want ErrSealed", err)
		}
		return nil
	})
}

// testSnapshots: a snapshot changes with every committed write and only
// then (moved here from storage_test.go, to run on every engine).
func testSnapshots(t *testing.T, db *storage.DB, _ func() *storage.DB) {
	snapshot := func() uint64 {
		t.Helper()
		var id uint64
		if err := db.View(func(tx *storage.Tx) error {
			var ok bool
			if id, ok = tx.Snapshot(); !ok {
				t.Error("got no snapshot in a read-only transaction")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := snapshot()
	if again := snapshot(); again != first {
		t.Errorf("got snapshot %d then %d with no write between, want the same", first, again)
	}
	errRollBack := errors.New("roll back")
	if err := db.Update(func(tx *storage.Tx) error {
		if _, ok := tx.Snapshot(); ok {
			t.Error("got a snapshot in a writable transaction, want none")
		}
		if err := tx.Put("b", "k", []byte("v")); err != nil {
			return err
		}
		return errRollBack
	}); !errors.Is(err, errRollBack) {
		t.Fatalf("got %v, want the roll-back error", err)
	}
	if got := snapshot(); got != first {
		t.Errorf("after a rolled-back write: got snapshot %d, want %d", got, first)
	}
	seen := map[uint64]bool{first: true}
	for i := range 3 {
		if err := db.Update(func(tx *storage.Tx) error { return tx.Put("b", "k", []byte{byte(i)}) }); err != nil {
			t.Fatal(err)
		}
		got := snapshot()
		if seen[got] {
			t.Errorf("after committed write %d: got snapshot %d again, want a new one", i+1, got)
		}
		seen[got] = true
	}
}

// testNoLostUpdate increments one counter from many goroutines over two
// handles: every increment must count.
func testNoLostUpdate(t *testing.T, db *storage.DB, second func() *storage.DB) {
	dbs := []*storage.DB{db, second()}
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for range each {
				errs <- dbs[w%2].Update(func(tx *storage.Tx) error {
					n, _ := strconv.Atoi(string(tx.Get("b", "counter")))
					return tx.Put("b", "counter", []byte(strconv.Itoa(n+1)))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	_ = db.View(func(tx *storage.Tx) error {
		if got := string(tx.Get("b", "counter")); got != strconv.Itoa(workers*each) {
			t.Errorf("counter: got %s, want %d", got, workers*each)
		}
		return nil
	})
}

// testScanPhantom: each transaction adds a member to a set only while the
// set has fewer than limit members, counted by a scan. Keys created in the
// scanned range by others must make the scan's transaction run again.
func testScanPhantom(t *testing.T, db *storage.DB, second func() *storage.DB) {
	dbs := []*storage.DB{db, second()}
	const limit, workers = 3, 12
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			err := dbs[w%2].Update(func(tx *storage.Tx) error {
				keys, err := tx.Keys("set", "m/")
				if err != nil || len(keys) >= limit {
					return err
				}
				return tx.Put("set", fmt.Sprintf("m/%02d", w), nil)
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	_ = db.View(func(tx *storage.Tx) error {
		keys, _ := tx.Keys("set", "m/")
		if len(keys) != limit {
			t.Errorf("members: got %d (%v), want %d", len(keys), keys, limit)
		}
		return nil
	})
}

// testScanDeletion: each transaction takes the first member of a set (found
// by a scan), deletes it and counts it: a member taken twice would count
// twice.
func testScanDeletion(t *testing.T, db *storage.DB, second func() *storage.DB) {
	const members = 10
	var kv []string
	for i := range members {
		kv = append(kv, fmt.Sprintf("m/%02d", i), "")
	}
	put(t, db, "set", kv...)
	dbs := []*storage.DB{db, second()}
	var wg sync.WaitGroup
	for w := range 2 * members {
		wg.Go(func() {
			err := dbs[w%2].Update(func(tx *storage.Tx) error {
				var first string
				if err := tx.ScanPeek("set", "m/", "", func(k string, _ []byte) (bool, error) {
					first = k
					return false, nil
				}); err != nil || first == "" {
					return err
				}
				n, _ := strconv.Atoi(string(tx.Get("count", "taken")))
				if err := tx.Put("count", "taken", []byte(strconv.Itoa(n+1))); err != nil {
					return err
				}
				return tx.Delete("set", first)
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	_ = db.View(func(tx *storage.Tx) error {
		if got := string(tx.Get("count", "taken")); got != strconv.Itoa(members) {
			t.Errorf("taken: got %s, want %d", got, members)
		}
		return nil
	})
}

func testReadOnly(t *testing.T, db *storage.DB, _ func() *storage.DB) {
	put(t, db, "b", "k", "v")
	_ = db.View(func(tx *storage.Tx) error {
		if err := tx.Put("b", "k", []byte("x")); err == nil {
			t.Error("Put in a View: got nil error, want one")
		}
		if err := tx.Put("newbucket", "k", []byte("x")); err == nil {
			t.Error("Put to a new bucket in a View: got nil error, want one")
		}
		return nil
	})
}

// TestEtcdUnavailableIsDependencyTimeout: with etcd stopped, a transaction
// fails with an *UnavailableError that the wire answers as
// DependencyTimeoutException; with etcd back, the same store works again
// and kept what was committed.
func TestEtcdUnavailableIsDependencyTimeout(t *testing.T) {
	e := storagetest.StartEtcd(t)
	cfg := e.Config()
	cfg.RequestTimeout = 500 * 1e6 // 500ms: a stopped etcd fails fast
	cfg.MaxAttempts = 2
	db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put(t, db, "b", "k", "kept")
	e.Stop()
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"Ping", func() error { return db.Ping(context.Background()) }},
		{"View", func() error { return db.View(func(tx *storage.Tx) error { tx.Get("b", "k"); return nil }) }},
		{"Update", func() error { return db.Update(func(tx *storage.Tx) error { return tx.Put("b", "k", []byte("lost")) }) }},
		{"Scan", func() error {
			return db.View(func(tx *storage.Tx) error {
				return tx.Scan("b", "", "", func(string, []byte) (bool, error) { return true, nil })
			})
		}},
	} {
		err := op.run()
		var ue *storage.UnavailableError
		var api smithy.APIError
		if !errors.As(err, &ue) || !errors.As(err, &api) || api.ErrorCode() != "DependencyTimeoutException" || api.ErrorFault() != smithy.FaultServer {
			t.Errorf("%s with etcd stopped: got %v (%T), want an *UnavailableError answered DependencyTimeoutException", op.name, err, err)
		}
	}
	e.Start()
	// The client reconnects within etcdMaxReconnectDelay (2 s) of etcd's
	// return; a call before that still fails.
	var got string
	read := func() error {
		return db.View(func(tx *storage.Tx) error { got = string(tx.Get("b", "k")); return nil })
	}
	err = read()
	for deadline := time.Now().Add(10 * time.Second); err != nil && time.Now().Before(deadline); err = read() {
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || got != "kept" {
		t.Errorf("after etcd restarted: got %q, %v, want %q, nil", got, err, "kept")
	}
}

// TestEtcdRootKey: a store made under one root key is refused under
// another, as on bbolt, and the root key is nowhere in etcd.
func TestEtcdRootKey(t *testing.T) {
	e := storagetest.StartEtcd(t)
	db, cfg := storagetest.OpenEtcd(t, e)
	put(t, db, "b", "k", "v")
	other := make([]byte, storage.RootKeySize)
	if _, err := storage.OpenEtcd(cfg, storage.Options{RootKey: other}); !errors.Is(err, storage.ErrWrongRootKey) {
		t.Errorf("OpenEtcd under another root key: got %v, want ErrWrongRootKey", err)
	}
}

// TestEtcdTxnTooLarge: a transaction needing more writes than etcd's
// --max-txn-ops fails with a clear error and writes nothing.
func TestEtcdTxnTooLarge(t *testing.T) {
	e := storagetest.StartEtcd(t)
	cfg := e.Config()
	cfg.MaxTxnOps = 4
	db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *storage.Tx) error {
		for i := range 5 {
			_ = tx.Put("b", strconv.Itoa(i), nil)
		}
		return nil
	})
	var tl *storage.TxnTooLargeError
	if !errors.As(err, &tl) || tl.Writes != 5 || tl.Max != 4 {
		t.Errorf("5 writes with MaxTxnOps 4: got %v, want a TxnTooLargeError of 5 writes, max 4", err)
	}
}

// TestEtcdAuthentication: with etcd's authentication on, the store opens
// with a user allowed its prefix, and is refused with a clear error for a
// wrong password, no credentials, or a user not allowed the prefix.
func TestEtcdAuthentication(t *testing.T) {
	e := storagetest.StartEtcd(t)
	e.EnableAuth("root-secret", "kmsgate", "kmsgate-secret", "/kmsgate-auth/")
	open := func(prefix, user, password string) (*storage.DB, error) {
		cfg := storage.EtcdConfig{Endpoints: []string{e.Endpoint()}, Prefix: prefix, Username: user, Password: password,
			RequestTimeout: 5 * time.Second, MaxAttempts: 2}
		return storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
	}
	cases := []struct {
		name, prefix, user, password string
		wantErr                      string // "" for success
	}{
		{"the store's user", "/kmsgate-auth", "kmsgate", "kmsgate-secret", ""},
		{"a wrong password", "/kmsgate-auth", "kmsgate", "wrong", "authentication failed"},
		{"no credentials", "/kmsgate-auth", "", "", "user name is empty"},
		{"a prefix the user may not use", "/other", "kmsgate", "kmsgate-secret", "permission denied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := open(c.prefix, c.user, c.password)
			if err := checkOpen(t, db, err, c.wantErr); err != nil && c.password != "" && strings.Contains(err.Error(), c.password) {
				t.Errorf("got %v, which holds the password", err)
			}
		})
	}
}

// checkOpen checks an OpenEtcd's outcome: the store open and usable when
// wantErr is "", else refused with an error saying wantErr (returned).
func checkOpen(t *testing.T, db *storage.DB, err error, wantErr string) error {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("got %v, want the store open", err)
		}
		defer db.Close()
		put(t, db, "b", "k", "v")
		return nil
	}
	if err == nil {
		db.Close()
		t.Fatalf("got the store open, want an error saying %q", wantErr)
	}
	if !strings.Contains(err.Error(), wantErr) {
		t.Errorf("got %v, want an error saying %q", err, wantErr)
	}
	return err
}

// TestEtcdTLS: a member that takes only TLS clients with a certificate
// signed by its CA serves the store to a client with both (files read by
// EtcdTLS, as --etcd-cacert/--etcd-cert/--etcd-key are), and refuses the
// others.
func TestEtcdTLS(t *testing.T) {
	e := storagetest.StartEtcdTLS(t)
	f := e.TLS
	cases := []struct {
		name          string
		ca, cert, key string
		wantErr       string // "" to open; else what the refusal says
	}{
		{"CA and client certificate", f.CA, f.ClientCert, f.ClientKey, ""},
		{"no client certificate", f.CA, "", "", "bad certificate"},
		{"the system's roots, not the member's CA", "", f.ClientCert, f.ClientKey, "signed by unknown authority"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tlsCfg, err := storage.EtcdTLS(c.ca, c.cert, c.key)
			if err != nil {
				t.Fatal(err)
			}
			cfg := storage.EtcdConfig{Endpoints: []string{e.Endpoint()}, Prefix: "/kmsgate-tls", TLS: tlsCfg,
				RequestTimeout: time.Second, DialTimeout: time.Second, MaxAttempts: 1}
			db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
			var ue *storage.UnavailableError
			if err := checkOpen(t, db, err, c.wantErr); err != nil && !errors.As(err, &ue) {
				t.Errorf("got %v (%T), want an *UnavailableError", err, err)
			}
		})
	}
	if _, err := storage.EtcdTLS("", f.ClientCert, ""); err == nil {
		t.Error("EtcdTLS with a certificate and no key: got nil error, want one")
	}
}

// TestEtcdConflictRunsAgainThenGivesUp: a transaction whose read is
// changed by another writer before it commits runs again on the new
// state; when every run meets a new commit up to MaxAttempts, it fails
// with a *ConflictError answered KMSInternalException.
func TestEtcdConflictRunsAgainThenGivesUp(t *testing.T) {
	e := storagetest.StartEtcd(t)
	cases := []struct {
		name         string
		attempts     int
		interfere    int // runs during which the other writer commits
		wantConflict bool
		wantRuns     int
		wantFinal    string
	}{
		{"one interference, two attempts", 2, 1, false, 2, "other+1"},
		{"interference every run", 3, 3, true, 3, "other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := e.Config()
			cfg.MaxAttempts = c.attempts
			db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			other, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			runs := 0
			err = db.Update(func(tx *storage.Tx) error {
				runs++
				v := string(tx.Get("b", "k"))
				if runs <= c.interfere {
					put(t, other, "b", "k", "other")
				}
				return tx.Put("b", "k", []byte(v+"+1"))
			})
			var ce *storage.ConflictError
			var api smithy.APIError
			if got := errors.As(err, &ce) && errors.As(err, &api) && api.ErrorCode() == "KMSInternalException"; got != c.wantConflict {
				t.Errorf("got %v, want a ConflictError: %v", err, c.wantConflict)
			}
			if !c.wantConflict && err != nil {
				t.Errorf("got %v, want nil", err)
			}
			var final string
			_ = db.View(func(tx *storage.Tx) error { final = string(tx.Get("b", "k")); return nil })
			if runs != c.wantRuns || final != c.wantFinal {
				t.Errorf("got %d runs and %q, want %d and %q", runs, final, c.wantRuns, c.wantFinal)
			}
		})
	}
}
