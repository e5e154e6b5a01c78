package awsfacts

import (
	"slices"
	"strings"
	"testing"
)

func TestEnumOrder(t *testing.T) {
	model := []string{"HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"}
	list := func(s string) []string { return strings.Split(s, ", ") }
	for _, tc := range []struct {
		name, field string
		in, want    []string
	}{
		{"the recorded order replaces the model's", "macAlgorithm", model, list("HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512")},
		{"the rule gives the recorded MacAlgorithm order too", "other", model, list("HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512")},
		// LocalStack's AWS-validated snapshot (2023), the model's order in.
		{"the rule gives AWS's recorded order of the 12 KeySpec values of 2023", "keySpec",
			list("RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512"),
			list("RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512")},
		// local-kms's copy of AWS's text, from before HMAC keys.
		{"and of the 8 CustomerMasterKeySpec values before", "customerMasterKeySpec",
			list("RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT"),
			list("RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT")},
		{"a new value of a recorded member follows the rule", "macAlgorithm", append(slices.Clone(model), "HMAC_SHA3_256"), hashOrder(append(slices.Clone(model), "HMAC_SHA3_256"))},
		{"fewer than four values keep the model's order", "keyUsage", list("SIGN_VERIFY, ENCRYPT_DECRYPT"), list("SIGN_VERIFY, ENCRYPT_DECRYPT")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EnumOrder(tc.field, tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestJavaHash(t *testing.T) {
	// Java: "hello".hashCode() == 99162322, "SYMMETRIC_DEFAULT".hashCode() == -675291239 (as uint32 3619676057).
	for s, want := range map[string]uint32{"": 0, "hello": 99162322, "a": 97} {
		if got := javaHash(s); got != want {
			t.Errorf("javaHash(%q): got %d, want %d", s, got, want)
		}
	}
}
