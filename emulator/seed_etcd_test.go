package emulator_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/emulator/seed"
)

// manyKeysSeed is a seed of n keys, each with an alias and a tag, and one
// standalone alias per key: far more writes than etcd takes in one
// transaction by default (--max-txn-ops 128).
func manyKeysSeed(n int) *seed.File {
	f := &seed.File{}
	for i := range n {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		f.Keys = append(f.Keys, seed.Key{ID: id, Enabled: true, Aliases: []string{fmt.Sprintf("alias/seeded/%d", i)}, Tags: []types.Tag{tag("n", fmt.Sprint(i))}})
		f.Aliases = append(f.Aliases, seed.Alias{Name: fmt.Sprintf("alias/also/%d", i), TargetKeyID: id})
	}
	return f
}

// TestApplySeedOfManyKeysOnEtcd: a seed larger than one etcd transaction
// is applied whole (in several transactions), and applying it again on a
// second replica changes nothing.
func TestApplySeedOfManyKeysOnEtcd(t *testing.T) {
	svcs, _ := replicaServices(t, 2)
	ctx := kmsgate.WithCaller(context.Background(), kmsgate.Caller{Account: testAccount, Region: testRegion})
	const n = 60
	f := manyKeysSeed(n)
	for i, svc := range svcs {
		if err := svc.ApplySeed(ctx, f); err != nil {
			t.Fatalf("ApplySeed on replica %d: got %v, want the seed applied", i, err)
		}
	}
	keys, err := svcs[1].ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != n {
		t.Errorf("got %d keys, want %d", len(keys.Keys), n)
	}
	for _, alias := range []string{"alias/seeded/0", fmt.Sprintf("alias/seeded/%d", n-1), fmt.Sprintf("alias/also/%d", n-1)} {
		if _, err := svcs[0].DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)}); err != nil {
			t.Errorf("DescribeKey %s: got %v, want the seeded key", alias, err)
		}
	}
	aliases := 0
	for in := (&kms.ListAliasesInput{}); ; {
		page, err := svcs[0].ListAliases(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		aliases += len(page.Aliases)
		if !page.Truncated {
			break
		}
		in.Marker = page.NextMarker
	}
	if aliases != 2*n {
		t.Errorf("got %d aliases, want %d (no copies from the second apply)", aliases, 2*n)
	}
}
