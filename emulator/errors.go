package emulator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/awsfacts"
)

// AWS's messages, as in shared/reference/aws-kms-errors.md.

func validation(msg string) error {
	return kmsgate.NewValidationException("%s", "1 validation error detected: "+msg)
}

// validationNull is the answer to a required member left out.
func validationNull(field string) error {
	return validation("Value null at '" + field + "' failed to satisfy constraint: Member must not be null")
}

// maxEcho is the longest value a validation message repeats; a longer one
// is left out ("Value at 'field' failed to satisfy constraint: ..."), so
// that no answer repeats a huge input (a 900,000-character KeyId).
const maxEcho = 16 << 10

// valueAt is the "Value 'v' at 'field'" head of a validation message, or
// "Value at 'field'" when v is longer than maxEcho.
func valueAt(v, field string) string {
	if len(v) > maxEcho {
		return "Value at '" + field + "'"
	}
	return "Value '" + v + "' at '" + field + "'"
}

// validationLen checks a string member's length; the value is echoed as AWS
// does for plain strings, unless it is longer than maxEcho.
func validationLen(field, v string, lo, hi int) error {
	n := utf8.RuneCountInString(v) // len([]rune(v)) without the conversion (which allocates under -race)
	switch {
	case n < lo:
		return validation(fmt.Sprintf("%s failed to satisfy constraint: Member must have length greater than or equal to %d", valueAt(v, field), lo))
	case n > hi:
		return validation(fmt.Sprintf("%s failed to satisfy constraint: Member must have length less than or equal to %d", valueAt(v, field), hi))
	}
	return nil
}

// validationBlobLen checks a binary (or secret) member's length; its value is
// never echoed.
func validationBlobLen(field string, n, lo, hi int) error {
	switch {
	case n < lo:
		return validation(fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", field, lo))
	case n > hi:
		return validation(fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, hi))
	}
	return nil
}

// requiredBlob checks a required binary member: present, and 1 to hi
// bytes long (its value is never echoed).
func requiredBlob(field string, b []byte, hi int) error {
	if b == nil {
		return validationNull(field)
	}
	return validationBlobLen(field, len(b), 1, hi)
}

func validationRange(field string, v int32, lo, hi int32) error {
	switch {
	case v < lo:
		return validation(fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", v, field, lo))
	case v > hi:
		return validation(fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", v, field, hi))
	}
	return nil
}

// validationEnum checks an enum member (empty means absent and passes).
func validationEnum[T ~string](field string, v T, values []T) error {
	if v == "" || slices.Contains(values, v) {
		return nil
	}
	names := make([]string, len(values))
	for i, x := range values {
		names[i] = string(x)
	}
	names = awsfacts.EnumOrder(field, names) // AWS's order where recorded
	return validation(fmt.Sprintf("%s failed to satisfy constraint: Member must satisfy enum value set: [%s]", valueAt(string(v), field), strings.Join(names, ", ")))
}

// requiredEnum checks a required enum member: present, and one of values.
func requiredEnum[T ~string](field string, v T, values []T) error {
	if v == "" {
		return validationNull(field)
	}
	return validationEnum(field, v, values)
}

// allRunesIn reports whether every rune of v is in lo..hi or one of extra:
// the character-class patterns of the API model ([\u0020-\u00FF]*).
func allRunesIn(v string, lo, hi rune, extra ...rune) bool {
	for _, r := range v {
		if (r < lo || r > hi) && !slices.Contains(extra, r) {
			return false
		}
	}
	return true
}

func validationPattern(field, v, pattern string) error {
	return validation(fmt.Sprintf("%s failed to satisfy constraint: Member must satisfy regular expression pattern: %s", valueAt(v, field), pattern))
}

func checkGrantTokens(tokens []string) error {
	if len(tokens) > 10 {
		return validation(fmt.Sprintf("%s failed to satisfy constraint: Member must have length less than or equal to 10", valueAt("["+strings.Join(tokens, ", ")+"]", "grantTokens")))
	}
	for i, tok := range tokens {
		if err := validationLen(fmt.Sprintf("grantTokens.%d.member", i+1), tok, 1, 8192); err != nil {
			return err
		}
	}
	return nil
}

func notFound(msg string) error { return &types.NotFoundException{Message: aws.String(msg)} }

func keyNotFound(sc scope, id string) error {
	return notFound("Key '" + sc.keyARN(id) + "' does not exist")
}

func aliasNotFound(sc scope, name string) error {
	return notFound("Alias " + sc.aliasARN(name) + " is not found.")
}

func invalidKeyID(input string) error { return notFound("Invalid keyId '" + input + "'") }

func disabled(sc scope, id string) error {
	return &types.DisabledException{Message: aws.String(sc.keyARN(id) + " is disabled.")}
}

func invalidState(msg string) error {
	return &types.KMSInvalidStateException{Message: aws.String(msg)}
}

func pendingDeletion(sc scope, id string) error {
	return invalidState(sc.keyARN(id) + " is pending deletion.")
}

func incorrectKey() error {
	return &types.IncorrectKeyException{Message: aws.String("The key ID in the request does not identify a CMK that can perform this operation.")}
}

func invalidCiphertext() error { return &types.InvalidCiphertextException{} }

func ciphertextKeyUnknown() error {
	return kmsgate.NewAccessDeniedException("The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
}

func invalidMarker() error {
	return &types.InvalidMarkerException{Message: aws.String("The request was rejected because the marker that specifies where pagination should next begin is not valid.")}
}

func tagError(msg string) error { return &types.TagException{Message: aws.String(msg)} }

func malformedPolicy(msg string) error {
	return &types.MalformedPolicyDocumentException{Message: aws.String(msg)}
}

// Alias name characters.
var reAlias = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)

// usable is the key-state rule of operations that use a key's material:
// only Enabled keys may.
func usable(sc scope, k *keyRecord) error {
	switch k.State {
	case types.KeyStateEnabled:
		return nil
	case types.KeyStateDisabled:
		return disabled(sc, k.KeyID)
	case types.KeyStatePendingDeletion:
		return pendingDeletion(sc, k.KeyID)
	}
	return invalidState(sc.keyARN(k.KeyID) + " is " + lowerState(k.State) + ".")
}

// notPendingDeletion is the rule of management operations that work on
// Enabled and Disabled keys.
func notPendingDeletion(sc scope, k *keyRecord) error {
	switch k.State {
	case types.KeyStatePendingDeletion:
		return pendingDeletion(sc, k.KeyID)
	case types.KeyStatePendingReplicaDeletion:
		return invalidState(sc.keyARN(k.KeyID) + " is " + lowerState(k.State) + ".")
	}
	return nil
}

func lowerState(s types.KeyState) string {
	switch s {
	case types.KeyStatePendingImport:
		return "pending import"
	case types.KeyStateUnavailable:
		return "unavailable"
	case types.KeyStatePendingReplicaDeletion:
		// Unverified against AWS: modelled on "is pending deletion.".
		return "pending replica deletion"
	}
	return strings.ToLower(string(s))
}

// validationPlain is a ValidationException whose text is not of the
// "1 validation error detected" form.
func validationPlain(msg string) error { return kmsgate.NewValidationException("%s", msg) }
