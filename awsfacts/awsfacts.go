// Package awsfacts is the one home of the AWS facts several parts of kmsgate
// state: which partition a region is in, how KMS and IAM ARNs are written,
// the key policy KMS gives a key created without one, and the texts of the
// AccessDeniedException KMS answers. The emulator, the policy engine (authz),
// the proxy and the CLI call it instead of writing a fact again.
//
// It is pure string work and imports nothing of kmsgate, so every package may
// use it.
package awsfacts

import "strings"

// Partition is the AWS partition of a region, as far as the region's name
// tells it: aws-cn for cn-*, aws-us-gov for us-gov-*, aws otherwise.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// KMSARNPrefix is "arn:<partition>:kms:<region>:<account>:", what every KMS
// resource ARN of the account and region starts with.
func KMSARNPrefix(region, account string) string {
	return "arn:" + Partition(region) + ":kms:" + region + ":" + account + ":"
}

// KeyARN is "arn:<partition>:kms:<region>:<account>:key/<keyID>", built in
// one allocation.
func KeyARN(region, account, keyID string) string {
	return "arn:" + Partition(region) + ":kms:" + region + ":" + account + ":key/" + keyID
}

// AliasARN is "arn:<partition>:kms:<region>:<account>:<aliasName>", aliasName
// being "alias/...".
func AliasARN(region, account, aliasName string) string {
	return "arn:" + Partition(region) + ":kms:" + region + ":" + account + ":" + aliasName
}

// AccountRootARN is "arn:<partition>:iam::<account>:root", the principal that
// stands for a whole account (and the one a key policy delegates to).
func AccountRootARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":root"
}

// DefaultKeyPolicySid is the Sid of the one statement of DefaultKeyPolicy.
const DefaultKeyPolicySid = "Enable IAM User Permissions"

// DefaultKeyPolicy is the key policy KMS gives a key created without one: the
// account's root may do kms:* on the key, which hands the decision to the
// account's IAM policies. It is the text GetKeyPolicy and ReplicateKey's
// ReplicaPolicy answer, character for character as AWS writes it (captured
// against AWS in 2026: two-space indents, " : " between name and value).
func DefaultKeyPolicy(partition, account string) string {
	return "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"" + DefaultKeyPolicySid +
		"\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"" + AccountRootARN(partition, account) +
		"\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}"
}

// ManagedAliasPrefix starts the aliases of AWS managed keys
// (alias/aws/<service>), which customers cannot create, change or delete.
const ManagedAliasPrefix = "alias/aws/"

// Why AWS denied a call: the ending of an AccessDeniedException message.
type Why int

const (
	// Unexplained ends the message after the resource, as KMS does for a
	// call it cannot judge (an unknown operation, a key that is missing).
	Unexplained Why = iota
	// NoIdentityPolicy: the key policy delegates to IAM (or there is no
	// key) and no identity-based policy allows the action.
	NoIdentityPolicy
	// NoResourcePolicy: the key policy neither allows the caller nor
	// delegates to the caller's account.
	NoResourcePolicy
	// ExplicitDenyIdentity: a Deny statement of an identity-based policy.
	ExplicitDenyIdentity
	// ExplicitDenyResource: a Deny statement of the key policy.
	ExplicitDenyResource
)

// AccessDenied is AWS's AccessDeniedException message for principal doing
// action (e.g. kms:Decrypt) on resource (a key ARN, or *), for the reason why:
//
//	User: <principal> is not authorized to perform: <action> on resource: <resource>[ <why>]
func AccessDenied(principal, action, resource string, why Why) string {
	return denied(principal, action, "on resource: "+resource, why)
}

// AccessDeniedCrossAccount is AWS's AccessDeniedException message for a
// caller of another account than the key's: it does not name the key
// ("on this resource"), and a refusal on the key's side does not say which
// of its causes applies:
//
//	User: <principal> is not authorized to perform: <action> on this resource[ <why>]
//
// The NoIdentityPolicy form was captured from AWS (a cross-account
// DescribeKey, recordings of 2026-09 in the stackd project); the form for
// the key's side (no key policy allows, or a key policy denies) is AWS's
// text as quoted by client projects' tests; the explicit identity deny
// ending is the same-account one, a guess.
func AccessDeniedCrossAccount(principal, action string, why Why) string {
	switch why {
	case NoResourcePolicy, ExplicitDenyResource:
		return "User: " + principal + " is not authorized to perform: " + action +
			" on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"
	}
	return denied(principal, action, "on this resource", why)
}

func denied(principal, action, on string, why Why) string {
	msg := "User: " + principal + " is not authorized to perform: " + action + " " + on
	switch why {
	case NoIdentityPolicy:
		msg += " because no identity-based policy allows the " + action + " action"
	case NoResourcePolicy:
		msg += " because no resource-based policy allows the " + action + " action"
	case ExplicitDenyIdentity:
		msg += " with an explicit deny in an identity-based policy"
	case ExplicitDenyResource:
		msg += " with an explicit deny in a resource-based policy"
	}
	return msg
}
