package emulator

// The order of checks: one place for the rule every operation follows, so
// that a request that is wrong in several ways gets the error AWS gives.
//
// AWS checks, and kmsgate answers the first that fails:
//
//  1. validation: the API model's constraints on each member (required,
//     length, range, pattern, enum), member by member, without looking at
//     any key: ValidationException ("1 validation error detected: ...").
//     Rules between members that need no key come here too (KeySpec with
//     CustomerMasterKeySpec, KeySpec with NumberOfBytes, ExpirationModel
//     with ValidTo).
//  2. key resolution: the identifier's form and the key's existence
//     (NotFoundException), the forms the operation takes, and, for a
//     ciphertext whose header names a key, whether the request's KeyId
//     (or SourceKeyId) names that key: IncorrectKeyException "The key ID
//     in the request does not identify a CMK that can perform this
//     operation." whatever the named key's type or state. A blob naming a
//     key that is not here: AccessDeniedException.
//  3. key state (usable, notPendingDeletion, notPendingDeletionOrImport):
//     DisabledException "<arn> is disabled.", KMSInvalidStateException
//     "<arn> is pending deletion." / "is pending import." / ...; AWS
//     managed keys refuse management operations here too.
//  4. usage and spec: the operation's fit to the key
//     (InvalidKeyUsageException "<arn> key usage is X which is not valid
//     for Op."; UnsupportedOperationException for rotation of asymmetric,
//     HMAC or imported keys, import on AWS_KMS keys, replication of a
//     single-Region key, GetPublicKey of a symmetric key).
//  5. algorithm: the algorithm's fit to the key's spec
//     (InvalidKeyUsageException "Algorithm X is incompatible with key spec
//     Y."), message type and digest length, RSA plaintext size, encryption
//     context with an asymmetric key.
//  6. ciphertext: the blob itself (InvalidCiphertextException with an
//     empty message: corrupt blob, wrong encryption context, material
//     version gone), then the operation's own verdicts
//     (KMSInvalidSignatureException, KMSInvalidMacException).
//
// DryRun answers DryRunOperationException after step 5 (or after 6 for the
// operations whose verdict is part of the answer), so a dry run fails
// exactly as the real call would.
//
// Where each step lives: validation in validate.go, one function per
// operation (validateX), which the operation calls first and which
// Service.Validate answers on its own for the judging backend (a refused
// request answers its validation error, as in KMS); resolution in resolveKey and decryptBlob; state in usable
// and its relatives (errors.go, keytypes.go) and modifyKey's rule; usage in
// useKey, checkEncryptKey, symmetricOnly, rotationState / onDemandState;
// algorithms in keyspec (Sign, Verify, GenerateMac, Encrypt, ...) and
// algorithmFits; ciphertext in decryptBlob / openBlobWith.
// TestCheckOrder (checkorder_test.go) pins one request per pair of
// adjacent steps.
