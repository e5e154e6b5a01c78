package awsfacts

import (
	"slices"
	"sort"
)

// recordedEnumOrder is the order AWS lists an enum's values in its
// "Member must satisfy enum value set: [...]" texts, by the member's
// camelCase name, where a recording of the member's current value set was
// found.
var recordedEnumOrder = map[string][]string{
	// Recorded (LocalStack's AWS-validated snapshots; shared reference).
	"macAlgorithm": {"HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"},
}

// EnumOrder returns the values of the enum member field (camelCase) in
// AWS's order: the recorded one when it holds exactly these values, else
// the order of hashOrder for four values or more, else names as given (the
// model's order). An SDK update that adds a value to a recorded member
// falls back to the rule rather than leave the value out.
func EnumOrder(field string, names []string) []string {
	if rec, ok := recordedEnumOrder[field]; ok && len(rec) == len(names) && containsAll(names, rec) {
		return rec
	}
	if len(names) >= 4 {
		return hashOrder(names)
	}
	return names
}

func containsAll(names, want []string) bool {
	for _, x := range want {
		if !slices.Contains(names, x) {
			return false
		}
	}
	return true
}

// hashOrder is the order AWS's recorded lists of four values or more
// follow: by the value's Java String.hashCode modulo 32, ascending (the
// iteration order of a 32-bucket hash set of the names), values in one
// bucket in alphabetical order (as recorded: HMAC_384 before RSA_3072,
// ECC_SECG_P256K1 before RSA_4096). It reproduces every such recording found:
// MacAlgorithm (4 values), the 12 KeySpec values of 2023 and the 8
// CustomerMasterKeySpec values before it (LocalStack's AWS-validated
// snapshots; local-kms), and no other rule tried (model order, sorted,
// other moduli from 2 to 199, Java 7 and 8 HashMap hashing) does. For a
// value set not recorded it is an inference, not a recording: the one
// recording of a 3-value set (KeyUsage of 2023, [ENCRYPT_DECRYPT,
// SIGN_VERIFY, GENERATE_VERIFY_MAC]) does not follow it, so sets of fewer
// than four values keep the model's order.
func hashOrder(names []string) []string {
	out := slices.Clone(names)
	sort.Slice(out, func(i, j int) bool {
		bi, bj := javaHash(out[i])&31, javaHash(out[j])&31
		if bi != bj {
			return bi < bj
		}
		return out[i] < out[j]
	})
	return out
}

// javaHash is Java's String.hashCode of an ASCII string.
func javaHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		h = 31*h + uint32(s[i])
	}
	return h
}
