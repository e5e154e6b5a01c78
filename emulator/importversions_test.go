package emulator_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// rotationStates is ListKeyRotations(ALL_KEY_MATERIAL) as "id:state" lines.
func (e *env) rotationStates(id string) map[string]types.RotationsListEntry {
	e.t.Helper()
	out := map[string]types.RotationsListEntry{}
	for _, r := range e.rotations(id, types.IncludeKeyMaterialAllKeyMaterial) {
		out[aws.ToString(r.KeyMaterialId)] = r
	}
	return out
}

// TestImportedMaterialVersions follows AWS's on-demand rotation of imported
// key material: NEW_KEY_MATERIAL waits in PENDING_ROTATION until
// RotateKeyOnDemand makes it current, every version keeps its own import
// state and expiry, and old blobs open with their version.
func TestImportedMaterialVersions(t *testing.T) {
	e := newEnv(t)
	alg := types.AlgorithmSpecRsaesOaepSha256
	id := e.externalKey(types.KeySpecSymmetricDefault, "")
	arn := arnPrefix + "key/" + id
	p := e.params(id, alg, types.WrappingKeySpecRsa2048)
	one, two, three := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)
	imp := func(material []byte, in *kms.ImportKeyMaterialInput) (*kms.ImportKeyMaterialOutput, error) {
		t.Helper()
		if in == nil {
			in = &kms.ImportKeyMaterialInput{}
		}
		if in.ExpirationModel == "" && in.ValidTo == nil {
			in.ExpirationModel = types.ExpirationModelTypeKeyMaterialDoesNotExpire
		}
		return e.importMaterial(id, p, alg, material, in)
	}

	t.Run("RotateKeyOnDemand before the first import: the key is pending import", func(t *testing.T) {
		_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		wantErr(t, err, "KMSInvalidStateException", arn+" is pending import.")
	})
	first, err := imp(one, &kms.ImportKeyMaterialInput{KeyMaterialDescription: aws.String("first")})
	ok(t, err)
	mid1 := aws.ToString(first.KeyMaterialId)
	blob1 := e.encrypt(id, "under one", nil)

	t.Run("RotateKeyOnDemand with nothing pending", func(t *testing.T) {
		_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		wantErr(t, err, "KMSInvalidStateException", "No available key material pending rotation for the key: "+arn+".")
	})
	t.Run("without ImportType, new material after the first is IncorrectKeyMaterialException", func(t *testing.T) {
		_, err := imp(two, nil)
		wantErr(t, err, "IncorrectKeyMaterialException", "*")
	})
	validTo := start.Add(48 * time.Hour)
	second, err := imp(two, &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo})
	ok(t, err)
	mid2 := aws.ToString(second.KeyMaterialId)
	if mid2 == mid1 || len(mid2) != 64 {
		t.Fatalf("new material id: got %q (first %q), want another 64-hex id", mid2, mid1)
	}
	t.Run("the new material is pending rotation; the first stays current", func(t *testing.T) {
		md := e.describe(id).KeyMetadata
		if aws.ToString(md.CurrentKeyMaterialId) != mid1 || md.KeyState != types.KeyStateEnabled {
			t.Fatalf("DescribeKey: got %s %s, want Enabled with current %s", md.KeyState, aws.ToString(md.CurrentKeyMaterialId), mid1)
		}
		rs := e.rotationStates(id)
		pending, cur := rs[mid2], rs[mid1]
		if pending.KeyMaterialState != types.KeyMaterialStatePendingRotation || pending.RotationDate != nil || pending.RotationType != "" ||
			pending.ImportState != types.ImportStateImported || pending.ExpirationModel != types.ExpirationModelTypeKeyMaterialExpires ||
			pending.ValidTo == nil || !pending.ValidTo.Equal(validTo) {
			t.Errorf("pending entry: got %+v, want PENDING_ROTATION, IMPORTED, expiring %v, no rotation date or type", pending, validTo)
		}
		if cur.KeyMaterialState != types.KeyMaterialStateCurrent || aws.ToString(cur.KeyMaterialDescription) != "first" ||
			cur.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire {
			t.Errorf("current entry: got %+v, want CURRENT, described \"first\", not expiring", cur)
		}
		if got := e.rotations(id, types.IncludeKeyMaterialRotationsOnly); len(got) != 0 {
			t.Errorf("ROTATIONS_ONLY: got %d entries, want 0 (neither the first nor a pending material)", len(got))
		}
		out, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		ok(t, err)
		dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
		ok(t, err)
		if aws.ToString(dec.KeyMaterialId) != mid1 {
			t.Errorf("Encrypt used material %s, want the current %s", aws.ToString(dec.KeyMaterialId), mid1)
		}
	})
	t.Run("a second NEW_KEY_MATERIAL while one is pending", func(t *testing.T) {
		_, err := imp(three, &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial})
		// AWS's text (captured), naming the new material's id too.
		want := regexp.MustCompile(`^New key material \(id: [0-9a-f]{64}\) cannot be imported into KMS key ` + regexp.QuoteMeta(arn) + `, because another key material \(id: ` + mid2 + `\) is pending rotation\.$`)
		wantErrLike(t, err, "KMSInvalidStateException", want)
	})
	t.Run("KeyMaterialId with NEW_KEY_MATERIAL is a validation error", func(t *testing.T) {
		_, err := imp(three, &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial, KeyMaterialId: aws.String(mid2)})
		wantErr(t, err, "ValidationException", "Input parameter keyMaterialId cannot be used with NEW_KEY_MATERIAL importType.") // captured
	})

	e.clock.Advance(time.Hour)
	rot, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
	ok(t, err)
	t.Run("RotateKeyOnDemand makes the pending material current", func(t *testing.T) {
		if aws.ToString(rot.KeyId) != arn {
			t.Errorf("KeyId: got %s, want %s", aws.ToString(rot.KeyId), arn)
		}
		if got := aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId); got != mid2 {
			t.Fatalf("CurrentKeyMaterialId: got %s, want %s", got, mid2)
		}
		rs := e.rotationStates(id)
		if r := rs[mid2]; r.KeyMaterialState != types.KeyMaterialStateCurrent || r.RotationType != types.RotationTypeOnDemand ||
			r.RotationDate == nil || !r.RotationDate.Equal(start.Add(time.Hour)) {
			t.Errorf("rotated entry: got %+v, want CURRENT ON_DEMAND dated %v", r, start.Add(time.Hour))
		}
		if r := rs[mid1]; r.KeyMaterialState != types.KeyMaterialStateNonCurrent {
			t.Errorf("first entry: got %s, want NON_CURRENT", r.KeyMaterialState)
		}
		if got := e.rotations(id, types.IncludeKeyMaterialRotationsOnly); len(got) != 1 || aws.ToString(got[0].KeyMaterialId) != mid2 {
			t.Errorf("ROTATIONS_ONLY: got %d entries, want the one rotation", len(got))
		}
	})
	blob2 := e.encrypt(id, "under two", nil)
	t.Run("old and new blobs open with their own version", func(t *testing.T) {
		for blob, want := range map[*[]byte][2]string{&blob1: {"under one", mid1}, &blob2: {"under two", mid2}} {
			out, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: *blob})
			ok(t, err)
			if string(out.Plaintext) != want[0] || aws.ToString(out.KeyMaterialId) != want[1] {
				t.Errorf("got %q from %s, want %q from %s", out.Plaintext, aws.ToString(out.KeyMaterialId), want[0], want[1])
			}
		}
	})
	t.Run("deleting a non-current version puts the key in PendingImport until it is imported again", func(t *testing.T) {
		out, err := e.svc.DeleteImportedKeyMaterial(e.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id), KeyMaterialId: aws.String(mid1)})
		ok(t, err)
		if aws.ToString(out.KeyMaterialId) != mid1 || aws.ToString(out.KeyId) != arn {
			t.Errorf("got %s %s, want %s %s", aws.ToString(out.KeyId), aws.ToString(out.KeyMaterialId), arn, mid1)
		}
		if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStatePendingImport {
			t.Fatalf("got %s, want PendingImport", st)
		}
		if r := e.rotationStates(id)[mid1]; r.ImportState != types.ImportStatePendingImport || r.ExpirationModel != "" {
			t.Errorf("deleted entry: got %s %s, want PENDING_IMPORT without expiration", r.ImportState, r.ExpirationModel)
		}
		_, err = e.decrypt(blob2, nil)
		wantErr(t, err, "KMSInvalidStateException", arn+" is pending import.")
		_, err = imp(one, &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeExistingKeyMaterial, KeyMaterialId: aws.String(mid1)})
		ok(t, err)
		if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStateEnabled {
			t.Fatalf("after re-import: got %s, want Enabled", st)
		}
		if r := e.rotationStates(id)[mid1]; aws.ToString(r.KeyMaterialDescription) != "first" {
			t.Errorf("re-import without a description: got %q, want the earlier \"first\" kept", aws.ToString(r.KeyMaterialDescription))
		}
		if got, err := e.decrypt(blob1, nil); err != nil || got != "under one" {
			t.Fatalf("first blob after re-import: got %q, %v", got, err)
		}
	})
	t.Run("re-import with another version's KeyMaterialId is IncorrectKeyMaterialException", func(t *testing.T) {
		_, err := imp(one, &kms.ImportKeyMaterialInput{KeyMaterialId: aws.String(mid2)})
		wantErr(t, err, "IncorrectKeyMaterialException", "*")
	})
	t.Run("pending material past its ValidTo stays pending, and expires once it is current (captured)", func(t *testing.T) {
		until := e.clock.Now().Add(time.Hour)
		third, err := imp(three, &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &until})
		ok(t, err)
		e.clock.Advance(2 * time.Hour)
		r, found := e.rotationStates(id)[aws.ToString(third.KeyMaterialId)]
		if !found || r.KeyMaterialState != types.KeyMaterialStatePendingRotation || r.ImportState != types.ImportStateImported || r.ValidTo == nil {
			t.Fatalf("got %+v (listed %v), want PENDING_ROTATION, IMPORTED, with its ValidTo", r, found)
		}
		if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStateEnabled {
			t.Fatalf("got %s, want Enabled", st)
		}
		_, err = e.svc.DeleteImportedKeyMaterial(e.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id), KeyMaterialId: third.KeyMaterialId})
		ok(t, err)
	})
	t.Run("current material expires at its own ValidTo", func(t *testing.T) {
		e.clock.Advance(48 * time.Hour) // past the second version's ValidTo
		md := e.describe(id).KeyMetadata
		if md.KeyState != types.KeyStatePendingImport || aws.ToString(md.CurrentKeyMaterialId) != mid2 || md.ExpirationModel != "" {
			t.Fatalf("got %s current %s model %q, want PendingImport, current %s, no expiration model", md.KeyState, aws.ToString(md.CurrentKeyMaterialId), md.ExpirationModel, mid2)
		}
		if r := e.rotationStates(id)[mid1]; r.ImportState != types.ImportStateImported {
			t.Errorf("first version: got %s, want IMPORTED (it does not expire)", r.ImportState)
		}
	})
	t.Run("deleting pending material removes it without changing the key state", func(t *testing.T) {
		p = e.params(id, alg, types.WrappingKeySpecRsa2048) // the first token has expired
		_, err := imp(two, &kms.ImportKeyMaterialInput{KeyMaterialId: aws.String(mid2)})
		ok(t, err)
		pending, err := imp(three, &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial})
		ok(t, err)
		_, err = e.svc.DeleteImportedKeyMaterial(e.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id), KeyMaterialId: pending.KeyMaterialId})
		ok(t, err)
		if _, found := e.rotationStates(id)[aws.ToString(pending.KeyMaterialId)]; found {
			t.Fatal("deleted pending material is still listed")
		}
		if st := e.describe(id).KeyMetadata.KeyState; st != types.KeyStateEnabled {
			t.Fatalf("got %s, want Enabled", st)
		}
	})
	t.Run("versions survive a restart", func(t *testing.T) {
		e.restart()
		for blob, want := range map[*[]byte]string{&blob1: "under one", &blob2: "under two"} {
			if got, err := e.decrypt(*blob, nil); err != nil || got != want {
				t.Fatalf("got %q, %v, want %q", got, err, want)
			}
		}
	})
}

// TestNewKeyMaterialOnlyForSymmetricKeys: asymmetric and HMAC keys keep
// their first imported material (multi-Region symmetric keys take new
// material: TestMultiRegionImportedMaterialVersions).
func TestNewKeyMaterialOnlyForSymmetricKeys(t *testing.T) {
	e := newEnv(t)
	alg := types.AlgorithmSpecRsaesOaepSha256
	hmacID := e.externalKey(types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
	p := e.params(hmacID, alg, types.WrappingKeySpecRsa2048)
	_, err := e.importMaterial(hmacID, p, alg, bytes.Repeat([]byte{4}, 32), &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	wantErr(t, err, "ValidationException", "Input parameter importType cannot be used with HMAC_256 imported keys.") // captured
	for name, in := range map[string]*kms.ImportKeyMaterialInput{
		"keyMaterialId":          {KeyMaterialId: aws.String(strings.Repeat("0", 64))},
		"keyMaterialDescription": {KeyMaterialDescription: aws.String("d")},
	} {
		in.ExpirationModel = types.ExpirationModelTypeKeyMaterialDoesNotExpire
		_, err := e.importMaterial(hmacID, p, alg, bytes.Repeat([]byte{4}, 32), in)
		wantErr(t, err, "ValidationException", "Input parameter "+name+" cannot be used with HMAC_256 imported keys.")
	}
	_, err = e.importMaterial(hmacID, p, alg, bytes.Repeat([]byte{4}, 32), &kms.ImportKeyMaterialInput{ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	ok(t, err)
	_, err = e.svc.ListKeyRotations(e.ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(hmacID), IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})
	wantErr(t, err, "ValidationException", "Input parameter includeKeyMaterial can only be used with symmetric keys.") // captured
}
