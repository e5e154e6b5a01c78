package envelope

import (
	"fmt"
	"strings"

	"github.com/kmsgate/kmsgate"
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
	case strings.HasPrefix(name, "arn:"), kmsgate.IsKeyID(name):
		return name
	case strings.HasPrefix(name, "alias/"):
		return strings.TrimRight(name, "/") + "/" + tenant
	default:
		return "alias/" + strings.Trim(name, "/") + "/" + tenant
	}
}

// isAlias: the key is an alias name (not an ARN), so Start may create it.
func isAlias(keyID string) bool { return strings.HasPrefix(keyID, "alias/") }

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
