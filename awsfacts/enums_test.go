package awsfacts

import (
	"slices"
	"testing"
)

func TestEnumOrder(t *testing.T) {
	model := []string{"HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"}
	for _, tc := range []struct {
		name, field string
		in, want    []string
	}{
		{"recorded order replaces the model's", "macAlgorithm", model, []string{"HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"}},
		{"a new value falls back to the model's order", "macAlgorithm", append(slices.Clone(model), "HMAC_SHA3_256"), append(slices.Clone(model), "HMAC_SHA3_256")},
		{"an unrecorded member keeps the model's order", "keyUsage", []string{"SIGN_VERIFY", "ENCRYPT_DECRYPT"}, []string{"SIGN_VERIFY", "ENCRYPT_DECRYPT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EnumOrder(tc.field, tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
