package emulator_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
	"github.com/kmsgate/kmsgate/emulator/seed"
)

const (
	seedRSA      = "2f0e3d6c-8a44-4b1e-9c21-6f1a2b3c4d5e"
	seedEC       = "3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	seedHMAC     = "4b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
	seedExternal = "5c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
	seedPending  = "6d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a"
)

func TestApplySeedCreatesEveryKeyType(t *testing.T) {
	e := newEnv(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	ok(t, err)
	// The seed package hands over PKCS#8 DER; a PKCS#1 key goes through
	// keyspec's parser too.
	rsaDER := x509.MarshalPKCS1PrivateKey(rsaKey)
	hmacMaterial := bytes.Repeat([]byte{0x42}, 64)
	symMaterial := bytes.Repeat([]byte{0x24}, 32)
	f := &seed.File{Keys: []seed.Key{
		{ID: seedRSA, KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify, Enabled: true, PrivateKeyDER: rsaDER, Aliases: []string{"alias/seed-rsa"}},
		{ID: seedEC, KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement, Enabled: true},
		{ID: seedHMAC, KeySpec: types.KeySpecHmac512, KeyUsage: types.KeyUsageTypeGenerateVerifyMac, Enabled: true, Material: [][]byte{hmacMaterial}},
		{ID: seedExternal, Origin: types.OriginTypeExternal, Enabled: true, Material: [][]byte{symMaterial}},
		{ID: seedPending, Origin: types.OriginTypeExternal, Enabled: true},
	}}
	ok(t, e.svc.ApplySeed(e.ctx, f))

	t.Run("an RSA key seeded from a private key publishes its public key and signs with it", func(t *testing.T) {
		spki, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
		ok(t, err)
		if got := e.publicKey("alias/seed-rsa").PublicKey; !bytes.Equal(got, spki) {
			t.Fatal("GetPublicKey is not the seeded key's public key")
		}
		out, err := e.svc.Sign(e.ctx, &kms.SignInput{KeyId: aws.String(seedRSA), Message: []byte("seeded"), SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha512})
		ok(t, err)
		verifyLocally(t, signCase{alg: types.SigningAlgorithmSpecRsassaPkcs1V15Sha512}, spki, []byte("seeded"), out.Signature)
	})
	t.Run("an ECC key seeded without material gets generated material of its spec", func(t *testing.T) {
		md := e.describe(seedEC).KeyMetadata
		if md.KeySpec != types.KeySpecEccNistP256 || md.KeyUsage != types.KeyUsageTypeKeyAgreement || len(md.KeyAgreementAlgorithms) != 1 {
			t.Fatalf("got %s %s %v", md.KeySpec, md.KeyUsage, md.KeyAgreementAlgorithms)
		}
		if _, err := x509.ParsePKIXPublicKey(e.publicKey(seedEC).PublicKey); err != nil {
			t.Fatalf("public key: %v", err)
		}
	})
	t.Run("an HMAC key seeded with material MACs with it", func(t *testing.T) {
		out, err := e.svc.GenerateMac(e.ctx, &kms.GenerateMacInput{KeyId: aws.String(seedHMAC), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha512})
		ok(t, err)
		m := hmac.New(sha512.New, hmacMaterial)
		m.Write([]byte("m"))
		if !bytes.Equal(out.Mac, m.Sum(nil)) {
			t.Fatal("the MAC is not the HMAC under the seeded material")
		}
	})
	t.Run("an EXTERNAL key seeded with material is usable and takes the same material by import", func(t *testing.T) {
		md := e.describe(seedExternal).KeyMetadata
		if md.Origin != types.OriginTypeExternal || md.KeyState != types.KeyStateEnabled || md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire {
			t.Fatalf("got %s %s %s", md.Origin, md.KeyState, md.ExpirationModel)
		}
		blob := e.encrypt(seedExternal, "seeded import", nil)
		alg := types.AlgorithmSpecRsaesOaepSha256
		p := e.params(seedExternal, alg, types.WrappingKeySpecRsa2048)
		out, err := e.importMaterial(seedExternal, p, alg, symMaterial, nil)
		ok(t, err)
		if aws.ToString(out.KeyMaterialId) != aws.ToString(md.CurrentKeyMaterialId) {
			t.Errorf("got material id %s on import, want the seeded %s", aws.ToString(out.KeyMaterialId), aws.ToString(md.CurrentKeyMaterialId))
		}
		if got, err := e.decrypt(blob, nil); err != nil || got != "seeded import" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("an EXTERNAL key seeded without material waits in PendingImport", func(t *testing.T) {
		if st := e.describe(seedPending).KeyMetadata.KeyState; st != types.KeyStatePendingImport {
			t.Fatalf("got %s, want PendingImport", st)
		}
	})
	t.Run("a second apply changes no key", func(t *testing.T) {
		before := map[string]string{}
		for _, id := range []string{seedRSA, seedEC, seedHMAC, seedExternal} {
			before[id] = aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId)
		}
		e.restart()
		ok(t, e.svc.ApplySeed(e.ctx, f))
		for id, mid := range before {
			if got := aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId); got != mid {
				t.Errorf("%s: material %s became %s", id, mid, got)
			}
		}
	})
}

func TestApplySeedRefusesMismatchedKeyTypes(t *testing.T) {
	e := newEnv(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ok(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(ecKey)
	ok(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, tc := range []struct {
		name string
		key  seed.Key
		want string
	}{
		{"a P-384 private key for an RSA key", seed.Key{ID: seedRSA, KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify, PrivateKeyDER: pemKey},
			"the private key is a ECC_NIST_P384 key, not RSA_2048"},
		{"raw material for an RSA key", seed.Key{ID: seedRSA, KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify, Material: [][]byte{make([]byte, 32)}},
			"a RSA_2048 key takes a private key, not raw material"},
		{"HMAC_512 material shorter than 64 bytes", seed.Key{ID: seedHMAC, KeySpec: types.KeySpecHmac512, KeyUsage: types.KeyUsageTypeGenerateVerifyMac, Material: [][]byte{make([]byte, 32)}},
			"material version 1 (32 bytes) does not fit HMAC_512"},
		{"rotation on an HMAC key", seed.Key{ID: seedHMAC, KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac, RotationEnabled: true},
			"rotation cannot be enabled on a HMAC_256 key"},
		{"a spec without its usage", seed.Key{ID: seedEC, KeySpec: types.KeySpecEccNistP256},
			"You must specify a KeyUsage value"},
		{"two material versions for an EXTERNAL key", seed.Key{ID: seedExternal, Origin: types.OriginTypeExternal, Material: [][]byte{make([]byte, 32), make([]byte, 32)}},
			"a key with origin EXTERNAL takes one material version"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			err := e.svc.ApplySeed(e.ctx, &seed.File{Keys: []seed.Key{tc.key}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// The seed package's example files (kmsgate's format and local-kms's) apply
// in full: every key exists with its spec, and the asymmetric ones publish
// the public key of the PEM in the file.
func TestApplySeedOfTheExampleFiles(t *testing.T) {
	for _, name := range []string{"kmsgate-example.yaml", "local-kms-example.yaml"} {
		t.Run(name+" applies and its keys work", func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("seed", "testdata", name))
			ok(t, err)
			f, err := seed.Parse(name, data)
			ok(t, err)
			e := newEnv(t)
			ok(t, e.svc.ApplySeed(e.ctx, f)) // on a fresh store: the README calls them complete examples
			for _, sk := range f.Keys {
				ctx := e.ctx
				if sk.Region != "" {
					ctx = e.in(sk.Region)
				}
				out, err := e.svc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(sk.ID)})
				ok(t, err)
				if md := out.KeyMetadata; md.KeySpec != sk.KeySpec || md.KeyUsage != sk.KeyUsage {
					t.Errorf("%s: got %s %s, want %s %s", sk.ID, md.KeySpec, md.KeyUsage, sk.KeySpec, sk.KeyUsage)
				}
				if n := len(e.grantsByID(ctx, sk.ID)); n != len(sk.Grants) {
					t.Errorf("%s: got %d grants, want the file's %d", sk.ID, n, len(sk.Grants))
				}
				for _, r := range sk.Replicas {
					md := e.describeIn(r.Region, sk.ID)
					if md.MultiRegionConfiguration == nil || md.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica {
						t.Errorf("%s in %s: got %+v, want a replica", sk.ID, r.Region, md.MultiRegionConfiguration)
					}
					if n := len(e.grantsByID(e.in(r.Region), sk.ID)); n != len(r.Grants) {
						t.Errorf("%s in %s: got %d grants, want the file's %d", sk.ID, r.Region, n, len(r.Grants))
					}
				}
				if sk.PrivateKeyDER == nil {
					continue
				}
				_, material, err := keyspec.ParsePrivateKey(sk.PrivateKeyDER)
				ok(t, err)
				want, err := keyspec.PublicKeyDER(sk.KeySpec, material)
				ok(t, err)
				pub, err := e.svc.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(sk.ID)})
				ok(t, err)
				if !bytes.Equal(pub.PublicKey, want) {
					t.Errorf("%s: GetPublicKey is not the public key of the seeded PEM", sk.ID)
				}
			}
		})
	}
}
