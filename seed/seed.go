// Package seed owns the seed file: the YAML document that creates keys (with
// given ids and material), aliases, tags and policies at start-up. It parses
// and validates only; the emulator applies a File idempotently.
package seed

import (
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
	KeySpec         types.KeySpec      // SYMMETRIC_DEFAULT when empty
	KeyUsage        types.KeyUsageType // the spec's default when empty
	Origin          types.OriginType   // AWS_KMS when empty
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
	Policy               string
	RotationEnabled      bool
	RotationPeriodInDays int32
	// Aliases are full alias names (alias/...) that point at this key.
	Aliases []string
}

// Alias is an alias given apart from its key.
type Alias struct {
	Name, TargetKeyID string
	Region, Account   string
}
