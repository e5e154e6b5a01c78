package emulator

// Seed grants: a seed key's grants are checked as CreateGrant checks its
// parameters and stored with a grant id derived from the key and the grant
// (seedGrantID), so applying the same file again finds them instead of
// adding copies.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"

	"github.com/kmsgate/kmsgate/emulator/seed"
)

// writeSeedParts writes length-prefixed parts to h (no part can run into
// the next).
func writeSeedParts(h hash.Hash, parts ...string) {
	for _, part := range parts {
		_ = binary.Write(h, binary.BigEndian, uint32(len(part)))
		h.Write([]byte(part))
	}
}

// seedGrantID derives a seed grant's id (64 hex characters, the form of
// every grant id) from its scope, key and parameters: the same grant in
// the same file always has the same id, in every store.
func seedGrantID(sc scope, g *grantRecord) string {
	h := sha256.New()
	ops := make([]string, len(g.Operations))
	for i, op := range g.Operations {
		ops[i] = string(op)
	}
	slices.Sort(ops)
	cons, _ := json.Marshal(g.Constraints) // maps marshal with sorted keys
	writeSeedParts(h, "kmsgate-seed-grant-v1", sc.account, sc.region, g.KeyID, g.Name,
		g.GranteePrincipal, g.GranteeServicePrincipal, g.RetiringPrincipal, g.RetiringServicePrincipal)
	writeSeedParts(h, ops...)
	writeSeedParts(h, string(cons))
	return hex.EncodeToString(h.Sum(nil))
}

// grantLabel names a seed grant in errors: its name, or its grantee.
func grantLabel(g *seed.Grant) string {
	switch {
	case g.Name != "":
		return " (" + g.Name + ")"
	case g.GranteePrincipal != "":
		return " (for " + g.GranteePrincipal + ")"
	case g.GranteeServicePrincipal != "":
		return " (for " + g.GranteeServicePrincipal + ")"
	}
	return ""
}

// optional is nil for "", a pointer to s otherwise.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// checkSeedGrant applies CreateGrant's parameter checks to a seed grant.
func checkSeedGrant(g *seed.Grant) (*grantConstraints, error) {
	if err := checkGrantOperations(g.Operations); err != nil {
		return nil, err
	}
	switch {
	case g.GranteePrincipal == "" && g.GranteeServicePrincipal == "":
		return nil, errors.New("the grant has no grantee principal")
	case g.GranteePrincipal != "" && g.GranteeServicePrincipal != "":
		return nil, errors.New("the grant has both a grantee principal and a grantee service principal")
	case g.RetiringPrincipal != "" && g.RetiringServicePrincipal != "":
		return nil, errors.New("the grant has both a retiring principal and a retiring service principal")
	}
	for _, p := range []struct{ field, v string }{
		{"granteePrincipal", g.GranteePrincipal},
		{"granteeServicePrincipal", g.GranteeServicePrincipal},
		{"retiringPrincipal", g.RetiringPrincipal},
		{"retiringServicePrincipal", g.RetiringServicePrincipal},
	} {
		if err := checkPrincipal(p.field, optional(p.v)); err != nil {
			return nil, err
		}
	}
	if err := checkGrantName(optional(g.Name)); err != nil {
		return nil, err
	}
	cons, err := checkGrantConstraints(g.Constraints)
	if err != nil {
		return nil, err
	}
	if g.GranteeServicePrincipal != "" && (cons == nil || cons.SourceArn == "") {
		return nil, errors.New("a grantee service principal needs a SourceArn constraint")
	}
	return cons, nil
}

// applySeedGrant creates a seed grant on the key keyID of the scope unless
// it is there: a grant with the derived id, or (for a named grant) a grant
// of that name with the same parameters, as CreateGrant's Name idempotency
// finds it. It returns the grant as checked, created or found.
func (t *txn) applySeedGrant(keyID string, sg *seed.Grant) (*grantRecord, error) {
	cons, err := checkSeedGrant(sg)
	if err != nil {
		return nil, errors.New(apiMessage(err))
	}
	k, ok, err := t.loadKey(keyID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("key %s does not exist in %s", keyID, t.sc.region)
	}
	want := &grantRecord{
		KeyID:                    k.KeyID,
		Name:                     sg.Name,
		GranteePrincipal:         sg.GranteePrincipal,
		GranteeServicePrincipal:  sg.GranteeServicePrincipal,
		RetiringPrincipal:        sg.RetiringPrincipal,
		RetiringServicePrincipal: sg.RetiringServicePrincipal,
		Operations:               slices.Clone(sg.Operations),
		Constraints:              cons,
		CreationDate:             t.now,
		IssuingAccount:           t.sc.accountRoot(),
	}
	want.GrantID = seedGrantID(t.sc, want)
	existing, err := t.keyGrants(k.KeyID)
	if err != nil {
		return nil, err
	}
	for i := range existing {
		if existing[i].GrantID == want.GrantID || (want.Name != "" && existing[i].Name == want.Name && sameGrant(&existing[i], want)) {
			return want, nil
		}
	}
	if err := checkGrantFitsKey(k, want.Operations, cons); err != nil {
		return nil, errors.New(apiMessage(err))
	}
	if err := notPendingDeletion(t.sc, k); err != nil {
		return nil, errors.New(apiMessage(err))
	}
	if want.Secret, err = t.s.randomBytes(grantSecretBytes); err != nil {
		return nil, err
	}
	if err := t.saveGrant(want); err != nil {
		return nil, err
	}
	t.s.log.Info().Str("account", t.sc.account).Str("region", t.sc.region).Str("key_id", k.KeyID).Str("grant_id", want.GrantID).Msg("seed grant created")
	return want, nil
}
