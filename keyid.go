package kmsgate

// IsKeyID reports whether s has the form of a KMS key id: a UUID
// (8-4-4-4-12 hex digits) or a multi-Region key id. It runs on every
// request, so it is written out rather than a regular expression.
func IsKeyID(s string) bool { return isUUID(s) || IsMultiRegionKeyID(s) }

// IsMultiRegionKeyID reports whether s is "mrk-" followed by 32 hex digits.
func IsMultiRegionKeyID(s string) bool {
	if len(s) != 36 || s[:4] != "mrk-" {
		return false
	}
	for i := 4; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
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

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
