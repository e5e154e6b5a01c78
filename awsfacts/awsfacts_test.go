package awsfacts

import (
	"encoding/json"
	"testing"
)

func TestPartitionAndARNs(t *testing.T) {
	tests := []struct {
		region, partition, keyARN, aliasARN, root string
	}{
		{"us-east-1", "aws", "arn:aws:kms:us-east-1:111122223333:key/k1", "arn:aws:kms:us-east-1:111122223333:alias/a", "arn:aws:iam::111122223333:root"},
		{"cn-north-1", "aws-cn", "arn:aws-cn:kms:cn-north-1:111122223333:key/k1", "arn:aws-cn:kms:cn-north-1:111122223333:alias/a", "arn:aws-cn:iam::111122223333:root"},
		{"us-gov-west-1", "aws-us-gov", "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/k1", "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/a", "arn:aws-us-gov:iam::111122223333:root"},
		{"cn", "aws", "arn:aws:kms:cn:111122223333:key/k1", "arn:aws:kms:cn:111122223333:alias/a", "arn:aws:iam::111122223333:root"},
	}
	for _, tc := range tests {
		t.Run(tc.region, func(t *testing.T) {
			if got := Partition(tc.region); got != tc.partition {
				t.Errorf("Partition: got %q, want %q", got, tc.partition)
			}
			if got := KeyARN(tc.region, "111122223333", "k1"); got != tc.keyARN {
				t.Errorf("KeyARN: got %q, want %q", got, tc.keyARN)
			}
			if got := AliasARN(tc.region, "111122223333", "alias/a"); got != tc.aliasARN {
				t.Errorf("AliasARN: got %q, want %q", got, tc.aliasARN)
			}
			if got, want := KMSARNPrefix(tc.region, "111122223333")+"key/k1", tc.keyARN; got != want {
				t.Errorf("KMSARNPrefix+key/k1: got %q, want %q", got, want)
			}
			if got := AccountRootARN(Partition(tc.region), "111122223333"); got != tc.root {
				t.Errorf("AccountRootARN: got %q, want %q", got, tc.root)
			}
		})
	}
}

func TestDefaultKeyPolicyIsAWSsText(t *testing.T) {
	// As GetKeyPolicy answered for a new key (captured against AWS, 2026).
	want := "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::111111111111:root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}"
	if got := DefaultKeyPolicy("aws", "111111111111"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDefaultKeyPolicyIsAWSs(t *testing.T) {
	var doc struct {
		Version, Id string
		Statement   []struct {
			Sid, Effect, Action, Resource string
			Principal                     struct{ AWS string }
		}
	}
	if err := json.Unmarshal([]byte(DefaultKeyPolicy("aws-cn", "444455556666")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2012-10-17" || doc.Id != "key-default-1" || len(doc.Statement) != 1 {
		t.Fatalf("got %+v, want version 2012-10-17, id key-default-1, one statement", doc)
	}
	s := doc.Statement[0]
	want := [5]string{DefaultKeyPolicySid, "Allow", "arn:aws-cn:iam::444455556666:root", "kms:*", "*"}
	if got := [5]string{s.Sid, s.Effect, s.Principal.AWS, s.Action, s.Resource}; got != want {
		t.Errorf("got statement %q, want %q", got, want)
	}
}

func TestAccessDeniedTexts(t *testing.T) {
	const p, a, r = "arn:aws:iam::111122223333:user/app", "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k1"
	const head = "User: " + p + " is not authorized to perform: " + a + " on resource: " + r
	tests := []struct {
		why  Why
		want string
	}{
		{Unexplained, head},
		{NoIdentityPolicy, head + " because no identity-based policy allows the kms:Decrypt action"},
		{NoResourcePolicy, head + " because no resource-based policy allows the kms:Decrypt action"},
		{ExplicitDenyIdentity, head + " with an explicit deny in an identity-based policy"},
		{ExplicitDenyResource, head + " with an explicit deny in a resource-based policy"},
	}
	for _, tc := range tests {
		if got := AccessDenied(p, a, r, tc.why); got != tc.want {
			t.Errorf("why %d: got %q, want %q", tc.why, got, tc.want)
		}
	}
}
