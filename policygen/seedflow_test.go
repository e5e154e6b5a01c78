package policygen

import (
	"github.com/kmsgate/kmsgate/authz"
)

const (
	tAcct   = "111122223333"
	tApp    = "arn:aws:iam::111122223333:user/app"
	tOther  = "arn:aws:iam::111122223333:user/other"
	tKey1   = "arn:aws:kms:eu-west-1:111122223333:key/11111111-1111-4111-8111-111111111111"
	tKey2   = "arn:aws:kms:eu-west-1:111122223333:key/22222222-2222-4222-8222-222222222222"
	tKey3   = "arn:aws:kms:eu-west-1:111122223333:key/33333333-3333-4333-8333-333333333333"
	tAlias1 = "arn:aws:kms:eu-west-1:111122223333:alias/jumpwire/org1"
)

func chk(action, resource string) authz.LogCheck {
	return authz.LogCheck{Action: action, Resource: resource, Decision: "ImplicitDeny"}
}

// seedFlowLog is the decision log record mode writes for the seed's
// envelope flow (GenerateDataKey on a missing alias, CreateKey,
// CreateAlias, GenerateDataKey, Decrypt without KeyId), DescribeKey, Sign on
// an aliased key and CreateGrant with a constraint, by a caller with no
// identity policy yet.
func seedFlowLog() []authz.LogRecord {
	ec := map[string]any{"kms:EncryptionContext:tenant": "org1", "kms:EncryptionContextKeys": []any{"tenant"}}
	return []authz.LogRecord{
		{RequestID: "r0", Operation: "GenerateDataKey", Principal: tApp, Decision: "NotFound", ViaAlias: "alias/jumpwire/org1"},
		{RequestID: "r1", Operation: "CreateKey", Principal: tApp, Action: "kms:CreateKey", Resources: []string{"*"}, Decision: "ImplicitDeny",
			Message: "User: " + tApp + " is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action",
			Checks:  []authz.LogCheck{chk("kms:CreateKey", "*")}},
		{RequestID: "r2", Operation: "CreateAlias", Principal: tApp, Action: "kms:CreateAlias", Resources: []string{tAlias1, tKey1}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{chk("kms:CreateAlias", tAlias1), chk("kms:CreateAlias", tKey1)}},
		{RequestID: "r3", Operation: "GenerateDataKey", Principal: tApp, Action: "kms:GenerateDataKey", Resources: []string{tKey1}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{chk("kms:GenerateDataKey", tKey1)}, Context: ec,
			KeyAliases: []string{"alias/jumpwire/org1"}, ViaAlias: "alias/jumpwire/org1"},
		{RequestID: "r4", Operation: "Decrypt", Principal: tApp, Action: "kms:Decrypt", Resources: []string{tKey1}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{chk("kms:Decrypt", tKey1)}, Context: ec, KeyAliases: []string{"alias/jumpwire/org1"}},
		{RequestID: "r5", Operation: "DescribeKey", Principal: tApp, Action: "kms:DescribeKey", Resources: []string{tKey1}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{chk("kms:DescribeKey", tKey1)}, KeyAliases: []string{"alias/jumpwire/org1"}, ViaAlias: "alias/jumpwire/org1"},
		{RequestID: "r6", Operation: "Sign", Principal: tApp, Action: "kms:Sign", Resources: []string{tKey2}, Decision: "ImplicitDeny",
			Checks:     []authz.LogCheck{chk("kms:Sign", tKey2)},
			Context:    map[string]any{"kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW"},
			KeyAliases: []string{"alias/jumpwire/signer"}, ViaAlias: "arn:aws:kms:eu-west-1:111122223333:alias/jumpwire/signer"},
		{RequestID: "r7", Operation: "CreateGrant", Principal: tApp, Action: "kms:CreateGrant", Resources: []string{tKey1}, Decision: "ImplicitDeny",
			Checks: []authz.LogCheck{chk("kms:CreateGrant", tKey1)},
			Context: map[string]any{"kms:GrantOperations": []any{"Decrypt"}, "kms:GranteePrincipal": tOther,
				"kms:EncryptionContext:tenant": "org1", "kms:EncryptionContextKeys": []any{"tenant"}, "kms:GrantIsForAWSResource": false},
			KeyAliases: []string{"alias/jumpwire/org1"}},
	}
}
