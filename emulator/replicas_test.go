package emulator_test

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// replicaServices are n emulators over one store in a real etcd member,
// each with its own store handle (as separate processes have) and one
// shared movable clock.
func replicaServices(t *testing.T, n int) ([]*emulator.Service, *kmsgate.Clock) {
	t.Helper()
	e := storagetest.StartEtcd(t)
	_, cfg := storagetest.OpenEtcd(t, e)
	clock := kmsgate.NewClock(func() time.Time { return start })
	var svcs []*emulator.Service
	for range n {
		db, err := storage.OpenEtcd(cfg, storage.Options{RootKey: storagetest.RootKey()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc, err := emulator.New(emulator.Config{DB: db, Account: testAccount, Region: testRegion, Now: clock.Now, Rand: rand.Reader, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		svcs = append(svcs, svc)
	}
	return svcs, clock
}

// TestReplicasSweepEachDueItemOnce: two replicas sweeping at the same
// time purge each expired key once and rotate each due key once between
// them: a replica whose transaction met the other's commit runs it again
// and finds nothing due.
func TestReplicasSweepEachDueItemOnce(t *testing.T) {
	svcs, clock := replicaServices(t, 2)
	a := svcs[0]
	ctx := kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: testAccount, Region: testRegion})
	const n = 12
	var rotating []*string
	for i := range 2 * n {
		out, err := a.CreateKey(ctx, &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		id := out.KeyMetadata.KeyId
		if i%2 == 0 {
			_, err = a.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)})
		} else {
			rotating = append(rotating, id)
			_, err = a.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id, RotationPeriodInDays: aws.Int32(90)})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(100 * 24 * time.Hour)
	results := make([]emulator.SweepResult, len(svcs))
	var wg sync.WaitGroup
	for i, svc := range svcs {
		wg.Go(func() {
			var err error
			if results[i], err = svc.Sweep(context.Background()); err != nil {
				t.Errorf("Sweep on replica %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	var got emulator.SweepResult
	for _, r := range results {
		got.Deleted, got.Rotated = got.Deleted+r.Deleted, got.Rotated+r.Rotated
	}
	if got.Deleted != n || got.Rotated != n {
		t.Errorf("both sweeps together: got %d deleted, %d rotated, want %d and %d", got.Deleted, got.Rotated, n, n)
	}
	for _, id := range rotating {
		out, err := svcs[1].ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: id})
		if err != nil {
			t.Fatal(err)
		}
		auto := 0
		for _, r := range out.Rotations {
			if r.RotationType == types.RotationTypeAutomatic {
				auto++
			}
		}
		if auto != 1 {
			t.Errorf("key %s: got %d automatic rotations, want 1", aws.ToString(id), auto)
		}
	}
	keys, err := svcs[1].ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != n {
		t.Errorf("keys left: got %d, want %d", len(keys.Keys), n)
	}
}

// TestReplicaCachesNeverAnswerOlderThanACommit: a replica whose caches
// hold a key (record, cipher) answers the very next call after another
// replica's commit from the new record: its reads are at an etcd revision
// fixed when the call begins, and cached entries are used only for the
// bytes found at that revision.
func TestReplicaCachesNeverAnswerOlderThanACommit(t *testing.T) {
	svcs, _ := replicaServices(t, 2)
	a, b := svcs[0], svcs[1]
	ctx := kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: testAccount, Region: testRegion})
	out, err := a.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := out.KeyMetadata.KeyId
	encrypt := func() error {
		_, err := b.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: []byte("x")})
		return err
	}
	steps := []struct {
		name     string
		change   func() error
		wantCode string
	}{
		{"DisableKey", func() error { _, err := a.DisableKey(ctx, &kms.DisableKeyInput{KeyId: id}); return err }, "DisabledException"},
		{"EnableKey", func() error { _, err := a.EnableKey(ctx, &kms.EnableKeyInput{KeyId: id}); return err }, ""},
		{"ScheduleKeyDeletion", func() error {
			_, err := a.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)})
			return err
		}, "KMSInvalidStateException"},
		{"CancelKeyDeletion", func() error { _, err := a.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: id}); return err }, "DisabledException"},
	}
	for _, st := range steps {
		for range 3 { // warm B's caches with the key as it is
			_ = encrypt()
		}
		if err := st.change(); err != nil {
			t.Fatalf("%s on A: %v", st.name, err)
		}
		if got := apiCode(encrypt()); got != st.wantCode {
			t.Errorf("%s on A, then Encrypt on B: got %q, want %q", st.name, got, st.wantCode)
		}
	}
}

// apiCode is err's AWS error code ("" for nil).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}
