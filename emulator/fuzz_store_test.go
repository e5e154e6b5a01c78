package emulator_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/storage"
)

// The fuzz targets below write arbitrary bytes in place of every stored
// record of one type (keys, aliases, grants, last-usage notes, sealed
// material), then call the operations that read that type. A damaged or
// hostile record must give an error, never a panic: a panic outside a
// transaction ends the test binary, and one inside a transaction (which the
// store turns into a *storage.FaultError) fails the target here.

func FuzzStoredKeyRecord(f *testing.F)       { fuzzStoredRecord(f, "emulator.keys") }
func FuzzStoredAliasRecord(f *testing.F)     { fuzzStoredRecord(f, "emulator.aliases") }
func FuzzStoredGrantRecord(f *testing.F)     { fuzzStoredRecord(f, "emulator.grants") }
func FuzzStoredLastUsageRecord(f *testing.F) { fuzzStoredRecord(f, "emulator.lastusage") }
func FuzzStoredMaterialRecord(f *testing.F)  { fuzzStoredRecord(f, "emulator.material") }

// fuzzFixture is a store holding one key of each use the operations read:
// a symmetric key with an alias, a grant, a ciphertext and a usage note.
type fuzzFixture struct {
	e     *env
	keyID string
	blob  []byte
}

func newFuzzFixture(t testing.TB) *fuzzFixture {
	e := newEnvTB(t)
	out, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{Description: aws.String("fuzz")})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.KeyMetadata.KeyId
	if _, err := e.svc.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/fuzz"), TargetKeyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateGrant(e.ctx, &kms.CreateGrantInput{KeyId: aws.String(id), GranteePrincipal: aws.String("arn:aws:iam::111122223333:role/r"), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}); err != nil {
		t.Fatal(err)
	}
	enc, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.FlushKeyUsage(); err != nil {
		t.Fatal(err)
	}
	return &fuzzFixture{e: e, keyID: id, blob: enc.CiphertextBlob}
}

// records returns the stored values of bucket.
func (fx *fuzzFixture) records(t testing.TB, bucket string) map[string][]byte {
	got := map[string][]byte{}
	if err := fx.e.db.View(func(tx *storage.Tx) error {
		return tx.Scan(bucket, "", "", func(k string, v []byte) (bool, error) {
			got[k] = v
			return true, nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func fuzzStoredRecord(f *testing.F, bucket string) {
	seedFx := newFuzzFixture(f)
	recs := seedFx.records(f, bucket)
	if len(recs) == 0 {
		f.Fatalf("the fixture wrote no record in %s", bucket)
	}
	for _, v := range recs {
		f.Add(v)
	}
	for _, s := range []string{"", "{}", "null", "[]", `{"KeyID":1}`, `{"Materials":[{}]}`, `{"Materials":null,"CurrentMaterial":"x"}`, "\x01\x02"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fx := newFuzzFixture(t)
		if err := fx.e.db.Update(func(tx *storage.Tx) error {
			for k := range fx.records(t, bucket) {
				if err := tx.Put(bucket, k, raw); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// A fresh Service: nothing of the records is cached.
		svc, err := emulator.New(emulator.Config{DB: fx.e.db, Account: testAccount, Region: testRegion, Now: fx.e.clock.Now, Rand: rand.Reader, Logger: zerolog.Nop()})
		if err != nil {
			noFault(t, "New", err)
			return
		}
		ctx, id := fx.e.ctx, aws.String(fx.keyID)
		calls := map[string]func(context.Context) error{
			"DescribeKey": func(ctx context.Context) error {
				_, err := svc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id})
				return err
			},
			"DescribeKey by alias": func(ctx context.Context) error {
				_, err := svc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/fuzz")})
				return err
			},
			"ListKeys": func(ctx context.Context) error { _, err := svc.ListKeys(ctx, &kms.ListKeysInput{}); return err },
			"ListAliases": func(ctx context.Context) error {
				_, err := svc.ListAliases(ctx, &kms.ListAliasesInput{})
				return err
			},
			"ListAliases of the key": func(ctx context.Context) error {
				_, err := svc.ListAliases(ctx, &kms.ListAliasesInput{KeyId: id})
				return err
			},
			"ListGrants": func(ctx context.Context) error {
				_, err := svc.ListGrants(ctx, &kms.ListGrantsInput{KeyId: id})
				return err
			},
			"Encrypt": func(ctx context.Context) error {
				_, err := svc.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: []byte("y")})
				return err
			},
			"Decrypt": func(ctx context.Context) error {
				_, err := svc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: fx.blob})
				return err
			},
			"GetKeyRotationStatus": func(ctx context.Context) error {
				_, err := svc.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id})
				return err
			},
			"ScheduleKeyDeletion": func(ctx context.Context) error {
				_, err := svc.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)})
				return err
			},
			"Sweep": func(ctx context.Context) error { _, err := svc.Sweep(ctx); return err },
		}
		for name, call := range calls {
			noFault(t, name, call(ctx))
		}
		noFault(t, "Close", svc.Close())
	})
}

func noFault(t *testing.T, call string, err error) {
	t.Helper()
	var fe *storage.FaultError
	if errors.As(err, &fe) {
		t.Errorf("%s: a panic decoding a stored record: %v\n%s", call, fe.Value, fe.Stack)
	}
}
