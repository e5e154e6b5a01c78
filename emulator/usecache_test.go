package emulator_test

import (
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/emulator"
)

// useAnswer is what one call of the hot path answered: the key ARN and
// material id, or the error's code and message.
type useAnswer struct{ arn, mid, code, msg string }

func answerOf(arn, mid *string, err error) useAnswer {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return useAnswer{code: ae.ErrorCode(), msg: ae.ErrorMessage()}
	}
	if err != nil {
		return useAnswer{code: "not an API error", msg: err.Error()}
	}
	return useAnswer{arn: aws.ToString(arn), mid: aws.ToString(mid)}
}

// byKeyID is the answers of the calls by key id.
func byKeyID(a [3]useAnswer) [2]useAnswer { return [2]useAnswer(a[1:]) }

// hotCalls makes the calls that the use cache (usecache.go) answers:
// GenerateDataKey by alias/use, Encrypt by key id (its material id read
// back through Decrypt), Decrypt of blob without KeyId; then two dry runs,
// whose answers go to dry: GenerateDataKey by alias/use, and Decrypt of a
// blob that is no ciphertext with IGNORE_CIPHERTEXT and KeyId alias/use.
func hotCalls(t *testing.T, svc *emulator.Service, e *env, id string, blob []byte, dry *[2]useAnswer) [3]useAnswer {
	t.Helper()
	var got [3]useAnswer
	gdk, err := svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/use"), KeySpec: types.DataKeySpecAes256})
	if err != nil {
		got[0] = answerOf(nil, nil, err)
	} else {
		got[0] = answerOf(gdk.KeyId, gdk.KeyMaterialId, nil)
	}
	enc, err := svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
	if err != nil {
		got[1] = answerOf(nil, nil, err)
	} else {
		dec, err := svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
		ok(t, err)
		got[1] = answerOf(enc.KeyId, dec.KeyMaterialId, nil)
	}
	dec, err := svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob})
	if err != nil {
		got[2] = answerOf(nil, nil, err)
	} else {
		got[2] = answerOf(dec.KeyId, dec.KeyMaterialId, nil)
	}
	_, err = svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/use"), KeySpec: types.DataKeySpecAes256, DryRun: aws.Bool(true)})
	dry[0] = answerOf(nil, nil, err)
	_, err = svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: []byte("junk"), KeyId: aws.String("alias/use"), DryRun: aws.Bool(true),
		DryRunModifiers: []types.DryRunModifierType{types.DryRunModifierTypeIgnoreCiphertext}})
	dry[1] = answerOf(nil, nil, err)
	return got
}

// The use cache answers an identifier again only in the snapshot it was
// resolved in, and judges what time alone changes on every answer. Each
// case warms it (every call twice), changes the key, by a write or by the
// clock alone, and makes the calls again: they must answer what a Service
// with cold caches over the same store answers, and show the change.
func TestCachedKeyUseFollowsWritesAndTime(t *testing.T) {
	hour := time.Hour
	for _, tc := range []struct {
		name string
		// setUp makes the key alias/use names (id) and returns it.
		setUp  func(e *env) string
		change func(e *env, id string)
		want   func(t *testing.T, e *env, id string, before, after [3]useAnswer)
	}{
		{"DisableKey", nil, func(e *env, id string) {
			_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
			ok(e.t, err)
		}, func(t *testing.T, e *env, id string, _, after [3]useAnswer) {
			want := useAnswer{code: "DisabledException", msg: arnPrefix + "key/" + id + " is disabled."}
			if after != [3]useAnswer{want, want, want} {
				t.Errorf("got %+v, want %+v three times", after, want)
			}
		}},
		{"UpdateAlias to another key", nil, func(e *env, _ string) {
			_, err := e.svc.UpdateAlias(e.ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/use"), TargetKeyId: aws.String(e.createKey(nil))})
			ok(e.t, err)
		}, func(t *testing.T, _ *env, _ string, before, after [3]useAnswer) {
			if after[0].arn == before[0].arn || after[0].code != "" || byKeyID(after) != byKeyID(before) {
				t.Errorf("got %+v, want another key by alias, the same by key id (before: %+v)", after, before)
			}
		}},
		{"DeleteAlias", nil, func(e *env, _ string) {
			_, err := e.svc.DeleteAlias(e.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/use")})
			ok(e.t, err)
		}, func(t *testing.T, _ *env, _ string, before, after [3]useAnswer) {
			if after[0].code != "NotFoundException" || byKeyID(after) != byKeyID(before) {
				t.Errorf("got %+v, want NotFoundException by alias, the same by key id (before: %+v)", after, before)
			}
		}},
		{"RotateKeyOnDemand", nil, func(e *env, id string) {
			_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
			ok(e.t, err)
		}, func(t *testing.T, _ *env, _ string, before, after [3]useAnswer) {
			if after[0].mid == before[0].mid || after[1].mid != after[0].mid || after[2] != before[2] {
				t.Errorf("got %+v, want the new material for new blobs, the old blob's for it (before: %+v)", after, before)
			}
		}},
		{"automatic rotation comes due (the clock alone)", func(e *env) string {
			id := e.createKey(nil)
			_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(90)})
			ok(e.t, err)
			return id
		}, func(e *env, _ string) { e.clock.Advance(90 * 24 * hour) },
			func(t *testing.T, _ *env, _ string, before, after [3]useAnswer) {
				if after[0].mid == before[0].mid || after[1].mid != after[0].mid || after[2] != before[2] {
					t.Errorf("got %+v, want the rotated material for new blobs, the old blob's for it (before: %+v)", after, before)
				}
			}},
		{"imported material expires (the clock alone)", func(e *env) string {
			id := e.externalKey(types.KeySpecSymmetricDefault, "")
			alg := types.AlgorithmSpecRsaesOaepSha256
			validTo := start.Add(hour)
			_, err := e.importMaterial(id, e.params(id, alg, types.WrappingKeySpecRsa3072), alg, make([]byte, 32),
				&kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo})
			ok(e.t, err)
			return id
		}, func(e *env, _ string) { e.clock.Advance(hour) },
			func(t *testing.T, e *env, id string, _, after [3]useAnswer) {
				want := useAnswer{code: "KMSInvalidStateException", msg: arnPrefix + "key/" + id + " is pending import."}
				if after != [3]useAnswer{want, want, want} {
					t.Errorf("got %+v, want %+v three times", after, want)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			setUp := tc.setUp
			if setUp == nil {
				setUp = func(e *env) string { return e.createKey(nil) }
			}
			id := setUp(e)
			e.alias("alias/use", id)
			blob := e.encrypt(id, "old", nil)
			var dry, freshDry [2]useAnswer
			before := hotCalls(t, e.svc, e, id, blob, &dry)
			if again := hotCalls(t, e.svc, e, id, blob, &dry); again[0].mid != before[0].mid || byKeyID(again) != byKeyID(before) {
				t.Fatalf("warm calls: got %+v, then %+v", before, again)
			}
			tc.change(e, id)
			after := hotCalls(t, e.svc, e, id, blob, &dry)
			cold, err := emulator.New(emulator.Config{DB: e.db, Account: testAccount, Region: testRegion, Now: e.clock.Now, Rand: rand.Reader, Logger: zerolog.Nop()})
			ok(t, err)
			if fresh := hotCalls(t, cold, e, id, blob, &freshDry); fresh != after || freshDry != dry {
				t.Errorf("warm caches: got %+v, dry runs %+v; cold caches %+v, dry runs %+v", after, dry, fresh, freshDry)
			}
			tc.want(t, e, id, before, after)
		})
	}
}

// Every branch of the calls that viewCached runs first with no store
// (GenerateDataKey*, Encrypt, Decrypt), taken with the use cache warm, must
// answer what a Service with cold caches answers: successes and errors,
// from two goroutines at once (run with -race). A branch that reads the
// store other than through resolveUse, blobKey or blobCipher dereferences
// viewCached's nil transaction and panics here (a blob of an older
// material version, a KeyId naming an asymmetric key, ...).
func TestWarmUseAnswersAsCold(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	e.alias("alias/a", id)
	other := e.createKey(nil)
	rsa := e.keyOf(types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	ec := map[string]string{"k": "v"}
	old := e.encrypt(id, "old", ec)
	_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
	ok(t, err)
	cur := e.encrypt(id, "current", ec)
	tampered := append([]byte(nil), cur...)
	tampered[len(tampered)-1] ^= 1
	arn := arnPrefix + "key/" + id
	rsaAlg := types.EncryptionAlgorithmSpecRsaesOaepSha256
	ignore := []types.DryRunModifierType{types.DryRunModifierTypeIgnoreCiphertext}

	// Each call answers its key ARN and material id (and a Decrypt its
	// plaintext), or its error.
	gdk := func(in *kms.GenerateDataKeyInput) func(*emulator.Service) useAnswer {
		return func(s *emulator.Service) useAnswer {
			out, err := s.GenerateDataKey(e.ctx, in)
			if err != nil {
				return answerOf(nil, nil, err)
			}
			return answerOf(out.KeyId, out.KeyMaterialId, nil)
		}
	}
	encrypt := func(in *kms.EncryptInput) func(*emulator.Service) useAnswer {
		return func(s *emulator.Service) useAnswer {
			out, err := s.Encrypt(e.ctx, in)
			if err != nil {
				return answerOf(nil, nil, err)
			}
			return answerOf(out.KeyId, nil, nil)
		}
	}
	decrypt := func(in *kms.DecryptInput) func(*emulator.Service) useAnswer {
		return func(s *emulator.Service) useAnswer {
			out, err := s.Decrypt(e.ctx, in)
			if err != nil {
				return answerOf(nil, nil, err)
			}
			a := answerOf(out.KeyId, out.KeyMaterialId, nil)
			a.msg = string(out.Plaintext)
			return a
		}
	}
	calls := []struct {
		name string
		call func(*emulator.Service) useAnswer
	}{
		{"GenerateDataKey by alias", gdk(&kms.GenerateDataKeyInput{KeyId: aws.String("alias/a"), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})},
		{"GenerateDataKey of 7 bytes by ARN", gdk(&kms.GenerateDataKeyInput{KeyId: aws.String(arn), NumberOfBytes: aws.Int32(7)})},
		{"GenerateDataKey dry run", gdk(&kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes128, DryRun: aws.Bool(true)})},
		{"GenerateDataKey of an RSA key", gdk(&kms.GenerateDataKeyInput{KeyId: aws.String(rsa), KeySpec: types.DataKeySpecAes256})},
		{"GenerateDataKey of an unknown alias", gdk(&kms.GenerateDataKeyInput{KeyId: aws.String("alias/none"), KeySpec: types.DataKeySpecAes256})},
		{"GenerateDataKeyWithoutPlaintext", func(s *emulator.Service) useAnswer {
			out, err := s.GenerateDataKeyWithoutPlaintext(e.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String("alias/a"), KeySpec: types.DataKeySpecAes256})
			if err != nil {
				return answerOf(nil, nil, err)
			}
			return answerOf(out.KeyId, out.KeyMaterialId, nil)
		}},
		{"Encrypt by id", encrypt(&kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), EncryptionContext: ec})},
		{"Encrypt with an RSA algorithm", encrypt(&kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), EncryptionAlgorithm: rsaAlg})},
		{"Encrypt dry run by alias", encrypt(&kms.EncryptInput{KeyId: aws.String("alias/a"), Plaintext: []byte("x"), DryRun: aws.Bool(true)})},
		{"Encrypt under an RSA key", encrypt(&kms.EncryptInput{KeyId: aws.String(rsa), Plaintext: []byte("x"), EncryptionAlgorithm: rsaAlg})},
		{"Decrypt", decrypt(&kms.DecryptInput{CiphertextBlob: cur, EncryptionContext: ec})},
		{"Decrypt by alias", decrypt(&kms.DecryptInput{CiphertextBlob: cur, EncryptionContext: ec, KeyId: aws.String("alias/a")})},
		{"Decrypt of an older material", decrypt(&kms.DecryptInput{CiphertextBlob: old, EncryptionContext: ec})},
		{"Decrypt of an older material by ARN", decrypt(&kms.DecryptInput{CiphertextBlob: old, EncryptionContext: ec, KeyId: aws.String(arn)})},
		{"Decrypt with another context", decrypt(&kms.DecryptInput{CiphertextBlob: cur, EncryptionContext: map[string]string{"k": "w"}})},
		{"Decrypt of a changed blob", decrypt(&kms.DecryptInput{CiphertextBlob: tampered, EncryptionContext: ec})},
		{"Decrypt naming another key", decrypt(&kms.DecryptInput{CiphertextBlob: cur, EncryptionContext: ec, KeyId: aws.String(other)})},
		{"Decrypt naming an RSA key", decrypt(&kms.DecryptInput{CiphertextBlob: cur, EncryptionContext: ec, KeyId: aws.String(rsa)})},
		{"Decrypt with an RSA algorithm", decrypt(&kms.DecryptInput{CiphertextBlob: cur, EncryptionContext: ec, EncryptionAlgorithm: rsaAlg})},
		{"Decrypt dry run", decrypt(&kms.DecryptInput{CiphertextBlob: cur, EncryptionContext: ec, DryRun: aws.Bool(true)})},
		{"Decrypt dry run ignoring the blob, by an RSA key", decrypt(&kms.DecryptInput{CiphertextBlob: []byte("junk"), KeyId: aws.String(rsa), DryRun: aws.Bool(true), DryRunModifiers: ignore})},
		{"Decrypt dry run ignoring the blob, by alias", decrypt(&kms.DecryptInput{CiphertextBlob: []byte("junk"), KeyId: aws.String("alias/a"), DryRun: aws.Bool(true), DryRunModifiers: ignore})},
	}
	// Warm: every call once, then again from two goroutines at once.
	for _, c := range calls {
		c.call(e.svc)
	}
	warm := make([][2]useAnswer, len(calls))
	done := make(chan struct{})
	for g := range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i, c := range calls {
				warm[i][g] = c.call(e.svc)
			}
		}()
	}
	<-done
	<-done
	cold, err := emulator.New(emulator.Config{DB: e.db, Account: testAccount, Region: testRegion, Now: e.clock.Now, Rand: rand.Reader, Logger: zerolog.Nop()})
	ok(t, err)
	for i, c := range calls {
		want := c.call(cold)
		if warm[i] != [2]useAnswer{want, want} {
			t.Errorf("%s: warm caches: got %+v, cold caches %+v", c.name, warm[i], want)
		}
	}
}
