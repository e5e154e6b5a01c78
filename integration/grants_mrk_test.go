package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestGrantLifecycleThroughTheSDK(t *testing.T) { onEveryBackend(t, grantLifecycleThroughTheSDK) }

func grantLifecycleThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	c := start(t).client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	const grantee, retiring = "arn:aws:iam::111122223333:role/app", "arn:aws:iam::111122223333:role/ops"

	in := &kms.CreateGrantInput{
		KeyId:             aws.String(id),
		GranteePrincipal:  aws.String(grantee),
		RetiringPrincipal: aws.String(retiring),
		Operations:        []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt},
		Constraints:       &types.GrantConstraints{EncryptionContextEquals: map[string]string{"tenant": "org1"}},
		Name:              aws.String("orders-app"),
	}
	g := must(c.CreateGrant(ctx, in))(t)

	t.Run("the grant token is accepted by operations that take grant tokens", func(t *testing.T) {
		enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), GrantTokens: []string{aws.ToString(g.GrantToken)}}))(t)
		must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, GrantTokens: []string{aws.ToString(g.GrantToken)}}))(t)
		must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id), GrantTokens: []string{aws.ToString(g.GrantToken)}}))(t)
	})
	t.Run("a repeated named CreateGrant answers the same grant id", func(t *testing.T) {
		again := must(c.CreateGrant(ctx, in))(t)
		if aws.ToString(again.GrantId) != aws.ToString(g.GrantId) {
			t.Errorf("got GrantId %s, want %s", aws.ToString(again.GrantId), aws.ToString(g.GrantId))
		}
	})
	t.Run("ListGrants answers the grant with its constraints", func(t *testing.T) {
		out := must(c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(id)}))(t)
		if len(out.Grants) != 1 {
			t.Fatalf("got %d grants, want 1", len(out.Grants))
		}
		gr := out.Grants[0]
		if aws.ToString(gr.GrantId) != aws.ToString(g.GrantId) || aws.ToString(gr.KeyId) != keyARN(testRegion, id) ||
			aws.ToString(gr.GranteePrincipal) != grantee || aws.ToString(gr.Name) != "orders-app" {
			t.Errorf("got %+v, want the created grant", gr)
		}
		if gr.Constraints == nil || gr.Constraints.EncryptionContextEquals["tenant"] != "org1" {
			t.Errorf("got constraints %+v, want EncryptionContextEquals tenant=org1", gr.Constraints)
		}
		if gr.CreationDate == nil || gr.CreationDate.IsZero() {
			t.Errorf("got CreationDate %v, want a time", gr.CreationDate)
		}
	})
	t.Run("ListRetirableGrants finds it by the retiring principal", func(t *testing.T) {
		out := must(c.ListRetirableGrants(ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(retiring)}))(t)
		if len(out.Grants) != 1 || aws.ToString(out.Grants[0].GrantId) != aws.ToString(g.GrantId) {
			t.Errorf("got %d grants, want the one grant", len(out.Grants))
		}
	})
	t.Run("only CreateGrant is refused with AWS's text", func(t *testing.T) {
		_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(id), GranteePrincipal: aws.String(grantee), Operations: []types.GrantOperation{types.GrantOperationCreateGrant}})
		wantAPIError(t, err, "ValidationException", "Grants must not contain only the CreateGrant operation.")
	})
	t.Run("RetireGrant by token removes it", func(t *testing.T) {
		must(c.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken}))(t)
		if out := must(c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(id)}))(t); len(out.Grants) != 0 {
			t.Errorf("got %d grants after RetireGrant, want 0", len(out.Grants))
		}
		_, err := c.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: aws.String("garbage")})
		wantAPIError(t, err, "InvalidGrantTokenException", "-")
	})
	t.Run("RevokeGrant removes a grant and a second revoke is not found", func(t *testing.T) {
		g2 := must(c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(id), GranteePrincipal: aws.String(grantee), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}))(t)
		must(c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(id), GrantId: g2.GrantId}))(t)
		_, err := c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(id), GrantId: g2.GrantId})
		wantAPIError(t, err, "NotFoundException", "-")
		_, err = c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(id), GrantId: aws.String("not-a-grant-id")})
		wantAPIError(t, err, "InvalidGrantIdException", "-")
	})
}

func TestMultiRegionKeyDecryptsAcrossRegionsThroughTheSDK(t *testing.T) {
	onEveryBackend(t, multiRegionKeyDecryptsAcrossRegionsThroughTheSDK)
}

func multiRegionKeyDecryptsAcrossRegionsThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	in := start(t)
	east, west := in.client(testRegion), in.client("eu-west-1")
	md := must(east.CreateKey(ctx, &kms.CreateKeyInput{MultiRegion: aws.Bool(true)}))(t).KeyMetadata
	id := aws.ToString(md.KeyId)
	if !strings.HasPrefix(id, "mrk-") || len(id) != 36 {
		t.Fatalf("got key id %q, want mrk- and 32 hex characters", id)
	}
	rep := must(east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("eu-west-1")}))(t)
	if got := aws.ToString(rep.ReplicaKeyMetadata.Arn); got != keyARN("eu-west-1", id) {
		t.Errorf("got replica ARN %s, want %s", got, keyARN("eu-west-1", id))
	}
	ec := map[string]string{"order": "42"}

	t.Run("a blob made in the primary's region opens in the replica's", func(t *testing.T) {
		enc := must(east.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("east"), EncryptionContext: ec}))(t)
		dec := must(west.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}))(t)
		if string(dec.Plaintext) != "east" || aws.ToString(dec.KeyId) != keyARN("eu-west-1", id) {
			t.Errorf("got %q from %s, want \"east\" from the replica", dec.Plaintext, aws.ToString(dec.KeyId))
		}
	})
	t.Run("a blob made in the replica's region opens in the primary's", func(t *testing.T) {
		enc := must(west.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256}))(t)
		dec := must(east.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}))(t)
		if string(dec.Plaintext) != string(enc.Plaintext) {
			t.Error("got another data key back in the primary's region")
		}
	})
	t.Run("a single-Region key's blob stays in its region", func(t *testing.T) {
		single := aws.ToString(must(east.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
		enc := must(east.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(single), Plaintext: []byte("x")}))(t)
		_, err := west.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
		wantAPIError(t, err, "AccessDeniedException", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
		_, err = east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(single), ReplicaRegion: aws.String("eu-west-1")})
		wantAPIError(t, err, "UnsupportedOperationException", keyARN(testRegion, single)+" is not a multi-region primary key.")
	})
	t.Run("DescribeKey in both regions names the primary and the replica", func(t *testing.T) {
		for _, c := range []*kms.Client{east, west} {
			cfg := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata.MultiRegionConfiguration
			if cfg == nil || aws.ToString(cfg.PrimaryKey.Arn) != keyARN(testRegion, id) || len(cfg.ReplicaKeys) != 1 || aws.ToString(cfg.ReplicaKeys[0].Arn) != keyARN("eu-west-1", id) {
				t.Errorf("got %+v, want primary in %s and replica in eu-west-1", cfg, testRegion)
			}
		}
	})
	t.Run("replicating the replica and replicating twice fail as AWS", func(t *testing.T) {
		_, err := west.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("ap-south-1")})
		wantAPIError(t, err, "UnsupportedOperationException", keyARN("eu-west-1", id)+" is not a multi-region primary key.")
		_, err = east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(id), ReplicaRegion: aws.String("eu-west-1")})
		wantAPIError(t, err, "AlreadyExistsException", "-")
	})
	t.Run("UpdatePrimaryRegion moves the primary and rotation reaches the other key", func(t *testing.T) {
		must(east.UpdatePrimaryRegion(ctx, &kms.UpdatePrimaryRegionInput{KeyId: aws.String(id), PrimaryRegion: aws.String("eu-west-1")}))(t)
		must(west.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)}))(t)
		e := must(east.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata
		w := must(west.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata
		if e.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica || w.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypePrimary {
			t.Errorf("got %s in %s and %s in eu-west-1, want REPLICA and PRIMARY", e.MultiRegionConfiguration.MultiRegionKeyType, testRegion, w.MultiRegionConfiguration.MultiRegionKeyType)
		}
		if aws.ToString(e.CurrentKeyMaterialId) != aws.ToString(w.CurrentKeyMaterialId) {
			t.Errorf("got material %s and %s, want the rotated material in both", aws.ToString(e.CurrentKeyMaterialId), aws.ToString(w.CurrentKeyMaterialId))
		}
	})
}

func TestAWSManagedKeyThroughTheSDK(t *testing.T) { onEveryBackend(t, aWSManagedKeyThroughTheSDK) }

func aWSManagedKeyThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	c := start(t).client(testRegion)
	enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/aws/s3"), Plaintext: []byte("object")}))(t)
	md := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")}))(t).KeyMetadata
	if md.KeyManager != types.KeyManagerTypeAws || aws.ToString(enc.KeyId) != aws.ToString(md.Arn) {
		t.Errorf("got manager %s and Encrypt key %s, want AWS and %s", md.KeyManager, aws.ToString(enc.KeyId), aws.ToString(md.Arn))
	}
	aliases := must(c.ListAliases(ctx, &kms.ListAliasesInput{}))(t).Aliases
	if len(aliases) != 1 || aws.ToString(aliases[0].AliasName) != "alias/aws/s3" || aws.ToString(aliases[0].TargetKeyId) != aws.ToString(md.KeyId) {
		t.Errorf("got aliases %+v, want alias/aws/s3 -> %s", aliases, aws.ToString(md.KeyId))
	}
	_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId})
	wantAPIError(t, err, "AccessDeniedException", "-")
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/mine"), TargetKeyId: md.KeyId})
	wantAPIError(t, err, "InvalidAliasNameException", "-")
}

func TestCustomKeyStoresAnswerThroughTheSDK(t *testing.T) {
	onEveryBackend(t, customKeyStoresAnswerThroughTheSDK)
}

func customKeyStoresAnswerThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	c := start(t).client(testRegion)
	out := must(c.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{}))(t)
	if len(out.CustomKeyStores) != 0 || out.Truncated {
		t.Errorf("got %d stores, want none", len(out.CustomKeyStores))
	}
	for name, call := range map[string]func() error{
		"ConnectCustomKeyStore": func() error {
			_, err := c.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
			return err
		},
		"DescribeCustomKeyStores": func() error {
			_, err := c.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
			return err
		},
		"CreateKey": func() error {
			_, err := c.CreateKey(ctx, &kms.CreateKeyInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0"), Origin: types.OriginTypeAwsCloudhsm})
			return err
		},
	} {
		t.Run(name+" of a store that does not exist is CustomKeyStoreNotFoundException", func(t *testing.T) {
			wantAPIError(t, call(), "CustomKeyStoreNotFoundException", "-")
		})
	}
	_, err := c.CreateCustomKeyStore(ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("hsm"), CloudHsmClusterId: aws.String("cluster-1a23b4cdefg")})
	wantAPIError(t, err, "CloudHsmClusterNotFoundException", "-")
}

func TestGetKeyLastUsageThroughTheSDK(t *testing.T) { onEveryBackend(t, getKeyLastUsageThroughTheSDK) }

func getKeyLastUsageThroughTheSDK(t *testing.T, start starter) {
	ctx := context.Background()
	c := start(t).client(testRegion)
	id := aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.KeyId)
	before := must(c.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: aws.String(id)}))(t)
	if before.KeyLastUsage == nil || before.KeyLastUsage.Operation != "" {
		t.Errorf("got %+v before any use, want an empty usage", before.KeyLastUsage)
	}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	after := must(c.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: aws.String(id)}))(t)
	u := after.KeyLastUsage
	if u.Operation != types.KeyLastUsageTrackingOperationEncrypt || u.Timestamp == nil || aws.ToString(u.KmsRequestId) == "" {
		t.Errorf("got %+v, want Encrypt with a time and the request id", u)
	}
	if got, want := aws.ToString(after.KeyId), keyARN(testRegion, id); got != want {
		t.Errorf("got KeyId %s, want %s", got, want)
	}
	if reqID, ok := awsmiddleware.GetRequestIDMetadata(enc.ResultMetadata); !ok || aws.ToString(u.KmsRequestId) != reqID {
		t.Errorf("got KmsRequestId %q, want the Encrypt answer's x-amzn-RequestId %q", aws.ToString(u.KmsRequestId), reqID)
	}
}
