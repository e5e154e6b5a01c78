package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// AWS's answers captured against real AWS KMS in 2026 (radkawar/stackd,
// testdata/aws/kms/rotation.json, grants.json, hmac.json, rsa.json, imports.json,
// imports_families.json, imports_rotation_expiry.json,
// imports_multi_region.json, multi_region.json), through the real SDK
// against the real server.

// importer imports material into keys through c (GetParametersForImport,
// wrap, ImportKeyMaterial).
func importer(t *testing.T, c *kms.Client) func(id string, material []byte, in *kms.ImportKeyMaterialInput) (*kms.ImportKeyMaterialOutput, error) {
	return func(id string, material []byte, in *kms.ImportKeyMaterialInput) (*kms.ImportKeyMaterialOutput, error) {
		t.Helper()
		alg := types.AlgorithmSpecRsaesOaepSha256
		p := must(c.GetParametersForImport(context.Background(), &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: alg, WrappingKeySpec: types.WrappingKeySpecRsa2048}))(t)
		wrapped, err := keyspec.WrapForImport(p.PublicKey, alg, material, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		in.KeyId, in.ImportToken, in.EncryptedKeyMaterial = aws.String(id), p.ImportToken, wrapped
		return c.ImportKeyMaterial(context.Background(), in)
	}
}

func TestRotationAsCapturedAgainstAWS(t *testing.T) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	id := newKey(t, c, &kms.CreateKeyInput{})
	arn := keyARN(testRegion, id)
	hmacKey := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac})
	status := func(id string) *kms.GetKeyRotationStatusOutput {
		t.Helper()
		return must(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)}))(t)
	}
	enable := func(period *int32) {
		t.Helper()
		must(c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: period}))(t)
	}
	t.Run("GetKeyRotationStatus answers the key ARN, and nothing more while rotation is off", func(t *testing.T) {
		st := status(id)
		if aws.ToString(st.KeyId) != arn || st.KeyRotationEnabled || st.RotationPeriodInDays != nil || st.NextRotationDate != nil {
			t.Fatalf("got %s %v %v %v, want %s false nil nil", aws.ToString(st.KeyId), st.KeyRotationEnabled, st.RotationPeriodInDays, st.NextRotationDate, arn)
		}
	})
	enable(aws.Int32(90))
	first := *status(id).NextRotationDate
	t.Run("EnableKeyRotation without a period or with the same one keeps the schedule", func(t *testing.T) {
		in.ks.Advance(time.Hour)
		enable(nil)
		enable(aws.Int32(90))
		if st := status(id); aws.ToInt32(st.RotationPeriodInDays) != 90 || !st.NextRotationDate.Equal(first) {
			t.Fatalf("got %d days, next %v, want 90 days, next %v", aws.ToInt32(st.RotationPeriodInDays), st.NextRotationDate, first)
		}
	})
	t.Run("a new period counts from now", func(t *testing.T) {
		period := 2560 * 24 * time.Hour
		before := in.ks.Now().Add(period).Truncate(time.Millisecond) // the wire carries milliseconds
		enable(aws.Int32(2560))
		after := in.ks.Now().Add(period)
		if next := *status(id).NextRotationDate; next.Before(before) || next.After(after) {
			t.Fatalf("got next %v, want 2560 days after the call (%v..%v)", next, before, after)
		}
	})
	t.Run("rotation reads off while the key waits for deletion, and comes back", func(t *testing.T) {
		must(c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)}))(t)
		if st := status(id); st.KeyRotationEnabled || st.RotationPeriodInDays != nil {
			t.Fatalf("pending deletion: got %v %v, want off", st.KeyRotationEnabled, st.RotationPeriodInDays)
		}
		must(c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)}))(t)
		if st := status(id); !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 2560 {
			t.Fatalf("after CancelKeyDeletion: got %v %d, want on, 2560", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays))
		}
	})
	t.Run("an HMAC key: status and list answer, disable succeeds, enable and on-demand refuse", func(t *testing.T) {
		if st := status(hmacKey); st.KeyRotationEnabled || aws.ToString(st.KeyId) != keyARN(testRegion, hmacKey) {
			t.Fatalf("status: got %v %s", st.KeyRotationEnabled, aws.ToString(st.KeyId))
		}
		if rs := must(c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(hmacKey)}))(t); len(rs.Rotations) != 0 || rs.Truncated {
			t.Fatalf("ListKeyRotations: got %d entries, want none", len(rs.Rotations))
		}
		must(c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(hmacKey)}))(t)
		_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(hmacKey)})
		wantAPIError(t, err, "UnsupportedOperationException", "-")
		_, err = c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(hmacKey)})
		wantAPIError(t, err, "UnsupportedOperationException", "-")
	})
	t.Run("an alias: InvalidArnException", func(t *testing.T) {
		must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/rotation"), TargetKeyId: aws.String(id)}))(t)
		for _, key := range []string{"alias/rotation", "arn:aws:kms:" + testRegion + ":" + testAccount + ":alias/rotation"} {
			_, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(key)})
			wantAPIError(t, err, "InvalidArnException", "Key Aliases are not supported for this operation.")
		}
	})
	t.Run("ListKeyRotations entries name the key by its ARN", func(t *testing.T) {
		must(c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(id)}))(t) // Disabled after CancelKeyDeletion
		must(c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)}))(t)
		rs := must(c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(id)}))(t).Rotations
		if len(rs) != 1 || aws.ToString(rs[0].KeyId) != arn || rs[0].RotationType != types.RotationTypeOnDemand {
			t.Fatalf("got %+v, want one ON_DEMAND rotation of %s", rs, arn)
		}
	})
}

func TestImportsAsCapturedAgainstAWS(t *testing.T) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	imp := importer(t, c)
	id := newKey(t, c, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	arn := keyARN(testRegion, id)
	one, two := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	noExpiry := types.ExpirationModelTypeKeyMaterialDoesNotExpire
	first := must(imp(id, one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, KeyMaterialDescription: aws.String("first material")}))(t)
	for _, tc := range []struct {
		name     string
		material []byte
		in       *kms.ImportKeyMaterialInput
		code     string
		msg      string
	}{
		{"other material than the current", two, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry},
			"IncorrectKeyMaterialException", "Imported key material does not have the expected identifier (" + aws.ToString(first.KeyMaterialId) + ")."},
		{"a KeyMaterialId that is not the material's", one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, KeyMaterialId: aws.String(string(bytes.Repeat([]byte{'0'}, 64)))},
			"IncorrectKeyMaterialException", "Imported key material does not have the expected identifier (" + string(bytes.Repeat([]byte{'0'}, 64)) + ")."},
		{"the current material as NEW_KEY_MATERIAL", one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, ImportType: types.ImportTypeNewKeyMaterial},
			"IncorrectKeyMaterialException", "Key material (id: " + aws.ToString(first.KeyMaterialId) + ") being imported as NEW_KEY_MATERIAL is already associated with KMS key " + arn + "."},
		{"KeyMaterialId with NEW_KEY_MATERIAL", two, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, ImportType: types.ImportTypeNewKeyMaterial, KeyMaterialId: first.KeyMaterialId},
			"ValidationException", "Input parameter keyMaterialId cannot be used with NEW_KEY_MATERIAL importType."},
		{"a ValidTo with KEY_MATERIAL_DOES_NOT_EXPIRE", one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, ValidTo: aws.Time(time.Now().Add(time.Hour))},
			"ValidationException", "A validTo date cannot be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE"},
		{"a ValidTo in the past", one, &kms.ImportKeyMaterialInput{ValidTo: aws.Time(time.Now().Add(-time.Hour))},
			"ValidationException", "ValidTo must be in the future"},
		{"a ValidTo more than a year ahead", one, &kms.ImportKeyMaterialInput{ValidTo: aws.Time(time.Now().Add(366 * 24 * time.Hour))},
			"ValidationException", "ValidTo must be less than 365 days in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := imp(id, tc.material, tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	t.Run("enable and disable rotation answer the origin", func(t *testing.T) {
		origin := arn + " origin is EXTERNAL which is not valid for this operation."
		_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "UnsupportedOperationException", origin)
		_, err = c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "UnsupportedOperationException", origin)
	})
	t.Run("DeleteImportedKeyMaterial of a material never imported", func(t *testing.T) {
		unknown := string(bytes.Repeat([]byte{'0'}, 64))
		_, err := c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id), KeyMaterialId: aws.String(unknown)})
		wantAPIError(t, err, "ValidationException", "Key material (id: "+unknown+") has never been imported into KMS key "+arn+".")
	})
	t.Run("a re-import enables a disabled key", func(t *testing.T) {
		must(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)}))(t)
		must(imp(id, one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry}))(t)
		if st := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata.KeyState; st != types.KeyStateEnabled {
			t.Fatalf("got %s, want Enabled", st)
		}
	})
	t.Run("pending material past its ValidTo stays pending; rotating into it leaves the key waiting for it", func(t *testing.T) {
		state := func() types.KeyState {
			return must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata.KeyState
		}
		validTo := in.ks.Now().Add(time.Hour)
		next := must(imp(id, two, &kms.ImportKeyMaterialInput{ImportType: types.ImportTypeNewKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: aws.Time(validTo)}))(t)
		in.ks.Advance(2 * time.Hour)
		rs := must(c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(id), IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial}))(t).Rotations
		i := slices.IndexFunc(rs, func(r types.RotationsListEntry) bool {
			return aws.ToString(r.KeyMaterialId) == aws.ToString(next.KeyMaterialId)
		})
		if i < 0 || rs[i].KeyMaterialState != types.KeyMaterialStatePendingRotation || rs[i].ImportState != types.ImportStateImported {
			t.Fatalf("got %+v, want the new material PENDING_ROTATION and IMPORTED", rs)
		}
		if st := state(); st != types.KeyStateEnabled {
			t.Fatalf("before the rotation: got %s, want Enabled", st)
		}
		must(c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)}))(t)
		if st := state(); st != types.KeyStatePendingImport {
			t.Fatalf("after the rotation: got %s, want PendingImport", st)
		}
		must(imp(id, two, &kms.ImportKeyMaterialInput{KeyMaterialId: next.KeyMaterialId, ExpirationModel: noExpiry}))(t)
		if st := state(); st != types.KeyStateEnabled {
			t.Fatalf("after the re-import: got %s, want Enabled", st)
		}
	})
}

// TestMultiRegionImportedMaterialAsCapturedAgainstAWS follows AWS's
// capture of new material in a multi-Region key with imported material:
// NEW_KEY_MATERIAL into the primary, the same material into each replica,
// RotateKeyOnDemand on the primary.
func TestMultiRegionImportedMaterialAsCapturedAgainstAWS(t *testing.T) {
	ctx := context.Background()
	in := start(t)
	east, west := in.client(testRegion), in.client("us-west-2")
	impEast, impWest := importer(t, east), importer(t, west)
	id := newKey(t, east, &kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
	eastARN, westARN := keyARN(testRegion, id), keyARN("us-west-2", id)
	one, two := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	noExpiry := types.ExpirationModelTypeKeyMaterialDoesNotExpire
	t.Run("a primary waiting for its material cannot be replicated", func(t *testing.T) {
		_, err := east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("us-west-2")})
		wantAPIError(t, err, "KMSInvalidStateException", eastARN+" is pending import.")
	})
	first := must(impEast(id, one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, KeyMaterialDescription: aws.String("primary first")}))(t)
	must(east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("us-west-2")}))(t)
	in.ks.Advance(3 * time.Second) // past Creating
	states := func(c *kms.Client) []types.RotationsListEntry {
		t.Helper()
		return must(c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(id), IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial}))(t).Rotations
	}
	t.Run("the replica shows the primary's material and description, pending import", func(t *testing.T) {
		rs := states(west)
		if len(rs) != 1 || aws.ToString(rs[0].KeyId) != westARN || aws.ToString(rs[0].KeyMaterialDescription) != "primary first" ||
			rs[0].ImportState != types.ImportStatePendingImport || rs[0].KeyMaterialState != types.KeyMaterialStateCurrent {
			t.Fatalf("got %+v", rs)
		}
	})
	t.Run("the replica takes no description and no NEW_KEY_MATERIAL, and only its primary's material", func(t *testing.T) {
		_, err := impWest(id, one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, KeyMaterialDescription: aws.String("replica first")})
		wantAPIError(t, err, "ValidationException", "Key material description can only be specified on primary Multi-Region keys")
		_, err = impWest(id, two, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, ImportType: types.ImportTypeNewKeyMaterial})
		wantAPIError(t, err, "ValidationException", "Input parameter ImportType NEW_KEY_MATERIAL cannot be used on replica Multi-Region keys")
		_, err = impWest(id, two, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry})
		wantAPIError(t, err, "IncorrectKeyMaterialException", "Imported key material does not have the expected identifier ("+aws.ToString(first.KeyMaterialId)+").")
	})
	must(impWest(id, one, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry}))(t)
	second := must(impEast(id, two, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, ImportType: types.ImportTypeNewKeyMaterial}))(t)
	t.Run("new material waits for every replica", func(t *testing.T) {
		for name, c := range map[string]*kms.Client{"primary": east, "replica": west} {
			rs := states(c)
			if len(rs) != 2 || rs[1].KeyMaterialState != types.KeyMaterialStatePendingMultiRegionImportAndRotation || aws.ToString(rs[1].KeyMaterialId) != aws.ToString(second.KeyMaterialId) {
				t.Fatalf("%s: got %+v, want the new material PENDING_MULTI_REGION_IMPORT_AND_ROTATION", name, rs)
			}
		}
		_, err := east.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "KMSInvalidStateException", "Cannot perform key material rotation: Key material has not been imported for replicas of the Multi-Region key.")
	})
	t.Run("deleting the primary's pending material deletes the replicas' too", func(t *testing.T) {
		must(east.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id), KeyMaterialId: second.KeyMaterialId}))(t)
		if rs := states(west); len(rs) != 1 {
			t.Fatalf("replica: got %d materials, want 1", len(rs))
		}
	})
	must(impEast(id, two, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry, ImportType: types.ImportTypeNewKeyMaterial}))(t)
	must(impWest(id, two, &kms.ImportKeyMaterialInput{ExpirationModel: noExpiry}))(t)
	t.Run("imported everywhere it is PENDING_ROTATION, and RotateKeyOnDemand makes it current everywhere", func(t *testing.T) {
		if rs := states(east); rs[1].KeyMaterialState != types.KeyMaterialStatePendingRotation {
			t.Fatalf("got %s, want PENDING_ROTATION", rs[1].KeyMaterialState)
		}
		blob := must(east.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("before")}))(t).CiphertextBlob
		must(east.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)}))(t)
		for name, c := range map[string]*kms.Client{"primary": east, "replica": west} {
			md := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata
			if aws.ToString(md.CurrentKeyMaterialId) != aws.ToString(second.KeyMaterialId) || md.KeyState != types.KeyStateEnabled {
				t.Fatalf("%s: got current %s in %s, want %s Enabled", name, aws.ToString(md.CurrentKeyMaterialId), md.KeyState, aws.ToString(second.KeyMaterialId))
			}
			if rs := states(c); rs[1].RotationType != types.RotationTypeOnDemand || rs[0].KeyMaterialState != types.KeyMaterialStateNonCurrent {
				t.Fatalf("%s: got %+v", name, rs)
			}
			dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}))(t)
			if string(dec.Plaintext) != "before" || aws.ToString(dec.KeyMaterialId) != aws.ToString(first.KeyMaterialId) {
				t.Fatalf("%s: got %q from %s", name, dec.Plaintext, aws.ToString(dec.KeyMaterialId))
			}
		}
	})
	t.Run("a replica's rotation operations name themselves", func(t *testing.T) {
		_, err := west.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "UnsupportedOperationException", westARN+" is a multi-region replica key which is not valid for RotateKeyOnDemand.")
	})
}

func TestKeyTypesAsCapturedAgainstAWS(t *testing.T) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	sym := newKey(t, c, &kms.CreateKeyInput{})
	hmacKey := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac224, KeyUsage: types.KeyUsageTypeGenerateVerifyMac})
	rsaEnc := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt})
	extSigner := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
	grantee := aws.String("arn:aws:iam::" + testAccount + ":role/app")
	for _, tc := range []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"a grant of Encrypt on an HMAC key", func() error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(hmacKey), GranteePrincipal: grantee, Operations: []types.GrantOperation{types.GrantOperationEncrypt}})
			return err
		}, "ValidationException", "Operations [Encrypt] are not supported when creating a grant for a symmetric KMS key with key usage GENERATE_VERIFY_MAC. Valid operations are [CreateGrant, RetireGrant, DescribeKey, GenerateMac, VerifyMac]"},
		{"an encryption context constraint on an HMAC key", func() error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(hmacKey), GranteePrincipal: grantee, Operations: []types.GrantOperation{types.GrantOperationGenerateMac},
				Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"a": "b"}}})
			return err
		}, "ValidationException", "EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key."},
		{"GetPublicKey of a symmetric key", func() error {
			_, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(sym)})
			return err
		}, "UnsupportedOperationException", "-"}, // no message on the wire (the SDK reads none as UnknownError)
		{"Decrypt of an RSA ciphertext without KeyId", func() error {
			blob := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(rsaEnc), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha1}))(t).CiphertextBlob
			_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha1})
			return err
		}, "ValidationException", "KeyId must not be null"},
		{"an encryption context with an RSA key", func() error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(rsaEnc), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha1, EncryptionContext: map[string]string{"a": "b"}})
			return err
		}, "ValidationException", "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs."},
		{"VerifyMac of a wrong MAC under DryRun: the verdict, not DryRunOperationException", func() error {
			_, err := c.VerifyMac(ctx, &kms.VerifyMacInput{KeyId: aws.String(hmacKey), Message: []byte("m"), Mac: bytes.Repeat([]byte{1}, 28), MacAlgorithm: types.MacAlgorithmSpecHmacSha224, DryRun: aws.Bool(true)})
			return err
		}, "KMSInvalidMacException", "-"},
		{"Decrypt of a broken RSA ciphertext under DryRun", func() error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(rsaEnc), CiphertextBlob: bytes.Repeat([]byte{7}, 256), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha1, DryRun: aws.Bool(true)})
			return err
		}, "InvalidCiphertextException", "-"},
		{"a grantee assumed-role ARN with a role path", func() error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(sym), Operations: []types.GrantOperation{types.GrantOperationDecrypt},
				GranteePrincipal: aws.String("arn:aws:sts::" + testAccount + ":assumed-role/probe/session-role/target")})
			return err
		}, "InvalidArnException", "ARN is not valid: arn:aws:sts::" + testAccount + ":assumed-role/probe/session-role/target"},
		{"an ML-DSA key with imported material", func() error {
			_, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecMlDsa44, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
			return err
		}, "ValidationException", "KeySpec ML_DSA_44 is not supported for Origin EXTERNAL"},
		{"GetPublicKey of an imported key waiting for its material", func() error {
			_, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(extSigner)})
			return err
		}, "KMSInvalidStateException", keyARN(testRegion, extSigner) + " is pending import."},
	} {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.msg) })
	}
	t.Run("a grantee assumed-role ARN naming a role and a session is taken", func(t *testing.T) {
		must(c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(sym), Operations: []types.GrantOperation{types.GrantOperationDecrypt},
			GranteePrincipal: aws.String("arn:aws:sts::" + testAccount + ":assumed-role/session-role/target")}))(t)
	})
	t.Run("a disabled key still answers its public key", func(t *testing.T) {
		signer := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP521, KeyUsage: types.KeyUsageTypeSignVerify})
		must(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(signer)}))(t)
		if out := must(c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(signer)}))(t); len(out.PublicKey) == 0 {
			t.Fatal("got no public key")
		}
	})
	t.Run("Ed25519 signing algorithms in AWS's order", func(t *testing.T) {
		ed := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistEdwards25519, KeyUsage: types.KeyUsageTypeSignVerify})
		got := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ed)}))(t).KeyMetadata.SigningAlgorithms
		if want := []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEd25519PhSha512, types.SigningAlgorithmSpecEd25519Sha512}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("DeriveSharedSecret with a public key of another curve: ValidationException without a message", func(t *testing.T) {
		agree := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP521, KeyUsage: types.KeyUsageTypeKeyAgreement})
		other := newKey(t, c, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement})
		pub := must(c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(other)}))(t).PublicKey
		status, code, msg := rawCall(t, in, "DeriveSharedSecret", `{"KeyId":"`+agree+`","KeyAgreementAlgorithm":"ECDH","PublicKey":"`+base64.StdEncoding.EncodeToString(pub)+`"}`)
		if status != 400 || code != "ValidationException" || msg != "" {
			t.Fatalf("got %d %s %q, want 400 ValidationException without a message", status, code, msg)
		}
	})
	t.Run("GetPublicKey of a symmetric key: no message on the wire", func(t *testing.T) {
		status, code, msg := rawCall(t, in, "GetPublicKey", `{"KeyId":"`+sym+`"}`)
		if status != 400 || code != "UnsupportedOperationException" || msg != "" {
			t.Fatalf("got %d %s %q, want 400 UnsupportedOperationException without a message", status, code, msg)
		}
	})
}
