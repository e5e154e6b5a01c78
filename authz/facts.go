package authz

import "context"

// Facts looks up what a decision needs to know about keys. The emulator
// serves it from its store; the proxy serves it from the upstream KMS
// (ListAliases, ListResourceTags, GetKeyPolicy, DescribeKey, ListGrants)
// through a bounded TTL cache. The judging backend is its only caller.
//
// Error contract (every method): a KeyId that names no key returns
// *types.NotFoundException with AWS's text (the caller answers it as KMS
// would, not as a denial); a look-up the source refuses returns an error
// whose text names the look-up and the permission it needs; any other error
// is a server fault.
type Facts interface {
	// KeyFacts returns the facts of the key keyID names: a key id, key ARN,
	// alias name or alias ARN. A bare key id or alias name is resolved in
	// account and region (the caller's); an ARN names its own.
	KeyFacts(ctx context.Context, account, region, keyID string) (*Key, error)
	// Grants returns the grants of the key whose ARN is keyARN.
	Grants(ctx context.Context, keyARN string) ([]Grant, error)
	// CiphertextKey returns the ARN of the key a symmetric ciphertext blob
	// names, ok false when the source cannot read blobs (proxy mode: the
	// call is forwarded and judged on the KeyId that comes back). A blob
	// that names no key returns *types.InvalidCiphertextException.
	CiphertextKey(ctx context.Context, account, region string, blob []byte) (keyARN string, ok bool, err error)
}
