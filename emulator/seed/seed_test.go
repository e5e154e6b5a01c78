package seed

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

const (
	id1  = "bc436485-5092-42b8-92a3-0aa8b93536dc"
	id2  = "49c5492b-b1bc-42a8-9a5c-b2015e810c1c"
	mrk1 = "mrk-1234567890abcdef1234567890abcdef"
	hex1 = "5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9"
	hex2 = "34743777217A25432A46294A404E635266556A586E3272357538782F413F4428"
	// b64 is hex1 in base64.
	b64 = "XNrq0n/n2i3keUXXPNbXnjZJTnOALzzThp8dLLC116k="
)

// testKeys are PEM private keys made once per test binary.
type testKeys struct {
	rsaPKCS8, rsaPKCS1, ecSEC1, ecPKCS8, edPKCS8, rsa1024 string
	rsaDER                                                []byte
}

var testKeysOnce = sync.OnceValue(func() testKeys {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		panic(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	p8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		return der
	}
	enc := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		panic(err)
	}
	return testKeys{
		rsaPKCS8: enc("PRIVATE KEY", p8(rsaKey)),
		rsaPKCS1: enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)),
		ecSEC1:   enc("EC PRIVATE KEY", ecDER),
		ecPKCS8:  enc("PRIVATE KEY", p8(ecKey)),
		edPKCS8:  enc("PRIVATE KEY", p8(edKey)),
		rsa1024:  enc("PRIVATE KEY", p8(small)),
		rsaDER:   p8(rsaKey),
	}
})

// indent puts a PEM under a YAML block scalar at the given depth.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+pad)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseKmsgateFormat(t *testing.T) {
	tk := testKeysOnce()
	doc := `
keys:
  - id: ` + strings.ToUpper(id1) + `
    region: eu-west-1
    account: "111122223333"
    description: payments master key
    enabled: false
    material:
      - hex:` + hex1 + `
      - base64:` + b64 + `
      - ` + hex2 + `
    tags: {team: payments, env: dev}
    policy:
      Version: 2012-10-17
      Statement:
        - Sid: Enable IAM policies
          Effect: Allow
          Principal: {AWS: "arn:aws:iam::111122223333:root"}
          Action: "kms:*"
          Resource: "*"
          Condition: {NumericLessThan: {"kms:X": 5}, Bool: {"aws:Y": true}}
    rotation: {enabled: true, periodInDays: 180}
    aliases: [alias/payments, alias/pay_2-x]
  - id: ` + id2 + `
    keyUsage: SIGN_VERIFY
    policy: '{"Version":"2012-10-17","Statement":[]}'
    privateKeyPem: |
` + indent(tk.rsaPKCS1, 6) + `
  - id: ` + mrk1 + `
    keySpec: HMAC_256
    origin: EXTERNAL
    multiRegion: true
    material: [base64:` + b64 + `]
    rotation: {enabled: false}
aliases:
  - name: alias/signing
    targetKeyId: ` + id2 + `
  - name: alias/elsewhere
    targetKeyId: arn:aws:kms:us-east-2:444455556666:key/0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e
  - name: alias/payments-too
    targetKeyId: ` + id1 + `
`
	f, err := Parse("seed.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(f.Keys) != 3 || len(f.Aliases) != 3 {
		t.Fatalf("got %d keys and %d aliases, want 3 and 3", len(f.Keys), len(f.Aliases))
	}

	t.Run("a symmetric key keeps every field and material version in order", func(t *testing.T) {
		k := f.Keys[0]
		if k.ID != id1 {
			t.Errorf("got id %q, want the lower-cased %q", k.ID, id1)
		}
		if k.Region != "eu-west-1" || k.Account != "111122223333" || k.Description != "payments master key" {
			t.Errorf("got region %q account %q description %q", k.Region, k.Account, k.Description)
		}
		if k.Enabled {
			t.Error("got enabled, want disabled (enabled: false)")
		}
		if k.KeySpec != types.KeySpecSymmetricDefault || k.KeyUsage != types.KeyUsageTypeEncryptDecrypt || k.Origin != types.OriginTypeAwsKms {
			t.Errorf("got %s/%s/%s, want the defaults SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT/AWS_KMS", k.KeySpec, k.KeyUsage, k.Origin)
		}
		want := [][]byte{mustHex(t, hex1), mustHex(t, hex1), mustHex(t, hex2)}
		if len(k.Material) != len(want) {
			t.Fatalf("got %d material versions, want %d", len(k.Material), len(want))
		}
		for i := range want {
			if !bytes.Equal(k.Material[i], want[i]) {
				t.Errorf("material[%d]: got %x, want %x", i, k.Material[i], want[i])
			}
		}
		if len(k.Tags) != 2 || *k.Tags[0].TagKey != "env" || *k.Tags[0].TagValue != "dev" || *k.Tags[1].TagKey != "team" {
			t.Errorf("got tags %v, want env=dev, team=payments sorted by key", k.Tags)
		}
		wantPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM policies","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Condition":{"NumericLessThan":{"kms:X":5},"Bool":{"aws:Y":true}}}]}`
		if k.Policy != wantPolicy {
			t.Errorf("got policy\n%s\nwant\n%s", k.Policy, wantPolicy)
		}
		if !k.RotationEnabled || k.RotationPeriodInDays != 180 || !k.NextRotation.IsZero() {
			t.Errorf("got rotation %v / %d days / next %v, want on / 180 / zero", k.RotationEnabled, k.RotationPeriodInDays, k.NextRotation)
		}
		if strings.Join(k.Aliases, ",") != "alias/payments,alias/pay_2-x" {
			t.Errorf("got aliases %v", k.Aliases)
		}
		if k.MultiRegion {
			t.Error("got multiRegion for a UUID id")
		}
	})

	t.Run("an RSA PKCS#1 key is stored as PKCS#8 with its spec read from the key", func(t *testing.T) {
		k := f.Keys[1]
		if k.KeySpec != types.KeySpecRsa2048 || k.KeyUsage != types.KeyUsageTypeSignVerify {
			t.Errorf("got %s/%s, want RSA_2048/SIGN_VERIFY", k.KeySpec, k.KeyUsage)
		}
		if !bytes.Equal(k.PrivateKeyDER, tk.rsaDER) {
			t.Error("got PrivateKeyDER that is not the key's PKCS#8 encoding")
		}
		if !k.Enabled {
			t.Error("got disabled, want enabled by default")
		}
		if k.Policy != `{"Version":"2012-10-17","Statement":[]}` {
			t.Errorf("got policy %q, want the JSON string as given", k.Policy)
		}
		if len(k.Material) != 0 || k.RotationEnabled {
			t.Errorf("got material %d / rotation %v, want none", len(k.Material), k.RotationEnabled)
		}
	})

	t.Run("a multi-Region HMAC key with imported material", func(t *testing.T) {
		k := f.Keys[2]
		if !k.MultiRegion || k.KeySpec != types.KeySpecHmac256 || k.KeyUsage != types.KeyUsageTypeGenerateVerifyMac || k.Origin != types.OriginTypeExternal {
			t.Errorf("got multiRegion %v %s/%s/%s", k.MultiRegion, k.KeySpec, k.KeyUsage, k.Origin)
		}
		if len(k.Material) != 1 || !bytes.Equal(k.Material[0], mustHex(t, hex1)) {
			t.Errorf("got material %x", k.Material)
		}
	})

	t.Run("top-level aliases take the target key's scope or the ARN's", func(t *testing.T) {
		want := []Alias{
			{Name: "alias/signing", TargetKeyID: id2},
			{Name: "alias/elsewhere", TargetKeyID: "0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e", Region: "us-east-2", Account: "444455556666"},
			{Name: "alias/payments-too", TargetKeyID: id1, Region: "eu-west-1", Account: "111122223333"},
		}
		for i := range want {
			if f.Aliases[i] != want[i] {
				t.Errorf("aliases[%d]: got %+v, want %+v", i, f.Aliases[i], want[i])
			}
		}
	})
}

func TestParseLocalKMSFormat(t *testing.T) {
	tk := testKeysOnce()
	doc := `
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: ` + id1 + `
          Description: "Your key description"
        NextKeyRotation: "2019-09-12T15:19:21+00:00"
        BackingKeys:
          - ` + hex2 + `
          - ` + hex1 + `
      - Metadata:
          KeyId: 5d05267f-bb87-4d0b-8594-295a4371d414
          Origin: EXTERNAL
  Asymmetric:
    Rsa:
      - Metadata:
          KeyId: ff275b92-0def-4dfc-b0f6-87c96b26c6c7
          KeyUsage: ENCRYPT_DECRYPT
          Description: RSA key with 2048 bits
        PrivateKeyPem: |
` + indent(tk.rsaPKCS8, 10) + `
    Ecc:
      - Metadata:
          KeyId: 800d5768-3fd7-4edd-a4b8-4c81c3e4c147
          KeyUsage: SIGN_VERIFY
          Description: ECC key with curve secp384r1
        PrivateKeyPem: |
` + indent(tk.ecSEC1, 10) + `
      - Metadata:
          KeyId: 900d5768-3fd7-4edd-a4b8-4c81c3e4c147
          KeyUsage: SIGN_VERIFY
        PrivateKeyPem: |
` + indent(tk.edPKCS8, 10) + `

Aliases:
  - AliasName: alias/testing
    TargetKeyId: ` + id1 + `
  - AliasName: alias/rsa
    TargetKeyId: ff275b92-0def-4dfc-b0f6-87c96b26c6c7
`
	f, err := Parse("seed.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	type want struct {
		id       string
		spec     types.KeySpec
		usage    types.KeyUsageType
		origin   types.OriginType
		material int
		der      bool
	}
	wants := []want{
		{id1, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt, types.OriginTypeAwsKms, 2, false},
		{"5d05267f-bb87-4d0b-8594-295a4371d414", types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt, types.OriginTypeExternal, 0, false},
		{"ff275b92-0def-4dfc-b0f6-87c96b26c6c7", types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt, types.OriginTypeAwsKms, 0, true},
		{"800d5768-3fd7-4edd-a4b8-4c81c3e4c147", types.KeySpecEccNistP384, types.KeyUsageTypeSignVerify, types.OriginTypeAwsKms, 0, true},
		{"900d5768-3fd7-4edd-a4b8-4c81c3e4c147", types.KeySpecEccNistEdwards25519, types.KeyUsageTypeSignVerify, types.OriginTypeAwsKms, 0, true},
	}
	if len(f.Keys) != len(wants) {
		t.Fatalf("got %d keys, want %d", len(f.Keys), len(wants))
	}
	for i, w := range wants {
		k := f.Keys[i]
		t.Run("key "+w.id+" maps to "+string(w.spec), func(t *testing.T) {
			if k.ID != w.id || k.KeySpec != w.spec || k.KeyUsage != w.usage || k.Origin != w.origin {
				t.Errorf("got %s %s/%s/%s, want %s %s/%s/%s", k.ID, k.KeySpec, k.KeyUsage, k.Origin, w.id, w.spec, w.usage, w.origin)
			}
			if len(k.Material) != w.material || (k.PrivateKeyDER != nil) != w.der {
				t.Errorf("got %d material versions and DER %v, want %d and %v", len(k.Material), k.PrivateKeyDER != nil, w.material, w.der)
			}
			if w.der {
				if _, err := x509.ParsePKCS8PrivateKey(k.PrivateKeyDER); err != nil {
					t.Errorf("PrivateKeyDER is not PKCS#8: %v", err)
				}
			}
			if !k.Enabled {
				t.Error("got disabled, want enabled")
			}
		})
	}
	t.Run("BackingKeys keep their order and NextKeyRotation turns rotation on", func(t *testing.T) {
		k := f.Keys[0]
		if !bytes.Equal(k.Material[0], mustHex(t, hex2)) || !bytes.Equal(k.Material[1], mustHex(t, hex1)) {
			t.Errorf("got material %x, want [%s %s]", k.Material, hex2, hex1)
		}
		wantNext := time.Date(2019, 9, 12, 15, 19, 21, 0, time.UTC)
		if !k.RotationEnabled || k.RotationPeriodInDays != 365 || !k.NextRotation.Equal(wantNext) {
			t.Errorf("got rotation %v / %d / %v, want on / 365 / %v", k.RotationEnabled, k.RotationPeriodInDays, k.NextRotation, wantNext)
		}
		if k.Description != "Your key description" {
			t.Errorf("got description %q", k.Description)
		}
	})
	t.Run("Aliases map to aliases", func(t *testing.T) {
		want := []Alias{{Name: "alias/testing", TargetKeyID: id1}, {Name: "alias/rsa", TargetKeyID: "ff275b92-0def-4dfc-b0f6-87c96b26c6c7"}}
		if len(f.Aliases) != 2 || f.Aliases[0] != want[0] || f.Aliases[1] != want[1] {
			t.Errorf("got %+v, want %+v", f.Aliases, want)
		}
	})
}

func TestParseSmallFiles(t *testing.T) {
	tk := testKeysOnce()
	cases := []struct {
		name  string
		doc   string
		check func(t *testing.T, f *File)
	}{
		{"an empty file is an empty seed", "", func(t *testing.T, f *File) {
			if len(f.Keys)+len(f.Aliases) != 0 {
				t.Errorf("got %d keys %d aliases, want none", len(f.Keys), len(f.Aliases))
			}
		}},
		{"a comment-only file is an empty seed", "# nothing yet\n", func(t *testing.T, f *File) {
			if len(f.Keys)+len(f.Aliases) != 0 {
				t.Errorf("got %d keys %d aliases, want none", len(f.Keys), len(f.Aliases))
			}
		}},
		{"a key with only an id gets every default", "keys:\n  - id: " + id1 + "\n", func(t *testing.T, f *File) {
			k := f.Keys[0]
			if k.KeySpec != types.KeySpecSymmetricDefault || k.KeyUsage != types.KeyUsageTypeEncryptDecrypt || k.Origin != types.OriginTypeAwsKms || !k.Enabled || k.Material != nil || k.Policy != "" || k.Tags != nil {
				t.Errorf("got %+v", k)
			}
		}},
		{"an EC PKCS#8 key for key agreement", "keys:\n  - id: " + id1 + "\n    keyUsage: KEY_AGREEMENT\n    privateKeyPem: |\n" + indent(tk.ecPKCS8, 6) + "\n", func(t *testing.T, f *File) {
			if k := f.Keys[0]; k.KeySpec != types.KeySpecEccNistP384 || k.KeyUsage != types.KeyUsageTypeKeyAgreement {
				t.Errorf("got %s/%s, want ECC_NIST_P384/KEY_AGREEMENT", k.KeySpec, k.KeyUsage)
			}
		}},
		{"an asymmetric key without PEM is generated later with the spec's default usage", "keys:\n  - id: " + id1 + "\n    keySpec: ECC_NIST_P256\n", func(t *testing.T, f *File) {
			if k := f.Keys[0]; k.KeyUsage != types.KeyUsageTypeSignVerify || k.PrivateKeyDER != nil {
				t.Errorf("got usage %s, DER %v; want SIGN_VERIFY and none", k.KeyUsage, k.PrivateKeyDER != nil)
			}
		}},
		{"rotation without a period gets 365 days", "keys:\n  - id: " + id1 + "\n    rotation: {enabled: true, nextRotation: 2030-01-02T03:04:05Z}\n", func(t *testing.T, f *File) {
			if k := f.Keys[0]; k.RotationPeriodInDays != 365 || !k.NextRotation.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("got %d days next %v", k.RotationPeriodInDays, k.NextRotation)
			}
		}},
		{"one id in two regions is two keys (multi-Region replicas)", "keys:\n  - id: " + mrk1 + "\n    region: eu-west-1\n  - id: " + mrk1 + "\n    region: us-east-1\naliases:\n  - {name: alias/a, targetKeyId: " + mrk1 + ", region: us-east-1}\n", func(t *testing.T, f *File) {
			if len(f.Keys) != 2 || f.Aliases[0].Region != "us-east-1" {
				t.Errorf("got %d keys, alias %+v", len(f.Keys), f.Aliases[0])
			}
		}},
		{"one alias name in two regions is two aliases", "keys:\n  - {id: " + id1 + ", region: eu-west-1, aliases: [alias/a]}\n  - {id: " + id2 + ", region: us-east-1, aliases: [alias/a]}\n", func(t *testing.T, f *File) {
			if len(f.Keys) != 2 {
				t.Errorf("got %d keys", len(f.Keys))
			}
		}},
		{"an alias to a key id not in the file is kept for the store to resolve", "aliases:\n  - {name: alias/old, targetKeyId: " + id2 + "}\n", func(t *testing.T, f *File) {
			if f.Aliases[0] != (Alias{Name: "alias/old", TargetKeyID: id2}) {
				t.Errorf("got %+v", f.Aliases[0])
			}
		}},
		{"a YAML anchor in a policy is expanded", "keys:\n  - id: " + id1 + "\n    policy:\n      Version: \"2012-10-17\"\n      Statement: [&s {Effect: Allow, Action: kms:Encrypt, Resource: \"*\", Principal: \"*\"}, *s]\n", func(t *testing.T, f *File) {
			want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Principal":"*"},{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Principal":"*"}]}`
			if f.Keys[0].Policy != want {
				t.Errorf("got %s, want %s", f.Keys[0].Policy, want)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("small.yaml", []byte(c.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			c.check(t, f)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tk := testKeysOnce()
	key := func(fields string) string { return "keys:\n  - id: " + id1 + "\n" + fields }
	cases := []struct {
		name string
		doc  string
		want []string // all must appear in the error
	}{
		{"a key id that is not a UUID", "keys:\n  - id: not-a-key\n", []string{"keys[0] (id not-a-key)", `id "not-a-key" is not a key id`}},
		{"a key id with mrk- and too few hex digits", "keys:\n  - id: mrk-1234\n", []string{"keys[0]", "not a key id"}},
		{"a key without an id", "keys:\n  - description: x\n", []string{"keys[0]", "id is missing"}},
		{"the third key's problem names the third key", "keys:\n  - id: " + id1 + "\n  - id: " + id2 + "\n  - id: " + mrk1 + "\n    keySpec: SYMMETRIC\n", []string{"keys[2] (id " + mrk1 + ")", `unknown keySpec "SYMMETRIC"`, "SYMMETRIC_DEFAULT"}},
		{"an unknown keyUsage", key("    keyUsage: ENCRYPT\n"), []string{"keys[0] (id " + id1 + ")", `unknown keyUsage "ENCRYPT"`}},
		{"a keyUsage the spec does not allow", key("    keyUsage: SIGN_VERIFY\n"), []string{"keyUsage SIGN_VERIFY is not allowed for keySpec SYMMETRIC_DEFAULT"}},
		{"an unknown origin", key("    origin: SOMEWHERE\n"), []string{`unknown origin "SOMEWHERE"`}},
		{"a custom key store origin", key("    origin: AWS_CLOUDHSM\n"), []string{"needs a custom key store"}},
		{"symmetric material of 16 bytes", key("    material: [hex:00112233445566778899aabbccddeeff]\n"), []string{"material[0]: SYMMETRIC_DEFAULT material must be 32 bytes, got 16"}},
		{"the second material version is short", key("    material: [" + hex1 + ", base64:AAAA]\n"), []string{"material[1]", "got 3"}},
		{"bad hex", key("    material: [hex:zz" + hex1[2:] + "]\n"), []string{"material[0]: bad hex"}},
		{"bad base64", key("    material: [base64:!!notbase64]\n"), []string{"material[0]: bad base64"}},
		{"HMAC material too short", key("    keySpec: HMAC_384\n    material: [" + hex1 + "]\n"), []string{"HMAC_384 material must be 48 to 128 bytes, got 32"}},
		{"two HMAC material versions", key("    keySpec: HMAC_256\n    material: [" + hex1 + ", " + hex1 + "]\n"), []string{"one material version, got 2"}},
		{"material on an RSA key", key("    keySpec: RSA_2048\n    material: [" + hex1 + "]\n"), []string{"material is only for SYMMETRIC_DEFAULT and HMAC keys, not RSA_2048"}},
		{"a PEM that is not PEM", key("    privateKeyPem: hello\n"), []string{"privateKeyPem: no PEM block found"}},
		{"a PEM with garbage inside", key("    privateKeyPem: |\n      -----BEGIN PRIVATE KEY-----\n      AAAA\n      -----END PRIVATE KEY-----\n"), []string{"privateKeyPem: cannot read the PRIVATE KEY"}},
		{"a PEM that holds a certificate", key("    privateKeyPem: |\n      -----BEGIN CERTIFICATE-----\n      AAAA\n      -----END CERTIFICATE-----\n"), []string{`PEM block type "CERTIFICATE" is not a private key`}},
		{"an encrypted PEM", key("    privateKeyPem: |\n      -----BEGIN ENCRYPTED PRIVATE KEY-----\n      AAAA\n      -----END ENCRYPTED PRIVATE KEY-----\n"), []string{"encrypted PEM is not supported"}},
		{"two PEM blocks", key("    privateKeyPem: |\n" + indent(tk.ecSEC1, 6) + "\n" + indent(tk.ecSEC1, 6) + "\n"), []string{"more than one PEM block"}},
		{"an RSA key of 1024 bits", key("    privateKeyPem: |\n" + indent(tk.rsa1024, 6) + "\n"), []string{"RSA key of 1024 bits"}},
		{"a PEM whose key does not match keySpec", key("    keySpec: RSA_4096\n    privateKeyPem: |\n" + indent(tk.rsaPKCS8, 6) + "\n"), []string{"privateKeyPem holds a RSA_2048 key but keySpec is RSA_4096"}},
		{"multiRegion true with a UUID id", key("    multiRegion: true\n"), []string{"multiRegion is true but the id is a UUID"}},
		{"multiRegion false with an mrk- id", "keys:\n  - id: " + mrk1 + "\n    multiRegion: false\n", []string{"multiRegion is false but the id starts with mrk-"}},
		{"a bad region", key("    region: Europe\n"), []string{`region "Europe" is not a region name`}},
		{"a bad account", key("    account: \"1234\"\n"), []string{`account "1234" is not a 12-digit account id`}},
		{"a tag key in aws:", key("    tags: {\"aws:owner\": me}\n"), []string{`tags: key "aws:owner" starts with aws:`}},
		{"an empty tag key", key("    tags: {\"\": me}\n"), []string{"tags: key \"\" must be 1 to 128 characters"}},
		{"a policy string that is not JSON", key("    policy: \"Version: 1\"\n"), []string{"policy: not a JSON object"}},
		{"a policy that is a list", key("    policy: [a, b]\n"), []string{"policy: must be a JSON string or a YAML mapping"}},
		{"a policy that is too large", key("    policy: '{\"a\":\"" + strings.Repeat("x", maxPolicy) + "\"}'\n"), []string{"policy:", "at most 32768"}},
		{"a YAML policy that is too large", key("    policy: {a: " + strings.Repeat("x", maxPolicy) + "}\n"), []string{"policy: larger than 32768 bytes"}},
		{"a YAML policy with a number JSON cannot hold", key("    policy: {a: .inf}\n"), []string{"policy: .inf is not a JSON number"}},
		{"rotation on an HMAC key", key("    keySpec: HMAC_256\n    rotation: {enabled: true}\n"), []string{"automatic rotation is only for SYMMETRIC_DEFAULT"}},
		{"rotation on an imported key", key("    origin: EXTERNAL\n    rotation: {enabled: true}\n"), []string{"automatic rotation is only for SYMMETRIC_DEFAULT keys with origin AWS_KMS, not SYMMETRIC_DEFAULT / EXTERNAL"}},
		{"a rotation period of 30 days", key("    rotation: {enabled: true, periodInDays: 30}\n"), []string{"periodInDays 30 is outside 90-2560"}},
		{"nextRotation without rotation", key("    rotation: {nextRotation: 2030-01-01T00:00:00Z}\n"), []string{"nextRotation is set but rotation is not enabled"}},
		{"a key alias without alias/", key("    aliases: [payments]\n"), []string{`aliases: alias "payments" must start with alias/`}},
		{"a key alias with a space", key("    aliases: [alias/pay ments]\n"), []string{"has characters other than"}},
		{"a key alias in alias/aws/", key("    aliases: [alias/aws/kms]\n"), []string{"reserved for AWS managed keys"}},
		{"a key alias longer than 256", key("    aliases: [alias/" + strings.Repeat("a", 251) + "]\n"), []string{"longer than 256"}},
		{"one alias twice on a key", key("    aliases: [alias/a, alias/a]\n"), []string{"duplicate alias alias/a"}},
		{"a duplicate key id", "keys:\n  - id: " + id1 + "\n  - id: " + strings.ToUpper(id1) + "\n", []string{"keys[1] (id " + id1 + ")", "duplicate key id: keys[0] (id " + id1 + ") has it already"}},
		{"an alias on two keys", "keys:\n  - {id: " + id1 + ", aliases: [alias/a]}\n  - {id: " + id2 + ", aliases: [alias/a]}\n", []string{"keys[1] (id " + id2 + ")", "duplicate alias alias/a: keys[0]"}},
		{"a top-level alias that a key has", "keys:\n  - {id: " + id1 + ", aliases: [alias/a]}\naliases:\n  - {name: alias/a, targetKeyId: " + id1 + "}\n", []string{"aliases[0] (alias/a)", "duplicate alias alias/a: keys[0]"}},
		{"a top-level alias twice", "aliases:\n  - {name: alias/a, targetKeyId: " + id1 + "}\n  - {name: alias/a, targetKeyId: " + id2 + "}\n", []string{"aliases[1] (alias/a)", "duplicate alias alias/a: aliases[0] (alias/a) has it already"}},
		{"a top-level alias without a name", "aliases:\n  - {targetKeyId: " + id1 + "}\n", []string{"aliases[0]", "alias name is missing"}},
		{"a top-level alias in alias/aws/", "aliases:\n  - {name: alias/aws/s3, targetKeyId: " + id1 + "}\n", []string{"aliases[0] (alias/aws/s3)", "reserved"}},
		{"a top-level alias without a target", "aliases:\n  - {name: alias/a}\n", []string{"targetKeyId is missing"}},
		{"a top-level alias that targets an alias", "aliases:\n  - {name: alias/a, targetKeyId: alias/b}\n", []string{`targetKeyId "alias/b" is not a key id or key ARN`}},
		{"a top-level alias in another region than its key", "keys:\n  - {id: " + id1 + ", region: eu-west-1}\naliases:\n  - {name: alias/a, targetKeyId: " + id1 + ", region: us-east-1}\n", []string{"target key " + id1 + " is in the default account / eu-west-1, not in the alias's the default account / us-east-1"}},
		{"a top-level alias to an ARN with a bad region", "aliases:\n  - {name: alias/a, targetKeyId: \"arn:aws:kms:mars:111122223333:key/" + id1 + "\"}\n", []string{`region "mars" is not a region name`}},
		{"a top-level alias whose region differs from its ARN", "aliases:\n  - {name: alias/a, targetKeyId: \"arn:aws:kms:eu-west-1:111122223333:key/" + id1 + "\", region: us-east-1}\n", []string{"differ from the target ARN"}},
		{"a top-level alias to a key in two regions", "keys:\n  - {id: " + mrk1 + ", region: eu-west-1}\n  - {id: " + mrk1 + ", region: us-east-1}\naliases:\n  - {name: alias/a, targetKeyId: " + mrk1 + "}\n", []string{"several regions or accounts"}},
		{"an unknown key field (a typo)", key("    desciption: x\n"), []string{"line 3", "field desciption not found in a key entry"}},
		{"an unknown top-level field", "kyes: []\n", []string{"field kyes not found in the top level"}},
		{"an unknown rotation field", key("    rotation: {enable: true}\n"), []string{"field enable not found in rotation"}},
		{"a wrong type", key("    enabled: maybe\n"), []string{"invalid YAML", "line 3"}},
		{"broken YAML", "keys: [\n", []string{"invalid YAML"}},
		{"a list at the top", "- a\n", []string{"the top level must be a mapping"}},
		{"two YAML documents", "keys: []\n---\nkeys: []\n", []string{"more than one YAML document"}},
		{"local-kms: a bad key id", "Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: nope}\n", []string{"Keys.Symmetric.Aes[0] (id nope)", "not a key id"}},
		{"local-kms: short backing key", "Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: " + id1 + "}\n        BackingKeys: [abcd]\n", []string{"Keys.Symmetric.Aes[0] (id " + id1 + ")", "must be 32 bytes, got 2"}},
		{"local-kms: an Rsa entry without PEM", "Keys:\n  Asymmetric:\n    Rsa:\n      - Metadata: {KeyId: " + id1 + ", KeyUsage: SIGN_VERIFY}\n", []string{"Keys.Asymmetric.Rsa[0]", "PrivateKeyPem is missing"}},
		{"local-kms: an Rsa entry holding an EC key", "Keys:\n  Asymmetric:\n    Rsa:\n      - Metadata: {KeyId: " + id1 + "}\n        PrivateKeyPem: |\n" + indent(tk.ecSEC1, 10) + "\n", []string{"an Rsa entry holds a ECC_NIST_P384 key"}},
		{"local-kms: an Ecc key for encryption", "Keys:\n  Asymmetric:\n    Ecc:\n      - Metadata: {KeyId: " + id1 + ", KeyUsage: ENCRYPT_DECRYPT}\n        PrivateKeyPem: |\n" + indent(tk.ecSEC1, 10) + "\n", []string{"Keys.Asymmetric.Ecc[0]", "keyUsage ENCRYPT_DECRYPT is not allowed for keySpec ECC_NIST_P384"}},
		{"local-kms: an alias without alias/", "Aliases:\n  - {AliasName: testing, TargetKeyId: " + id1 + "}\n", []string{"Aliases[0] (testing)", "must start with alias/"}},
		{"local-kms: a duplicate key", "Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: " + id1 + "}\n      - Metadata: {KeyId: " + id1 + "}\n", []string{"Keys.Symmetric.Aes[1]", "duplicate key id: Keys.Symmetric.Aes[0]"}},
		{"local-kms: an unknown Metadata field", "Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyID: " + id1 + "}\n", []string{"field KeyID not found in Metadata"}},
		{"local-kms: an unknown group", "Keys:\n  Symmetric:\n    Des: []\n", []string{"field Des not found in Keys.Symmetric"}},
		{"local-kms: Version 2", "Version: 2\nKeys: []\n", []string{"Version 2 seed format is not supported"}},
	}
	for _, c := range cases {
		t.Run(c.name+" is rejected", func(t *testing.T) {
			f, err := Parse("bad.yaml", []byte(c.doc))
			if err == nil {
				t.Fatalf("got %+v, want an error", f)
			}
			var se *Error
			if !errors.As(err, &se) || se.File != "bad.yaml" {
				t.Fatalf("got %T %v, want a *seed.Error naming bad.yaml", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "seed file bad.yaml: ") {
				t.Errorf("got %q, want it to start with the file name", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want it to contain %q", msg, w)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Run("a file on disk is read and named in errors", func(t *testing.T) {
		dir := t.TempDir()
		good := filepath.Join(dir, "good.yaml")
		if err := os.WriteFile(good, []byte("keys:\n  - id: "+id1+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Load(good)
		if err != nil || len(f.Keys) != 1 || f.Keys[0].ID != id1 {
			t.Fatalf("got %+v, %v; want one key %s", f, err, id1)
		}
		bad := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(bad, []byte("keys:\n  - id: x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad+": keys[0]") {
			t.Errorf("got %v, want an error naming %s and keys[0]", err, bad)
		}
	})
	t.Run("a missing file is an error naming it", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.yaml")
		_, err := Load(missing)
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("got %v, want an error naming %s", err, missing)
		}
	})
}

func TestExampleFiles(t *testing.T) {
	cases := []struct {
		file          string
		keys, aliases int
		specs         []types.KeySpec
	}{
		{"testdata/kmsgate-example.yaml", 4, 1, []types.KeySpec{types.KeySpecSymmetricDefault, types.KeySpecHmac256, types.KeySpecEccNistP256, types.KeySpecRsa2048}},
		{"testdata/local-kms-example.yaml", 4, 1, []types.KeySpec{types.KeySpecSymmetricDefault, types.KeySpecSymmetricDefault, types.KeySpecRsa2048, types.KeySpecEccNistP256}},
	}
	for _, c := range cases {
		t.Run("the README example "+c.file+" loads", func(t *testing.T) {
			f, err := Load(c.file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(f.Keys) != c.keys || len(f.Aliases) != c.aliases {
				t.Fatalf("got %d keys %d aliases, want %d and %d", len(f.Keys), len(f.Aliases), c.keys, c.aliases)
			}
			for i, want := range c.specs {
				if f.Keys[i].KeySpec != want {
					t.Errorf("key %d: got %s, want %s", i, f.Keys[i].KeySpec, want)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	tk := testKeysOnce()
	doc := []byte("keys:\n  - id: " + id1 + "\n    material: [" + hex1 + ", " + hex2 + "]\n    tags: {a: b}\n    policy: {Version: 2012-10-17, Statement: [{Effect: Allow, Action: \"kms:*\", Resource: \"*\"}]}\n    aliases: [alias/a]\n  - id: " + id2 + "\n    privateKeyPem: |\n" + indent(tk.ecSEC1, 6) + "\naliases:\n  - {name: alias/b, targetKeyId: " + id2 + "}\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.yaml", doc); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	tk := testKeysOnce()
	f.Add([]byte("keys:\n  - id: " + id1 + "\n    material: [" + hex1 + "]\n    policy: {Version: 2012-10-17}\n    aliases: [alias/a]\naliases:\n  - {name: alias/b, targetKeyId: " + id1 + "}\n"))
	f.Add([]byte("keys:\n  - id: " + id1 + "\n    privateKeyPem: |\n" + indent(tk.ecSEC1, 6) + "\n"))
	f.Add([]byte("Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: " + id1 + "}\n        BackingKeys: [" + hex1 + "]\nAliases:\n  - {AliasName: alias/x, TargetKeyId: " + id1 + "}\n"))
	f.Add([]byte("keys:\n  - id: " + id1 + "\n    policy: {a: &x [1, 2], b: *x, c: {d: null, e: true, f: 1.5}}\n"))
	for _, name := range []string{"testdata/kmsgate-example.yaml", "testdata/local-kms-example.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("keys: [{id: " + mrk1 + ", keySpec: HMAC_224, material: [base64:" + b64 + "], tags: {a: b}}]\n"))
	f.Add([]byte("keys:\n  - id: " + mrk1 + "\n    region: us-east-1\n    grants: [{name: g, granteePrincipal: r, operations: [Decrypt], constraints: {encryptionContextEquals: {a: b}}}]\n    replicas: [{region: eu-west-1, aliases: [alias/a], grants: [{granteeServicePrincipal: s, operations: [Encrypt], constraints: {sourceArn: \"arn:aws:s3:us-east-1:111122223333:b\"}}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got %T, want *seed.Error", err)
			}
			return
		}
		for _, k := range file.Keys {
			if k.KeySpec == "" || k.KeyUsage == "" || k.Origin == "" {
				t.Fatalf("key %s has an empty spec/usage/origin", k.ID)
			}
			if len(k.Replicas) > 0 && !k.MultiRegion {
				t.Fatalf("key %s has replicas but is not multi-Region", k.ID)
			}
			for _, g := range k.Grants {
				if len(g.Operations) == 0 || (g.GranteePrincipal == "") == (g.GranteeServicePrincipal == "") {
					t.Fatalf("key %s has a grant without operations or with not one grantee: %+v", k.ID, g)
				}
			}
			if k.KeySpec == types.KeySpecSymmetricDefault {
				for _, m := range k.Material {
					if len(m) != 32 {
						t.Fatalf("key %s has %d-byte symmetric material", k.ID, len(m))
					}
				}
			}
		}
	})
}

func TestPrivateKeyPEMOfEveryAsymmetricSpec(t *testing.T) {
	for _, spec := range []types.KeySpec{types.KeySpecEccSecgP256k1, types.KeySpecMlDsa44, types.KeySpecMlKem768, types.KeySpecEccNistEdwards25519} {
		t.Run(string(spec)+" is read with its spec", func(t *testing.T) {
			der, err := keyspec.Generate(spec, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
			usage := "SIGN_VERIFY"
			if spec == types.KeySpecMlKem768 {
				usage = "ENCAPSULATE_DECAPSULATE"
			}
			doc := "keys:\n  - id: 0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e\n    keyUsage: " + usage + "\n    privateKeyPem: |\n" + indent(pemText, 6) + "\n"
			f, err := Parse("s.yaml", []byte(doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := f.Keys[0].KeySpec; got != spec {
				t.Errorf("got spec %s, want %s", got, spec)
			}
			if len(f.Keys[0].PrivateKeyDER) == 0 {
				t.Error("got no key material")
			}
		})
	}
}
