package emulator_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

var reMaterialID = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestCreateKeyAnswersFullSymmetricMetadata(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{Description: aws.String("orders")})
	ok(t, err)
	md := out.KeyMetadata
	id := aws.ToString(md.KeyId)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("KeyId: got %q, want a v4 UUID", id)
	}
	checks := []struct{ name, got, want string }{
		{"AWSAccountId", aws.ToString(md.AWSAccountId), testAccount},
		{"Arn", aws.ToString(md.Arn), arnPrefix + "key/" + id},
		{"CustomerMasterKeySpec", string(md.CustomerMasterKeySpec), "SYMMETRIC_DEFAULT"},
		{"KeySpec", string(md.KeySpec), "SYMMETRIC_DEFAULT"},
		{"KeyUsage", string(md.KeyUsage), "ENCRYPT_DECRYPT"},
		{"KeyState", string(md.KeyState), "Enabled"},
		{"KeyManager", string(md.KeyManager), "CUSTOMER"},
		{"Origin", string(md.Origin), "AWS_KMS"},
		{"Description", aws.ToString(md.Description), "orders"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !md.Enabled || md.MultiRegion == nil || *md.MultiRegion {
		t.Errorf("Enabled/MultiRegion: got %v/%v, want true/false", md.Enabled, md.MultiRegion)
	}
	if len(md.EncryptionAlgorithms) != 1 || md.EncryptionAlgorithms[0] != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Errorf("EncryptionAlgorithms: got %v", md.EncryptionAlgorithms)
	}
	if !reMaterialID.MatchString(aws.ToString(md.CurrentKeyMaterialId)) {
		t.Errorf("CurrentKeyMaterialId: got %q, want 64 hex characters", aws.ToString(md.CurrentKeyMaterialId))
	}
	if md.CreationDate == nil || !md.CreationDate.Equal(start) {
		t.Errorf("CreationDate: got %v, want %v", md.CreationDate, start)
	}
	if md.DeletionDate != nil || md.MultiRegionConfiguration != nil {
		t.Errorf("DeletionDate/MultiRegionConfiguration: got %v/%v, want absent", md.DeletionDate, md.MultiRegionConfiguration)
	}
	desc := e.describe(id).KeyMetadata
	if aws.ToString(desc.CurrentKeyMaterialId) != aws.ToString(md.CurrentKeyMaterialId) || aws.ToString(desc.Arn) != aws.ToString(md.Arn) {
		t.Errorf("DescribeKey differs from CreateKey's metadata")
	}
	// Without a description, Description is "" (present), as AWS answers.
	md2 := e.describe(e.createKey(nil)).KeyMetadata
	if md2.Description == nil || *md2.Description != "" {
		t.Errorf("Description of a key made without one: got %v, want \"\"", md2.Description)
	}
}

func TestCreateMultiRegionKey(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	ok(t, err)
	md := out.KeyMetadata
	if !regexp.MustCompile(`^mrk-[0-9a-f]{32}$`).MatchString(aws.ToString(md.KeyId)) {
		t.Errorf("multi-Region KeyId: got %q", aws.ToString(md.KeyId))
	}
	if !aws.ToBool(md.MultiRegion) || md.MultiRegionConfiguration == nil || md.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypePrimary {
		t.Errorf("multi-Region metadata: got %+v", md.MultiRegionConfiguration)
	}
	blob := e.encrypt(aws.ToString(md.KeyId), "x", nil)
	if got, err := e.decrypt(blob, nil); err != nil || got != "x" {
		t.Errorf("multi-Region key round trip: got %q, %v", got, err)
	}
}

func TestCreateKeyRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name      string
		in        *kms.CreateKeyInput
		code, msg string
	}{
		{"an asymmetric spec without KeyUsage is a validation error",
			&kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048},
			"ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."},
		{"an ECC key cannot have ENCRYPT_DECRYPT usage",
			&kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeEncryptDecrypt},
			"ValidationException", "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256"},
		{"an unknown key spec fails the enum",
			&kms.CreateKeyInput{KeySpec: "INVALID"},
			"ValidationException", "*"},
		{"an unknown key usage fails the enum",
			&kms.CreateKeyInput{KeyUsage: "INVALID"},
			"ValidationException", "*"},
		{"a description over 8192 characters is a validation error",
			&kms.CreateKeyInput{Description: aws.String(strings.Repeat("d", 8193))},
			"ValidationException", "1 validation error detected: Value '" + strings.Repeat("d", 8193) + "' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192"},
		{"a policy that is not JSON is malformed",
			&kms.CreateKeyInput{Policy: aws.String("not json")},
			"MalformedPolicyDocumentException", "*"},
		{"a policy without statements is malformed",
			&kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17"}`)},
			"MalformedPolicyDocumentException", "*"},
		{"a policy over 131072 characters is a validation error",
			&kms.CreateKeyInput{Policy: aws.String(strings.Repeat(" ", 131073))},
			"ValidationException", "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 131072"},
		{"a policy over KMS's 32 KB quota exceeds a limit",
			&kms.CreateKeyInput{Policy: aws.String(`{"Statement":{"Effect":"Allow","Sid":"` + strings.Repeat("s", 32768) + `"}}`)},
			"LimitExceededException", "The key policy document is 32809 bytes, larger than the 32768 bytes allowed."},
		{"an aws: tag is reserved",
			&kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("AWS:x"), TagValue: aws.String("v")}}},
			"TagException", "Tags beginning with aws: are reserved"},
		{"an ML-DSA key cannot have origin EXTERNAL",
			&kms.CreateKeyInput{KeySpec: types.KeySpecMlDsa65, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal},
			"ValidationException", "KeySpec ML_DSA_65 is not supported for Origin EXTERNAL"},
		{"an ML-KEM key cannot have origin EXTERNAL either",
			&kms.CreateKeyInput{KeySpec: types.KeySpecMlKem768, KeyUsage: types.KeyUsageTypeEncapsulateDecapsulate, Origin: types.OriginTypeExternal},
			"ValidationException", "KeySpec ML_KEM_768 is not supported for Origin EXTERNAL"},
		{"symmetric keys with SIGN_VERIFY usage are rejected",
			&kms.CreateKeyInput{KeyUsage: types.KeyUsageTypeSignVerify},
			"ValidationException", "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateKey(e.ctx, tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	keys, err := e.svc.ListKeys(e.ctx, &kms.ListKeysInput{})
	ok(t, err)
	if len(keys.Keys) != 0 {
		t.Errorf("keys after only failed CreateKey calls: got %d, want 0", len(keys.Keys))
	}
}

func TestKeyIdentifierForms(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	e.alias("alias/orders", id)
	unknown := "0b7fe8a1-7d3c-4f0e-9b52-111111111111"
	for _, tc := range []struct {
		name      string
		keyID     string
		code, msg string // code "" means success
	}{
		{"a bare key id names the key", id, "", ""},
		{"a key ARN names the key", arnPrefix + "key/" + id, "", ""},
		{"an alias name names its key", "alias/orders", "", ""},
		{"an alias ARN names its key", arnPrefix + "alias/orders", "", ""},
		{"an unknown well-formed key id is not found with the full ARN", unknown, "NotFoundException", "Key '" + arnPrefix + "key/" + unknown + "' does not exist"},
		{"an unknown key ARN is not found", arnPrefix + "key/" + unknown, "NotFoundException", "Key '" + arnPrefix + "key/" + unknown + "' does not exist"},
		{"a malformed key id is invalid", "fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'"},
		{"a dash-less UUID is invalid", strings.ReplaceAll(unknown, "-", ""), "NotFoundException", "Invalid keyId '" + strings.ReplaceAll(unknown, "-", "") + "'"},
		{"a short mrk- id is invalid", "mrk-fake", "NotFoundException", "Invalid keyId 'mrk-fake'"},
		{"a key ARN of another region is an invalid arn", "arn:aws:kms:us-west-2:111122223333:key/" + id, "NotFoundException", "Invalid arn us-west-2"},
		{"an unknown alias is not found", "alias/nope", "NotFoundException", "Alias " + arnPrefix + "alias/nope is not found."},
		{"an unknown alias ARN is not found", arnPrefix + "alias/nope", "NotFoundException", "Alias " + arnPrefix + "alias/nope is not found."},
		{"an empty key id is a validation error", "", "ValidationException", "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String(tc.keyID)})
			if tc.code == "" {
				ok(t, err)
				return
			}
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	t.Run("a missing key id is a validation error", func(t *testing.T) {
		_, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{})
		wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	})
	// Operations that take only a key id or key ARN refuse aliases.
	keyOnly := map[string]func(string) error{
		"EnableKey": func(k string) error { _, err := e.svc.EnableKey(e.ctx, &kms.EnableKeyInput{KeyId: &k}); return err },
		"DisableKeyRotation": func(k string) error {
			_, err := e.svc.DisableKeyRotation(e.ctx, &kms.DisableKeyRotationInput{KeyId: &k})
			return err
		},
		"GetKeyPolicy": func(k string) error {
			_, err := e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: &k})
			return err
		},
		"ListResourceTags": func(k string) error {
			_, err := e.svc.ListResourceTags(e.ctx, &kms.ListResourceTagsInput{KeyId: &k})
			return err
		},
		"UpdateKeyDescription": func(k string) error {
			_, err := e.svc.UpdateKeyDescription(e.ctx, &kms.UpdateKeyDescriptionInput{KeyId: &k, Description: aws.String("d")})
			return err
		},
		"ListGrants": func(k string) error { _, err := e.svc.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: &k}); return err },
	}
	for op, call := range keyOnly {
		t.Run(op+" refuses an alias name", func(t *testing.T) {
			wantErr(t, call("alias/orders"), "InvalidArnException", "Key Aliases are not supported for this operation.")
		})
		t.Run(op+" accepts a key ARN", func(t *testing.T) {
			ok(t, call(arnPrefix+"key/"+id))
		})
	}
}

func TestKeysLiveInTheirAccountAndRegion(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	e.alias("alias/here", id)
	other := e.in("us-east-1")
	_, err := e.svc.DescribeKey(other, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	wantErr(t, err, "NotFoundException", "Key 'arn:aws:kms:us-east-1:111122223333:key/"+id+"' does not exist")
	_, err = e.svc.DescribeKey(other, &kms.DescribeKeyInput{KeyId: aws.String("alias/here")})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/here is not found.")
	keys, err := e.svc.ListKeys(other, &kms.ListKeysInput{})
	ok(t, err)
	if len(keys.Keys) != 0 {
		t.Errorf("keys listed in us-east-1: got %d, want 0", len(keys.Keys))
	}
	// A blob made in eu-west-1 names a key that us-east-1 does not have.
	blob := e.encrypt(id, "secret", nil)
	_, err = e.svc.Decrypt(other, &kms.DecryptInput{CiphertextBlob: blob})
	wantErr(t, err, "AccessDeniedException", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
	// Another account in the same region does not see it either.
	acct := callerCtx("444455556666", testRegion)
	_, err = e.svc.DescribeKey(acct, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	wantErr(t, err, "NotFoundException", "Key 'arn:aws:kms:eu-west-1:444455556666:key/"+id+"' does not exist")
}

func TestListKeysPaginates(t *testing.T) {
	e := newEnv(t)
	want := map[string]bool{}
	for range 7 {
		want[e.createKey(nil)] = true
	}
	seen := map[string]bool{}
	var marker *string
	pages := 0
	for {
		out, err := e.svc.ListKeys(e.ctx, &kms.ListKeysInput{Limit: aws.Int32(3), Marker: marker})
		ok(t, err)
		pages++
		for _, k := range out.Keys {
			if seen[*k.KeyId] {
				t.Errorf("key %s listed twice", *k.KeyId)
			}
			seen[*k.KeyId] = true
			if *k.KeyArn != arnPrefix+"key/"+*k.KeyId {
				t.Errorf("KeyArn: got %s", *k.KeyArn)
			}
		}
		if !out.Truncated {
			if out.NextMarker != nil {
				t.Errorf("last page has NextMarker %q", *out.NextMarker)
			}
			break
		}
		if len(out.Keys) != 3 || out.NextMarker == nil {
			t.Fatalf("truncated page: got %d keys, marker %v; want 3 and a marker", len(out.Keys), out.NextMarker)
		}
		marker = out.NextMarker
	}
	if pages != 3 || len(seen) != len(want) {
		t.Errorf("got %d pages and %d keys, want 3 pages and %d keys", pages, len(seen), len(want))
	}
	for _, tc := range []struct {
		name      string
		in        *kms.ListKeysInput
		code, msg string
	}{
		{"a limit of 0 is a validation error", &kms.ListKeysInput{Limit: aws.Int32(0)}, "ValidationException",
			"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"a limit of 1001 is a validation error", &kms.ListKeysInput{Limit: aws.Int32(1001)}, "ValidationException",
			"1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"a made-up marker is invalid", &kms.ListKeysInput{Marker: aws.String("garbage!")}, "InvalidMarkerException",
			"The request was rejected because the marker that specifies where pagination should next begin is not valid."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.ListKeys(e.ctx, tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestUpdateKeyDescription(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	_, err := e.svc.UpdateKeyDescription(e.ctx, &kms.UpdateKeyDescriptionInput{KeyId: aws.String(id), Description: aws.String("new text")})
	ok(t, err)
	if got := aws.ToString(e.describe(id).KeyMetadata.Description); got != "new text" {
		t.Errorf("Description: got %q, want %q", got, "new text")
	}
	_, err = e.svc.UpdateKeyDescription(e.ctx, &kms.UpdateKeyDescriptionInput{KeyId: aws.String(id)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null")
	_, err = e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
	ok(t, err)
	_, err = e.svc.UpdateKeyDescription(e.ctx, &kms.UpdateKeyDescriptionInput{KeyId: aws.String(id), Description: aws.String("x")})
	wantErr(t, err, "KMSInvalidStateException", arnPrefix+"key/"+id+" is pending deletion.")
}

func TestEnableAndDisableKey(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	arn := arnPrefix + "key/" + id
	_, err := e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
	ok(t, err)
	md := e.describe(id).KeyMetadata
	if md.KeyState != types.KeyStateDisabled || md.Enabled {
		t.Errorf("after DisableKey: got %s/%v, want Disabled/false", md.KeyState, md.Enabled)
	}
	_, err = e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, err = e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, err = e.svc.EnableKey(e.ctx, &kms.EnableKeyInput{KeyId: aws.String(id)})
	ok(t, err)
	if md := e.describe(id).KeyMetadata; md.KeyState != types.KeyStateEnabled || !md.Enabled {
		t.Errorf("after EnableKey: got %s/%v, want Enabled/true", md.KeyState, md.Enabled)
	}
	e.encrypt(id, "x", nil)
}

func TestScheduleAndCancelKeyDeletion(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	arn := arnPrefix + "key/" + id
	blob := e.encrypt(id, "x", nil)
	for _, tc := range []struct {
		name   string
		window int32
	}{{"a window of 6 days is refused", 6}, {"a window of 31 days is refused", 31}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(tc.window)})
			wantErr(t, err, "ValidationException", "PendingWindowInDays must be between 7 and 30")
		})
	}
	out, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)})
	ok(t, err)
	if aws.ToString(out.KeyId) != arn || out.KeyState != types.KeyStatePendingDeletion || aws.ToInt32(out.PendingWindowInDays) != 7 {
		t.Errorf("ScheduleKeyDeletion output: got %s %s %d", aws.ToString(out.KeyId), out.KeyState, aws.ToInt32(out.PendingWindowInDays))
	}
	if want := start.Add(7 * 24 * time.Hour); out.DeletionDate == nil || !out.DeletionDate.Equal(want) {
		t.Errorf("DeletionDate: got %v, want %v", out.DeletionDate, want)
	}
	md := e.describe(id).KeyMetadata
	// The window shows only in PendingReplicaDeletion (developer guide).
	if md.KeyState != types.KeyStatePendingDeletion || md.DeletionDate == nil || md.PendingDeletionWindowInDays != nil {
		t.Errorf("DescribeKey while pending deletion: got %s %v %v, want PendingDeletion with a date and no window", md.KeyState, md.DeletionDate, md.PendingDeletionWindowInDays)
	}
	pending := arn + " is pending deletion."
	_, err = e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
	wantErr(t, err, "KMSInvalidStateException", pending)
	_, err = e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
	wantErr(t, err, "KMSInvalidStateException", pending)
	_, err = e.decrypt(blob, nil)
	wantErr(t, err, "KMSInvalidStateException", pending)
	_, err = e.svc.EnableKey(e.ctx, &kms.EnableKeyInput{KeyId: aws.String(id)})
	wantErr(t, err, "KMSInvalidStateException", pending)
	// Read operations work in every state.
	_, err = e.svc.GetKeyPolicy(e.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id)})
	ok(t, err)
	_, err = e.svc.ListResourceTags(e.ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id)})
	ok(t, err)
	_, err = e.svc.GetKeyRotationStatus(e.ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)})
	ok(t, err)
	_, err = e.svc.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: aws.String(id)})
	ok(t, err)

	c, err := e.svc.CancelKeyDeletion(e.ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)})
	ok(t, err)
	if aws.ToString(c.KeyId) != arn {
		t.Errorf("CancelKeyDeletion KeyId: got %s, want %s", aws.ToString(c.KeyId), arn)
	}
	md = e.describe(id).KeyMetadata
	if md.KeyState != types.KeyStateDisabled || md.DeletionDate != nil {
		t.Errorf("after CancelKeyDeletion: got %s, DeletionDate %v; want Disabled and none", md.KeyState, md.DeletionDate)
	}
	_, err = e.svc.CancelKeyDeletion(e.ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)})
	wantErr(t, err, "KMSInvalidStateException", arn+" is not pending deletion.")
}

func TestKeyIsGoneOnceItsDeletionDatePasses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sweep bool
	}{
		{"lazily, on the next access", false},
		{"through Sweep", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.createKey(nil)
			keep := e.createKey(nil)
			e.alias("alias/doomed", id)
			blob := e.encrypt(id, "x", nil)
			_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
			ok(t, err)
			e.clock.Advance(30*24*time.Hour - time.Second)
			e.describe(id) // one second before the deletion date: still there
			e.clock.Advance(time.Second)
			if tc.sweep {
				res, err := e.svc.Sweep(e.ctx)
				ok(t, err)
				if res.Deleted != 1 {
					t.Errorf("Sweep deleted %d keys, want 1", res.Deleted)
				}
			}
			_, err = e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
			wantErr(t, err, "NotFoundException", "Key '"+arnPrefix+"key/"+id+"' does not exist")
			_, err = e.decrypt(blob, nil)
			wantErr(t, err, "AccessDeniedException", "*")
			_, err = e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/doomed")})
			wantErr(t, err, "NotFoundException", "Alias "+arnPrefix+"alias/doomed is not found.")
			keys, err := e.svc.ListKeys(e.ctx, &kms.ListKeysInput{})
			ok(t, err)
			if len(keys.Keys) != 1 || *keys.Keys[0].KeyId != keep {
				t.Errorf("ListKeys after deletion: got %v, want only %s", keys.Keys, keep)
			}
			aliases, err := e.svc.ListAliases(e.ctx, &kms.ListAliasesInput{})
			ok(t, err)
			if len(aliases.Aliases) != 0 {
				t.Errorf("aliases after their key's deletion: got %d, want 0", len(aliases.Aliases))
			}
			// The alias name is free again.
			e.alias("alias/doomed", keep)
		})
	}
}

func TestListGrantsAnswersEmptyForEveryKey(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	out, err := e.svc.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: aws.String(id)})
	ok(t, err)
	if out.Grants == nil || len(out.Grants) != 0 || out.Truncated {
		t.Errorf("ListGrants: got %v truncated=%v, want an empty list", out.Grants, out.Truncated)
	}
	_, err = e.svc.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: aws.String("0b7fe8a1-7d3c-4f0e-9b52-111111111111")})
	wantErr(t, err, "NotFoundException", "Key '"+arnPrefix+"key/0b7fe8a1-7d3c-4f0e-9b52-111111111111' does not exist")
}

// TestKeyPolicyQuotaIsInclusive: a key policy of exactly 32768 bytes is
// taken by CreateKey and PutKeyPolicy; one byte more is refused by both.
func TestKeyPolicyQuotaIsInclusive(t *testing.T) {
	e := newEnv(t)
	policyOf := func(n int) string {
		const head, tail = `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*","Sid":"`, `"}}`
		return head + strings.Repeat("s", n-len(head)-len(tail)) + tail
	}
	out, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{Policy: aws.String(policyOf(32768))})
	if err != nil {
		t.Fatalf("CreateKey with a 32768-byte policy: %v", err)
	}
	if _, err := e.svc.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: out.KeyMetadata.KeyId, Policy: aws.String(policyOf(32768))}); err != nil {
		t.Errorf("PutKeyPolicy with a 32768-byte policy: %v", err)
	}
	_, err = e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{Policy: aws.String(policyOf(32769))})
	wantErr(t, err, "LimitExceededException", "The key policy document is 32769 bytes, larger than the 32768 bytes allowed.")
	_, err = e.svc.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: out.KeyMetadata.KeyId, Policy: aws.String(policyOf(32769))})
	wantErr(t, err, "LimitExceededException", "The key policy document is 32769 bytes, larger than the 32768 bytes allowed.")
}
