// Package envelope owns the seed's envelope scheme as a library: a master key
// in KMS (created under an alias on first start when missing), a data key
// from KMS GenerateDataKey kept in memory only, fields sealed locally with
// AES-256-GCM, and the KMS-encrypted data key carried inside every
// ciphertext, so that anyone with kms:Decrypt on the master key can open it
// without any other state. It talks to KMS through KMS, the narrow part of
// aws-sdk-go-v2's *kms.Client that it calls, and so works the same against
// kmsgate's emulator, kmsgate's proxy or AWS.
//
// The ciphertext format is documented in format.go.
package envelope

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMS is the part of the KMS API the scheme calls. *kms.Client satisfies it.
type KMS interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
	CreateKey(ctx context.Context, in *kms.CreateKeyInput, optFns ...func(*kms.Options)) (*kms.CreateKeyOutput, error)
	CreateAlias(ctx context.Context, in *kms.CreateAliasInput, optFns ...func(*kms.Options)) (*kms.CreateAliasOutput, error)
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error)
}

var _ KMS = (*kms.Client)(nil)

// Defaults for Config.
const (
	DefaultKeyName      = "kmsgate"
	DefaultTenant       = "default"
	DefaultCacheEntries = 1000
	DefaultCacheMaxAge  = time.Hour
	// DefaultPendingWindowInDays is the deletion window for a master key this
	// package created but lost the alias race for.
	DefaultPendingWindowInDays = 7
)

// Config configures an Envelope. Only KMS is required.
type Config struct {
	// KMS is the client, for instance a *kms.Client.
	KMS KMS
	// KeyName is an alias prefix ("jumpwire" or "alias/jumpwire": the master
	// key is alias/jumpwire/<tenant>, created on Start when missing), or a
	// key id, key ARN or alias ARN used as is. Default DefaultKeyName.
	KeyName string
	// Tenant names whose data this envelope seals. It is in the alias, in the
	// data key's encryption context and in every ciphertext header.
	// Default DefaultTenant. 1 to 255 bytes of [A-Za-z0-9:/_-].
	Tenant string

	// CacheEntries bounds the decrypt cache (plaintext data keys held).
	// Default DefaultCacheEntries.
	CacheEntries int
	// CacheMaxAge is how long a decrypted data key stays cached. Default
	// DefaultCacheMaxAge; negative: no age limit.
	CacheMaxAge time.Duration

	// RotateAfterEncryptions makes a new data key once the current one has
	// sealed this many fields. 0: never.
	RotateAfterEncryptions uint64
	// RotateAfter makes a new data key once the current one is this old.
	// 0: never.
	RotateAfter time.Duration

	// PendingWindowInDays is the deletion window for an orphan master key
	// (see Start). Default DefaultPendingWindowInDays.
	PendingWindowInDays int32
	// Logf, when set, receives notes that are not errors (an orphan key that
	// could not be scheduled for deletion). Never key material.
	Logf func(format string, args ...any)

	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand is the randomness for nonce prefixes. Default crypto/rand.Reader.
	Rand io.Reader
}

// Envelope seals and opens fields for one tenant under one master key. It is
// safe for concurrent use.
type Envelope struct {
	kms    KMS
	keyID  string
	tenant string
	cfg    Config
	cache  *keyCache

	cur    atomic.Pointer[dataKey]
	rotMu  sync.Mutex // serialises Start and Rotate
	closed atomic.Bool
}

// dataKey is the current encryption key. Its plaintext bytes live in the
// cache (which zeroes them); this holds the AEAD built from them.
type dataKey struct {
	aead    cipher.AEAD
	header  []byte // the ciphertext header for this key: version, alg, tenant, encrypted data key
	prefix  [4]byte
	count   atomic.Uint64
	created time.Time
	keyARN  string // the master key that made it, from GenerateDataKey
}

// String never shows key material.
func (d *dataKey) String() string { return "envelope data key (redacted) under " + d.keyARN }

// New checks cfg and returns an Envelope. It makes no KMS call: Start does,
// or the first Encrypt.
func New(cfg Config) (*Envelope, error) {
	if cfg.KMS == nil {
		return nil, errors.New("envelope: Config.KMS is required")
	}
	if cfg.KeyName == "" {
		cfg.KeyName = DefaultKeyName
	}
	if cfg.Tenant == "" {
		cfg.Tenant = DefaultTenant
	}
	if err := ValidateTenant(cfg.Tenant); err != nil {
		return nil, err
	}
	if cfg.CacheEntries == 0 {
		cfg.CacheEntries = DefaultCacheEntries
	}
	if cfg.CacheEntries < 0 {
		return nil, fmt.Errorf("envelope: Config.CacheEntries is %d, want at least 1", cfg.CacheEntries)
	}
	if cfg.CacheMaxAge == 0 {
		cfg.CacheMaxAge = DefaultCacheMaxAge
	}
	if cfg.RotateAfter < 0 {
		return nil, fmt.Errorf("envelope: Config.RotateAfter is %v, want 0 (never) or more", cfg.RotateAfter)
	}
	if cfg.PendingWindowInDays == 0 {
		cfg.PendingWindowInDays = DefaultPendingWindowInDays
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	cache, err := newKeyCache(cfg.CacheEntries, cfg.CacheMaxAge, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	return &Envelope{
		kms:    cfg.KMS,
		keyID:  ResolveKeyID(cfg.KeyName, cfg.Tenant),
		tenant: cfg.Tenant,
		cfg:    cfg,
		cache:  cache,
	}, nil
}

// String names the envelope's key and tenant; never key material.
func (e *Envelope) String() string {
	return fmt.Sprintf("envelope(key %s, tenant %s)", e.keyID, e.tenant)
}

// KeyID is the master key the envelope uses: an alias, key id or ARN.
func (e *Envelope) KeyID() string { return e.keyID }

// Tenant is the tenant the envelope seals for.
func (e *Envelope) Tenant() string { return e.tenant }

// MasterKeyARN is the ARN of the master key behind the current data key,
// as KMS reported it; empty before Start.
func (e *Envelope) MasterKeyARN() string {
	if d := e.cur.Load(); d != nil {
		return d.keyARN
	}
	return ""
}

// CacheStats reports what the decrypt cache did.
func (e *Envelope) CacheStats() CacheStats { return e.cache.snapshot() }

// Start makes sure the master key exists and gets the first data key:
// GenerateDataKey on the key; when that answers NotFoundException and the
// key is an alias, CreateKey, CreateAlias, and GenerateDataKey once more.
//
// When another process wins the race to create the alias (CreateAlias answers
// AlreadyExistsException), the alias is re-read with DescribeKey, the key
// this process created is scheduled for deletion, and the winner's key is
// used. Start is idempotent: a second call does nothing.
func (e *Envelope) Start(ctx context.Context) error {
	if e.closed.Load() {
		return ErrClosed
	}
	e.rotMu.Lock()
	defer e.rotMu.Unlock()
	if e.cur.Load() != nil {
		return nil
	}
	d, err := e.generate(ctx, true)
	if err != nil {
		return err
	}
	e.cur.Store(d)
	return nil
}

// Rotate makes a new data key for new encryptions. Ciphertexts sealed under
// earlier data keys still open (through the cache or KMS Decrypt).
func (e *Envelope) Rotate(ctx context.Context) error {
	if e.closed.Load() {
		return ErrClosed
	}
	e.rotMu.Lock()
	defer e.rotMu.Unlock()
	d, err := e.generate(ctx, e.cur.Load() == nil)
	if err != nil {
		return err
	}
	e.cur.Store(d)
	return nil
}

// rotateFrom replaces old unless another goroutine already did.
func (e *Envelope) rotateFrom(ctx context.Context, old *dataKey) (*dataKey, error) {
	e.rotMu.Lock()
	defer e.rotMu.Unlock()
	if d := e.cur.Load(); d != old {
		return d, nil
	}
	d, err := e.generate(ctx, false)
	if err != nil {
		return nil, err
	}
	e.cur.Store(d)
	return d, nil
}

// Close zeroes every plaintext data key the envelope holds. Encrypt and
// Decrypt fail with ErrClosed afterwards.
func (e *Envelope) Close() error {
	e.closed.Store(true)
	e.cur.Store(nil)
	e.cache.purge()
	return nil
}

func (e *Envelope) encryptionContext(tenant string) map[string]string {
	return map[string]string{EncryptionContextKey: tenant}
}

// generate asks KMS for a data key, creating the master key first when
// create is set and the alias does not exist.
func (e *Envelope) generate(ctx context.Context, create bool) (*dataKey, error) {
	in := &kms.GenerateDataKeyInput{
		KeyId:             &e.keyID,
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: e.encryptionContext(e.tenant),
	}
	out, err := e.kms.GenerateDataKey(ctx, in)
	if err != nil && create && isAlias(e.keyID) && errorCode(err) == "NotFoundException" {
		if err := e.createMasterKey(ctx); err != nil {
			return nil, err
		}
		out, err = e.kms.GenerateDataKey(ctx, in)
	}
	if err != nil {
		return nil, kmsError("GenerateDataKey", e.keyID, err)
	}
	if len(out.Plaintext) != dataKeySize || len(out.CiphertextBlob) == 0 || len(out.CiphertextBlob) > maxEDKLen {
		clear(out.Plaintext)
		return nil, &KMSError{Op: "GenerateDataKey", KeyID: e.keyID,
			Err: fmt.Errorf("KMS answered a %d-byte data key and a %d-byte encrypted data key, want %d and 1..%d",
				len(out.Plaintext), len(out.CiphertextBlob), dataKeySize, maxEDKLen)}
	}
	keyARN := ""
	if out.KeyId != nil {
		keyARN = *out.KeyId
	}
	key := make([]byte, dataKeySize)
	copy(key, out.Plaintext)
	clear(out.Plaintext)
	return e.adopt(key, out.CiphertextBlob, keyARN)
}

// adopt makes a data key the current-key candidate from its plaintext (which
// the cache owns afterwards) and its KMS-encrypted form.
func (e *Envelope) adopt(key, edk []byte, keyARN string) (*dataKey, error) {
	aead, err := newAEAD(key)
	if err != nil {
		clear(key)
		return nil, err
	}
	d := &dataKey{
		aead:    aead,
		header:  appendHeader(nil, e.tenant, edk),
		created: e.cfg.Now(),
		keyARN:  keyARN,
	}
	if _, err := io.ReadFull(e.cfg.Rand, d.prefix[:]); err != nil {
		clear(key)
		return nil, fmt.Errorf("envelope: reading randomness for the nonce prefix: %w", err)
	}
	e.cache.put(edk, e.tenant, key, aead)
	return d, nil
}

// createMasterKey creates a symmetric key and points the alias at it.
func (e *Envelope) createMasterKey(ctx context.Context) error {
	desc := "kmsgate envelope master key for " + e.keyID
	ck, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{
		Description: &desc,
		KeySpec:     types.KeySpecSymmetricDefault,
		KeyUsage:    types.KeyUsageTypeEncryptDecrypt,
	})
	if err != nil {
		return kmsError("CreateKey", "", err)
	}
	if ck.KeyMetadata == nil || ck.KeyMetadata.KeyId == nil {
		return &KMSError{Op: "CreateKey", Err: errors.New("KMS answered no KeyMetadata.KeyId")}
	}
	newID := *ck.KeyMetadata.KeyId
	_, err = e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &e.keyID, TargetKeyId: &newID})
	if err == nil {
		return nil
	}
	// The alias was not made ours: the new key is an orphan either way.
	aliasErr := err
	if errorCode(aliasErr) == "AlreadyExistsException" {
		// Another process won the race: re-read the alias to make sure it
		// resolves to a key before dropping ours.
		if _, err := e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &e.keyID}); err != nil {
			e.scheduleOrphan(ctx, newID)
			return kmsError("DescribeKey", e.keyID, err)
		}
		e.scheduleOrphan(ctx, newID)
		return nil
	}
	e.scheduleOrphan(ctx, newID)
	return kmsError("CreateAlias", e.keyID, aliasErr)
}

func (e *Envelope) scheduleOrphan(ctx context.Context, keyID string) {
	days := e.cfg.PendingWindowInDays
	_, err := e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: &days})
	if err != nil && e.cfg.Logf != nil {
		e.cfg.Logf("envelope: master key %s lost the race for %s and could not be scheduled for deletion: %v",
			keyID, e.keyID, kmsError("ScheduleKeyDeletion", keyID, err))
	}
}

// current returns the data key to seal with, starting or rotating as needed.
func (e *Envelope) current(ctx context.Context) (*dataKey, uint64, error) {
	for {
		if e.closed.Load() {
			return nil, 0, ErrClosed
		}
		d := e.cur.Load()
		if d == nil {
			if err := e.Start(ctx); err != nil {
				return nil, 0, err
			}
			continue
		}
		n := d.count.Add(1)
		due := e.cfg.RotateAfterEncryptions > 0 && n > e.cfg.RotateAfterEncryptions
		if !due && e.cfg.RotateAfter > 0 && e.cfg.Now().Sub(d.created) >= e.cfg.RotateAfter {
			due = true
		}
		if !due {
			return d, n, nil
		}
		if _, err := e.rotateFrom(ctx, d); err != nil {
			return nil, 0, err
		}
	}
}

// Encrypt seals plaintext and returns the binary ciphertext (see format.go).
// The first call starts the envelope when Start was not called.
func (e *Envelope) Encrypt(ctx context.Context, plaintext []byte) ([]byte, error) {
	d, n, err := e.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(d.header)+nonceSize+len(plaintext)+tagSize)
	out = append(out, d.header...)
	// The nonce is a random 4-byte prefix chosen with the data key and a
	// counter: a data key seals only in the process that asked KMS for it, so
	// the counter alone never repeats; no birthday bound as with random nonces.
	out = append(out, d.prefix[:]...)
	out = binary.BigEndian.AppendUint64(out, n)
	hl := len(d.header)
	return d.aead.Seal(out, out[hl:hl+nonceSize], plaintext, out[:hl]), nil
}

// EncryptText is Encrypt returning the text form.
func (e *Envelope) EncryptText(ctx context.Context, plaintext []byte) (string, error) {
	b, err := e.Encrypt(ctx, plaintext)
	if err != nil {
		return "", err
	}
	return EncodeText(b), nil
}

// Decrypt opens a binary ciphertext of this envelope's tenant. A data key not
// in the cache is decrypted by KMS (one call however many goroutines need it)
// and cached.
func (e *Envelope) Decrypt(ctx context.Context, ciphertext []byte) ([]byte, error) {
	p, err := parse(ciphertext)
	if err != nil {
		return nil, err
	}
	if string(p.tenant) != e.tenant {
		return nil, &TenantError{Want: e.tenant, Got: string(p.tenant)}
	}
	return e.open(ctx, p)
}

// DecryptText is Decrypt for the text form.
func (e *Envelope) DecryptText(ctx context.Context, text string) ([]byte, error) {
	b, err := DecodeText(text)
	if err != nil {
		return nil, err
	}
	return e.Decrypt(ctx, b)
}

// DecryptAnyTenant opens a binary ciphertext of any tenant and says whose it
// was: the ciphertext carries everything needed (the CLI's decrypt).
func (e *Envelope) DecryptAnyTenant(ctx context.Context, ciphertext []byte) (plaintext []byte, tenant string, err error) {
	p, err := parse(ciphertext)
	if err != nil {
		return nil, "", err
	}
	pt, err := e.open(ctx, p)
	if err != nil {
		return nil, "", err
	}
	return pt, string(p.tenant), nil
}

func (e *Envelope) open(ctx context.Context, p parsed) ([]byte, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	aead, err := e.cache.get(ctx, p.edk, p.tenant, func(ctx context.Context) ([]byte, error) {
		return e.decryptDataKey(ctx, p.edk, string(p.tenant))
	})
	if errors.Is(err, errTenantMismatch) {
		return nil, corrupt("%v", err)
	}
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(make([]byte, 0, len(p.sealed)-tagSize), p.nonce, p.sealed, p.header)
	if err != nil {
		return nil, corrupt("authentication failed: the field or its header was changed")
	}
	return pt, nil
}

// decryptDataKey asks KMS for the plaintext of an encrypted data key. As the
// seed does, it names no KeyId: the ciphertext blob carries it.
func (e *Envelope) decryptDataKey(ctx context.Context, edk []byte, tenant string) ([]byte, error) {
	out, err := e.kms.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    edk,
		EncryptionContext: e.encryptionContext(tenant),
	})
	if err != nil {
		return nil, kmsError("Decrypt", "", err)
	}
	if len(out.Plaintext) != dataKeySize {
		clear(out.Plaintext)
		return nil, &KMSError{Op: "Decrypt", Err: fmt.Errorf("KMS answered a %d-byte data key, want %d", len(out.Plaintext), dataKeySize)}
	}
	key := make([]byte, dataKeySize)
	copy(key, out.Plaintext)
	clear(out.Plaintext)
	return key, nil
}
