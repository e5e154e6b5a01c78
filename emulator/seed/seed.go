package seed

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// File is one parsed, validated seed file.
type File struct {
	Keys    []Key
	Aliases []Alias
}

// Key is one key to create when it does not exist yet.
type Key struct {
	// ID is the key id: a UUID, or mrk- plus 32 hex characters.
	ID string
	// Region and Account are empty for the server's defaults.
	Region, Account string
	Description     string
	// KeySpec, KeyUsage and Origin are always set by Parse (the defaults
	// filled in): SYMMETRIC_DEFAULT, the spec's usage and AWS_KMS when the
	// file leaves them out.
	KeySpec  types.KeySpec
	KeyUsage types.KeyUsageType
	Origin   types.OriginType
	// Enabled is false only when the file says enabled: false.
	Enabled     bool
	MultiRegion bool
	// Material holds raw symmetric or HMAC key material versions, oldest
	// first; the last is current. Empty: the emulator generates material.
	Material [][]byte
	// PrivateKeyDER is a PKCS#8 private key for an asymmetric key, or nil.
	PrivateKeyDER []byte
	Tags          []types.Tag
	// Policy is the key policy JSON; empty for the default key policy.
	Policy          string
	RotationEnabled bool
	// RotationPeriodInDays is 365 when rotation is enabled without a period.
	RotationPeriodInDays int32
	// NextRotation, when not zero, is the date of the first automatic
	// rotation (local-kms's NextKeyRotation); zero means creation date plus
	// the period.
	NextRotation time.Time
	// Aliases are full alias names (alias/...) that point at this key.
	Aliases []string
	// Grants are grants on this key (in its region).
	Grants []Grant
	// Replicas are the replicas of a multi-Region key, each in another
	// region of the key's account; empty for other keys.
	Replicas []Replica
}

// Grant is one grant on a key, with CreateGrant's parameters. Exactly one
// of GranteePrincipal and GranteeServicePrincipal is set; at most one of
// the retiring principals.
type Grant struct {
	// Name is the grant name, or "" for an unnamed grant.
	Name                     string
	GranteePrincipal         string
	GranteeServicePrincipal  string
	RetiringPrincipal        string
	RetiringServicePrincipal string
	Operations               []types.GrantOperation
	// Constraints is nil when the grant has none.
	Constraints *types.GrantConstraints
}

// Replica is one replica of a multi-Region key: the key's id, spec and
// material in another region of the same account, with its own settings
// (as ReplicateKey gives them).
type Replica struct {
	Region      string
	Description string
	// Enabled is false only when the file says enabled: false.
	Enabled bool
	Tags    []types.Tag
	// Policy is the replica's key policy JSON; empty for the default.
	Policy string
	// Aliases are full alias names that point at the replica (in its region).
	Aliases []string
	Grants  []Grant
}

// Alias is an alias given apart from its key.
type Alias struct {
	// Name is the full alias name (alias/...).
	Name string
	// TargetKeyID is a bare key id (a key ARN in the file is reduced to its
	// id, its region and account going to Region and Account).
	TargetKeyID string
	// Region and Account are the alias's scope: empty for the server's
	// defaults; taken from the target key when it is in the same file.
	Region, Account string
}
