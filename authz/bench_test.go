package authz

import (
	"testing"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// BenchmarkDecideSeedPolicy is one whole KMS decision as the server will make
// it: GenerateDataKey by alias on a jumpwire key, the seed's identity policy
// and the default key policy (nil, or parsed), context built from the request.
func BenchmarkDecideSeedPolicy(b *testing.B) {
	seed := []*iampolicy.Policy{mustParse(b, "seed.json", seedPolicyDoc(b))}
	for _, bc := range []struct {
		name   string
		policy *iampolicy.Policy
		terse  bool
	}{
		{"default key policy as nil", nil, false},
		{"default key policy parsed", DefaultKeyPolicy("aws", acct), false},
		{"terse, as the gate asks", nil, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			key := &Key{ARN: keyARN, Aliases: []string{"alias/jumpwire/org1"}, KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS", Policy: bc.policy}
			req := Request{Operation: "GenerateDataKey", Principal: userARN, Region: "us-east-1", KeyID: "alias/jumpwire/org1", Key: key,
				IdentityPolicies: seed, EncryptionContext: map[string]string{"app": "engine"}, SourceIP: "127.0.0.1", SecureTransport: true, Terse: bc.terse}
			if d := Decide(req); !d.Allowed() {
				b.Fatalf("got %v (%s), want Allow", d.Decision, d.Reason)
			}
			b.ReportAllocs()
			for b.Loop() {
				Decide(req)
			}
		})
	}
}

// TestDecideAllocations pins what the condition keys built only when a
// policy reads them (iampolicy.Policy.Reads) saved: the seed's
// GenerateDataKey decision allocated 33 times when every key was built.
// Then the matches, refs and the identity policies' context kept on the
// stack and the actions spelled out once (13 -> 7, Terse 9 -> 3): what is
// left is the checks, kms:ResourceAliases (none for a prepared key) and the
// deciding statements.
func TestDecideAllocations(t *testing.T) {
	seed := []*iampolicy.Policy{mustParse(t, "seed.json", seedPolicyDoc(t))}
	key := &Key{ARN: keyARN, Aliases: []string{"alias/jumpwire/org1"}, KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS"}
	req := Request{Operation: "GenerateDataKey", Principal: userARN, Region: "us-east-1", KeyID: "alias/jumpwire/org1", Key: key,
		IdentityPolicies: seed, EncryptionContext: map[string]string{"app": "engine"}, SourceIP: "127.0.0.1", SecureTransport: true}
	if d := Decide(req); !d.Allowed() {
		t.Fatalf("got %v (%s), want Allow", d.Decision, d.Reason)
	}
	if got := testing.AllocsPerRun(200, func() { Decide(req) }); got > 7 {
		t.Errorf("got %v allocations per decision, want at most 7", got)
	}
	terse := req
	terse.Terse = true
	if got := testing.AllocsPerRun(200, func() { Decide(terse) }); got > 3 {
		t.Errorf("Terse: got %v allocations per decision, want at most 3", got)
	}
	// A prepared key (as the emulator's facts are) has kms:ResourceAliases
	// made once: 2.
	prepared := *key
	prepared.Prepare()
	terse.Key = &prepared
	if got := testing.AllocsPerRun(200, func() { Decide(terse) }); got > 2 {
		t.Errorf("Terse, prepared key: got %v allocations per decision, want at most 2", got)
	}
}

// TestPrepareChangesNoDecision: a prepared key is decided as the same key
// not prepared, whether its aliases allow or not.
func TestPrepareChangesNoDecision(t *testing.T) {
	seed := []*iampolicy.Policy{mustParse(t, "seed.json", seedPolicyDoc(t))}
	for _, aliases := range [][]string{{"alias/jumpwire/org1"}, {"alias/other"}, nil, {"alias/other", "alias/jumpwire/x"}} {
		plain := &Key{ARN: keyARN, Aliases: aliases}
		prepared := &Key{ARN: keyARN, Aliases: aliases}
		prepared.Prepare()
		req := Request{Operation: "GenerateDataKey", Principal: userARN, Region: "us-east-1", Key: plain, IdentityPolicies: seed}
		want := Decide(req)
		req.Key = prepared
		if got := Decide(req); got.Decision != want.Decision || got.Message != want.Message || got.Reason != want.Reason {
			t.Errorf("aliases %v: got %v %q, want %v %q as unprepared", aliases, got.Decision, got.Message, want.Decision, want.Message)
		}
	}
}

// TestTerseLeavesOnlyTheReasonsOfAllows: Terse changes no decision, no
// message and no reason of a denial; an allow has no reason.
func TestTerseLeavesOnlyTheReasonsOfAllows(t *testing.T) {
	seed := []*iampolicy.Policy{mustParse(t, "seed.json", seedPolicyDoc(t))}
	jumpwire := &Key{ARN: keyARN, Aliases: []string{"alias/jumpwire/org1"}}
	other := &Key{ARN: keyARN, Aliases: []string{"alias/other"}}
	for _, tc := range []struct {
		name string
		key  *Key
		want iampolicy.Decision
	}{{"an allowed call", jumpwire, iampolicy.Allow}, {"a denied call", other, iampolicy.ImplicitDeny}} {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Operation: "GenerateDataKey", Principal: userARN, Region: "us-east-1", Key: tc.key, IdentityPolicies: seed}
			full := Decide(req)
			req.Terse = true
			terse := Decide(req)
			if full.Decision != tc.want || terse.Decision != tc.want || terse.Message != full.Message || len(terse.Statements) != len(full.Statements) {
				t.Fatalf("got %v %q / %v %q, want %v and the same message and statements", full.Decision, full.Message, terse.Decision, terse.Message, tc.want)
			}
			wantReason := full.Reason
			if tc.want == iampolicy.Allow {
				wantReason = ""
			}
			if terse.Reason != wantReason {
				t.Fatalf("got reason %q, want %q", terse.Reason, wantReason)
			}
		})
	}
}
