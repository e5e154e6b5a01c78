package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// replicas are kmsgate processes (the built binary) serving one store in a
// real etcd member, as several replicas behind a load balancer would.
type replicas struct {
	etcd  *storagetest.Etcd
	store string
	key   string // the root key file they share
	procs []*process
}

// startReplicas starts an etcd member and n kmsgate processes on one new
// store in it, with args added to each (the first one creates the store).
func startReplicas(t *testing.T, n int, args ...string) *replicas {
	t.Helper()
	return startReplicasOn(t, storagetest.StartEtcd(t), n, args...)
}

// startReplicasOn is startReplicas on the cluster of the etcd member e
// (the store URL names every member).
func startReplicasOn(t *testing.T, e *storagetest.Etcd, n int, args ...string) *replicas {
	t.Helper()
	r := &replicas{etcd: e, key: rootKeyFile(t)}
	r.store = r.etcd.URL()
	for i := range n {
		r.procs = append(r.procs, r.start(t, i == 0, args...))
	}
	return r
}

func (r *replicas) start(t *testing.T, init bool, args ...string) *process {
	t.Helper()
	a := append([]string{"--store", r.store, "--root-key-file", r.key}, args...)
	if init {
		a = append(a, "--init")
	}
	return startBinary(t, a...)
}

// sdk is an aws-sdk-go-v2 client of the process at url, without retries
// (each answer is the server's own).
func sdk(url string) *kms.Client {
	return sdkClient(kms.Options{
		Region:           testRegion,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

// TestReplicasShareKeysAliasesAndStates: two kmsgate processes on one
// etcd store serve one set of keys: a key made on A encrypts on B and the
// blob decrypts on A; a DisableKey on A is seen by B's very next Encrypt
// (B's caches answer no older record than A's commit); 50 concurrent
// CreateAlias of one name spread over both end as in AWS, one winner and
// 49 AlreadyExistsException.
func TestReplicasShareKeysAliasesAndStates(t *testing.T) {
	r := startReplicas(t, 2)
	a, b := sdk(r.procs[0].url), sdk(r.procs[1].url)
	ctx := context.Background()
	key := must(a.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("made on A")}))(t).KeyMetadata.KeyId

	t.Run("a key made on A encrypts on B, the blob decrypts on A", func(t *testing.T) {
		enc := must(b.Encrypt(ctx, &kms.EncryptInput{KeyId: key, Plaintext: []byte("across replicas")}))(t)
		dec := must(a.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}))(t)
		if got := string(dec.Plaintext); got != "across replicas" {
			t.Errorf("got %q, want %q", got, "across replicas")
		}
	})

	t.Run("DisableKey on A is seen by B's next call", func(t *testing.T) {
		for _, step := range []struct {
			name     string
			change   func() error
			wantCode string
		}{
			{"disabled", func() error { _, err := a.DisableKey(ctx, &kms.DisableKeyInput{KeyId: key}); return err }, "DisabledException"},
			{"enabled again", func() error { _, err := a.EnableKey(ctx, &kms.EnableKeyInput{KeyId: key}); return err }, ""},
			{"disabled again", func() error { _, err := a.DisableKey(ctx, &kms.DisableKeyInput{KeyId: key}); return err }, "DisabledException"},
		} {
			// Warm B's caches with the key as it is, then change it on A.
			_, _ = b.Encrypt(ctx, &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
			if err := step.change(); err != nil {
				t.Fatalf("%s on A: %v", step.name, err)
			}
			_, err := b.Encrypt(ctx, &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
			if got := errorCode(err); got != step.wantCode {
				t.Errorf("%s on A, then Encrypt on B: got %q, want %q", step.name, got, step.wantCode)
			}
		}
	})

	t.Run("50 concurrent CreateAlias of one name: one winner", func(t *testing.T) {
		target := must(a.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId
		const n = 50
		codes := make(chan string, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			c := []*kms.Client{a, b}[i%2]
			wg.Go(func() {
				<-start
				_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/race"), TargetKeyId: target})
				codes <- errorCode(err)
			})
		}
		close(start)
		wg.Wait()
		close(codes)
		got := map[string]int{}
		for c := range codes {
			got[c]++
		}
		want := map[string]int{"": 1, "AlreadyExistsException": n - 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("answers: got %v, want %v", got, want)
		}
		for _, c := range []*kms.Client{a, b} {
			d := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/race")}))(t)
			if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(target) {
				t.Errorf("alias/race: got key %s, want %s", aws.ToString(d.KeyMetadata.KeyId), aws.ToString(target))
			}
		}
	})
}

// TestReplicaKilledMidLoadLosesNoAcknowledgedWrite: writers create keys
// through A; A is killed (SIGKILL) while calls are in flight; every key
// whose CreateKey was answered is on B.
func TestReplicaKilledMidLoadLosesNoAcknowledgedWrite(t *testing.T) {
	r := startReplicas(t, 2)
	a, b := sdk(r.procs[0].url), sdk(r.procs[1].url)
	var (
		mu    sync.Mutex
		acked []string
	)
	const writers, killAfter = 4, 40
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				out, err := a.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(fmt.Sprintf("writer %d call %d", w, i))})
				cancel()
				if err != nil {
					return // A is gone
				}
				mu.Lock()
				acked = append(acked, aws.ToString(out.KeyMetadata.KeyId))
				if len(acked) >= killAfter {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		})
	}
	<-enough
	r.procs[0].kill()
	wg.Wait()
	if len(acked) < killAfter {
		t.Fatalf("got %d acknowledged writes, want at least %d", len(acked), killAfter)
	}
	ctx := context.Background()
	for _, id := range acked {
		if _, err := b.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}); err != nil {
			t.Errorf("key %s acknowledged by A before it was killed: DescribeKey on B got %v, want the key", id, err)
		}
	}
	// B goes on serving writes.
	must(b.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
}

// TestEtcdRestartFailsCallsCleanlyAndRecovers: with the etcd member down,
// a call answers DependencyTimeoutException (HTTP 500, which SDKs retry)
// within --etcd-timeout; once etcd is back, calls work again on the same
// data without restarting kmsgate.
func TestEtcdRestartFailsCallsCleanlyAndRecovers(t *testing.T) {
	r := startReplicas(t, 1, "--etcd-timeout", "1s")
	c := sdk(r.procs[0].url)
	ctx := context.Background()
	key := must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId
	blob := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: key, Plaintext: []byte("before")}))(t).CiphertextBlob

	r.etcd.Stop()
	for _, call := range []struct {
		name string
		run  func() error
	}{
		{"Encrypt", func() error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
			return err
		}},
		{"CreateKey", func() error { _, err := c.CreateKey(ctx, &kms.CreateKeyInput{}); return err }},
		{"ListKeys", func() error { _, err := c.ListKeys(ctx, &kms.ListKeysInput{}); return err }},
	} {
		err := call.run()
		var re *awshttp.ResponseError
		status := 0
		if errors.As(err, &re) {
			status = re.HTTPStatusCode()
		}
		var dte *types.DependencyTimeoutException
		if !errors.As(err, &dte) || status != 500 {
			t.Errorf("%s with etcd down: got %v (HTTP %d), want DependencyTimeoutException, HTTP 500", call.name, err, status)
		}
	}
	if code, body := healthz(t, r.procs[0].url); code != http.StatusServiceUnavailable || !strings.Contains(body, `"reachable":false`) {
		t.Errorf("/healthz with etcd down: got %d %s, want 503 saying etcd is not reachable", code, body)
	}
	r.etcd.Start()
	// The client reconnects on its own; wait for it, within a bound.
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for {
		var dec *kms.DecryptOutput
		if dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}); err == nil {
			if string(dec.Plaintext) != "before" {
				t.Errorf("after etcd restarted: got %q, want %q", dec.Plaintext, "before")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kmsgate did not recover within 30s of etcd's restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
	if code, body := healthz(t, r.procs[0].url); code != http.StatusOK || !strings.Contains(body, `"reachable":true`) {
		t.Errorf("/healthz with etcd back: got %d %s, want 200 saying etcd is reachable", code, body)
	}
}

// healthz is GET /healthz's status and body.
func healthz(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestEtcdLeaderRestartFailsCallsCleanlyAndRecovers: two kmsgate replicas
// on a three-member etcd cluster; the leader crashes. While it is down (and a new one
// is elected) every call either succeeds or fails as a server fault with
// an AWS code (DependencyTimeoutException or KMSInternalException, HTTP
// 500, which SDKs retry); no acknowledged key is lost; with the old leader
// back every replica serves every call.
func TestEtcdLeaderRestartFailsCallsCleanlyAndRecovers(t *testing.T) {
	members := storagetest.StartEtcdCluster(t, 3)
	r := startReplicasOn(t, members[0], 2, "--etcd-timeout", "2s")
	clients := []*kms.Client{sdk(r.procs[0].url), sdk(r.procs[1].url)}
	ctx := context.Background()
	key := must(clients[0].CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId
	blob := must(clients[1].Encrypt(ctx, &kms.EncryptInput{KeyId: key, Plaintext: []byte("before")}))(t).CiphertextBlob

	// SIGKILL: a leader stopped with SIGTERM hands leadership over first,
	// and nothing would fail.
	leader := members[0].Leader()
	leader.Kill()
	var acked []*string
	codes := map[string]int{}
	for i := range 20 {
		c := clients[i%2]
		var err error
		if i%4 < 2 {
			var out *kms.CreateKeyOutput
			if out, err = c.CreateKey(ctx, &kms.CreateKeyInput{}); err == nil {
				acked = append(acked, out.KeyMetadata.KeyId)
			}
		} else {
			_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
		}
		code := errorCode(err)
		codes[code]++
		var re *awshttp.ResponseError
		switch {
		case err == nil:
		case (code == "DependencyTimeoutException" || code == "KMSInternalException") && errors.As(err, &re) && re.HTTPStatusCode() == 500:
		default:
			t.Errorf("call %d with the leader down: got %v, want success or a 500 DependencyTimeoutException/KMSInternalException", i, err)
		}
	}
	t.Logf("answers with the leader down: %v", codes)
	leader.Start()
	deadline := time.Now().Add(30 * time.Second)
	for i, c := range clients {
		for {
			dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
			if err == nil {
				if string(dec.Plaintext) != "before" {
					t.Errorf("replica %d after the leader's restart: got %q, want %q", i, dec.Plaintext, "before")
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d did not serve within 30s of the leader's restart: %v", i, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, id := range acked {
		for i, c := range clients {
			if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id}); err != nil {
				t.Errorf("key %s acknowledged while the leader was down: DescribeKey on replica %d got %v", aws.ToString(id), i, err)
			}
		}
	}
}
