package envelope

import (
	"fmt"
	"strings"
)

// ResolveKeyID turns a configured key name and a tenant into the KMS key the
// envelope uses:
//
//	""                        -> alias/kmsgate/<tenant>
//	"jumpwire"                -> alias/jumpwire/<tenant>
//	"alias/x" or "alias/x/"   -> alias/x/<tenant>
//	"arn:aws:kms:...:key/..." -> as is (also alias ARNs)
//	"1234abcd-12ab-..."       -> as is (a key id, also "mrk-..." ids)
//
// An empty tenant is DefaultTenant.
func ResolveKeyID(name, tenant string) string {
	if name == "" {
		name = DefaultKeyName
	}
	if tenant == "" {
		tenant = DefaultTenant
	}
	switch {
	case strings.HasPrefix(name, "arn:"), isKeyID(name):
		return name
	case strings.HasPrefix(name, "alias/"):
		return strings.TrimRight(name, "/") + "/" + tenant
	default:
		return "alias/" + strings.Trim(name, "/") + "/" + tenant
	}
}

// isAlias: the key is an alias name (not an ARN), so Start may create it.
func isAlias(keyID string) bool { return strings.HasPrefix(keyID, "alias/") }

// isKeyID recognises a KMS key id: a UUID, or "mrk-" and 32 hex digits for a
// multi-Region key.
func isKeyID(s string) bool {
	if rest, ok := strings.CutPrefix(s, "mrk-"); ok {
		return len(rest) == 32 && allHex(rest)
	}
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ValidateTenant checks that a tenant fits in a ciphertext header (1 to 255
// bytes) and in a KMS alias name ([A-Za-z0-9:/_-]).
func ValidateTenant(t string) error {
	if len(t) == 0 || len(t) > maxTenantLen {
		return fmt.Errorf("envelope: tenant is %d bytes, want 1 to %d", len(t), maxTenantLen)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ':' || c == '/' || c == '_' || c == '-') {
			return fmt.Errorf("envelope: tenant %q has the character %q; allowed are A-Z a-z 0-9 : / _ -", t, c)
		}
	}
	return nil
}
