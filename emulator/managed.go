package emulator

// AWS managed keys. An operation that names alias/aws/<service> (key id,
// alias name or alias ARN forms) finds the account's AWS managed key for
// that service in the caller's region, creating it and its alias on first
// use as AWS does: KeyManager AWS, SYMMETRIC_DEFAULT, rotated every year,
// with AWS's managed-key policy. Customers can use it and read it
// (Describe*, Get*, List*) but not manage it: every management operation
// answers the AccessDeniedException AWS's managed-key policy leads to.
// Customers cannot create, update or delete aliases under alias/aws/
// (checkAliasName).
//
// Difference from AWS: AWS lets principals use a managed key only through
// its service (the kms:ViaService condition of its policy); kmsgate cannot
// tell a service call from a direct one and allows both until policy
// enforcement judges the policy.

import (
	"context"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/awsfacts"
)

// reManagedAlias is one service name under alias/aws/.
var reManagedAlias = regexp.MustCompile(`^alias/aws/[a-zA-Z0-9_-]+$`)

// viaServiceHost is the host of kms:ViaService for services whose calls
// come through another service's endpoint.
var viaServiceHost = map[string]string{"ebs": "ec2"}

func principalOf(ctx context.Context) string {
	if c, ok := kmsgate.CallerFrom(ctx); ok {
		return c.PrincipalARN
	}
	return ""
}

// managedPolicy is the key policy of an AWS managed key, in the form AWS
// gives them (use through the service by the account's principals; direct
// read access to key metadata for the account).
func managedPolicy(sc scope, service string) string {
	host := service
	if h, ok := viaServiceHost[service]; ok {
		host = h
	}
	return `{"Version":"2012-10-17","Id":"auto-` + service + `-1","Statement":[` +
		`{"Sid":"Allow access through ` + service + ` for all principals in the account that are authorized to use ` + service + `","Effect":"Allow","Principal":{"AWS":"*"},` +
		`"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*",` +
		`"Condition":{"StringEquals":{"kms:CallerAccount":"` + sc.account + `","kms:ViaService":"` + host + `.` + sc.region + `.amazonaws.com"}}},` +
		`{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{"AWS":"` + sc.accountRoot() + `"},` +
		`"Action":["kms:Describe*","kms:Get*","kms:List*"],"Resource":"*"}]}`
}

// managedAlias answers the alias record of an AWS managed key, creating
// the key and alias when missing (nil, nil when name is not alias/aws/...).
// In a read-only transaction the creation is left to view (errMaintain).
func (t *txn) managedAlias(name string) (*aliasRecord, error) {
	if !reManagedAlias.MatchString(name) {
		return nil, nil
	}
	if !t.tx.Writable() {
		t.fix = func(wt *txn) error {
			_, err := wt.managedAlias(name)
			return err
		}
		return nil, errMaintain
	}
	if a, err := t.loadAlias(name); err != nil || a != nil {
		return a, err
	}
	service := strings.TrimPrefix(name, awsfacts.ManagedAliasPrefix)
	id, err := t.s.newKeyID(false)
	if err != nil {
		return nil, err
	}
	now := t.now
	k := &keyRecord{
		KeyID:        id,
		CreationDate: now,
		// Unverified against AWS: its descriptions name each service's
		// resources ("Default master key that protects my S3 objects ...").
		Description:          "Default key that protects my " + service + " data when no other key is defined",
		State:                types.KeyStateEnabled,
		KeySpec:              types.KeySpecSymmetricDefault,
		KeyUsage:             types.KeyUsageTypeEncryptDecrypt,
		Origin:               types.OriginTypeAwsKms,
		KeyManager:           types.KeyManagerTypeAws,
		Policy:               managedPolicy(t.sc, service),
		RotationEnabled:      true,
		RotationPeriodInDays: defaultRotationPeriod,
		RotationBase:         &now,
	}
	if err := t.addMaterial(k, nil, now, ""); err != nil {
		return nil, err
	}
	if err := t.saveKey(k); err != nil {
		return nil, err
	}
	a := &aliasRecord{Name: name, TargetKeyID: id, CreationDate: now, LastUpdatedDate: now}
	if err := t.saveAlias(a); err != nil {
		return nil, err
	}
	t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("alias", name).Str("key_id", id).Msg("AWS managed key created on first use")
	return a, nil
}

// customerManaged refuses management of an AWS managed key with the
// AccessDeniedException its key policy leads to in AWS (the policy allows
// only use through the service and Describe*, Get*, List*). op is the API
// operation being served.
func (t *txn) customerManaged(op string, k *keyRecord) error {
	if k.keyManager() != types.KeyManagerTypeAws {
		return nil
	}
	principal := t.principal
	if principal == "" {
		principal = t.sc.accountRoot()
	}
	return kmsgate.NewAccessDeniedException("%s", awsfacts.AccessDenied(principal, "kms:"+op, t.sc.keyARN(k.KeyID), awsfacts.NoResourcePolicy))
}

// keyManager is CUSTOMER, or AWS for an AWS managed key.
func (k *keyRecord) keyManager() types.KeyManagerType {
	if k.KeyManager == "" {
		return types.KeyManagerTypeCustomer
	}
	return k.KeyManager
}
