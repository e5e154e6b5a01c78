package envelope_test

// These tests run the envelope against a real kmsgate (kmsgatetest: the
// server `kmsgate serve` runs, on a bbolt file in t.TempDir() and a loopback
// port) through the real aws-sdk-go-v2 client. KMS calls are counted on the
// server, by its Prometheus metrics (kmsgatetest's Server.Requests).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/envelope"
	"github.com/kmsgate/kmsgate/kmsgatetest"
)

func newEnvelope(t testing.TB, client envelope.KMS, cfg envelope.Config) *envelope.Envelope {
	t.Helper()
	cfg.KMS = client
	e, err := envelope.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// aliasTargets lists the aliases named name and the keys they point at.
func aliasTargets(t *testing.T, c *kms.Client, name string) []string {
	t.Helper()
	var targets []string
	p := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListAliases: %v", err)
		}
		for _, a := range page.Aliases {
			if a.AliasName != nil && *a.AliasName == name && a.TargetKeyId != nil {
				targets = append(targets, *a.TargetKeyId)
			}
		}
	}
	return targets
}

func keyState(t *testing.T, c *kms.Client, keyID string) types.KeyState {
	t.Helper()
	out, err := c.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: &keyID})
	if err != nil {
		t.Fatalf("DescribeKey %s: %v", keyID, err)
	}
	return out.KeyMetadata.KeyState
}

func TestFirstStartCreatesTheMasterKeyAndAliasAndTheSecondReusesThem(t *testing.T) {
	srv := kmsgatetest.New(t)
	client := srv.Client()
	ctx := context.Background()

	first := newEnvelope(t, client, envelope.Config{KeyName: "jumpwire", Tenant: "org1"})
	if err := first.Start(ctx); err != nil {
		t.Fatalf("first Start: %v", err)
	}
	targets := aliasTargets(t, client, "alias/jumpwire/org1")
	if len(targets) != 1 {
		t.Fatalf("got %d aliases alias/jumpwire/org1, want 1", len(targets))
	}
	if got := keyState(t, client, "alias/jumpwire/org1"); got != types.KeyStateEnabled {
		t.Errorf("got key state %s, want Enabled", got)
	}
	if !strings.HasSuffix(first.MasterKeyARN(), ":key/"+targets[0]) {
		t.Errorf("got master key %q, want the alias target %s", first.MasterKeyARN(), targets[0])
	}
	if got := srv.Requests("CreateKey"); got != 1 {
		t.Errorf("got %d CreateKey calls, want 1", got)
	}
	if got := srv.Requests("CreateAlias"); got != 1 {
		t.Errorf("got %d CreateAlias calls, want 1", got)
	}

	second := newEnvelope(t, client, envelope.Config{KeyName: "alias/jumpwire", Tenant: "org1"})
	if err := second.Start(ctx); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if second.MasterKeyARN() != first.MasterKeyARN() {
		t.Errorf("got master key %q on the second start, want %q", second.MasterKeyARN(), first.MasterKeyARN())
	}
	if got := srv.Requests("CreateKey"); got != 1 {
		t.Errorf("got %d CreateKey calls after the second start, want still 1", got)
	}
	if got := srv.Requests("GenerateDataKey"); got != 3 {
		t.Errorf("got %d GenerateDataKey calls, want 3 (NotFound, retry, second start)", got)
	}
	ct, err := first.Encrypt(ctx, []byte("shared"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := second.Decrypt(ctx, ct); err != nil || string(pt) != "shared" {
		t.Errorf("second opening the first's field: got (%q, %v), want shared", pt, err)
	}
}

func TestEncryptRestartEverythingDecrypt(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", Tenant: "org1"})
	fields := []string{"", "x", "someone@example.com", strings.Repeat("long ", 1000)}
	var sealed []string
	for _, f := range fields {
		s, err := e.EncryptText(ctx, []byte(f))
		if err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, s)
	}
	e.Close()

	srv.Restart()
	fresh := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", Tenant: "org1"})
	for i, s := range sealed {
		pt, err := fresh.DecryptText(ctx, s)
		if err != nil {
			t.Fatalf("field %d after restart: %v", i, err)
		}
		if string(pt) != fields[i] {
			t.Errorf("field %d after restart: got %d bytes that differ, want the %d sealed", i, len(pt), len(fields[i]))
		}
	}
	if got := srv.Requests("Decrypt"); got != 1 {
		t.Errorf("got %d KMS Decrypt calls for 4 fields under one data key, want 1", got)
	}
	if got := srv.Requests("GenerateDataKey"); got != 0 {
		t.Errorf("got %d GenerateDataKey calls from a decrypt-only envelope, want 0", got)
	}
}

func TestTenThousandDecryptsUnderOneDataKeyMakeOneKMSDecrypt(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	writer := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app"})
	const fields = 10000
	cts := make([][]byte, fields)
	for i := range cts {
		ct, err := writer.Encrypt(ctx, fmt.Appendf(nil, "field %d", i))
		if err != nil {
			t.Fatal(err)
		}
		cts[i] = ct
	}
	before := srv.Requests("Decrypt")

	// A reader that has never seen the data key, decrypting from 16
	// goroutines at once: the first misses must share one KMS call.
	reader := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app"})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for i := g; i < fields; i += 16 {
				pt, err := reader.Decrypt(ctx, cts[i])
				if err != nil {
					errs <- err
					return
				}
				if want := fmt.Sprintf("field %d", i); string(pt) != want {
					errs <- fmt.Errorf("field %d: got %q, want %q", i, pt, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := srv.Requests("Decrypt") - before; got != 1 {
		t.Errorf("got %d KMS Decrypt calls for %d fields under one data key, want 1", got, fields)
	}
	if s := reader.CacheStats(); s.Loads != 1 || s.Hits+s.Misses < fields {
		t.Errorf("got cache stats %+v, want 1 load and %d lookups", s, fields)
	}
}

// barrier lets n callers through once all n have arrived.
type barrier struct {
	mu      sync.Mutex
	waiting int
	n       int
	release chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, release: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	b.waiting++
	if b.waiting == b.n {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// raceKMS is a real client whose CreateKey waits at a barrier shared by
// every racing process, so that all of them have seen NotFoundException
// before any alias exists: the race is forced, not hoped for.
type raceKMS struct {
	envelope.KMS
	b *barrier
}

func (r *raceKMS) CreateKey(ctx context.Context, in *kms.CreateKeyInput, opts ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	if err := r.b.wait(ctx); err != nil {
		return nil, err
	}
	return r.KMS.CreateKey(ctx, in, opts...)
}

func TestConcurrentStartsEndWithOneAliasAndBothWork(t *testing.T) {
	for _, n := range []int{2, 5} {
		t.Run(fmt.Sprintf("%d processes racing to create the alias", n), func(t *testing.T) {
			srv := kmsgatetest.New(t)
			admin := srv.Client()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			b := newBarrier(n)
			envs := make([]*envelope.Envelope, n)
			for i := range envs {
				// Each "process" has its own client and envelope.
				envs[i] = newEnvelope(t, &raceKMS{KMS: srv.Client(), b: b}, envelope.Config{KeyName: "jumpwire", Tenant: "org1"})
			}
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range envs {
				wg.Go(func() { errs[i] = envs[i].Start(ctx) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("process %d: Start: %v", i, err)
				}
			}
			targets := aliasTargets(t, admin, "alias/jumpwire/org1")
			if len(targets) != 1 {
				t.Fatalf("got %d aliases alias/jumpwire/org1, want 1", len(targets))
			}
			if got := srv.Requests("CreateKey"); got != int64(n) {
				t.Errorf("got %d CreateKey calls, want %d (every process saw NotFoundException)", got, n)
			}
			// Every key but the alias target is an orphan pending deletion.
			keys, err := admin.ListKeys(ctx, &kms.ListKeysInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(keys.Keys) != n {
				t.Fatalf("got %d keys, want %d", len(keys.Keys), n)
			}
			for _, k := range keys.Keys {
				want := types.KeyStatePendingDeletion
				if *k.KeyId == targets[0] {
					want = types.KeyStateEnabled
				}
				if got := keyState(t, admin, *k.KeyId); got != want {
					t.Errorf("key %s: got %s, want %s", *k.KeyId, got, want)
				}
			}
			// Every process seals under the alias's key and opens the others' fields.
			cts := make([][]byte, n)
			for i, e := range envs {
				if !strings.HasSuffix(e.MasterKeyARN(), targets[0]) {
					t.Errorf("process %d uses %s, want the alias target %s", i, e.MasterKeyARN(), targets[0])
				}
				if cts[i], err = e.Encrypt(ctx, fmt.Appendf(nil, "from %d", i)); err != nil {
					t.Fatalf("process %d: Encrypt: %v", i, err)
				}
			}
			for i, e := range envs {
				j := (i + 1) % n
				if pt, err := e.Decrypt(ctx, cts[j]); err != nil || string(pt) != fmt.Sprintf("from %d", j) {
					t.Errorf("process %d opening process %d's field: got (%q, %v)", i, j, pt, err)
				}
			}
		})
	}
}

func TestATamperedByteAnywhereFailsCleanly(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", Tenant: "org1"})
	secret := "4111-1111-1111-1111"
	ct, err := e.Encrypt(ctx, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	c, err := envelope.Parse(ct)
	if err != nil {
		t.Fatal(err)
	}
	// A KMS-side refusal of a changed encrypted data key is clean too: KMS
	// either cannot parse it (InvalidCiphertextException; a blob no longer of
	// the symmetric form is taken for an asymmetric one and answered
	// ValidationException "KeyId must not be null", as AWS) or no longer
	// finds the key it names (AccessDeniedException / NotFoundException, as
	// AWS).
	kmsRefusals := map[string]bool{"InvalidCiphertextException": true, "ValidationException": true, "AccessDeniedException": true, "NotFoundException": true}
	check := func(t *testing.T, what string, bad []byte) {
		t.Helper()
		// A fresh envelope each time too, so the data key is not cached.
		for _, d := range []*envelope.Envelope{e, newEnvelope(t, srv.Client(), envelope.Config{Tenant: "org1"})} {
			pt, err := d.Decrypt(ctx, bad)
			if err == nil {
				t.Fatalf("%s: got %q, want an error", what, pt)
			}
			var ke *envelope.KMSError
			clean := errors.Is(err, envelope.ErrCorrupt) || errors.Is(err, envelope.ErrWrongTenant) ||
				errors.As(err, &ke) && ke.Op == "Decrypt" && kmsRefusals[ke.Code]
			if !clean {
				t.Errorf("%s: got %v, want ErrCorrupt, ErrWrongTenant or a KMS refusal", what, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error %q shows the plaintext", what, err)
			}
		}
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x10
		part := "sealed data"
		switch {
		case i < 3:
			part = "fixed header"
		case i < 3+len(c.Tenant):
			part = "tenant"
		case i < len(c.Header)-len(c.EncryptedDataKey):
			part = "data key length"
		case i < len(c.Header):
			part = "encrypted data key"
		case i < len(c.Header)+12:
			part = "nonce"
		}
		check(t, fmt.Sprintf("byte %d (%s) flipped", i, part), bad)
	}
	for n := range len(ct) {
		check(t, fmt.Sprintf("truncated to %d bytes", n), ct[:n])
	}
	check(t, "one byte appended", append(bytes.Clone(ct), 0))
}

func TestDecryptRefusesAnotherTenantWithoutCallingKMS(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	org1 := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", Tenant: "org1"})
	ct, err := org1.Encrypt(ctx, []byte("org1's"))
	if err != nil {
		t.Fatal(err)
	}
	org2 := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", Tenant: "org2"})
	before := srv.Requests("Decrypt")
	_, err = org2.Decrypt(ctx, ct)
	var te *envelope.TenantError
	if !errors.As(err, &te) || te.Got != "org1" || te.Want != "org2" {
		t.Errorf("got %v, want a TenantError from org1 to org2", err)
	}
	if got := srv.Requests("Decrypt") - before; got != 0 {
		t.Errorf("got %d KMS Decrypt calls, want 0", got)
	}
	// The tenant is in the data key's encryption context: KMS itself
	// refuses the data key under another tenant's context.
	c, _ := envelope.Parse(ct)
	_, err = srv.Client().Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: c.EncryptedDataKey,
		EncryptionContext: map[string]string{envelope.EncryptionContextKey: "org2"}})
	var ice *types.InvalidCiphertextException
	if !errors.As(err, &ice) {
		t.Errorf("KMS Decrypt of org1's data key as org2: got %v, want InvalidCiphertextException", err)
	}
}

func TestADisabledMasterKeyGivesDisabledException(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	admin := srv.Client()
	e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", Tenant: "org1"})
	ct, err := e.Encrypt(ctx, []byte("before"))
	if err != nil {
		t.Fatal(err)
	}
	// DisableKey takes no alias, as in AWS: the envelope reports its key's ARN.
	if _, err := admin.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws(e.MasterKeyARN())}); err != nil {
		t.Fatalf("DisableKey: %v", err)
	}
	cases := []struct {
		name string
		call func() error
		op   string
	}{
		{"rotating asks for a data key and is refused", func() error { return e.Rotate(ctx) }, "GenerateDataKey"},
		{"a new envelope cannot start", func() error {
			return newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", Tenant: "org1"}).Start(ctx)
		}, "GenerateDataKey"},
		{"a cold decrypt is refused", func() error {
			_, err := newEnvelope(t, srv.Client(), envelope.Config{Tenant: "org1"}).Decrypt(ctx, ct)
			return err
		}, "Decrypt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var de *types.DisabledException
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want *types.DisabledException", err)
			}
			var ke *envelope.KMSError
			if !errors.As(err, &ke) || ke.Op != tc.op || ke.Code != "DisabledException" {
				t.Errorf("got %#v, want a KMSError for %s with code DisabledException", ke, tc.op)
			}
			if !strings.Contains(err.Error(), "DisabledException: ") || !strings.Contains(err.Error(), de.ErrorMessage()) {
				t.Errorf("got %q, want the code and AWS's message %q", err, de.ErrorMessage())
			}
		})
	}
	// A warm cache still opens what it already holds: no KMS call needed.
	if pt, err := e.Decrypt(ctx, ct); err != nil || string(pt) != "before" {
		t.Errorf("warm decrypt after disabling: got (%q, %v), want before", pt, err)
	}
}

func aws(s string) *string { return &s }

func TestRotateMakesANewDataKeyAndOldFieldsStillOpen(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app"})
	old, err := e.Encrypt(ctx, []byte("old"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	cur, err := e.Encrypt(ctx, []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	po, _ := envelope.Parse(old)
	pc, _ := envelope.Parse(cur)
	if bytes.Equal(po.EncryptedDataKey, pc.EncryptedDataKey) {
		t.Error("got the same data key after Rotate, want a new one")
	}
	reader := newEnvelope(t, srv.Client(), envelope.Config{})
	for want, ct := range map[string][]byte{"old": old, "new": cur} {
		for _, d := range []*envelope.Envelope{e, reader} {
			if pt, err := d.Decrypt(ctx, ct); err != nil || string(pt) != want {
				t.Errorf("got (%q, %v), want %q", pt, err, want)
			}
		}
	}
}

func TestDataKeysRotateAutomatically(t *testing.T) {
	ctx := context.Background()
	distinctKeys := func(t *testing.T, cts [][]byte) int {
		seen := map[string]bool{}
		for _, ct := range cts {
			c, err := envelope.Parse(ct)
			if err != nil {
				t.Fatal(err)
			}
			seen[string(c.EncryptedDataKey)] = true
		}
		return len(seen)
	}
	t.Run("after N encryptions", func(t *testing.T) {
		srv := kmsgatetest.New(t)
		e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", RotateAfterEncryptions: 3})
		var cts [][]byte
		for i := range 7 {
			ct, err := e.Encrypt(ctx, []byte{byte(i)})
			if err != nil {
				t.Fatal(err)
			}
			cts = append(cts, ct)
		}
		if got := distinctKeys(t, cts[:3]); got != 1 {
			t.Errorf("got %d data keys for the first 3 fields, want 1", got)
		}
		if got := distinctKeys(t, cts); got != 3 {
			t.Errorf("got %d data keys for 7 fields rotating after 3, want 3", got)
		}
		// 1 NotFound + 1 after creating the key + 2 rotations.
		if got := srv.Requests("GenerateDataKey"); got != 4 {
			t.Errorf("got %d GenerateDataKey calls, want 4", got)
		}
	})
	t.Run("after a duration", func(t *testing.T) {
		srv := kmsgatetest.New(t)
		clock := kmsgate.NewClock(nil)
		e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", RotateAfter: time.Hour, Now: clock.Now})
		a, _ := e.Encrypt(ctx, []byte("a"))
		clock.Advance(59 * time.Minute)
		b, _ := e.Encrypt(ctx, []byte("b"))
		clock.Advance(time.Minute)
		c, err := e.Encrypt(ctx, []byte("c"))
		if err != nil {
			t.Fatal(err)
		}
		if got := distinctKeys(t, [][]byte{a, b}); got != 1 {
			t.Errorf("got %d data keys within the hour, want 1", got)
		}
		if got := distinctKeys(t, [][]byte{a, b, c}); got != 2 {
			t.Errorf("got %d data keys across the hour, want 2", got)
		}
	})
	t.Run("concurrent encryptions past the limit rotate once per limit", func(t *testing.T) {
		srv := kmsgatetest.New(t)
		e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: "app", RotateAfterEncryptions: 100})
		if err := e.Start(ctx); err != nil {
			t.Fatal(err)
		}
		base := srv.Requests("GenerateDataKey")
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 50 {
					if _, err := e.Encrypt(ctx, []byte("x")); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		// 400 encryptions, 100 per key: 3 rotations after the first key.
		if got := srv.Requests("GenerateDataKey") - base; got != 3 {
			t.Errorf("got %d rotations for 400 encryptions at 100 per key, want 3", got)
		}
	})
}

func TestAKeyARNOrKeyIDIsUsedAsIsAndNeverCreated(t *testing.T) {
	srv := kmsgatetest.New(t)
	ctx := context.Background()
	admin := srv.Client()
	ck, err := admin.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{*ck.KeyMetadata.Arn, *ck.KeyMetadata.KeyId} {
		e := newEnvelope(t, srv.Client(), envelope.Config{KeyName: name, Tenant: "org1"})
		ct, err := e.Encrypt(ctx, []byte("x"))
		if err != nil {
			t.Fatalf("key name %s: %v", name, err)
		}
		if pt, err := e.Decrypt(ctx, ct); err != nil || string(pt) != "x" {
			t.Errorf("key name %s: got (%q, %v)", name, pt, err)
		}
	}
	missing := "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"
	err = newEnvelope(t, srv.Client(), envelope.Config{KeyName: missing}).Start(ctx)
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("a missing key ARN: got %v, want NotFoundException", err)
	}
	if got := srv.Requests("CreateKey"); got != 1 {
		t.Errorf("got %d CreateKey calls, want only the test's own", got)
	}
}

func TestAnUnreachableKMSIsReportedAsSuch(t *testing.T) {
	srv := kmsgatetest.New(t)
	srv.Stop() // its client still points at the closed port
	e := newEnvelope(t, srv.Client(), envelope.Config{})
	err := e.Start(context.Background())
	if !errors.Is(err, envelope.ErrKMSUnreachable) {
		t.Fatalf("got %v, want ErrKMSUnreachable", err)
	}
	if !strings.Contains(err.Error(), "KMS GenerateDataKey on alias/kmsgate/default failed: KMS unreachable") {
		t.Errorf("got %q, want it to say which call failed and that KMS is unreachable", err)
	}
}

// Cold decrypt: every iteration is a new envelope (nothing cached), so each
// field costs one KMS Decrypt round trip over loopback HTTP.
func BenchmarkDecryptFieldCold(b *testing.B) {
	srv := kmsgatetest.New(b)
	ctx := context.Background()
	client := srv.Client()
	w := newEnvelope(b, client, envelope.Config{KeyName: "bench"})
	ct, err := w.Encrypt(ctx, []byte("someone@example.com, 4111111111"))
	if err != nil {
		b.Fatal(err)
	}
	before := srv.Requests("Decrypt")
	b.ReportAllocs()
	for b.Loop() {
		e, err := envelope.New(envelope.Config{KMS: client})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Decrypt(ctx, ct); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fields/s")
	if got := srv.Requests("Decrypt") - before; got != int64(b.N) {
		b.Errorf("got %d KMS Decrypt calls for %d cold decrypts, want one each", got, b.N)
	}
}
