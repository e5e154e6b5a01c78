// Package emulator owns KMS semantics on top of storage: keys and their
// material versions, aliases, tags, key policies, key states, rotation and
// deletion in (injected) real time, and the symmetric ciphertext format.
// *Service implements kmsgate.Backend; keys live per account and region,
// taken from kmsgate.CallerFrom(ctx) with the configured defaults as fallback.
//
// # Where each operation lives
//
//	keys.go           CreateKey, DescribeKey, ListKeys, UpdateKeyDescription,
//	                  EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion
//	crypto.go         Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
//	                  GenerateDataKeyWithoutPlaintext, GenerateRandom
//	datakeypair.go    GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext
//	asymmetric.go     GetPublicKey, Sign, Verify, DeriveSharedSecret,
//	                  Encapsulate, Decapsulate
//	mac.go            GenerateMac, VerifyMac
//	aliases.go        CreateAlias, UpdateAlias, DeleteAlias, ListAliases
//	grants.go         CreateGrant, ListGrants, ListRetirableGrants, RetireGrant,
//	                  RevokeGrant
//	tags_policy.go    TagResource, UntagResource, ListResourceTags,
//	                  GetKeyPolicy, PutKeyPolicy, ListKeyPolicies
//	rotation.go       EnableKeyRotation, DisableKeyRotation,
//	                  GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations
//	import.go         GetParametersForImport, ImportKeyMaterial,
//	                  DeleteImportedKeyMaterial
//	multiregion.go    ReplicateKey, UpdatePrimaryRegion
//	lastusage.go      GetKeyLastUsage (and FlushKeyUsage, Close)
//	customkeystore.go CreateCustomKeyStore, ConnectCustomKeyStore,
//	                  DisconnectCustomKeyStore, DeleteCustomKeyStore,
//	                  UpdateCustomKeyStore, DescribeCustomKeyStores
//	seed*.go          ApplySeed (the seed file itself is package emulator/seed)
//	sweep.go          Sweep (deletions and automatic rotations that are due)
//
// What they share: resolve.go (key ids, ARNs and aliases to a record),
// store.go (the buckets and records), keytypes.go (rules by key spec, usage
// and origin), ciphertext.go (the symmetric blob format), managed.go (AWS
// managed keys), errors.go (AWS's messages), paging.go (List markers), and
// the caches of decoded records, ready ciphers, parsed keys and resolved
// identifiers (recordcache.go, aeadcache.go, keycache.go, usecache.go).
// The cryptography per key spec is package emulator/keyspec.
package emulator

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/awsfacts"
	"github.com/kmsgate/kmsgate/storage"
)

// Config configures New.
type Config struct {
	// DB is the open store. Required.
	DB *storage.DB
	// Account and Region scope calls whose context carries no kmsgate.Caller
	// (or one with empty fields). Defaults: 111122223333 and us-east-1.
	Account string
	Region  string
	// Now is the clock (time.Now when nil). Deletion and automatic rotation
	// are judged against it on every access.
	Now func() time.Time
	// Rand is the source of key ids, key material, nonces and random bytes
	// (crypto/rand when nil).
	Rand io.Reader
	// Logger receives lifecycle events; never material or plaintext.
	Logger zerolog.Logger
}

// Default scope when neither the Caller nor the Config gives one.
const (
	DefaultAccount = "111122223333"
	DefaultRegion  = "us-east-1"
)

// Service is the KMS emulator.
type Service struct {
	db        *storage.DB
	account   string
	region    string
	now       func() time.Time
	rand      io.Reader
	log       zerolog.Logger
	usage     usageBook        // last cryptographic use per key, see lastusage.go
	loaded    keyCache         // parsed asymmetric and HMAC material (keycache.go)
	records   *recordCache     // decoded key records (recordcache.go)
	aeads     *aeadCache       // ready ciphers of symmetric material (aeadcache.go)
	uses      useCache         // identifiers resolved for use by snapshot (usecache.go)
	policies  policyCache      // parsed key policies for authz.Facts (facts.go)
	aliasRecs aliasRecordCache // decoded alias records by stored bytes (facts.go)
	facts     factsCache       // key facts by snapshot for authz.Facts (facts.go)
	// decodes counts key, alias and grant records decoded from the store
	// outside the record cache (tests check that a List decodes only its
	// page).
	decodes atomic.Int64
}

var _ kmsgate.Backend = (*Service)(nil)

// New returns a Service over cfg.DB.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil {
		return nil, errors.New("emulator: Config.DB is required")
	}
	s := &Service{
		db:      cfg.DB,
		account: cfg.Account,
		region:  cfg.Region,
		now:     cfg.Now,
		rand:    cfg.Rand,
		log:     cfg.Logger,
	}
	var err error
	if s.loaded, err = newKeyCache(); err != nil {
		return nil, err
	}
	if s.records, err = newRecordCache(); err != nil {
		return nil, err
	}
	if s.aeads, err = newAEADCache(); err != nil {
		return nil, err
	}
	if s.uses, err = newUseCache(); err != nil {
		return nil, err
	}
	if s.policies, err = newPolicyCache(); err != nil {
		return nil, err
	}
	if s.aliasRecs, err = newAliasRecordCache(); err != nil {
		return nil, err
	}
	if s.facts, err = newFactsCache(); err != nil {
		return nil, err
	}
	s.usage.limit = maxUsageNotes
	if s.account == "" {
		s.account = DefaultAccount
	}
	if s.region == "" {
		s.region = DefaultRegion
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	start := time.Now()
	n, err := s.migrateIndexes(migrateChunk)
	if err != nil {
		return nil, fmt.Errorf("emulator: build the indexes of a store made before them: %w", err)
	}
	if n > 0 {
		s.log.Info().Int("records", n).Dur("took", time.Since(start)).Msg("store indexes built (once, for a store made by an older kmsgate)")
	}
	return s, nil
}

// scope is one account and region: the namespace keys and aliases live in.
type scope struct {
	account, region string
}

func (s *Service) scopeOf(ctx context.Context) scope {
	sc := scope{account: s.account, region: s.region}
	if c, ok := kmsgate.CallerFrom(ctx); ok {
		if c.Account != "" {
			sc.account = c.Account
		}
		if c.Region != "" {
			sc.region = c.Region
		}
	}
	return sc
}

func (sc scope) partition() string { return awsfacts.Partition(sc.region) }

// accountRoot is the scope's account as a principal, arn:aws:iam::<account>:root.
func (sc scope) accountRoot() string { return awsfacts.AccountRootARN(sc.partition(), sc.account) }

func (sc scope) keyARN(id string) string { return awsfacts.KeyARN(sc.region, sc.account, id) }

func (sc scope) aliasARN(name string) string { return awsfacts.AliasARN(sc.region, sc.account, name) }

// dbPrefix is the storage key prefix of this scope's records.
func (sc scope) dbPrefix() string { return sc.account + "/" + sc.region + "/" }

func (s *Service) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if err := s.readRandom(b); err != nil {
		return nil, err
	}
	return b, nil
}

// readRandom fills b from the random source.
func (s *Service) readRandom(b []byte) error {
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return fmt.Errorf("emulator: random source: %w", err)
	}
	return nil
}

// unsupported is the answer of every operation this emulator does not do yet.
func unsupported(op string) error {
	return &types.UnsupportedOperationException{Message: aws.String("kmsgate does not support " + op + " yet")}
}

func dryRunError() error {
	return &types.DryRunOperationException{Message: aws.String("The request would have succeeded, but the DryRun option is set.")}
}
