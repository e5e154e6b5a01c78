package authz

import "strings"

// opClass says what an operation is authorized against.
type opClass uint8

const (
	// onKey: one key; the key policy must allow.
	onKey opClass = iota
	// noResource: no key resource; identity policies alone, resource "*".
	noResource
	// onAlias: the alias (identity policies alone) and the key or keys.
	onAlias
	// reEncrypt: kms:ReEncryptFrom on the source key, kms:ReEncryptTo on the destination.
	reEncrypt
)

// operations lists every KMS API operation and what it is authorized against.
var operations = map[string]opClass{
	"CancelKeyDeletion":                   onKey,
	"ConnectCustomKeyStore":               noResource,
	"CreateAlias":                         onAlias,
	"CreateCustomKeyStore":                noResource,
	"CreateGrant":                         onKey,
	"CreateKey":                           noResource,
	"Decapsulate":                         onKey,
	"Decrypt":                             onKey,
	"DeleteAlias":                         onAlias,
	"DeleteCustomKeyStore":                noResource,
	"DeleteImportedKeyMaterial":           onKey,
	"DeriveSharedSecret":                  onKey,
	"DescribeCustomKeyStores":             noResource,
	"DescribeKey":                         onKey,
	"DisableKey":                          onKey,
	"DisableKeyRotation":                  onKey,
	"DisconnectCustomKeyStore":            noResource,
	"EnableKey":                           onKey,
	"EnableKeyRotation":                   onKey,
	"Encapsulate":                         onKey,
	"Encrypt":                             onKey,
	"GenerateDataKey":                     onKey,
	"GenerateDataKeyPair":                 onKey,
	"GenerateDataKeyPairWithoutPlaintext": onKey,
	"GenerateDataKeyWithoutPlaintext":     onKey,
	"GenerateMac":                         onKey,
	"GenerateRandom":                      noResource,
	"GetKeyLastUsage":                     onKey,
	"GetKeyPolicy":                        onKey,
	"GetKeyRotationStatus":                onKey,
	"GetParametersForImport":              onKey,
	"GetPublicKey":                        onKey,
	"ImportKeyMaterial":                   onKey,
	"ListAliases":                         noResource,
	"ListGrants":                          onKey,
	"ListKeyPolicies":                     onKey,
	"ListKeyRotations":                    onKey,
	"ListKeys":                            noResource,
	"ListResourceTags":                    onKey,
	"ListRetirableGrants":                 noResource,
	"PutKeyPolicy":                        onKey,
	"ReEncrypt":                           reEncrypt,
	"ReplicateKey":                        onKey,
	"RetireGrant":                         onKey,
	"RevokeGrant":                         onKey,
	"RotateKeyOnDemand":                   onKey,
	"ScheduleKeyDeletion":                 onKey,
	"Sign":                                onKey,
	"TagResource":                         onKey,
	"UntagResource":                       onKey,
	"UpdateAlias":                         onAlias,
	"UpdateCustomKeyStore":                noResource,
	"UpdateKeyDescription":                onKey,
	"UpdatePrimaryRegion":                 onKey,
	"Verify":                              onKey,
	"VerifyMac":                           onKey,
}

// actions is each operation's IAM action, "kms:" and its name, spelled out
// once here rather than in every decision.
var actions = func() map[string]string {
	m := make(map[string]string, len(operations))
	for op := range operations {
		m[op] = "kms:" + op
	}
	return m
}()

// Operations returns the name of every KMS API operation Decide knows, in
// no particular order (a test ties it to kmsgate.Backend).
func Operations() []string {
	out := make([]string, 0, len(operations))
	for op := range operations {
		out = append(out, op)
	}
	return out
}

// HasKey reports whether op is judged on a key (its KeyId, or the key
// inside a ciphertext), as opposed to identity policies alone.
func HasKey(op string) bool {
	c, ok := operations[op]
	return ok && (c == onKey || c == reEncrypt)
}

// iamActions are the KMS actions an IAM policy can name: every operation
// but ReEncrypt, which is ReEncryptFrom and ReEncryptTo.
func iamActions() []string {
	out := make([]string, 0, len(operations)+1)
	for op := range operations {
		if op == "ReEncrypt" {
			out = append(out, "kms:ReEncryptFrom", "kms:ReEncryptTo")
			continue
		}
		out = append(out, "kms:"+op)
	}
	return out
}

// Operations that set kms:EncryptionContext:* and kms:EncryptionContextKeys.
func setsEncryptionContext(op string) bool {
	switch op {
	case "Encrypt", "Decrypt", "ReEncrypt", "CreateGrant":
		return true
	}
	return strings.HasPrefix(op, "GenerateDataKey")
}

// Operations that set kms:EncryptionAlgorithm.
func setsEncryptionAlgorithm(op string) bool {
	switch op {
	case "Encrypt", "Decrypt", "ReEncrypt":
		return true
	}
	return strings.HasPrefix(op, "GenerateDataKey")
}

// Operations that set kms:RequestAlias when KeyId is an alias.
func setsRequestAlias(op string) bool {
	switch op {
	case "Encrypt", "Decrypt", "ReEncrypt", "Sign", "Verify", "GenerateMac", "VerifyMac",
		"DeriveSharedSecret", "DescribeKey", "GetPublicKey":
		return true
	}
	return strings.HasPrefix(op, "GenerateDataKey")
}

func isGrantOperation(op string) bool {
	switch op {
	case "CreateGrant", "ListGrants", "RetireGrant", "RevokeGrant":
		return true
	}
	return false
}

// multiValuedKeys are the condition keys whose value is a set.
var multiValuedKeys = map[string]bool{
	"kms:resourcealiases":           true,
	"kms:encryptioncontextkeys":     true,
	"kms:grantoperations":           true,
	"aws:tagkeys":                   true,
	"aws:principalservicenameslist": true,
	"aws:calledvia":                 true,
	"aws:principalorgpaths":         true,
}

// singleValuedKeys are known single-valued keys; prefixes end in ':' or '/'.
var singleValuedKeys = map[string]bool{
	"kms:requestalias": true, "kms:calleraccount": true, "kms:viaservice": true,
	"kms:keyspec": true, "kms:keyusage": true, "kms:keyorigin": true,
	"kms:encryptionalgorithm": true, "kms:signingalgorithm": true, "kms:messagetype": true,
	"kms:macalgorithm": true, "kms:datakeypairspec": true, "kms:granteeprincipal": true,
	"kms:retiringprincipal": true, "kms:grantisforawsresource": true,
	"kms:grantconstrainttype": true, "kms:keyagreementalgorithm": true,
	"aws:sourceip": true, "aws:securetransport": true, "aws:principalarn": true,
	"aws:principalaccount": true, "aws:username": true, "aws:currenttime": true,
	"aws:epochtime": true, "aws:userid": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:principaltype": true, "aws:requestedregion": true, "aws:principalorgid": true,
	"aws:viaawsservice": true, "aws:calledviafirst": true, "aws:calledvialast": true,
	"aws:multifactorauthpresent": true, "aws:multifactorauthage": true,
}

var singleValuedPrefixes = [...]string{"kms:encryptioncontext:", "aws:resourcetag/", "aws:requesttag/", "aws:principaltag/"}

func isSingleValued(key string) bool {
	k := strings.ToLower(key)
	if singleValuedKeys[k] {
		return true
	}
	for _, p := range singleValuedPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
