package envelope

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// noKMS fails the test on any call: the paths tested with it (a warm cache,
// local checks) must never reach KMS. Tests that need KMS answers run against
// a real kmsgate server (integration_test.go).
type noKMS struct{ tb testing.TB }

func (n noKMS) fail(op string) error {
	n.tb.Errorf("unexpected KMS %s call", op)
	return errors.New("no KMS in this test")
}
func (n noKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, n.fail("GenerateDataKey")
}
func (n noKMS) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return nil, n.fail("Decrypt")
}
func (n noKMS) CreateKey(context.Context, *kms.CreateKeyInput, ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	return nil, n.fail("CreateKey")
}
func (n noKMS) CreateAlias(context.Context, *kms.CreateAliasInput, ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	return nil, n.fail("CreateAlias")
}
func (n noKMS) DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return nil, n.fail("DescribeKey")
}
func (n noKMS) ScheduleKeyDeletion(context.Context, *kms.ScheduleKeyDeletionInput, ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	return nil, n.fail("ScheduleKeyDeletion")
}

// localEnvelope is an Envelope whose current data key was made locally, as
// if KMS had answered GenerateDataKey with a 180-byte encrypted data key.
func localEnvelope(tb testing.TB, tenant string) *Envelope {
	tb.Helper()
	e, err := New(Config{KMS: noKMS{tb}, Tenant: tenant})
	if err != nil {
		tb.Fatal(err)
	}
	key := make([]byte, dataKeySize)
	edk := make([]byte, 180)
	rand.Read(key)
	rand.Read(edk)
	d, err := e.adopt(key, edk, "arn:aws:kms:us-east-1:111122223333:key/local")
	if err != nil {
		tb.Fatal(err)
	}
	e.cur.Store(d)
	return e
}

func TestLocalRoundTripOfFieldsOfEverySize(t *testing.T) {
	e := localEnvelope(t, "org1")
	ctx := context.Background()
	for _, n := range []int{0, 1, 16, 1000, 1 << 16} {
		t.Run(fmt.Sprintf("a field of %d bytes comes back", n), func(t *testing.T) {
			pt := make([]byte, n)
			rand.Read(pt)
			ct, err := e.Encrypt(ctx, pt)
			if err != nil {
				t.Fatal(err)
			}
			if want := 3 + 4 + 2 + 180 + nonceSize + n + tagSize; len(ct) != want {
				t.Errorf("got %d ciphertext bytes, want %d", len(ct), want)
			}
			got, err := e.Decrypt(ctx, ct)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, pt) {
				t.Errorf("got %d bytes back that differ from the %d sealed", len(got), n)
			}
			text, err := e.EncryptText(ctx, pt)
			if err != nil {
				t.Fatal(err)
			}
			got, err = e.DecryptText(ctx, text)
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("text form: got (%d bytes, %v), want the plaintext back", len(got), err)
			}
		})
	}
}

func TestLocalNoncesNeverRepeatUnderOneDataKey(t *testing.T) {
	e := localEnvelope(t, "t")
	seen := make(map[string]bool)
	for range 1000 {
		ct, err := e.Encrypt(context.Background(), []byte("same"))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := parse(ct)
		if seen[string(p.nonce)] {
			t.Fatalf("got nonce %x twice", p.nonce)
		}
		seen[string(p.nonce)] = true
	}
}

func TestLocalDecryptRefusesAnotherTenantsCiphertext(t *testing.T) {
	a := localEnvelope(t, "org1")
	b := localEnvelope(t, "org2")
	ct, err := a.Encrypt(context.Background(), []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Decrypt(context.Background(), ct)
	if !errors.Is(err, ErrWrongTenant) {
		t.Fatalf("got %v, want ErrWrongTenant", err)
	}
	if want := `ciphertext belongs to tenant "org1", this envelope serves tenant "org2"`; !strings.Contains(err.Error(), want) {
		t.Errorf("got %q, want it to say %q", err, want)
	}
}

func TestLocalTamperedSealedBytesFailAsCorrupt(t *testing.T) {
	e := localEnvelope(t, "org1")
	ct, err := e.Encrypt(context.Background(), []byte("a field"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := parse(ct)
	// Every byte from the version to the end, except the encrypted data key
	// and its length (changing them misses the cache and needs KMS: the
	// integration test flips those against a real server).
	for i := range ct {
		edkStart := len(p.header) - len(p.edk)
		if i >= edkStart-2 && i < len(p.header) {
			continue
		}
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		_, err := e.Decrypt(context.Background(), bad)
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongTenant) {
			t.Errorf("byte %d flipped: got %v, want ErrCorrupt or ErrWrongTenant", i, err)
		}
	}
}

func TestLocalAnyTenantDecryptRefusesAHeaderWhoseTenantWasChanged(t *testing.T) {
	e := localEnvelope(t, "org1")
	ct, _ := e.Encrypt(context.Background(), []byte("x"))
	bad := bytes.Clone(ct)
	bad[3] = 'p' // "org1" -> "prg1": the cached data key belongs to org1
	_, _, err := e.DecryptAnyTenant(context.Background(), bad)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("got %v, want ErrCorrupt", err)
	}
	pt, tenant, err := e.DecryptAnyTenant(context.Background(), ct)
	if err != nil || string(pt) != "x" || tenant != "org1" {
		t.Errorf("got (%q, %q, %v), want (x, org1, nil)", pt, tenant, err)
	}
}

func TestLocalCloseZeroesKeysAndRefusesWork(t *testing.T) {
	e := localEnvelope(t, "t")
	ct, _ := e.Encrypt(context.Background(), []byte("x"))
	e.cache.mu.Lock()
	var keys [][]byte
	for _, ent := range e.cache.entries.Values() {
		keys = append(keys, ent.key)
	}
	e.cache.mu.Unlock()
	if len(keys) != 1 {
		t.Fatalf("got %d cached keys, want the current one", len(keys))
	}
	e.Close()
	if !bytes.Equal(keys[0], make([]byte, dataKeySize)) {
		t.Errorf("got %x after Close, want zeroes", keys[0])
	}
	if _, err := e.Encrypt(context.Background(), []byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Encrypt after Close: got %v, want ErrClosed", err)
	}
	if _, err := e.Decrypt(context.Background(), ct); !errors.Is(err, ErrClosed) {
		t.Errorf("Decrypt after Close: got %v, want ErrClosed", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"a missing client is refused", Config{}, "Config.KMS is required"},
		{"a bad tenant is refused", Config{KMS: noKMS{t}, Tenant: "a b"}, "tenant"},
		{"a negative cache size is refused", Config{KMS: noKMS{t}, CacheEntries: -1}, "CacheEntries"},
		{"a negative rotation age is refused", Config{KMS: noKMS{t}, RotateAfter: -1}, "RotateAfter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error about %s", err, tc.want)
			}
		})
	}
	e, err := New(Config{KMS: noKMS{t}, KeyName: "jumpwire", Tenant: "org1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.KeyID() != "alias/jumpwire/org1" || e.Tenant() != "org1" {
		t.Errorf("got key %q tenant %q, want alias/jumpwire/org1 and org1", e.KeyID(), e.Tenant())
	}
}

func TestPrintingAnEnvelopeOrDataKeyHidesKeyMaterial(t *testing.T) {
	e := localEnvelope(t, "t")
	d := e.cur.Load()
	for _, s := range []string{fmt.Sprint(d), fmt.Sprintf("%v", d), fmt.Sprintf("%s", d)} {
		if !strings.Contains(s, "redacted") {
			t.Errorf("got %q, want the redacted form", s)
		}
	}
	for _, s := range []string{fmt.Sprint(e), fmt.Sprintf("%v", e)} {
		if s != "envelope(key alias/kmsgate/t, tenant t)" {
			t.Errorf("got %q, want the key and tenant only", s)
		}
	}
}

// Warm-cache benchmarks: the data key is in memory, no KMS call is made.
// 32-byte fields (an e-mail address, a card number).

func BenchmarkEncryptField(b *testing.B) {
	e := localEnvelope(b, "org1")
	ctx := context.Background()
	field := []byte("someone@example.com, 4111111111")
	b.SetBytes(int64(len(field)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Encrypt(ctx, field); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fields/s")
}

func BenchmarkDecryptFieldWarm(b *testing.B) {
	e := localEnvelope(b, "org1")
	ctx := context.Background()
	ct, err := e.Encrypt(ctx, []byte("someone@example.com, 4111111111"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(32)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Decrypt(ctx, ct); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fields/s")
}
