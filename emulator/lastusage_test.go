package emulator_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
)

func (e *env) lastUsage(keyID string) *kms.GetKeyLastUsageOutput {
	e.t.Helper()
	out, err := e.svc.GetKeyLastUsage(e.ctx, &kms.GetKeyLastUsageInput{KeyId: aws.String(keyID)})
	if err != nil {
		e.t.Fatalf("GetKeyLastUsage: %v", err)
	}
	return out
}

func withRequestID(id string) context.Context {
	return kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: testAccount, Region: testRegion, RequestID: id})
}

func TestGetKeyLastUsageRecordsTheLastSuccessfulCryptographicUse(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	other := e.createKey(nil)

	t.Run("a key never used answers an empty usage", func(t *testing.T) {
		out := e.lastUsage(id)
		if aws.ToString(out.KeyId) != arnPrefix+"key/"+id || !out.KeyCreationDate.Equal(start) || !out.TrackingStartDate.Equal(start) {
			t.Errorf("got KeyId %s created %v tracking %v, want the ARN and %v", aws.ToString(out.KeyId), out.KeyCreationDate, out.TrackingStartDate, start)
		}
		if u := out.KeyLastUsage; u == nil || u.Operation != "" || u.Timestamp != nil || u.KmsRequestId != nil {
			t.Errorf("KeyLastUsage: got %+v, want an empty object", u)
		}
	})
	var blob []byte
	steps := []struct {
		name string
		call func(ctx context.Context) error
		key  string
		op   types.KeyLastUsageTrackingOperation
	}{
		{"Encrypt", func(ctx context.Context) error {
			out, err := e.svc.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
			if err == nil {
				blob = out.CiphertextBlob
			}
			return err
		}, id, types.KeyLastUsageTrackingOperationEncrypt},
		{"Decrypt", func(ctx context.Context) error {
			_, err := e.svc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
			return err
		}, id, types.KeyLastUsageTrackingOperationDecrypt},
		{"GenerateDataKey", func(ctx context.Context) error {
			_, err := e.svc.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
			return err
		}, id, types.KeyLastUsageTrackingOperationGenerateDataKey},
		{"GenerateDataKeyWithoutPlaintext", func(ctx context.Context) error {
			_, err := e.svc.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
			return err
		}, id, types.KeyLastUsageTrackingOperationGenerateDataKeyWithoutPlaintext},
		{"ReEncrypt marks the destination", func(ctx context.Context) error {
			_, err := e.svc.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: aws.String(other)})
			return err
		}, other, types.KeyLastUsageTrackingOperationReEncrypt},
		{"ReEncrypt marks the source", nil, id, types.KeyLastUsageTrackingOperationReEncrypt},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.call != nil {
				e.clock.Advance(time.Minute)
				ok(t, st.call(withRequestID("req-"+st.name)))
			}
			u := e.lastUsage(st.key).KeyLastUsage
			if u.Operation != st.op || u.Timestamp == nil || !u.Timestamp.Equal(e.clock.Now()) {
				t.Errorf("got %s at %v, want %s at %v", u.Operation, u.Timestamp, st.op, e.clock.Now())
			}
			want := "req-" + st.name
			if st.call == nil {
				want = "req-" + steps[i-1].name
			}
			if aws.ToString(u.KmsRequestId) != want {
				t.Errorf("KmsRequestId: got %q, want %q", aws.ToString(u.KmsRequestId), want)
			}
		})
	}
	t.Run("a failed call is not a use", func(t *testing.T) {
		before := e.lastUsage(id).KeyLastUsage
		e.clock.Advance(time.Minute)
		_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"wrong": "context"}})
		wantErr(t, err, "InvalidCiphertextException", "")
		_, err = e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), DryRun: aws.Bool(true)})
		wantErr(t, err, "DryRunOperationException", "*")
		if after := e.lastUsage(id).KeyLastUsage; after.Operation != before.Operation || !after.Timestamp.Equal(*before.Timestamp) {
			t.Errorf("got %s at %v, want the earlier %s at %v", after.Operation, after.Timestamp, before.Operation, before.Timestamp)
		}
	})
	t.Run("errors as for any key-id-only operation", func(t *testing.T) {
		_, err := e.svc.GetKeyLastUsage(e.ctx, &kms.GetKeyLastUsageInput{KeyId: aws.String("alias/x")})
		wantErr(t, err, "InvalidArnException", "Key Aliases are not supported for this operation.")
		_, err = e.svc.GetKeyLastUsage(e.ctx, &kms.GetKeyLastUsageInput{})
		wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	})
}

func TestKeyLastUsageSurvivesARestartAfterSweepOrClose(t *testing.T) {
	for _, flush := range []struct {
		name string
		do   func(e *env) error
	}{
		{"Sweep", func(e *env) error { _, err := e.svc.Sweep(e.ctx); return err }},
		{"Close", func(e *env) error { return e.svc.Close() }},
	} {
		t.Run("after "+flush.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.createKey(nil)
			e.clock.Advance(time.Hour)
			e.encrypt(id, "x", nil)
			ok(t, flush.do(e))
			e.restart()
			u := e.lastUsage(id).KeyLastUsage
			if u.Operation != types.KeyLastUsageTrackingOperationEncrypt || u.Timestamp == nil || !u.Timestamp.Equal(start.Add(time.Hour)) {
				t.Errorf("got %s at %v, want Encrypt at %v", u.Operation, u.Timestamp, start.Add(time.Hour))
			}
		})
	}
	t.Run("without a flush the notes are only in memory", func(t *testing.T) {
		e := newEnv(t)
		id := e.createKey(nil)
		e.encrypt(id, "x", nil)
		e.restart()
		if u := e.lastUsage(id).KeyLastUsage; u.Operation != "" {
			t.Errorf("got %s, want no usage (nothing was flushed)", u.Operation)
		}
	})
}

// Notes are updated in place under the book's lock: uses noted while
// GetKeyLastUsage and flushes read them race with nothing (go test -race),
// and the last answer is a use that happened.
func TestConcurrentUsesAndReadsOfLastUsage(t *testing.T) {
	e := newEnv(t)
	created, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID := created.KeyMetadata.KeyId
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				switch g {
				case 0:
					if _, err := e.svc.GetKeyLastUsage(e.ctx, &kms.GetKeyLastUsageInput{KeyId: keyID}); err != nil {
						t.Error(err)
					}
				case 1:
					if err := e.svc.FlushKeyUsage(); err != nil {
						t.Error(err)
					}
				default:
					if _, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: keyID, Plaintext: []byte("x")}); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	out, err := e.svc.GetKeyLastUsage(e.ctx, &kms.GetKeyLastUsageInput{KeyId: keyID})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.KeyLastUsage.Operation; got != types.KeyLastUsageTrackingOperationEncrypt {
		t.Errorf("got last operation %q, want Encrypt", got)
	}
}
