package emulator

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
)

// idForms says which key identifiers an operation accepts.
type idForms int

const (
	// keyOnly: key id or key ARN.
	keyOnly idForms = iota
	// keyOrAlias: key id, key ARN, alias name or alias ARN.
	keyOrAlias
)

// parsedID is a key identifier taken apart: exactly one of keyID and alias
// is set.
type parsedID struct {
	keyID string
	alias string // "alias/..."
}

// checkKeyIDMember is a key identifier member's validation (step 1 of the
// check order): required, 1 to 2048 characters. What it names is key
// resolution's to judge.
func checkKeyIDMember(field string, in *string) error {
	if in == nil {
		return validationNull(field)
	}
	return validationLen(field, *in, 1, 2048)
}

// optionalKeyIDMember is checkKeyIDMember for a member that may be left out.
func optionalKeyIDMember(field string, in *string) error {
	if in == nil {
		return nil
	}
	return checkKeyIDMember(field, in)
}

// parseKeyID validates the member and splits it into a key id or an alias
// name in the caller's scope.
func (t *txn) parseKeyID(field string, in *string, forms idForms) (parsedID, error) {
	if err := checkKeyIDMember(field, in); err != nil {
		return parsedID{}, err
	}
	v := *in
	if strings.HasPrefix(v, "arn:") {
		parts := strings.SplitN(v, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" {
			return parsedID{}, invalidKeyID(v)
		}
		if parts[3] != t.sc.region {
			return parsedID{}, notFound("Invalid arn " + parts[3])
		}
		res := parts[5]
		switch {
		case strings.HasPrefix(res, "key/") && kmsgate.IsKeyID(res[4:]):
			if parts[4] != t.sc.account || parts[1] != t.sc.partition() {
				return parsedID{}, notFound("Key '" + v + "' does not exist")
			}
			return parsedID{keyID: res[4:]}, nil
		case strings.HasPrefix(res, "alias/") && forms == keyOrAlias:
			if parts[4] != t.sc.account || parts[1] != t.sc.partition() {
				return parsedID{}, notFound("Alias " + v + " is not found.")
			}
			return parsedID{alias: res}, nil
		case strings.HasPrefix(res, "alias/"):
			return parsedID{}, aliasesNotSupported()
		}
		return parsedID{}, invalidKeyID(v)
	}
	if strings.HasPrefix(v, "alias/") {
		if forms != keyOrAlias {
			return parsedID{}, aliasesNotSupported()
		}
		return parsedID{alias: v}, nil
	}
	if !kmsgate.IsKeyID(v) {
		return parsedID{}, invalidKeyID(v)
	}
	return parsedID{keyID: v}, nil
}

// aliasesNotSupported is AWS's answer to an alias name or alias ARN given
// to an operation that takes only a key id or key ARN (captured for the
// rotation operations, ReplicateKey and UpdatePrimaryRegion).
func aliasesNotSupported() error {
	return &types.InvalidArnException{Message: aws.String("Key Aliases are not supported for this operation.")}
}

// resolveKey finds the key an identifier names (NotFoundException with AWS's
// text otherwise). Key state is the caller's to check.
func (t *txn) resolveKey(field string, in *string, forms idForms) (*keyRecord, error) {
	p, err := t.parseKeyID(field, in, forms)
	if err != nil {
		return nil, err
	}
	id := p.keyID
	if p.alias != "" {
		a, err := t.loadAlias(p.alias)
		if err != nil {
			return nil, err
		}
		if a == nil {
			// alias/aws/<service> names an AWS managed key made on first use.
			if a, err = t.managedAlias(p.alias); err != nil {
				return nil, err
			}
		}
		if a == nil {
			return nil, aliasNotFound(t.sc, p.alias)
		}
		id = a.TargetKeyID
	}
	k, ok, err := t.loadKey(strings.ToLower(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		if p.alias != "" {
			// The alias's key is gone (its deletion date passed).
			return nil, aliasNotFound(t.sc, p.alias)
		}
		return nil, keyNotFound(t.sc, id)
	}
	return k, nil
}
