package envelope

import "testing"

func TestResolveKeyID(t *testing.T) {
	cases := []struct {
		name, keyName, tenant, want string
	}{
		{"no name and no tenant is the default alias", "", "", "alias/kmsgate/default"},
		{"a bare name is an alias prefix", "jumpwire", "org1", "alias/jumpwire/org1"},
		{"a bare name without a tenant uses the default tenant", "jumpwire", "", "alias/jumpwire/default"},
		{"an alias is a prefix too", "alias/x", "org1", "alias/x/org1"},
		{"an alias with a trailing slash is not doubled", "alias/jumpwire/", "org1", "alias/jumpwire/org1"},
		{"a key id is used as is", "1234abcd-12ab-34cd-56ef-1234567890ab", "org1", "1234abcd-12ab-34cd-56ef-1234567890ab"},
		{"a multi-Region key id is used as is", "mrk-1234abcd12ab34cd56ef1234567890ab", "org1", "mrk-1234abcd12ab34cd56ef1234567890ab"},
		{"a key ARN is used as is", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "org1", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		{"an alias ARN is used as is", "arn:aws:kms:us-east-1:111122223333:alias/app", "org1", "arn:aws:kms:us-east-1:111122223333:alias/app"},
		{"something that only looks like a key id is a prefix", "1234abcd-12ab-34cd-56ef-1234567890ag", "t", "alias/1234abcd-12ab-34cd-56ef-1234567890ag/t"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ResolveKeyID(tc.keyName, tc.tenant); got != tc.want {
				t.Errorf("ResolveKeyID(%q, %q): got %q, want %q", tc.keyName, tc.tenant, got, tc.want)
			}
		})
	}
}

func TestValidateTenant(t *testing.T) {
	long := make([]byte, 256)
	for i := range long {
		long[i] = 'a'
	}
	cases := []struct {
		name, tenant string
		ok           bool
	}{
		{"a plain name is accepted", "org1", true},
		{"alias characters are accepted", "a:b/c_d-E9", true},
		{"255 bytes are accepted", string(long[:255]), true},
		{"an empty tenant is refused", "", false},
		{"256 bytes are refused", string(long), false},
		{"a space is refused", "org 1", false},
		{"a dot is refused (aliases have none)", "org.1", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTenant(tc.tenant)
			if (err == nil) != tc.ok {
				t.Errorf("ValidateTenant(%q): got %v, want ok=%v", tc.tenant, err, tc.ok)
			}
		})
	}
}
