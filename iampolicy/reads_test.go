package iampolicy

import "testing"

func TestReadsNamesTheConditionKeysAndVariablesAPolicyUses(t *testing.T) {
	p, err := Parse("p", []byte(`{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:*:key/${aws:PrincipalTag/Team}",
	   "Condition":{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/${aws:username}/*"}}},
	  {"Effect":"Deny","Action":"kms:Decrypt","Resource":"*",
	   "Condition":{"StringEquals":{"kms:EncryptionContext:Tenant":"a"},"Bool":{"aws:SecureTransport":"false"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"kms:resourcealiases", true},
		{"aws:username", true},
		{"aws:principaltag/team", true},
		{"kms:encryptioncontext:tenant", true},
		{"aws:securetransport", true},
		{"aws:sourceip", false},
		{"kms:encryptioncontextkeys", false},
		{"aws:currenttime", false},
	} {
		if got := p.Reads(tc.key); got != tc.want {
			t.Errorf("Reads(%q): got %v, want %v", tc.key, got, tc.want)
		}
	}
	for _, tc := range []struct {
		prefix string
		want   bool
	}{{"kms:encryptioncontext:", true}, {"aws:principaltag/", true}, {"aws:resourcetag/", false}, {"aws:requesttag/", false}} {
		if got := p.ReadsPrefix(tc.prefix); got != tc.want {
			t.Errorf("ReadsPrefix(%q): got %v, want %v", tc.prefix, got, tc.want)
		}
	}
	t.Run("under 2008-10-17 a ${...} is text, not a variable", func(t *testing.T) {
		old, err := Parse("old", []byte(`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:*:key/${aws:username}"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if old.Reads("aws:username") {
			t.Error("Reads(aws:username): got true, want false")
		}
	})
	t.Run("a Policy not made by Parse reads every key", func(t *testing.T) {
		var literal Policy
		if !literal.Reads("aws:sourceip") || !literal.ReadsPrefix("aws:resourcetag/") {
			t.Error("got false, want true")
		}
	})
}
