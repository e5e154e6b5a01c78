package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/envelope"
	"github.com/kmsgate/kmsgate/gate"
	"github.com/kmsgate/kmsgate/kmsgatetest"
	"github.com/kmsgate/kmsgate/server"
)

// prefixed is kmsgate serving with --alias-prefix alias/jumpwire/: caller
// talks to it; setup reaches the keys behind it without the gate (the
// emulator itself, or a client direct to the proxy's upstream) to arrange
// keys the caller may not use.
type prefixed struct {
	caller *kms.Client
	setup  kmsgate.Backend
}

const testAliasPrefix = "alias/jumpwire/"

func startPrefixedEmulator(t *testing.T) prefixed {
	in := start(t, func(c *server.Config) { c.AliasPrefix = testAliasPrefix })
	return prefixed{caller: in.client(testRegion), setup: in.srv.Emulator()}
}

func startPrefixedProxy(t *testing.T) prefixed {
	in := start(t)
	px := startProxy(t, in.ks.URL, func(c *server.Config) { c.AliasPrefix = testAliasPrefix })
	caller := sdkClient(kms.Options{
		Region: testRegion, BaseEndpoint: aws.String(px.URL()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(kmsgatetest.AccessKeyID, kmsgatetest.SecretAccessKey, ""),
	})
	return prefixed{caller: caller, setup: in.ks.ClientIn(testRegion)}
}

// TestAliasPrefix runs the same checks on kmsgate emulating with
// --alias-prefix and on kmsgate proxying with it.
func TestAliasPrefix(t *testing.T) {
	for _, b := range []struct {
		name  string
		start func(*testing.T) prefixed
	}{{"emulator", startPrefixedEmulator}, {"proxy", startPrefixedProxy}} {
		t.Run(b.name, func(t *testing.T) { aliasPrefixChecks(t, b.start(t)) })
	}
}

func aliasPrefixChecks(t *testing.T, p prefixed) {
	ctx := context.Background()
	c := p.caller

	t.Run("the seed's envelope flow works", func(t *testing.T) {
		env, err := envelope.New(envelope.Config{KMS: c, KeyName: "jumpwire", Tenant: "org1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Start(ctx); err != nil {
			t.Fatalf("Start (DescribeKey, CreateKey + CreateAlias alias/jumpwire/org1, GenerateDataKey): %v", err)
		}
		sealed := must(env.Encrypt(ctx, []byte("4111 1111")))(t)
		cold, err := envelope.New(envelope.Config{KMS: c, KeyName: "jumpwire", Tenant: "org1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(must(cold.Decrypt(ctx, sealed))(t)); got != "4111 1111" {
			t.Errorf("got %q, want the plaintext back (a KMS Decrypt without KeyId)", got)
		}
	})

	// A symmetric key and a signing key under alias/other, made behind the gate.
	other := must(p.setup.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	must(p.setup.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/other"), TargetKeyId: other.KeyId}))(t)
	blob := must(p.setup.Encrypt(ctx, &kms.EncryptInput{KeyId: other.KeyId, Plaintext: []byte("not yours")}))(t).CiphertextBlob
	signer := must(p.setup.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify}))(t).KeyMetadata
	must(p.setup.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/other-signer"), TargetKeyId: signer.KeyId}))(t)

	t.Run("a key without an alias under the prefix is denied", func(t *testing.T) {
		for _, c := range []struct {
			name string
			call func() (any, error)
		}{
			{"GenerateDataKey", func() (any, error) {
				return c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/other"), KeySpec: types.DataKeySpecAes256})
			}},
			{"Encrypt", func() (any, error) {
				return c.Encrypt(ctx, &kms.EncryptInput{KeyId: other.KeyId, Plaintext: []byte("x")})
			}},
			{"Decrypt with KeyId", func() (any, error) {
				return c.Decrypt(ctx, &kms.DecryptInput{KeyId: other.Arn, CiphertextBlob: blob})
			}},
			{"Decrypt without KeyId", func() (any, error) {
				return c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
			}},
			{"Sign", func() (any, error) {
				return c.Sign(ctx, &kms.SignInput{KeyId: signer.KeyId, Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				out, err := c.call()
				wantAPIError(t, err, "AccessDeniedException", "-")
				if c.name == "GenerateDataKey" {
					wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+testAccount+":user/kmsgate is not authorized to perform: kms:GenerateDataKey on resource: "+
						aws.ToString(other.Arn)+" because no identity-based policy allows the kms:GenerateDataKey action")
				}
				if d, ok := out.(*kms.DecryptOutput); ok && d != nil {
					t.Errorf("got an answer with plaintext %q beside the denial, want none", d.Plaintext)
				}
			})
		}
	})

	newKey := must(c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("CreateKey is allowed")}))(t).KeyMetadata
	t.Run("CreateAlias outside the prefix is denied", func(t *testing.T) {
		_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/outside"), TargetKeyId: newKey.KeyId})
		wantAPIError(t, err, "AccessDeniedException", "-")
	})
	t.Run("a new key is usable at once after CreateAlias under the prefix", func(t *testing.T) {
		// Denied first: its facts (no alias yet) are now cached in proxy mode.
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: newKey.KeyId, Plaintext: []byte("x")})
		wantAPIError(t, err, "AccessDeniedException", "-")
		must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(testAliasPrefix + "new"), TargetKeyId: newKey.KeyId}))(t)
		enc := must(c.Encrypt(ctx, &kms.EncryptInput{KeyId: newKey.KeyId, Plaintext: []byte("now yes")}))(t)
		dec := must(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}))(t)
		if string(dec.Plaintext) != "now yes" {
			t.Errorf("got %q, want \"now yes\"", dec.Plaintext)
		}
	})
	t.Run("everything else is denied", func(t *testing.T) {
		_, err := c.ListKeys(ctx, &kms.ListKeysInput{})
		wantAPIError(t, err, "AccessDeniedException", "-")
	})
}

// TestAliasPrefixCombinesWithPrincipals: with a principals file, a call
// needs both the caller's own policies and the prefix's; in dry-run mode
// the prefix only records.
func TestAliasPrefixCombinesWithPrincipals(t *testing.T) {
	ctx := context.Background()
	principals := gateFiles(t)
	in := start(t, func(c *server.Config) { c.AliasPrefix, c.PrincipalsPath = testAliasPrefix, principals })
	admin, grantee := in.clientAs("AKIAADMIN", "admin-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
	emu := in.srv.Emulator()
	mine := must(emu.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
	must(emu.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(testAliasPrefix + "mine"), TargetKeyId: mine.KeyId}))(t)
	other := must(emu.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata

	for _, c := range []struct {
		name     string
		client   *kms.Client
		key      *string
		wantDeny bool
	}{
		{"kms:* and a prefixed key: both allow", admin, mine.KeyId, false},
		{"kms:* but a key outside the prefix: the prefix denies", admin, other.KeyId, true},
		{"a prefixed key but no policy of the caller's own: the caller's policies deny", grantee, mine.KeyId, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.client.Encrypt(ctx, &kms.EncryptInput{KeyId: c.key, Plaintext: []byte("x")})
			if c.wantDeny {
				wantAPIError(t, err, "AccessDeniedException", "-")
			} else if err != nil {
				t.Errorf("got %v, want the call allowed", err)
			}
		})
	}

	t.Run("dry-run records the prefix's denials and serves the call", func(t *testing.T) {
		dry := start(t, func(c *server.Config) { c.AliasPrefix, c.PolicyMode = testAliasPrefix, gate.DryRun })
		k := must(dry.srv.Emulator().CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata
		must(dry.client(testRegion).Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")}))(t)
		recs := dry.decisions(t, "10")
		if len(recs) == 0 || recs[len(recs)-1].Decision != "ImplicitDeny" || recs[len(recs)-1].Enforced {
			t.Errorf("got decisions %+v, want the Encrypt recorded as a would-deny, not enforced", recs)
		}
	})
}
