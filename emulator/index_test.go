package emulator

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/emulator/seed"
	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

const (
	idxAccount = "111122223333"
	idxRegion  = "eu-west-1"
	retiringP  = "arn:aws:iam::111122223333:role/retirer"
	granteeP   = "arn:aws:iam::111122223333:role/user"
)

var idxStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type idxEnv struct {
	s     *Service
	db    *storage.DB
	clock *kmsgate.Clock
	ctx   context.Context
}

func newIdxEnv(t *testing.T) *idxEnv {
	t.Helper()
	e := &idxEnv{
		db:    storagetest.Open(t, filepath.Join(t.TempDir(), "kmsgate.db"), storagetest.RootKey()),
		clock: kmsgate.NewClock(func() time.Time { return idxStart }),
		ctx:   kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: idxAccount, Region: idxRegion}),
	}
	e.s = e.newService(t)
	return e
}

func (e *idxEnv) newService(t *testing.T) *Service {
	t.Helper()
	s, err := New(Config{DB: e.db, Account: idxAccount, Region: idxRegion, Now: e.clock.Now, Rand: rand.Reader, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seedID is the i-th key id of a generated seed, in id order.
func seedKeyID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-000000000000", i) }

// seedMany applies n keys: each with alias alias/k<i>, and a grant whose
// retiring principal is retiringP; key 0 has n extra grants to granteeP.
func (e *idxEnv) seedMany(t *testing.T, n int) {
	t.Helper()
	f := &seed.File{}
	for i := range n {
		k := seed.Key{ID: seedKeyID(i), Enabled: true, Aliases: []string{fmt.Sprintf("alias/k%06d", i)},
			Grants: []seed.Grant{{Name: "r", GranteePrincipal: granteeP, RetiringPrincipal: retiringP, Operations: []types.GrantOperation{types.GrantOperationEncrypt}}}}
		f.Keys = append(f.Keys, k)
	}
	if err := e.s.ApplySeed(e.ctx, f); err != nil {
		t.Fatal(err)
	}
	// The grants of key 0 go in straight (a seed checks each new grant
	// against the key's others, which is slow for many).
	if err := e.db.Update(func(tx *storage.Tx) error {
		st := &txn{s: e.s, tx: tx, sc: scope{account: idxAccount, region: idxRegion}, now: e.clock.Now()}
		for i := range n {
			g := &grantRecord{GrantID: fmt.Sprintf("%064x", i), KeyID: seedKeyID(0), GranteePrincipal: granteeP,
				Operations: []types.GrantOperation{types.GrantOperationDecrypt}, CreationDate: st.now, Secret: []byte("0123456789abcdef")}
			if err := st.saveGrant(g); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *idxEnv) decodes() int64 { return e.s.decodes.Load() + e.s.records.decodes.Load() }

// A List reads only its page: with 1,200 keys, aliases and grants, a page
// of 10 (first, or deep in the list through its marker) decodes a few
// dozen records, never the store. A List that decoded everything and cut a
// page would decode at least 1,200.
func TestListDecodesOnlyItsPage(t *testing.T) {
	const n, limit = 1200, 10
	e := newIdxEnv(t)
	e.seedMany(t, n)
	key0 := seedKeyID(0)
	type lister func(marker *string) (*string, int, error)
	lists := []struct {
		name string
		list lister
	}{
		{"ListKeys", func(m *string) (*string, int, error) {
			out, err := e.s.ListKeys(e.ctx, &kms.ListKeysInput{Limit: aws.Int32(limit), Marker: m})
			if err != nil {
				return nil, 0, err
			}
			return out.NextMarker, len(out.Keys), nil
		}},
		{"ListAliases", func(m *string) (*string, int, error) {
			out, err := e.s.ListAliases(e.ctx, &kms.ListAliasesInput{Limit: aws.Int32(limit), Marker: m})
			if err != nil {
				return nil, 0, err
			}
			return out.NextMarker, len(out.Aliases), nil
		}},
		{"ListGrants", func(m *string) (*string, int, error) {
			out, err := e.s.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: aws.String(key0), Limit: aws.Int32(limit), Marker: m})
			if err != nil {
				return nil, 0, err
			}
			return out.NextMarker, len(out.Grants), nil
		}},
		{"ListGrants by grantee", func(m *string) (*string, int, error) {
			out, err := e.s.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: aws.String(key0), GranteePrincipal: aws.String(granteeP), Limit: aws.Int32(limit), Marker: m})
			if err != nil {
				return nil, 0, err
			}
			return out.NextMarker, len(out.Grants), nil
		}},
		{"ListRetirableGrants", func(m *string) (*string, int, error) {
			out, err := e.s.ListRetirableGrants(e.ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(retiringP), Limit: aws.Int32(limit), Marker: m})
			if err != nil {
				return nil, 0, err
			}
			return out.NextMarker, len(out.Grants), nil
		}},
	}
	const most = 2*(limit+1) + 2 // an item and its key, one past the page, the key resolved
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			var marker *string
			for page := 0; page < 60; page++ { // 600 items in: a page deep in the list
				before := e.decodes()
				next, got, err := l.list(marker)
				if err != nil {
					t.Fatal(err)
				}
				if d := e.decodes() - before; d > most {
					t.Fatalf("page %d: decoded %d records, want at most %d", page, d, most)
				}
				if got != limit || next == nil {
					t.Fatalf("page %d: got %d items (next marker %v), want %d and a marker", page, got, next != nil, limit)
				}
				marker = next
			}
		})
	}
	t.Run("ListAliases of one key", func(t *testing.T) {
		before := e.decodes()
		out, err := e.s.ListAliases(e.ctx, &kms.ListAliasesInput{KeyId: aws.String(seedKeyID(n / 2))})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Aliases) != 1 || aws.ToString(out.Aliases[0].AliasName) != fmt.Sprintf("alias/k%06d", n/2) {
			t.Fatalf("got %d aliases, want alias/k%06d", len(out.Aliases), n/2)
		}
		if d := e.decodes() - before; d > 3 {
			t.Fatalf("decoded %d records, want at most 3", d)
		}
	})
}

// Walking pages while others write lists every item that exists
// throughout exactly once, in order; a marker whose item was deleted
// starts at the next item.
func TestMarkersStayValidAcrossWrites(t *testing.T) {
	e := newIdxEnv(t)
	e.seedMany(t, 8)
	names := func(out *kms.ListAliasesOutput) []string {
		var s []string
		for _, a := range out.Aliases {
			s = append(s, aws.ToString(a.AliasName))
		}
		return s
	}
	page1, err := e.s.ListAliases(e.ctx, &kms.ListAliasesInput{Limit: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	// The marker names alias/k000003: delete it, add one before the
	// marker (not listed any more) and one after it (listed).
	if _, err := e.s.DeleteAlias(e.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/k000003")}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"alias/k000001b", "alias/k000004b"} {
		if _, err := e.s.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String(a), TargetKeyId: aws.String(seedKeyID(0))}); err != nil {
			t.Fatal(err)
		}
	}
	got := names(page1)
	marker := page1.NextMarker
	for marker != nil {
		out, err := e.s.ListAliases(e.ctx, &kms.ListAliasesInput{Limit: aws.Int32(3), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(out)...)
		marker = out.NextMarker
		if (marker != nil) != out.Truncated {
			t.Fatalf("Truncated %v with marker %v", out.Truncated, marker != nil)
		}
	}
	want := []string{"alias/k000000", "alias/k000001", "alias/k000002", "alias/k000004", "alias/k000004b", "alias/k000005", "alias/k000006", "alias/k000007"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}

	// Keys: new keys made between pages do not repeat or drop any key.
	first, err := e.s.ListKeys(e.ctx, &kms.ListKeysInput{Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := e.s.CreateKey(e.ctx, &kms.CreateKeyInput{}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, k := range first.Keys {
		seen[aws.ToString(k.KeyId)]++
	}
	for m := first.NextMarker; m != nil; {
		out, err := e.s.ListKeys(e.ctx, &kms.ListKeysInput{Limit: aws.Int32(2), Marker: m})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range out.Keys {
			seen[aws.ToString(k.KeyId)]++
		}
		m = out.NextMarker
	}
	for i := range 8 {
		if seen[seedKeyID(i)] != 1 {
			t.Errorf("key %s listed %d times, want 1", seedKeyID(i), seen[seedKeyID(i)])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("key %s listed %d times, want 1", id, n)
		}
	}
}

// wantIndexes derives every index entry from the primary records (a full
// scan, as only a test may do) and checkIndexes compares them with the
// index buckets.
func wantIndexes(t *testing.T, s *Service, tx *storage.Tx) map[string]map[string]string {
	t.Helper()
	want := map[string]map[string]string{
		bucketAliasByKey: {}, bucketGrantee: {}, bucketRetiring: {},
		bucketDue: {}, bucketDueByKey: {}, bucketMultiRegion: {},
	}
	scoped := func(dbKey string) *txn {
		parts := strings.SplitN(dbKey, "/", 3)
		return &txn{s: s, tx: tx, sc: scope{account: parts[0], region: parts[1]}}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tx.Scan(bucketKeys, "", "", func(dbKey string, v []byte) (bool, error) {
		var k keyRecord
		must(json.Unmarshal(v, &k))
		k.upgradeImport()
		st := scoped(dbKey)
		if at, ok := k.dueAt(); ok {
			dk := dueTimeKey(at) + "/" + dbKey
			want[bucketDue][dk] = ""
			want[bucketDueByKey][dbKey] = dk
		}
		if k.MultiRegion {
			want[bucketMultiRegion][st.multiRegionDBKey(k.KeyID)] = ""
		}
		return true, nil
	}))
	must(tx.Scan(bucketAliases, "", "", func(dbKey string, v []byte) (bool, error) {
		var a aliasRecord
		must(json.Unmarshal(v, &a))
		want[bucketAliasByKey][scoped(dbKey).aliasByKeyDBKey(a.TargetKeyID, a.Name)] = ""
		return true, nil
	}))
	must(tx.Scan(bucketGrants, "", "", func(dbKey string, v []byte) (bool, error) {
		var g grantRecord
		must(json.Unmarshal(v, &g))
		st := scoped(dbKey)
		for _, k := range st.granteeDBKeys(&g) {
			want[bucketGrantee][k] = ""
		}
		for _, k := range st.retiringDBKeys(&g) {
			want[bucketRetiring][k] = ""
		}
		return true, nil
	}))
	return want
}

func readIndexes(t *testing.T, tx *storage.Tx) map[string]map[string]string {
	t.Helper()
	got := map[string]map[string]string{}
	for _, b := range []string{bucketAliasByKey, bucketGrantee, bucketRetiring, bucketDue, bucketDueByKey, bucketMultiRegion} {
		got[b] = map[string]string{}
		if err := tx.Scan(b, "", "", func(k string, v []byte) (bool, error) {
			got[b][k] = string(v)
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func checkIndexes(t *testing.T, s *Service, step string) {
	t.Helper()
	if err := s.db.View(func(tx *storage.Tx) error {
		want, got := wantIndexes(t, s, tx), readIndexes(t, tx)
		for b := range want {
			if !maps.Equal(got[b], want[b]) {
				t.Errorf("after %s: index %s: got %q, want %q", step, b, got[b], want[b])
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Every mutating operation, the sweep's deletions and rotations included,
// leaves the indexes exactly as the records say.
func TestIndexesFollowEveryWrite(t *testing.T) {
	e := newIdxEnv(t)
	ctx := e.ctx
	var a, b, c, grantA, tokenB, grantB2 string
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mk := func(in *kms.CreateKeyInput) string {
		out, err := e.s.CreateKey(ctx, in)
		must(err)
		return aws.ToString(out.KeyMetadata.KeyId)
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"CreateKey", func() { a = mk(&kms.CreateKeyInput{}); c = mk(&kms.CreateKeyInput{}) }},
		{"CreateKey multi-Region", func() { b = mk(&kms.CreateKeyInput{MultiRegion: aws.Bool(true)}) }},
		{"ReplicateKey", func() {
			_, err := e.s.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(b), ReplicaRegion: aws.String("us-west-2")})
			must(err)
		}},
		{"EnableKeyRotation", func() {
			_, err := e.s.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(c), RotationPeriodInDays: aws.Int32(90)})
			must(err)
		}},
		{"CreateAlias", func() {
			for _, x := range []struct{ n, k string }{{"alias/a1", a}, {"alias/a2", a}, {"alias/b1", b}} {
				_, err := e.s.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(x.n), TargetKeyId: aws.String(x.k)})
				must(err)
			}
		}},
		{"UpdateAlias", func() {
			_, err := e.s.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/a2"), TargetKeyId: aws.String(c)})
			must(err)
		}},
		{"DeleteAlias", func() {
			_, err := e.s.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/a2")})
			must(err)
		}},
		{"CreateGrant", func() {
			out, err := e.s.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(a), GranteePrincipal: aws.String(granteeP), RetiringPrincipal: aws.String(retiringP), Operations: []types.GrantOperation{types.GrantOperationEncrypt}})
			must(err)
			grantA = aws.ToString(out.GrantId)
			out, err = e.s.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(b), GranteeServicePrincipal: aws.String("logs.amazonaws.com"), RetiringServicePrincipal: aws.String("logs.amazonaws.com"), Constraints: &types.GrantConstraints{SourceArn: aws.String("arn:aws:logs:eu-west-1:111122223333:log-group:x")}, Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
			must(err)
			tokenB = aws.ToString(out.GrantToken)
			out, err = e.s.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(b), GranteePrincipal: aws.String(granteeP), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
			must(err)
			grantB2 = aws.ToString(out.GrantId)
			_, err = e.s.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(a), GranteePrincipal: aws.String(granteeP), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
			must(err)
		}},
		{"RetireGrant", func() {
			_, err := e.s.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: aws.String(tokenB)})
			must(err)
		}},
		{"RevokeGrant", func() {
			_, err := e.s.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(b), GrantId: aws.String(grantB2)})
			must(err)
		}},
		{"ScheduleKeyDeletion", func() {
			_, err := e.s.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(a), PendingWindowInDays: aws.Int32(7)})
			must(err)
		}},
		{"CancelKeyDeletion", func() {
			_, err := e.s.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(a)})
			must(err)
		}},
		{"DisableKey", func() {
			_, err := e.s.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(c)})
			must(err)
		}},
		{"EnableKey", func() {
			_, err := e.s.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(c)})
			must(err)
		}},
		{"ScheduleKeyDeletion again", func() {
			_, err := e.s.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(a), PendingWindowInDays: aws.Int32(7)})
			must(err)
		}},
		{"Sweep with nothing due", func() {
			res, err := e.s.Sweep(ctx)
			must(err)
			if res != (SweepResult{}) {
				t.Fatalf("sweep: got %+v, want nothing done", res)
			}
		}},
		{"Sweep deleting a key", func() {
			e.clock.Advance(8 * 24 * time.Hour)
			res, err := e.s.Sweep(ctx)
			must(err)
			if res != (SweepResult{Deleted: 1}) {
				t.Fatalf("sweep: got %+v, want one key deleted", res)
			}
			if _, err := e.s.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(a)}); err == nil {
				t.Fatalf("ListGrants of the deleted key %s (grant %s): no error", a, grantA)
			}
		}},
		{"Sweep rotating a key", func() {
			e.clock.Advance(90 * 24 * time.Hour)
			res, err := e.s.Sweep(ctx)
			must(err)
			if res != (SweepResult{Rotated: 1}) {
				t.Fatalf("sweep: got %+v, want one key rotated", res)
			}
		}},
	}
	for _, st := range steps {
		st.do()
		checkIndexes(t, e.s, st.name)
	}
	// Only the alias of the live multi-Region key is left, and ListAliases
	// by key finds it through the index.
	out, err := e.s.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(b)})
	must(err)
	if len(out.Aliases) != 1 || aws.ToString(out.Aliases[0].AliasName) != "alias/b1" {
		t.Fatalf("aliases of %s: got %d, want alias/b1", b, len(out.Aliases))
	}
}

// A store written before the indexes (no index-version record, no index
// buckets) gets them built once when a Service opens it, in as many
// transactions as it takes; the result is what the writes would have made.
func TestOldStoreGetsItsIndexesBuilt(t *testing.T) {
	for _, chunk := range []int{3, migrateChunk} {
		t.Run(fmt.Sprint("chunk ", chunk), func(t *testing.T) {
			e := newIdxEnv(t)
			e.seedMany(t, 20)
			ctx := e.ctx
			b, err := e.s.CreateKey(ctx, &kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(seedKeyID(3)), PendingWindowInDays: aws.Int32(7)}); err != nil {
				t.Fatal(err)
			}
			var before map[string]map[string]string
			if err := e.db.Update(func(tx *storage.Tx) error {
				before = readIndexes(t, tx)
				for bucket, entries := range before {
					for k := range entries {
						if err := tx.Delete(bucket, k); err != nil {
							return err
						}
					}
				}
				return tx.Delete(bucketMeta, indexVersionRecord)
			}); err != nil {
				t.Fatal(err)
			}
			if n := len(before[bucketMultiRegion]) + len(before[bucketDue]) + len(before[bucketAliasByKey]) + len(before[bucketRetiring]) + len(before[bucketGrantee]); n < 20*3+2 {
				t.Fatalf("the store had %d index entries before, want at least %d", n, 20*3+2)
			}
			var s *Service
			if chunk == migrateChunk {
				s = e.newService(t) // what a start does
			} else {
				s = e.s
				n, err := s.migrateIndexes(chunk)
				if err != nil {
					t.Fatal(err)
				}
				if want := 21 + 20 + 40; n != want {
					t.Fatalf("migration read %d records, want %d", n, want)
				}
			}
			checkIndexes(t, s, "migration")
			if err := e.db.View(func(tx *storage.Tx) error {
				if got := readIndexes(t, tx); !maps.EqualFunc(got, before, maps.Equal) {
					t.Errorf("indexes after migration differ from those the writes made:\ngot  %q\nwant %q", got, before)
				}
				if v := string(tx.Peek(bucketMeta, indexVersionRecord)); v != indexVersion {
					t.Errorf("index version: got %q, want %q", v, indexVersion)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.migrateIndexes(chunk); err != nil || n != 0 {
				t.Fatalf("second migration: read %d records (%v), want 0", n, err)
			}
			out, err := s.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(seedKeyID(5))})
			if err != nil || len(out.Aliases) != 1 {
				t.Fatalf("ListAliases of a key after migration: got %v (%v), want 1 alias", out, err)
			}
			e.clock.Advance(8 * 24 * time.Hour)
			res, err := s.Sweep(ctx)
			if err != nil || res.Deleted != 1 {
				t.Fatalf("sweep after migration: got %+v (%v), want one deletion", res, err)
			}
			_ = b
		})
	}
}

// dueAt is exactly when loadKey starts doing maintenance.
func TestDueAtMatchesMaintenance(t *testing.T) {
	t0 := idxStart
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	// imported makes k an EXTERNAL key with one material version that
	// expires at validTo (none when nil).
	imported := func(k keyRecord, validTo *time.Time) keyRecord {
		k.Import = newImportState()
		m := materialInfo{ID: "m1", ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}
		if validTo != nil {
			m.ExpirationModel, m.ValidTo = types.ExpirationModelTypeKeyMaterialExpires, *validTo
		}
		k.Materials = append(k.Materials, m)
		return k
	}
	cases := []struct {
		name string
		k    keyRecord
		want *time.Time
	}{
		{"plain enabled key", keyRecord{State: types.KeyStateEnabled}, nil},
		{"rotation", keyRecord{State: types.KeyStateEnabled, RotationEnabled: true, RotationPeriodInDays: 90, RotationBase: at(0)}, at(90 * 24 * time.Hour)},
		{"rotation of a disabled key", keyRecord{State: types.KeyStateDisabled, RotationEnabled: true, RotationPeriodInDays: 90, RotationBase: at(0)}, nil},
		{"pending deletion", keyRecord{State: types.KeyStatePendingDeletion, DeletionDate: at(time.Hour)}, at(time.Hour)},
		{"pending deletion with rotation on", keyRecord{State: types.KeyStatePendingDeletion, DeletionDate: at(time.Hour), RotationEnabled: true, RotationPeriodInDays: 1, RotationBase: at(-23 * time.Hour)}, at(time.Hour)},
		{"imported material expires", imported(keyRecord{State: types.KeyStateEnabled}, at(2*time.Hour)), at(2 * time.Hour)},
		{"imported material that does not expire", imported(keyRecord{State: types.KeyStateEnabled}, nil), nil},
		{"expiry before rotation", imported(keyRecord{State: types.KeyStateEnabled, RotationEnabled: true, RotationPeriodInDays: 90, RotationBase: at(0)}, at(3*time.Hour)), at(3 * time.Hour)},
		{"expiry of material in a disabled key", imported(keyRecord{State: types.KeyStateDisabled}, at(3*time.Hour)), at(3 * time.Hour)},
		{"the earlier of two expiring versions", func() keyRecord {
			k := imported(keyRecord{State: types.KeyStateEnabled}, at(5*time.Hour))
			k.Materials = append(k.Materials, materialInfo{ID: "m2", ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: *at(4 * time.Hour)})
			return k
		}(), at(4 * time.Hour)},
		{"an absent version does not expire again", func() keyRecord {
			k := imported(keyRecord{State: types.KeyStatePendingImport}, at(5*time.Hour))
			k.Materials[0].Absent = true
			return k
		}(), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			needs := func(now time.Time) bool {
				return c.k.expired(now) || c.k.rotationDue(now) || c.k.importExpired(now)
			}
			got, ok := c.k.dueAt()
			if c.want == nil {
				if ok {
					t.Fatalf("dueAt: got %v, want none", got)
				}
				if needs(t0.Add(100 * 365 * 24 * time.Hour)) {
					t.Fatal("needs maintenance in a century, but dueAt says never")
				}
				return
			}
			if !ok || !got.Equal(*c.want) {
				t.Fatalf("dueAt: got %v (%v), want %v", got, ok, *c.want)
			}
			if needs(got.Add(-time.Nanosecond)) || !needs(got) {
				t.Fatalf("maintenance at dueAt-1ns: %v, at dueAt: %v; want false, true", needs(got.Add(-time.Nanosecond)), needs(got))
			}
		})
	}
}

func TestDueTimeKeySortsAsTime(t *testing.T) {
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		idxStart,
		idxStart.Add(time.Nanosecond),
		time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		a, b := dueTimeKey(times[i-1]), dueTimeKey(times[i])
		if len(a) != dueTimeLen || !(a < b) {
			t.Errorf("dueTimeKey(%v) = %s, dueTimeKey(%v) = %s: want the first shorter-sorting, %d long", times[i-1], a, times[i], b, dueTimeLen)
		}
	}
}

// A key past its deletion date that no sweep has purged yet is left out of
// every List (the due-time index says which keys to decode and check), and
// keys with nothing due are listed without decoding their records.
func TestListsLeaveOutExpiredKeysBeforeTheSweep(t *testing.T) {
	e := newIdxEnv(t)
	e.seedMany(t, 5)
	gone := seedKeyID(2)
	if _, err := e.s.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(gone), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	before := e.decodes()
	keys, err := e.s.ListKeys(e.ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != 5 {
		t.Fatalf("keys while pending deletion: got %d, want 5", len(keys.Keys))
	}
	if d := e.decodes() - before; d != 0 {
		t.Fatalf("ListKeys with nothing due decoded %d records, want 0", d)
	}
	e.clock.Advance(8 * 24 * time.Hour)
	keys, err = e.s.ListKeys(e.ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := e.s.ListAliases(e.ctx, &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	grants, err := e.s.ListRetirableGrants(e.ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(retiringP)})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != 4 || len(aliases.Aliases) != 4 || len(grants.Grants) != 4 {
		t.Fatalf("after the deletion date: got %d keys, %d aliases, %d retirable grants; want 4 of each", len(keys.Keys), len(aliases.Aliases), len(grants.Grants))
	}
	for _, k := range keys.Keys {
		if aws.ToString(k.KeyId) == gone {
			t.Fatalf("ListKeys lists %s past its deletion date", gone)
		}
	}
	for _, a := range aliases.Aliases {
		if aws.ToString(a.TargetKeyId) == gone {
			t.Fatalf("ListAliases lists %s of %s past its deletion date", aws.ToString(a.AliasName), gone)
		}
	}
}

// Last-usage notes never pile up in memory: the use that brings them to
// the limit writes them to the store in the background.
func TestUsageNotesAreBounded(t *testing.T) {
	e := newIdxEnv(t)
	e.seedMany(t, 3)
	e.s.usage.limit = 2
	for i := range 2 {
		if _, err := e.s.Encrypt(e.ctx, &kms.EncryptInput{KeyId: aws.String(seedKeyID(i)), Plaintext: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	e.s.usage.flushes.Wait()
	e.s.usage.mu.Lock()
	left := len(e.s.usage.notes)
	e.s.usage.mu.Unlock()
	if left != 0 {
		t.Fatalf("notes in memory after reaching the limit: got %d, want 0", left)
	}
	if err := e.db.View(func(tx *storage.Tx) error {
		for i := range 2 {
			if tx.Peek(bucketLastUsage, idxAccount+"/"+idxRegion+"/"+seedKeyID(i)) == nil {
				t.Errorf("no last-usage record of key %d in the store", i)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
