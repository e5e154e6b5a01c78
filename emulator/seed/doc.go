// Package seed owns the seed file: the YAML document that creates keys (with
// given ids and material), aliases, tags, policies, grants and the replicas
// of multi-Region keys at start-up. It parses
// and validates only; the emulator applies a File idempotently at start-up.
// testdata/kmsgate-example.yaml and testdata/local-kms-example.yaml are
// complete examples of the two formats.
//
// Two formats are accepted and told apart by their top-level field names:
// kmsgate's own format (lower-case `keys:` and `aliases:`) and the seed format
// of local-kms (capitalised `Keys:` and `Aliases:`), so that a project can move
// to kmsgate with the seed file it has.
//
// # kmsgate's format
//
//	keys:
//	  - id: 0f6c2f3e-5b0a-4c1e-9d52-8f7a1b2c3d4e   # UUID, or mrk- + 32 hex
//	    region: eu-west-1          # optional; the server's default region
//	    account: "111122223333"    # optional; the server's default account
//	    description: payments master key
//	    keySpec: SYMMETRIC_DEFAULT # default; or RSA_2048, ECC_NIST_P256, HMAC_256, ...
//	    keyUsage: ENCRYPT_DECRYPT  # default depends on keySpec
//	    origin: AWS_KMS            # or EXTERNAL
//	    enabled: true              # default true
//	    multiRegion: false         # true iff the id starts with mrk-
//	    material:                  # versions, oldest first; the last is current
//	      - hex:5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9
//	      - base64:XNrq0n/n2i3keUXXPNbXnjZJTnOALzzThp8dLLC116k=
//	    tags: {team: payments}
//	    policy: |                  # a JSON string, or a YAML mapping
//	      {"Version": "2012-10-17", "Statement": []}
//	    rotation: {enabled: true, periodInDays: 365}
//	    aliases: [alias/payments]
//	    grants:                    # CreateGrant's parameters
//	      - name: payments-app     # optional
//	        granteePrincipal: arn:aws:iam::111122223333:role/app
//	        retiringPrincipal: arn:aws:iam::111122223333:role/admin
//	        operations: [Encrypt, Decrypt, GenerateDataKey]
//	        constraints:
//	          encryptionContextSubset: {tenant: acme}
//	  - id: mrk-0123456789abcdef0123456789abcdef
//	    region: us-east-1          # the primary's region
//	    replicas:                  # same id and material in other regions
//	      - region: eu-west-1
//	      - region: ap-southeast-2
//	        description: Sydney    # each replica's own, as ReplicateKey:
//	        tags: {site: syd}      # description, tags, policy; and enabled,
//	        aliases: [alias/mac]   # aliases and grants in its region
//	  - id: 800d5768-3fd7-4edd-a4b8-4c81c3e4c147
//	    keyUsage: SIGN_VERIFY
//	    privateKeyPem: |           # keySpec is read from the key when omitted
//	      -----BEGIN EC PRIVATE KEY-----
//	      ...
//	aliases:
//	  - name: alias/signing
//	    targetKeyId: 800d5768-3fd7-4edd-a4b8-4c81c3e4c147
//
// A key that exists already keeps its settings; it gains the seed material
// versions, aliases, grants and replicas it lacks. Nothing a seed made is
// removed when the file drops it.
//
// Rules:
//   - id is required: a UUID or mrk- followed by 32 hex digits (stored in
//     lower case). The same id may appear once per account and region.
//   - keySpec, keyUsage and origin are the AWS enum names. keyUsage defaults
//     to ENCRYPT_DECRYPT for SYMMETRIC_DEFAULT, RSA_* and SM2, to
//     GENERATE_VERIFY_MAC for HMAC_*, to SIGN_VERIFY for ECC_* and ML_DSA_*,
//     and to ENCAPSULATE_DECAPSULATE for ML_KEM_*; a usage the spec does not
//     allow is rejected. origin is AWS_KMS (default) or EXTERNAL; an EXTERNAL
//     key without material is created waiting for its import.
//   - material is only for SYMMETRIC_DEFAULT (each version exactly 32 bytes)
//     and HMAC_* (one version; 28-64 bytes for HMAC_224, 32-64 for HMAC_256,
//     48-128 for HMAC_384, 64-128 for HMAC_512). Each entry is `hex:...`,
//     `base64:...` (standard alphabet, padded) or plain hex. Without material
//     the emulator generates it.
//   - privateKeyPem is only for asymmetric keys: one unencrypted PEM block,
//     PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1
//     (`EC PRIVATE KEY`), holding an RSA 2048/3072/4096, NIST P-256/384/521,
//     secp256k1, Ed25519, ML-DSA or ML-KEM key (read by
//     keyspec.ParsePrivateKey). It is stored as PKCS#8 DER. When keySpec is omitted it
//     is read from the key; when given it must match. Without a PEM the
//     emulator generates the key pair.
//   - tags: at most 50; keys 1-128 characters not starting with aws:, values
//     up to 256 characters.
//   - policy: a JSON object given as a string, or a YAML mapping (converted
//     to JSON with its key order kept); at most 32768 bytes. Omitted: the
//     default key policy.
//   - rotation: automatic rotation, only for SYMMETRIC_DEFAULT keys with
//     origin AWS_KMS; periodInDays 90-2560, 365 when omitted;
//     nextRotation (RFC 3339) optionally sets the first rotation date (a
//     date that has passed makes the key rotate once, when the seed is
//     applied).
//   - grants: each has operations (GrantOperation names: Decrypt,
//     Encrypt, GenerateDataKey, Sign, ...; not CreateGrant alone), exactly
//     one of granteePrincipal and granteeServicePrincipal, optionally one of
//     retiringPrincipal and retiringServicePrincipal, a name, and
//     constraints with encryptionContextEquals / encryptionContextSubset
//     (up to 8 pairs each, SYMMETRIC_DEFAULT keys only) and sourceArn
//     (required with granteeServicePrincipal). The rules are CreateGrant's;
//     whether the key's usage allows each operation is checked when the
//     seed is applied. A grant name appears once per key, and an unnamed
//     grant may not repeat another. The grant id is derived from the
//     account, region, key id and the grant's parameters (name included):
//     the same file gives the same grant ids in every store, and applying it
//     again finds its grants instead of adding copies. A named grant that
//     CreateGrant made with the same parameters counts as the seed's.
//   - replicas: only for multi-Region (mrk-) keys. Each names a region of
//     the key's account and partition other than the key's own, once. The
//     replica is made as ReplicateKey makes it: the key's id, spec, usage
//     and every material version (so each region opens the others'
//     ciphertexts), with its own description, tags, policy (default: the
//     default key policy), enabled (default true), aliases and grants.
//     A replica of an EXTERNAL key gets the key's seed material imported
//     too; without material it waits in PendingImport. The file may not
//     also have a key entry with the same id in a replica's region.
//   - aliases (on a key, or top-level with name and targetKeyId): alias/
//     followed by letters, digits, /, _ and -, at most 256 characters in all;
//     alias/aws/ is reserved for AWS. A name appears once per account and
//     region.
//   - A top-level alias's targetKeyId is a key id or key ARN. When the key is
//     in the file, the alias takes that key's region and account (giving
//     others is an error; a replica's region names the replica). A key id that is not in the file is allowed: it
//     names a key that already exists in the store (the emulator checks when
//     it applies the seed), so a seed file can add aliases to keys created
//     earlier. Alias names and ARNs of aliases are not allowed as targets.
//   - Unknown fields are errors, so a typo never passes silently. An empty
//     file is an empty seed.
//
// # local-kms's format
//
//	Keys:
//	  Symmetric:
//	    Aes:
//	      - Metadata: {KeyId: ..., Description: ..., Origin: EXTERNAL}
//	        BackingKeys: [hex, ...]        # oldest first
//	        NextKeyRotation: "2019-09-12T15:19:21+00:00"
//	  Asymmetric:
//	    Rsa: [{Metadata: {KeyId, KeyUsage, Description}, PrivateKeyPem: ...}]
//	    Ecc: [{Metadata: {KeyId, KeyUsage, Description}, PrivateKeyPem: ...}]
//	Aliases:
//	  - {AliasName: alias/x, TargetKeyId: ...}
//
// maps to the same File: Aes keys are SYMMETRIC_DEFAULT with BackingKeys as
// material and NextKeyRotation turning rotation on (365 days) with that first
// date (one that has passed rotates the key once at start-up, as local-kms
// rotates it on first use); Rsa and Ecc keys take their spec from the PEM. Metadata may also carry
// KeySpec. The same rules and errors apply. local-kms's newer
// `Version: 2` layout is not read.
package seed
