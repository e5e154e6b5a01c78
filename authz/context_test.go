package authz

import (
	"testing"
	"time"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// TestConditionKeysPerOperation checks, through Decide, that each operation
// sets the KMS condition keys of the reference's table, and only those.
func TestConditionKeysPerOperation(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	key := &Key{ARN: keyARN, Aliases: []string{"alias/app"}, Tags: map[string]string{"Env": "prod"}, KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY", Origin: "EXTERNAL"}
	mac := &Key{ARN: keyARN, KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC", Origin: "AWS_KMS"}
	sym := &Key{ARN: keyARN, KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS"}
	cases := []struct {
		name string
		req  Request
		// cond is the Condition block of an identity Allow kms:* on *.
		cond string
		want iampolicy.Decision
	}{
		{"Sign sets kms:SigningAlgorithm and kms:MessageType RAW by default",
			Request{Operation: "Sign", Key: key, SigningAlgorithm: "RSASSA_PSS_SHA_256"}, `{"StringEquals":{"kms:SigningAlgorithm":"RSASSA_PSS_SHA_256","kms:MessageType":"RAW"}}`, iampolicy.Allow},
		{"Sign sets the key's spec, usage and origin",
			Request{Operation: "Sign", Key: key}, `{"StringEquals":{"kms:KeySpec":"RSA_2048","kms:KeyUsage":"SIGN_VERIFY","kms:KeyOrigin":"EXTERNAL","kms:CallerAccount":"111122223333"}}`, iampolicy.Allow},
		{"Sign sets no encryption algorithm",
			Request{Operation: "Sign", Key: key}, `{"Null":{"kms:EncryptionAlgorithm":"true","kms:EncryptionContextKeys":"true"}}`, iampolicy.Allow},
		{"Verify with a DIGEST message type",
			Request{Operation: "Verify", Key: key, MessageType: "DIGEST"}, `{"StringEquals":{"kms:MessageType":"DIGEST"}}`, iampolicy.Allow},
		{"GenerateMac sets kms:MacAlgorithm",
			Request{Operation: "GenerateMac", Key: mac, MacAlgorithm: "HMAC_SHA_256"}, `{"StringEquals":{"kms:MacAlgorithm":"HMAC_SHA_256"}}`, iampolicy.Allow},
		{"GenerateDataKeyPair sets kms:DataKeyPairSpec and the default encryption algorithm",
			Request{Operation: "GenerateDataKeyPair", Key: sym, KeyPairSpec: "ECC_NIST_P256"}, `{"StringEquals":{"kms:DataKeyPairSpec":"ECC_NIST_P256","kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}`, iampolicy.Allow},
		{"Encrypt sets each encryption context key, names case-insensitive",
			Request{Operation: "Encrypt", Key: sym, EncryptionContext: map[string]string{"Tenant": "t1"}}, `{"StringEquals":{"kms:EncryptionContext:tenant":"t1"},"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"Tenant"},"Null":{"kms:EncryptionContextKeys":"false"}}`, iampolicy.Allow},
		{"Encrypt values stay case-sensitive",
			Request{Operation: "Encrypt", Key: sym, EncryptionContext: map[string]string{"Tenant": "T1"}}, `{"StringEquals":{"kms:EncryptionContext:Tenant":"t1"}}`, iampolicy.ImplicitDeny},
		{"DescribeKey by alias sets kms:RequestAlias",
			Request{Operation: "DescribeKey", Key: key, KeyID: "alias/app"}, `{"StringEquals":{"kms:RequestAlias":"alias/app"}}`, iampolicy.Allow},
		{"ListGrants does not set kms:RequestAlias",
			Request{Operation: "ListGrants", Key: key, KeyID: "alias/app"}, `{"Null":{"kms:RequestAlias":"true"}}`, iampolicy.Allow},
		{"every key operation sets kms:ResourceAliases and aws:ResourceTag for identity policies",
			Request{Operation: "DisableKey", Key: key}, `{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/app"},"StringEquals":{"aws:ResourceTag/env":"prod"}}`, iampolicy.Allow},
		{"CreateGrant sets the grant keys",
			Request{Operation: "CreateGrant", Key: sym, GrantOperations: []string{"Decrypt", "Encrypt"}, GranteePrincipal: "arn:aws:iam::111122223333:role/app", RetiringPrincipal: "arn:aws:iam::111122223333:role/ops"},
			`{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]},"StringEquals":{"kms:GranteePrincipal":"arn:aws:iam::111122223333:role/app","kms:RetiringPrincipal":"arn:aws:iam::111122223333:role/ops"},"Bool":{"kms:GrantIsForAWSResource":"false"}}`, iampolicy.Allow},
		{"CreateGrant with an operation outside the list is denied",
			Request{Operation: "CreateGrant", Key: sym, GrantOperations: []string{"Decrypt", "ReEncryptFrom"}}, `{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]}}`, iampolicy.ImplicitDeny},
		{"CreateKey sets the defaults of the request",
			Request{Operation: "CreateKey"}, `{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT","kms:KeyUsage":"ENCRYPT_DECRYPT","kms:KeyOrigin":"AWS_KMS"}}`, iampolicy.Allow},
		{"CreateKey sets the request's key spec",
			Request{Operation: "CreateKey", KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC"}, `{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}`, iampolicy.ImplicitDeny},
		{"TagResource sets aws:RequestTag and aws:TagKeys",
			Request{Operation: "TagResource", Key: sym, Tags: map[string]string{"Env": "dev"}}, `{"StringEquals":{"aws:RequestTag/env":"dev"},"ForAllValues:StringEquals":{"aws:TagKeys":"Env"}}`, iampolicy.Allow},
		{"UntagResource sets aws:TagKeys",
			Request{Operation: "UntagResource", Key: sym, TagKeys: []string{"Env", "Owner"}}, `{"ForAnyValue:StringEquals":{"aws:TagKeys":"Owner"}}`, iampolicy.Allow},
		{"every request sets the caller, transport, source IP and time keys",
			Request{Operation: "ListKeys", SourceIP: "2001:db8::7", SecureTransport: true, Now: now},
			`{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/kmsgate","aws:PrincipalAccount":"111122223333","aws:username":"kmsgate"},"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"2001:db8::/64"},"DateEquals":{"aws:CurrentTime":"2026-11-26T12:00:00Z"},"NumericEquals":{"aws:EpochTime":1795694400}}`, iampolicy.Allow},
		{"a direct call has no kms:ViaService",
			Request{Operation: "ListKeys"}, `{"Null":{"kms:ViaService":"true"}}`, iampolicy.Allow},
		{"kms:ViaService is set when given",
			Request{Operation: "Encrypt", Key: sym, ViaService: "s3.us-east-1.amazonaws.com"}, `{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}`, iampolicy.Allow},
		{"an assumed-role session's aws:PrincipalArn is its role",
			Request{Operation: "ListKeys", Principal: "arn:aws:sts::111122223333:assumed-role/app/s1"}, `{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"},"Null":{"aws:username":"true"}}`, iampolicy.Allow},
		{"CreateGrant with a constraint sets kms:GrantConstraintType",
			Request{Operation: "CreateGrant", Key: sym, GrantOperations: []string{"Decrypt"}, GrantConstraintType: "EncryptionContextSubset"}, `{"StringEquals":{"kms:GrantConstraintType":"EncryptionContextSubset"}}`, iampolicy.Allow},
		{"CreateGrant without a constraint has no kms:GrantConstraintType",
			Request{Operation: "CreateGrant", Key: sym, GrantOperations: []string{"Decrypt"}}, `{"Null":{"kms:GrantConstraintType":"true"}}`, iampolicy.Allow},
		{"DeriveSharedSecret sets kms:KeyAgreementAlgorithm",
			Request{Operation: "DeriveSharedSecret", Key: key, KeyAgreementAlgorithm: "ECDH"}, `{"StringEquals":{"kms:KeyAgreementAlgorithm":"ECDH"}}`, iampolicy.Allow},
		{"every request sets aws:RequestedRegion",
			Request{Operation: "ListKeys", Region: "eu-west-1"}, `{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}`, iampolicy.Allow},
		{"a key check sees aws:RequestedRegion too",
			Request{Operation: "Encrypt", Key: sym, Region: "eu-west-1"}, `{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}`, iampolicy.ImplicitDeny},
		{"Extra keys reach the policies",
			Request{Operation: "ListKeys", Extra: iampolicy.Context{"aws:principaltag/team": iampolicy.String("red")}}, `{"StringEquals":{"aws:PrincipalTag/Team":"red"}}`, iampolicy.Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, "cond.json", `{"Version":"2012-10-17","Statement":[{"Sid":"C","Effect":"Allow","Action":"kms:*","Resource":"*","Condition":`+tc.cond+`}]}`)
			tc.req.IdentityPolicies = []*iampolicy.Policy{p}
			if tc.req.Principal == "" {
				tc.req.Principal = userARN
			}
			got := Decide(tc.req)
			if got.Decision != tc.want {
				t.Fatalf("got %v (%s), want %v", got.Decision, got.Reason, tc.want)
			}
		})
	}
}
