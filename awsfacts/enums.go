package awsfacts

import "slices"

// recordedEnumOrder is the order AWS lists an enum's values in its
// "Member must satisfy enum value set: [...]" texts, by the member's
// camelCase name, where a recording against AWS was found: AWS's order is
// not the API model's. Every other list follows the model's order
// (aws-sdk-go-v2's Values()): a guess, as no recording of it was found.
var recordedEnumOrder = map[string][]string{
	// Recorded (LocalStack's AWS-validated snapshots; shared reference).
	"macAlgorithm": {"HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"},
}

// EnumOrder returns the values of the enum member field (camelCase) in
// AWS's order: the recorded one when it holds exactly these values, else
// names as given (the model's order). An SDK update that adds a value falls
// back to the model's order rather than leave the value out.
func EnumOrder(field string, names []string) []string {
	rec, ok := recordedEnumOrder[field]
	if !ok || len(rec) != len(names) {
		return names
	}
	for _, x := range rec {
		if !slices.Contains(names, x) {
			return names
		}
	}
	return rec
}
