package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func keyARN(region, id string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, testAccount, id)
}

func TestKeyLifecycleThroughTheSDK(t *testing.T) { onEveryBackend(t, keyLifecycleThroughTheSDK) }

func keyLifecycleThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)

	created := must(c.CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("orders"),
		Tags:        []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("payments")}},
	}))(t)
	md := created.KeyMetadata
	id := aws.ToString(md.KeyId)
	t.Run("CreateKey answers full symmetric metadata", func(t *testing.T) {
		if got, want := aws.ToString(md.Arn), keyARN(testRegion, id); got != want {
			t.Errorf("got Arn %s, want %s", got, want)
		}
		if md.KeySpec != types.KeySpecSymmetricDefault || md.KeyUsage != types.KeyUsageTypeEncryptDecrypt ||
			md.Origin != types.OriginTypeAwsKms || md.KeyManager != types.KeyManagerTypeCustomer ||
			md.KeyState != types.KeyStateEnabled || !md.Enabled {
			t.Errorf("got metadata %+v, want an enabled symmetric customer key", md)
		}
		if aws.ToString(md.AWSAccountId) != testAccount {
			t.Errorf("got account %s, want %s", aws.ToString(md.AWSAccountId), testAccount)
		}
		if len(md.EncryptionAlgorithms) != 1 || md.EncryptionAlgorithms[0] != types.EncryptionAlgorithmSpecSymmetricDefault {
			t.Errorf("got EncryptionAlgorithms %v, want [SYMMETRIC_DEFAULT]", md.EncryptionAlgorithms)
		}
		if md.CreationDate == nil || time.Since(*md.CreationDate) > time.Hour || time.Since(*md.CreationDate) < -time.Hour {
			t.Errorf("got CreationDate %v, want about now", md.CreationDate)
		}
		if len(aws.ToString(md.CurrentKeyMaterialId)) != 64 {
			t.Errorf("got CurrentKeyMaterialId %q, want 64 hex characters", aws.ToString(md.CurrentKeyMaterialId))
		}
	})

	t.Run("DescribeKey finds the key by id, ARN, alias name and alias ARN", func(t *testing.T) {
		must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: aws.String(id)}))(t)
		for _, ref := range []string{id, keyARN(testRegion, id), "alias/orders", fmt.Sprintf("arn:aws:kms:%s:%s:alias/orders", testRegion, testAccount)} {
			got := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)}))(t)
			if aws.ToString(got.KeyMetadata.KeyId) != id || aws.ToString(got.KeyMetadata.Description) != "orders" {
				t.Errorf("DescribeKey(%s): got %s %q, want %s \"orders\"", ref, aws.ToString(got.KeyMetadata.KeyId), aws.ToString(got.KeyMetadata.Description), id)
			}
		}
	})

	t.Run("Encrypt and Decrypt round trip with an encryption context", func(t *testing.T) {
		ec := map[string]string{"tenant": "org1", "table": "users"}
		enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/orders"), Plaintext: []byte("card 4111"), EncryptionContext: ec}))(t)
		if aws.ToString(enc.KeyId) != keyARN(testRegion, id) {
			t.Errorf("got Encrypt KeyId %s, want the key ARN", aws.ToString(enc.KeyId))
		}
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}))(t)
		if string(dec.Plaintext) != "card 4111" || aws.ToString(dec.KeyId) != keyARN(testRegion, id) {
			t.Errorf("got %q from %s, want \"card 4111\" from the key ARN", dec.Plaintext, aws.ToString(dec.KeyId))
		}
		_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
		wantAPIError(t, err, "InvalidCiphertextException", "")
		_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"tenant": "org2", "table": "users"}})
		wantAPIError(t, err, "InvalidCiphertextException", "")
	})

	t.Run("GenerateDataKey plaintext opens with Decrypt of its blob", func(t *testing.T) {
		dk := must(c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256}))(t)
		if len(dk.Plaintext) != 32 {
			t.Fatalf("got %d plaintext bytes, want 32", len(dk.Plaintext))
		}
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, KeyId: aws.String(id)}))(t)
		if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
			t.Error("got a different data key back from Decrypt")
		}
		wp := must(c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(16)}))(t)
		dec = must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wp.CiphertextBlob}))(t)
		if len(dec.Plaintext) != 16 {
			t.Errorf("got %d bytes, want 16", len(dec.Plaintext))
		}
		_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(1025)})
		wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024")
	})

	t.Run("ReEncrypt moves a blob to another key", func(t *testing.T) {
		other := must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t)
		otherID := aws.ToString(other.KeyMetadata.KeyId)
		enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("move me")}))(t)
		re := must(c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: aws.String(otherID)}))(t)
		if aws.ToString(re.SourceKeyId) != keyARN(testRegion, id) || aws.ToString(re.KeyId) != keyARN(testRegion, otherID) {
			t.Errorf("got source %s dest %s, want %s and %s", aws.ToString(re.SourceKeyId), aws.ToString(re.KeyId), id, otherID)
		}
		_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, KeyId: aws.String(id)})
		wantAPIError(t, err, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob}))(t)
		if string(dec.Plaintext) != "move me" {
			t.Errorf("got %q, want \"move me\"", dec.Plaintext)
		}
	})

	t.Run("Disabled key refuses Encrypt and EnableKey restores it", func(t *testing.T) {
		must(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)}))(t)
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		wantAPIError(t, err, "DisabledException", keyARN(testRegion, id)+" is disabled.")
		must(c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(id)}))(t)
		must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")}))(t)
	})

	t.Run("Rotation keeps old blobs readable", func(t *testing.T) {
		old := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("before rotation")}))(t)
		before := aws.ToString(must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata.CurrentKeyMaterialId)
		must(c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)}))(t)
		after := aws.ToString(must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata.CurrentKeyMaterialId)
		if before == after {
			t.Errorf("got the same CurrentKeyMaterialId %s after RotateKeyOnDemand, want a new one", after)
		}
		rot := must(c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(id)}))(t)
		if len(rot.Rotations) != 1 || rot.Rotations[0].RotationType != types.RotationTypeOnDemand {
			t.Errorf("got rotations %+v, want one ON_DEMAND", rot.Rotations)
		}
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: old.CiphertextBlob}))(t)
		if string(dec.Plaintext) != "before rotation" {
			t.Errorf("got %q after rotation, want the old plaintext", dec.Plaintext)
		}
		must(c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(90)}))(t)
		st := must(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)}))(t)
		if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 90 || st.NextRotationDate == nil {
			t.Errorf("got rotation status enabled=%v period=%d next=%v, want enabled 90 with a date", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays), st.NextRotationDate)
		}
		must(c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(id)}))(t)
		st = must(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)}))(t)
		if st.KeyRotationEnabled {
			t.Error("got rotation enabled after DisableKeyRotation")
		}
		_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(89)})
		wantAPIError(t, err, "ValidationException", "-")
	})

	t.Run("Tags, description and key policy answer as AWS", func(t *testing.T) {
		must(c.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("prod")}}}))(t)
		must(c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: aws.String(id), TagKeys: []string{"team"}}))(t)
		tags := must(c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id)}))(t)
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagKey) != "env" || aws.ToString(tags.Tags[0].TagValue) != "prod" {
			t.Errorf("got tags %+v, want only env=prod", tags.Tags)
		}
		_, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{{TagKey: aws.String("AWS:x"), TagValue: aws.String("v")}}})
		wantAPIError(t, err, "TagException", "Tags beginning with aws: are reserved")

		must(c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: aws.String(id), Description: aws.String("orders v2")}))(t)
		d := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t)
		if aws.ToString(d.KeyMetadata.Description) != "orders v2" {
			t.Errorf("got description %q, want \"orders v2\"", aws.ToString(d.KeyMetadata.Description))
		}

		pol := must(c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id)}))(t)
		var doc struct {
			Statement []struct {
				Principal struct{ AWS string }
				Action    string
			}
		}
		if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil || len(doc.Statement) != 1 ||
			doc.Statement[0].Principal.AWS != "arn:aws:iam::"+testAccount+":root" || doc.Statement[0].Action != "kms:*" {
			t.Errorf("got default policy %s (%v), want the account-root kms:* policy", aws.ToString(pol.Policy), err)
		}
		newPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:Decrypt","Resource":"*"}]}`
		must(c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(id), Policy: aws.String(newPolicy)}))(t)
		pol = must(c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("default")}))(t)
		if aws.ToString(pol.Policy) != newPolicy {
			t.Errorf("got policy %s, want the one put", aws.ToString(pol.Policy))
		}
		_, err = c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(id), Policy: aws.String("{not json")})
		wantAPIError(t, err, "MalformedPolicyDocumentException", "-")
		names := must(c.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: aws.String(id)}))(t)
		if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "default" {
			t.Errorf("got policy names %v, want [default]", names.PolicyNames)
		}
		grants := must(c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(id)}))(t)
		if len(grants.Grants) != 0 {
			t.Errorf("got %d grants, want none", len(grants.Grants))
		}
	})

	t.Run("Aliases can be moved, listed by key and deleted", func(t *testing.T) {
		other := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
		must(c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: aws.String(other)}))(t)
		list := must(c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(other)}))(t)
		if len(list.Aliases) != 1 || aws.ToString(list.Aliases[0].AliasName) != "alias/orders" || aws.ToString(list.Aliases[0].TargetKeyId) != other {
			t.Errorf("got aliases %+v, want alias/orders on %s", list.Aliases, other)
		}
		_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: aws.String(id)})
		wantAPIError(t, err, "AlreadyExistsException", fmt.Sprintf("An alias with the name arn:aws:kms:%s:%s:alias/orders already exists", testRegion, testAccount))
		_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("orders"), TargetKeyId: aws.String(id)})
		wantAPIError(t, err, "ValidationException", `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
		_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/my-alias!"), TargetKeyId: aws.String(id)})
		wantAPIError(t, err, "ValidationException", "1 validation error detected: Value 'alias/my-alias!' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
		must(c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/orders")}))(t)
		_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/orders")})
		wantAPIError(t, err, "NotFoundException", fmt.Sprintf("Alias arn:aws:kms:%s:%s:alias/orders is not found.", testRegion, testAccount))
	})

	t.Run("ScheduleKeyDeletion then CancelKeyDeletion leaves the key disabled", func(t *testing.T) {
		del := must(c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)}))(t)
		if del.KeyState != types.KeyStatePendingDeletion || del.DeletionDate == nil || aws.ToInt32(del.PendingWindowInDays) != 7 {
			t.Errorf("got %+v, want PendingDeletion in 7 days", del)
		}
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		wantAPIError(t, err, "KMSInvalidStateException", keyARN(testRegion, id)+" is pending deletion.")
		_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id)})
		wantAPIError(t, err, "KMSInvalidStateException", "-")
		must(c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)}))(t)
		d := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t)
		if d.KeyMetadata.KeyState != types.KeyStateDisabled || d.KeyMetadata.DeletionDate != nil {
			t.Errorf("got state %s deletion %v, want Disabled with no date", d.KeyMetadata.KeyState, d.KeyMetadata.DeletionDate)
		}
		_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(6)})
		wantAPIError(t, err, "ValidationException", "PendingWindowInDays must be between 7 and 30")
	})
}

func TestIdentifiersAndRegions(t *testing.T) { onEveryBackend(t, identifiersAndRegions) }

func identifiersAndRegions(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	east := in.client(testRegion)
	west := in.client("eu-west-1")
	id := aws.ToString(must(west.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)

	tests := []struct {
		name, keyID, code, msg string
		client                 *kms.Client
	}{
		{"a key made in eu-west-1 is not found through us-east-1", id, "NotFoundException", fmt.Sprintf("Key '%s' does not exist", keyARN(testRegion, id)), east},
		{"a well-formed unknown id names the full ARN", "00000000-0000-0000-0000-000000000000", "NotFoundException", fmt.Sprintf("Key '%s' does not exist", keyARN(testRegion, "00000000-0000-0000-0000-000000000000")), east},
		{"a malformed id is an invalid keyId", "fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'", east},
		{"an ARN of another region is an invalid arn", keyARN("us-west-2", id), "NotFoundException", "Invalid arn us-west-2", east},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(tt.keyID)})
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
	t.Run("the key is found through its own region", func(t *testing.T) {
		d := must(west.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t)
		if aws.ToString(d.KeyMetadata.Arn) != keyARN("eu-west-1", id) {
			t.Errorf("got %s, want %s", aws.ToString(d.KeyMetadata.Arn), keyARN("eu-west-1", id))
		}
	})
}

func TestListPagination(t *testing.T) { onEveryBackend(t, listPagination) }

func listPagination(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	want := map[string]bool{}
	for i := 0; i < 5; i++ {
		want[aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)] = true
	}
	got := map[string]bool{}
	var marker *string
	pages := 0
	for {
		page := must(c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(2), Marker: marker}))(t)
		pages++
		for _, k := range page.Keys {
			got[aws.ToString(k.KeyId)] = true
		}
		if !page.Truncated {
			break
		}
		marker = page.NextMarker
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if pages != 3 || len(got) != 5 {
		t.Errorf("got %d keys in %d pages, want 5 in 3", len(got), pages)
	}
	for id := range want {
		if !got[id] {
			t.Errorf("key %s missing from ListKeys", id)
		}
	}
	_, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException", "-")
}

func TestGenerateRandom(t *testing.T) { onEveryBackend(t, generateRandom) }

func generateRandom(t *testing.T, start starter) {
	ctx := context.Background()
	c := start(t).client(testRegion)
	r := must(c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(64)}))(t)
	if len(r.Plaintext) != 64 || bytes.Equal(r.Plaintext, make([]byte, 64)) {
		t.Errorf("got %d bytes %x, want 64 random bytes", len(r.Plaintext), r.Plaintext)
	}
	_, err := c.GenerateRandom(ctx, &kms.GenerateRandomInput{})
	wantAPIError(t, err, "ValidationException", "NumberOfBytes is required.")
}

func TestDryRun(t *testing.T) { onEveryBackend(t, dryRun) }

func dryRun(t *testing.T, start starter) {
	ctx := context.Background()
	c := start(t).client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	wantAPIError(t, err, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	must(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)}))(t)
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	wantAPIError(t, err, "DisabledException", keyARN(testRegion, id)+" is disabled.")
}

func TestBlobMadeBeforeRestartDecryptsAfter(t *testing.T) {
	onEveryBackend(t, blobMadeBeforeRestartDecryptsAfter)
}

func blobMadeBeforeRestartDecryptsAfter(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/survives"), TargetKeyId: aws.String(id)}))(t)
	enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/survives"), Plaintext: []byte("persisted")}))(t)

	in.restart()

	dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}))(t)
	if string(dec.Plaintext) != "persisted" {
		t.Errorf("got %q after restart, want \"persisted\"", dec.Plaintext)
	}
	must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/survives")}))(t)
}

func TestTestClockDeletesKeyAfterItsWindow(t *testing.T) {
	onEveryBackend(t, testClockDeletesKeyAfterItsWindow)
}

func testClockDeletesKeyAfterItsWindow(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	c := in.client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	must(c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)}))(t)

	advance(t, in, 169*time.Hour)
	_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	wantAPIError(t, err, "NotFoundException", fmt.Sprintf("Key '%s' does not exist", keyARN(testRegion, id)))
}

func TestClockEndpointIsAbsentWithoutTheFlag(t *testing.T) {
	in := start(t, func(c *serverConfig) { c.TestClock = false })
	resp, err := http.Post(in.srv.URL()+"/_kmsgate/clock", "application/json", strings.NewReader(`{"advance":"1h"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("got status %d, want 404", resp.StatusCode)
	}
}
