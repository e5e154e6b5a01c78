package storage

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// EtcdConfig says where an etcd store is and how to reach it.
type EtcdConfig struct {
	// Endpoints are the members' host:port (or URLs); at least one.
	Endpoints []string
	// Prefix is the key prefix every record of this store lives under,
	// e.g. "/kmsgate"; several stores can share one etcd cluster.
	Prefix string
	// TLS, when set, is used to reach the members (https).
	TLS *tls.Config
	// Username and Password are etcd's own authentication (none when empty).
	Username, Password string
	// DialTimeout bounds connecting at Open (5s when zero); RequestTimeout
	// bounds each etcd call of a transaction (5s when zero).
	DialTimeout, RequestTimeout time.Duration
	// MaxAttempts bounds how often a transaction runs when other writers
	// keep changing what it read (DefaultEtcdAttempts when zero).
	MaxAttempts int
	// MustExist refuses a prefix that holds no store (a typo in the URL,
	// the wrong cluster) instead of making a new empty store there.
	MustExist bool
	// MaxTxnOps is the etcd members' --max-txn-ops (etcd's default, 128,
	// when zero): a transaction needing more guards or writes than that
	// fails with a clear error rather than an etcd one.
	MaxTxnOps int
}

// etcdKeepAliveTime is how long a connection to a member may hear nothing
// while calls are waiting on it before it is pinged (gRPC's least is
// 10 s), and etcdKeepAliveTimeout how long the ping's answer may take
// before the connection is dropped.
const (
	etcdKeepAliveTime    = 10 * time.Second
	etcdKeepAliveTimeout = 5 * time.Second
)

// etcdMaxReconnectDelay bounds the wait between attempts to reconnect to
// a member: the longest a replica goes on failing once etcd is back.
const etcdMaxReconnectDelay = 2 * time.Second

// DefaultEtcdAttempts bounds the runs of one transaction on etcd.
const DefaultEtcdAttempts = 32

// etcdPageSize is how many records one etcd range read of a scan fetches.
const etcdPageSize = 128

// UnavailableError means the store did not answer in time (etcd
// unreachable, no leader, a timeout). It is an AWS-shaped error: the wire
// answers DependencyTimeoutException (HTTP 500), which SDKs retry. When
// the failed call was the commit of a write, the write may or may not have
// been applied, as with any timeout in AWS.
type UnavailableError struct {
	Store string
	Op    string
	Cause error
	// Endpoints, at Open only, says what connecting to each endpoint
	// found (refused, TLS handshake failed, ...).
	Endpoints string
}

func (e *UnavailableError) Error() string {
	if e.Endpoints != "" {
		return fmt.Sprintf("the store %s did not answer (%s): %v; %s", e.Store, e.Op, e.Cause, e.Endpoints)
	}
	return fmt.Sprintf("the store %s did not answer (%s): %v; retry the request", e.Store, e.Op, e.Cause)
}

func (e *UnavailableError) Unwrap() error { return e.Cause }

// ErrorCode, ErrorMessage and ErrorFault make it a smithy.APIError.
func (e *UnavailableError) ErrorCode() string    { return "DependencyTimeoutException" }
func (e *UnavailableError) ErrorMessage() string { return e.Error() }

// ErrorFault says it is the server's fault (HTTP 500).
func (e *UnavailableError) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

var _ smithy.APIError = (*UnavailableError)(nil)

// NoStoreError means EtcdConfig.MustExist and no store under the prefix.
type NoStoreError struct{ Store string }

func (e *NoStoreError) Error() string {
	return fmt.Sprintf("no kmsgate store at %s: check the endpoints and prefix, or start with --init to create a new empty store there", e.Store)
}

// ConflictError means a transaction kept meeting other writers' commits
// to what it read, MaxAttempts times in a row. The wire answers it
// KMSInternalException (HTTP 500, retried by SDKs).
type ConflictError struct {
	Store    string
	Attempts int
}

// ErrorCode, ErrorMessage and ErrorFault make it a smithy.APIError.
func (e *ConflictError) ErrorCode() string             { return "KMSInternalException" }
func (e *ConflictError) ErrorMessage() string          { return e.Error() }
func (e *ConflictError) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

var _ smithy.APIError = (*ConflictError)(nil)

func (e *ConflictError) Error() string {
	return fmt.Sprintf("storage: the transaction on %s conflicted with other writers %d times in a row; retry the request", e.Store, e.Attempts)
}

// TxnTooLargeError means a transaction needs more guards or writes than
// etcd takes in one Txn (--max-txn-ops).
type TxnTooLargeError struct {
	Guards, Writes, Max int
}

func (e *TxnTooLargeError) Error() string {
	return fmt.Sprintf("storage: the transaction needs %d guards and %d writes, more than etcd's --max-txn-ops %d; raise --max-txn-ops on the etcd members and --etcd-max-txn-ops here", e.Guards, e.Writes, e.Max)
}

// etcdEngine is the etcd Engine. A transaction reads at one revision
// (the first read is linearizable and fixes it); a writable one buffers
// its writes and commits them as one etcd Txn guarded by the mod revision
// of every key it read (0 for a key it found absent) and, for each range
// it scanned, by no key in the range having a mod revision after its read
// revision (which catches keys created in the range). A failed guard
// means another writer got there first: fn runs again on the newer state,
// at most MaxAttempts times.
type etcdEngine struct {
	cli      *clientv3.Client
	root     string // prefix + "/"
	name     string // the store as named in errors and logs
	timeout  time.Duration
	attempts int
	maxOps   int
	// backoff sleeps before attempt n (n >= 1) of a conflicted transaction.
	backoff func(n int)

	closeOnce sync.Once
	closeErr  error
}

var (
	_ Engine   = (*etcdEngine)(nil)
	_ EngineTx = (*etcdTx)(nil)
)

// OpenEtcd opens (creating when empty) the store under cfg.Prefix in the
// etcd cluster at cfg.Endpoints. The root key check is as in Open: a store
// made under another root key is refused with ErrWrongRootKey, and the
// root key itself is never written to etcd. Options.Timeout, SkipCheck
// and CheckTimeout do not apply (etcd checks its own data).
func OpenEtcd(cfg EtcdConfig, opts Options) (*DB, error) {
	aead, err := rootAEAD(opts.RootKey)
	if err != nil {
		return nil, err
	}
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("storage: etcd store: no endpoints")
	}
	prefix := "/" + strings.Trim(cfg.Prefix, "/")
	if prefix == "/" {
		return nil, errors.New("storage: etcd store: a key prefix is required, e.g. etcd://127.0.0.1:2379/kmsgate")
	}
	name := StoreURL{Kind: "etcd", Endpoints: cfg.Endpoints, Prefix: prefix}.String()
	e := &etcdEngine{
		root:     prefix + "/",
		name:     name,
		timeout:  orDuration(cfg.RequestTimeout, 5*time.Second),
		attempts: cfg.MaxAttempts,
		maxOps:   cfg.MaxTxnOps,
	}
	if e.attempts <= 0 {
		e.attempts = DefaultEtcdAttempts
	}
	if e.maxOps <= 0 {
		e.maxOps = 128
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}
	e.backoff = jitterBackoff(random)
	e.cli, err = clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: orDuration(cfg.DialTimeout, 5*time.Second),
		// A member cut off by the network (packets dropped, nothing
		// closed) leaves a connection that looks alive: without pings the
		// calls sent through it wait for the request timeout, call after
		// call, until TCP gives up after many minutes. With them the
		// client drops the connection after about 15 s of silence and
		// sends every call to the members it still reaches.
		DialKeepAliveTime:    etcdKeepAliveTime,
		DialKeepAliveTimeout: etcdKeepAliveTimeout,
		// gRPC waits longer and longer between attempts to reconnect to
		// a member that is down (up to 2 min by default), so after an
		// outage calls kept failing long after etcd was back: retry
		// every etcdMaxReconnectDelay at most.
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: etcdMaxReconnectDelay},
			MinConnectTimeout: orDuration(cfg.DialTimeout, 5*time.Second),
		})},
		TLS:      cfg.TLS,
		Username: cfg.Username,
		Password: cfg.Password,
		Logger:   zap.NewNop(),
	})
	if err != nil {
		return nil, e.fail("connect", err)
	}
	db := newDB(e, aead, name, opts)
	db.etcd = e
	if cfg.MustExist {
		var found bool
		if err := db.View(func(tx *Tx) error { found = tx.Peek(metaBucket, checkRecord) != nil; return nil }); err != nil {
			_ = e.Close()
			return nil, err
		}
		if !found {
			_ = e.Close()
			return nil, &NoStoreError{Store: name}
		}
	}
	if err := db.checkRootKey(); err != nil {
		_ = e.Close()
		return nil, diagnose(err, cfg)
	}
	return db, nil
}

// diagnose adds to an *UnavailableError at Open what connecting to each
// endpoint finds: the etcd client retries quietly until the timeout, so
// its error alone does not tell a member that is down from a TLS setting
// it refuses.
func diagnose(err error, cfg EtcdConfig) error {
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		return err
	}
	var found []string
	for _, ep := range cfg.Endpoints {
		host := strings.TrimPrefix(strings.TrimPrefix(ep, "https://"), "http://")
		d := &net.Dialer{Timeout: 2 * time.Second}
		var cerr error
		if cfg.TLS != nil {
			tc := cfg.TLS.Clone()
			if h, _, err := net.SplitHostPort(host); err == nil && tc.ServerName == "" {
				tc.ServerName = h
			}
			var c *tls.Conn
			if c, cerr = tls.DialWithDialer(d, "tcp", host, tc); cerr == nil {
				// With TLS 1.3 a member refusing the client's certificate
				// says so after the handshake: read its alert.
				_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
				var ne net.Error
				if _, rerr := c.Read(make([]byte, 1)); rerr != nil && !(errors.As(rerr, &ne) && ne.Timeout()) {
					cerr = rerr
				}
				c.Close()
			}
		} else {
			var c net.Conn
			if c, cerr = d.Dial("tcp", host); cerr == nil {
				c.Close()
			}
		}
		if cerr != nil {
			found = append(found, fmt.Sprintf("%s: %v", host, cerr))
		} else {
			found = append(found, host+": connects")
		}
	}
	ue.Endpoints = "connecting to the endpoints: " + strings.Join(found, "; ")
	return err
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// jitterBackoff waits a random time up to 1ms << min(n, 6) before the nth
// retry, so that writers that conflicted do not meet again in step.
func jitterBackoff(random io.Reader) func(int) {
	return func(n int) {
		var b [2]byte
		_, _ = io.ReadFull(random, b[:])
		limit := time.Millisecond << min(n, 6)
		time.Sleep(time.Duration(binary.BigEndian.Uint16(b[:])) * limit / 65536)
	}
}

func (e *etcdEngine) Kind() string { return "etcd" }

// ping reads one key linearizably: it answers only when a quorum of
// members does.
func (e *etcdEngine) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	if _, err := e.cli.Get(ctx, e.root); err != nil {
		return e.fail("read", err)
	}
	return nil
}

func (e *etcdEngine) Close() error {
	e.closeOnce.Do(func() { e.closeErr = e.cli.Close() })
	return e.closeErr
}

func (e *etcdEngine) Update(fn func(EngineTx) error) error { return e.run(true, fn) }

func (e *etcdEngine) View(fn func(EngineTx) error) error { return e.run(false, fn) }

// errRetry is a transaction to run again: a guard failed, or its revision
// was compacted away while it read.
var errRetry = errors.New("storage: etcd transaction to run again")

func (e *etcdEngine) run(writable bool, fn func(EngineTx) error) error {
	for attempt := 0; attempt < e.attempts; attempt++ {
		if attempt > 0 {
			e.backoff(attempt)
		}
		tx := &etcdTx{e: e, writable: writable}
		err := fn(tx)
		if tx.err != nil {
			err = tx.err
		}
		if err == nil && writable {
			err = tx.commit()
		}
		if !errors.Is(err, errRetry) {
			return err
		}
	}
	return &ConflictError{Store: e.name, Attempts: e.attempts}
}

func (e *etcdEngine) key(bucket, key string) string { return e.root + bucket + "/" + key }

// fail classifies an etcd error: a compacted revision runs the
// transaction again, a store that does not answer is an *UnavailableError.
func (e *etcdEngine) fail(op string, err error) error {
	if errors.Is(err, rpctypes.ErrCompacted) {
		return errRetry
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &UnavailableError{Store: e.name, Op: op, Cause: err}
	}
	if s, ok := status.FromError(err); ok {
		switch s.Code() {
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Aborted:
			return &UnavailableError{Store: e.name, Op: op, Cause: err}
		}
	}
	switch {
	case errors.Is(err, rpctypes.ErrNoLeader), errors.Is(err, rpctypes.ErrLeaderChanged),
		errors.Is(err, rpctypes.ErrTimeout), errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail),
		errors.Is(err, rpctypes.ErrTimeoutDueToConnectionLost), errors.Is(err, rpctypes.ErrStopped),
		errors.Is(err, rpctypes.ErrNotCapable), errors.Is(err, rpctypes.ErrUnhealthy):
		return &UnavailableError{Store: e.name, Op: op, Cause: err}
	}
	return fmt.Errorf("storage: etcd %s on %s: %w", op, e.name, err)
}

// etcdTx is one attempt of a transaction.
type etcdTx struct {
	e        *etcdEngine
	writable bool
	// rev is the revision every read is at (0 until the first read).
	rev int64
	// err is the first failed read: the transaction fails with it.
	err error
	// reads are the mod revisions of the keys a writable transaction read
	// (0: absent), its guards with ranges.
	reads  map[string]int64
	ranges []keyRange
	// writes are a writable transaction's buffered writes by etcd key.
	writes map[string]etcdWrite
}

type keyRange struct{ start, end string }

type etcdWrite struct {
	value []byte
	del   bool
}

func (tx *etcdTx) Writable() bool { return tx.writable }

// Snapshot is the etcd revision the transaction reads at: a revision names
// one state of the whole cluster, so it means the same in every replica.
func (tx *etcdTx) Snapshot() (uint64, bool) {
	if tx.writable {
		return 0, false
	}
	if tx.rev == 0 && !tx.fixRevision() {
		return 0, false
	}
	return uint64(tx.rev), true
}

// fixRevision reads the current revision linearizably (a read of one
// key, whatever it holds).
func (tx *etcdTx) fixRevision() bool {
	_, ok := tx.get("read", tx.e.root)
	return ok
}

func (tx *etcdTx) failed(op string, err error) {
	if tx.err == nil {
		tx.err = tx.e.fail(op, err)
	}
}

func (tx *etcdTx) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), tx.e.timeout)
}

// get reads one etcd key (or, with opts, a range from k) at the
// transaction's revision, fixing it at the first read; a failed read
// fails the transaction (op names the read in the error).
func (tx *etcdTx) get(op, k string, opts ...clientv3.OpOption) (*clientv3.GetResponse, bool) {
	if tx.err != nil {
		return nil, false
	}
	ctx, cancel := tx.ctx()
	defer cancel()
	if tx.rev != 0 {
		opts = append(opts, clientv3.WithRev(tx.rev))
	}
	resp, err := tx.e.cli.Get(ctx, k, opts...)
	if err != nil {
		tx.failed(op, err)
		return nil, false
	}
	if tx.rev == 0 {
		tx.rev = resp.Header.Revision
	}
	return resp, true
}

func (tx *etcdTx) Peek(bucket, key string) []byte {
	k := tx.e.key(bucket, key)
	if w, ok := tx.writes[k]; ok {
		if w.del {
			return nil
		}
		return w.value
	}
	resp, ok := tx.get("read", k)
	if !ok {
		return nil
	}
	var v []byte
	var mod int64
	if len(resp.Kvs) > 0 {
		v, mod = nonNil(resp.Kvs[0].Value), resp.Kvs[0].ModRevision
	}
	if tx.writable {
		tx.read(k, mod)
	}
	return v
}

// nonNil keeps a present empty value apart from an absent one.
func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

func (tx *etcdTx) read(k string, mod int64) {
	if tx.reads == nil {
		tx.reads = map[string]int64{}
	}
	if _, ok := tx.reads[k]; !ok {
		tx.reads[k] = mod
	}
}

func (tx *etcdTx) write(bucket, key string, w etcdWrite) error {
	if !tx.writable {
		return fmt.Errorf("storage: write %s/%q: %w", bucket, key, errReadOnly)
	}
	if strings.Contains(bucket, "/") {
		return fmt.Errorf("storage: bucket name %q has a '/'", bucket)
	}
	if tx.writes == nil {
		tx.writes = map[string]etcdWrite{}
	}
	tx.writes[tx.e.key(bucket, key)] = w
	return nil
}

func (tx *etcdTx) Put(bucket, key string, value []byte) error {
	return tx.write(bucket, key, etcdWrite{value: bytes.Clone(nonNil(value))})
}

func (tx *etcdTx) Delete(bucket, key string) error {
	return tx.write(bucket, key, etcdWrite{del: true})
}

// ScanPeek reads the range page by page at the transaction's revision,
// merged with the transaction's own writes in the range. A writable
// transaction guards what it covered: each key it passed (so that a
// deletion shows) and the range up to where it stopped (so that a key
// created or changed in it shows).
func (tx *etcdTx) ScanPeek(bucket, prefix, from string, fn func(key string, value []byte) (bool, error)) error {
	if tx.err != nil {
		return tx.err
	}
	base := tx.e.key(bucket, "")
	start := base + max(prefix, from)
	end := clientv3.GetPrefixRangeEnd(base + prefix)
	mine := tx.writesIn(start, end)
	covered := end
	defer func() {
		if tx.writable && tx.err == nil && start < covered {
			tx.ranges = append(tx.ranges, keyRange{start, covered})
		}
	}()
	next := start
	storeDone := false
	var page []*kvPair
	for {
		if len(page) == 0 && !storeDone {
			var err error
			if page, storeDone, err = tx.page(next, end); err != nil {
				return err
			}
			if len(page) > 0 {
				next = page[len(page)-1].k + "\x00"
			}
		}
		// The smaller of the store's next key and the transaction's next
		// write comes next; a write overrides the store's value.
		var k string
		var v []byte
		switch {
		case len(page) == 0 && len(mine) == 0:
			return nil
		case len(mine) == 0 || (len(page) > 0 && page[0].k < mine[0]):
			k, v = page[0].k, page[0].v
			page = page[1:]
		default:
			k = mine[0]
			mine = mine[1:]
			if len(page) > 0 && page[0].k == k {
				page = page[1:]
			}
			w := tx.writes[k]
			if w.del {
				continue
			}
			v = w.value
		}
		more, err := fn(k[len(base):], v)
		if err != nil {
			return err
		}
		if !more {
			covered = k + "\x00"
			return nil
		}
	}
}

type kvPair struct {
	k string
	v []byte
}

// page reads up to etcdPageSize keys of [from, end); done is true when
// there are no more after them.
func (tx *etcdTx) page(from, end string) (kvs []*kvPair, done bool, err error) {
	resp, ok := tx.get("scan", from, clientv3.WithRange(end), clientv3.WithLimit(etcdPageSize))
	if !ok {
		return nil, true, tx.err
	}
	kvs = make([]*kvPair, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		kvs[i] = &kvPair{k: string(kv.Key), v: nonNil(kv.Value)}
		if tx.writable {
			tx.read(kvs[i].k, kv.ModRevision)
		}
	}
	return kvs, !resp.More, nil
}

// writesIn are the transaction's written keys in [start, end), sorted.
func (tx *etcdTx) writesIn(start, end string) []string {
	var ks []string
	for k := range tx.writes {
		if k >= start && k < end {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// commit sends the buffered writes as one Txn guarded by what was read.
func (tx *etcdTx) commit() error {
	if len(tx.writes) == 0 {
		return nil // it read one consistent revision: nothing to check
	}
	guards := make([]clientv3.Cmp, 0, len(tx.reads)+len(tx.ranges))
	for _, r := range tx.ranges {
		guards = append(guards, clientv3.Compare(clientv3.ModRevision(r.start), "<", tx.rev+1).WithRange(r.end))
	}
	for k, mod := range tx.reads {
		if mod == 0 && tx.inRange(k) {
			continue // its creation fails the range's guard already
		}
		guards = append(guards, clientv3.Compare(clientv3.ModRevision(k), "=", mod))
	}
	ops := make([]clientv3.Op, 0, len(tx.writes))
	for k, w := range tx.writes {
		if w.del {
			ops = append(ops, clientv3.OpDelete(k))
		} else {
			ops = append(ops, clientv3.OpPut(k, string(w.value)))
		}
	}
	if len(guards) > tx.e.maxOps || len(ops) > tx.e.maxOps {
		return &TxnTooLargeError{Guards: len(guards), Writes: len(ops), Max: tx.e.maxOps}
	}
	// Deterministic order: easier to read in etcd's logs, same outcome.
	slices.SortFunc(ops, func(a, b clientv3.Op) int { return cmp.Compare(string(a.KeyBytes()), string(b.KeyBytes())) })
	ctx, cancel := tx.ctx()
	defer cancel()
	resp, err := tx.e.cli.Txn(ctx).If(guards...).Then(ops...).Commit()
	if err != nil {
		return tx.e.fail("commit", err)
	}
	if !resp.Succeeded {
		return errRetry
	}
	return nil
}

func (tx *etcdTx) inRange(k string) bool {
	for _, r := range tx.ranges {
		if k >= r.start && k < r.end {
			return true
		}
	}
	return false
}
