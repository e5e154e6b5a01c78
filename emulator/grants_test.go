package emulator_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

const (
	granteeRole  = "arn:aws:iam::111122223333:role/app"
	retiringRole = "arn:aws:iam::111122223333:role/ops"
)

var reGrantID = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (e *env) grant(in *kms.CreateGrantInput) *kms.CreateGrantOutput {
	e.t.Helper()
	out, err := e.svc.CreateGrant(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateGrant: %v", err)
	}
	return out
}

func (e *env) listGrants(in *kms.ListGrantsInput) *kms.ListGrantsOutput {
	e.t.Helper()
	out, err := e.svc.ListGrants(e.ctx, in)
	if err != nil {
		e.t.Fatalf("ListGrants: %v", err)
	}
	return out
}

func grantIn(keyID string, ops ...types.GrantOperation) *kms.CreateGrantInput {
	return &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(granteeRole), Operations: ops}
}

func TestCreateGrantStoresTheGrantAndListGrantsAnswersIt(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	in := grantIn(id, types.GrantOperationEncrypt, types.GrantOperationDecrypt)
	in.RetiringPrincipal = aws.String(retiringRole)
	in.Name = aws.String("app/orders:1")
	in.Constraints = &types.GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "a"}}
	in.GrantTokens = []string{"earlier-token"}
	out := e.grant(in)
	if !reGrantID.MatchString(aws.ToString(out.GrantId)) {
		t.Errorf("GrantId: got %q, want 64 hex characters", aws.ToString(out.GrantId))
	}
	if aws.ToString(out.GrantToken) == "" {
		t.Errorf("GrantToken: got empty, want a token")
	}
	list := e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id)})
	if len(list.Grants) != 1 || list.Truncated {
		t.Fatalf("ListGrants: got %d grants truncated=%v, want 1", len(list.Grants), list.Truncated)
	}
	g := list.Grants[0]
	checks := []struct{ name, got, want string }{
		{"GrantId", aws.ToString(g.GrantId), aws.ToString(out.GrantId)},
		{"KeyId", aws.ToString(g.KeyId), arnPrefix + "key/" + id},
		{"GranteePrincipal", aws.ToString(g.GranteePrincipal), granteeRole},
		{"RetiringPrincipal", aws.ToString(g.RetiringPrincipal), retiringRole},
		{"Name", aws.ToString(g.Name), "app/orders:1"},
		{"IssuingAccount", aws.ToString(g.IssuingAccount), "arn:aws:iam::111122223333:root"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(g.Operations) != 2 || g.Operations[0] != types.GrantOperationEncrypt || g.Operations[1] != types.GrantOperationDecrypt {
		t.Errorf("Operations: got %v, want [Encrypt Decrypt]", g.Operations)
	}
	if g.Constraints == nil || g.Constraints.EncryptionContextSubset["tenant"] != "a" || g.Constraints.EncryptionContextEquals != nil {
		t.Errorf("Constraints: got %+v, want EncryptionContextSubset tenant=a", g.Constraints)
	}
	if g.CreationDate == nil || !g.CreationDate.Equal(start) {
		t.Errorf("CreationDate: got %v, want %v", g.CreationDate, start)
	}
}

func TestCreateGrantWithANameIsIdempotent(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	named := func(ops ...types.GrantOperation) *kms.CreateGrantInput {
		in := grantIn(id, ops...)
		in.Name = aws.String("retry-me")
		return in
	}
	first := e.grant(named(types.GrantOperationDecrypt))
	t.Run("the same name and parameters answer the same grant id with a new token", func(t *testing.T) {
		again := e.grant(named(types.GrantOperationDecrypt))
		if aws.ToString(again.GrantId) != aws.ToString(first.GrantId) {
			t.Errorf("GrantId: got %s, want %s", aws.ToString(again.GrantId), aws.ToString(first.GrantId))
		}
		if aws.ToString(again.GrantToken) == aws.ToString(first.GrantToken) {
			t.Errorf("GrantToken: got the same token twice, want a new one")
		}
		if n := len(e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id)}).Grants); n != 1 {
			t.Errorf("grants: got %d, want 1", n)
		}
	})
	t.Run("the same name with other parameters makes a new grant", func(t *testing.T) {
		other := e.grant(named(types.GrantOperationEncrypt))
		if aws.ToString(other.GrantId) == aws.ToString(first.GrantId) {
			t.Errorf("GrantId: got the first grant's id, want a new one")
		}
	})
	t.Run("without a name every call makes a new grant", func(t *testing.T) {
		a := e.grant(grantIn(id, types.GrantOperationDecrypt))
		b := e.grant(grantIn(id, types.GrantOperationDecrypt))
		if aws.ToString(a.GrantId) == aws.ToString(b.GrantId) {
			t.Errorf("GrantId: got the same id twice, want two grants")
		}
	})
}

func TestCreateGrantRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	pending := e.createKey(nil)
	_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(pending)})
	ok(t, err)
	with := func(f func(*kms.CreateGrantInput)) *kms.CreateGrantInput {
		in := grantIn(id, types.GrantOperationDecrypt)
		f(in)
		return in
	}
	cases := []struct {
		name      string
		in        *kms.CreateGrantInput
		code, msg string
	}{
		{"only CreateGrant is rejected", grantIn(id, types.GrantOperationCreateGrant), "ValidationException", "Grants must not contain only the CreateGrant operation."},
		{"CreateGrant twice is still only CreateGrant", grantIn(id, types.GrantOperationCreateGrant, types.GrantOperationCreateGrant), "ValidationException", "Grants must not contain only the CreateGrant operation."},
		{"missing operations are a null member", with(func(in *kms.CreateGrantInput) { in.Operations = nil }), "ValidationException", "1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null"},
		{"an unknown operation fails the enum", grantIn(id, "Explode"), "ValidationException", "*"},
		{"a missing grantee is a null member", with(func(in *kms.CreateGrantInput) { in.GranteePrincipal = nil }), "ValidationException", "1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null"},
		{"a grantee with a space fails the pattern", with(func(in *kms.CreateGrantInput) { in.GranteePrincipal = aws.String("bad principal") }), "ValidationException", `1 validation error detected: Value 'bad principal' at 'granteePrincipal' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\w+=,.@:/-]+$`},
		{"a name with ! fails the pattern", with(func(in *kms.CreateGrantInput) { in.Name = aws.String("bad!") }), "ValidationException", "1 validation error detected: Value 'bad!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"},
		{"a name of 257 characters is too long", with(func(in *kms.CreateGrantInput) { in.Name = aws.String(strings.Repeat("n", 257)) }), "ValidationException", "1 validation error detected: Value '" + strings.Repeat("n", 257) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"eleven grant tokens are too many", with(func(in *kms.CreateGrantInput) { in.GrantTokens = make([]string, 11) }), "ValidationException", "*"},
		{"an empty grant token is too short", with(func(in *kms.CreateGrantInput) { in.GrantTokens = []string{""} }), "ValidationException", "1 validation error detected: Value '' at 'grantTokens.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"nine constraint pairs are too many", with(func(in *kms.CreateGrantInput) {
			ec := map[string]string{}
			for _, k := range "abcdefghi" {
				ec[string(k)] = "v"
			}
			in.Constraints = &types.GrantConstraints{EncryptionContextEquals: ec}
		}), "ValidationException", "*"},
		{"Sign on a symmetric key is not a grant operation of it", grantIn(id, types.GrantOperationSign), "ValidationException", "*"},
		{"an unknown key is not found", grantIn("0b7fe8a1-7d3c-4f0e-9b52-111111111111", types.GrantOperationDecrypt), "NotFoundException", "Key '" + arnPrefix + "key/0b7fe8a1-7d3c-4f0e-9b52-111111111111' does not exist"},
		{"an alias is not a key id here", grantIn("alias/x", types.GrantOperationDecrypt), "InvalidArnException", "Key Aliases are not supported for this operation."},
		{"a key pending deletion is in the wrong state", grantIn(pending, types.GrantOperationDecrypt), "KMSInvalidStateException", arnPrefix + "key/" + pending + " is pending deletion."},
		{"DryRun answers DryRunOperationException", with(func(in *kms.CreateGrantInput) { in.DryRun = aws.Bool(true) }), "DryRunOperationException", "The request would have succeeded, but the DryRun option is set."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.CreateGrant(e.ctx, c.in)
			wantErr(t, err, c.code, c.msg)
		})
	}
	if n := len(e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id)}).Grants); n != 0 {
		t.Errorf("grants after only failed calls: got %d, want 0", n)
	}
}

func TestListGrantsFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	other := e.createKey(nil)
	var ids []string
	for range 5 {
		ids = append(ids, aws.ToString(e.grant(grantIn(id, types.GrantOperationDecrypt)).GrantId))
	}
	special := grantIn(id, types.GrantOperationEncrypt)
	special.GranteePrincipal = aws.String("arn:aws:iam::111122223333:user/alice")
	aliceGrant := aws.ToString(e.grant(special).GrantId)
	e.grant(grantIn(other, types.GrantOperationDecrypt))

	t.Run("pages of two walk every grant of the key once", func(t *testing.T) {
		seen := map[string]bool{}
		var marker *string
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("more than 4 pages for 6 grants")
			}
			out := e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id), Limit: aws.Int32(2), Marker: marker})
			if len(out.Grants) > 2 {
				t.Fatalf("page: got %d grants, want at most 2", len(out.Grants))
			}
			for _, g := range out.Grants {
				if seen[*g.GrantId] {
					t.Errorf("grant %s listed twice", *g.GrantId)
				}
				seen[*g.GrantId] = true
			}
			if !out.Truncated {
				break
			}
			marker = out.NextMarker
		}
		if len(seen) != 6 {
			t.Errorf("grants seen: got %d, want 6", len(seen))
		}
	})
	t.Run("GrantId filters to that grant", func(t *testing.T) {
		out := e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id), GrantId: aws.String(ids[2])})
		if len(out.Grants) != 1 || *out.Grants[0].GrantId != ids[2] {
			t.Errorf("got %d grants, want only %s", len(out.Grants), ids[2])
		}
	})
	t.Run("GranteePrincipal filters to that grantee", func(t *testing.T) {
		out := e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id), GranteePrincipal: aws.String("arn:aws:iam::111122223333:user/alice")})
		if len(out.Grants) != 1 || *out.Grants[0].GrantId != aliceGrant {
			t.Errorf("got %d grants, want only alice's %s", len(out.Grants), aliceGrant)
		}
	})
	t.Run("a bad marker is InvalidMarkerException", func(t *testing.T) {
		_, err := e.svc.ListGrants(e.ctx, &kms.ListGrantsInput{KeyId: aws.String(id), Marker: aws.String("garbage")})
		wantErr(t, err, "InvalidMarkerException", "*")
	})
}

func TestListRetirableGrantsSpansKeysOfTheScope(t *testing.T) {
	e := newEnv(t)
	a, b := e.createKey(nil), e.createKey(nil)
	retirable := func(keyID string) string {
		in := grantIn(keyID, types.GrantOperationDecrypt)
		in.RetiringPrincipal = aws.String(retiringRole)
		return aws.ToString(e.grant(in).GrantId)
	}
	want := map[string]bool{retirable(a): true, retirable(b): true}
	e.grant(grantIn(a, types.GrantOperationDecrypt)) // no retiring principal
	// Another region's grant with the same retiring principal stays out.
	other, err := e.svc.CreateKey(e.in("us-west-2"), &kms.CreateKeyInput{})
	ok(t, err)
	oin := grantIn(aws.ToString(other.KeyMetadata.KeyId), types.GrantOperationDecrypt)
	oin.RetiringPrincipal = aws.String(retiringRole)
	_, err = e.svc.CreateGrant(e.in("us-west-2"), oin)
	ok(t, err)

	out, err := e.svc.ListRetirableGrants(e.ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(retiringRole)})
	ok(t, err)
	if len(out.Grants) != 2 {
		t.Fatalf("got %d retirable grants, want 2", len(out.Grants))
	}
	for _, g := range out.Grants {
		if !want[*g.GrantId] {
			t.Errorf("grant %s is not one of the retirable ones", *g.GrantId)
		}
	}
	_, err = e.svc.ListRetirableGrants(e.ctx, &kms.ListRetirableGrantsInput{})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null")
}

func TestRetireAndRevokeGrant(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	other := e.createKey(nil)
	count := func() int { return len(e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id)}).Grants) }

	t.Run("RetireGrant by token deletes the grant", func(t *testing.T) {
		g := e.grant(grantIn(id, types.GrantOperationDecrypt))
		before := count()
		_, err := e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken, DryRun: aws.Bool(true)})
		wantErr(t, err, "DryRunOperationException", "*")
		_, err = e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken})
		ok(t, err)
		if got := count(); got != before-1 {
			t.Errorf("grants: got %d, want %d", got, before-1)
		}
		_, err = e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken})
		wantErr(t, err, "NotFoundException", "*")
	})
	t.Run("RetireGrant by key id and grant id deletes the grant", func(t *testing.T) {
		g := e.grant(grantIn(id, types.GrantOperationDecrypt))
		_, err := e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{KeyId: aws.String(arnPrefix + "key/" + id), GrantId: g.GrantId})
		ok(t, err)
		if out := e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id), GrantId: g.GrantId}); len(out.Grants) != 0 {
			t.Errorf("grant still listed after RetireGrant")
		}
	})
	t.Run("RevokeGrant deletes the grant", func(t *testing.T) {
		g := e.grant(grantIn(id, types.GrantOperationDecrypt))
		_, err := e.svc.RevokeGrant(e.ctx, &kms.RevokeGrantInput{KeyId: aws.String(id), GrantId: g.GrantId})
		ok(t, err)
		_, err = e.svc.RevokeGrant(e.ctx, &kms.RevokeGrantInput{KeyId: aws.String(id), GrantId: g.GrantId})
		wantErr(t, err, "NotFoundException", "Grant ID "+aws.ToString(g.GrantId)+" not found for key "+arnPrefix+"key/"+id)
	})
	g := e.grant(grantIn(id, types.GrantOperationDecrypt))
	forged := []byte(aws.ToString(g.GrantToken))
	forged[len(forged)-30] ^= 1 // inside the secret
	cases := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"a garbage token is InvalidGrantTokenException", func() error {
			_, err := e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: aws.String("not-a-token")})
			return err
		}, "InvalidGrantTokenException", "The request was rejected because the specified grant token is not valid."},
		{"a token with a wrong secret is InvalidGrantTokenException", func() error {
			_, err := e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: aws.String(string(forged))})
			return err
		}, "InvalidGrantTokenException", "*"},
		{"a token with another key's id is InvalidGrantTokenException", func() error {
			_, err := e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken, KeyId: aws.String(other)})
			return err
		}, "InvalidGrantTokenException", "*"},
		{"neither token nor key and grant id is a validation error", func() error {
			_, err := e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{KeyId: aws.String(id)})
			return err
		}, "ValidationException", "*"},
		{"a malformed grant id is InvalidGrantIdException", func() error {
			_, err := e.svc.RevokeGrant(e.ctx, &kms.RevokeGrantInput{KeyId: aws.String(id), GrantId: aws.String("nope")})
			return err
		}, "InvalidGrantIdException", "The request was rejected because the specified GrantId is not valid."},
		{"RevokeGrant without a grant id is a null member", func() error {
			_, err := e.svc.RevokeGrant(e.ctx, &kms.RevokeGrantInput{KeyId: aws.String(id)})
			return err
		}, "ValidationException", "1 validation error detected: Value null at 'grantId' failed to satisfy constraint: Member must not be null"},
		{"RevokeGrant of the grant on another key is not found", func() error {
			_, err := e.svc.RevokeGrant(e.ctx, &kms.RevokeGrantInput{KeyId: aws.String(other), GrantId: g.GrantId})
			return err
		}, "NotFoundException", "*"},
		{"RevokeGrant with DryRun answers DryRunOperationException", func() error {
			_, err := e.svc.RevokeGrant(e.ctx, &kms.RevokeGrantInput{KeyId: aws.String(id), GrantId: g.GrantId, DryRun: aws.Bool(true)})
			return err
		}, "DryRunOperationException", "*"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.call(), c.code, c.msg) })
	}
	if out := e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id), GrantId: g.GrantId}); len(out.Grants) != 1 {
		t.Errorf("the grant the failed calls named: got %d listed, want 1 (still there)", len(out.Grants))
	}
}

func TestGrantsSurviveRestartsAndDieWithTheirKey(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	in := grantIn(id, types.GrantOperationDecrypt)
	in.RetiringPrincipal = aws.String(retiringRole)
	g := e.grant(in)
	e.restart()
	if out := e.listGrants(&kms.ListGrantsInput{KeyId: aws.String(id)}); len(out.Grants) != 1 || *out.Grants[0].GrantId != *g.GrantId {
		t.Fatalf("after restart: got %d grants, want the one created", len(out.Grants))
	}
	// The token made before the restart still retires... after the key is
	// gone nothing is left: schedule deletion and let the window pass.
	_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)})
	ok(t, err)
	e.clock.Advance(8 * 24 * time.Hour)
	_, err = e.svc.Sweep(e.ctx)
	ok(t, err)
	out, err := e.svc.ListRetirableGrants(e.ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(retiringRole)})
	ok(t, err)
	if len(out.Grants) != 0 {
		t.Errorf("retirable grants after the key was deleted: got %d, want 0", len(out.Grants))
	}
	_, err = e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken})
	wantErr(t, err, "NotFoundException", "*")
}

func FuzzRetireGrantToken(f *testing.F) {
	e := newEnvTB(f)
	id := e.createKey(nil)
	g, err := e.svc.CreateGrant(e.ctx, grantIn(id, types.GrantOperationDecrypt))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(aws.ToString(g.GrantToken))
	f.Add("a2d0MQ")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		// Any token answers an API error or retires the one grant; never a
		// panic or a server fault.
		_, err := e.svc.RetireGrant(e.ctx, &kms.RetireGrantInput{GrantToken: aws.String(tok), DryRun: aws.Bool(true)})
		if err != nil && isCode(err, "KMSInternalException") {
			t.Fatalf("server fault for token %q: %v", tok, err)
		}
		var ae smithy.APIError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("non-API error for token %q: %v", tok, err)
		}
	})
}

func TestGrantTokensAreAcceptedByEveryOperationThatTakesThem(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	blob := e.encrypt(id, "x", nil)
	g := e.grant(grantIn(id, types.GrantOperationDecrypt))
	ops := map[string]func(tokens []string) error{
		"Encrypt": func(tok []string) error {
			_, err := e.svc.Encrypt(e.ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), GrantTokens: tok})
			return err
		},
		"Decrypt": func(tok []string) error {
			_, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: blob, GrantTokens: tok})
			return err
		},
		"ReEncrypt": func(tok []string) error {
			_, err := e.svc.ReEncrypt(e.ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: &id, GrantTokens: tok})
			return err
		},
		"GenerateDataKey": func(tok []string) error {
			_, err := e.svc.GenerateDataKey(e.ctx, &kms.GenerateDataKeyInput{KeyId: &id, NumberOfBytes: aws.Int32(16), GrantTokens: tok})
			return err
		},
		"GenerateDataKeyWithoutPlaintext": func(tok []string) error {
			_, err := e.svc.GenerateDataKeyWithoutPlaintext(e.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &id, NumberOfBytes: aws.Int32(16), GrantTokens: tok})
			return err
		},
		"DescribeKey": func(tok []string) error {
			_, err := e.svc.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: &id, GrantTokens: tok})
			return err
		},
		"CreateGrant": func(tok []string) error {
			in := grantIn(id, types.GrantOperationEncrypt)
			in.GrantTokens = tok
			_, err := e.svc.CreateGrant(e.ctx, in)
			return err
		},
	}
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = strings.Repeat("t", i+1)
	}
	ten[0] = aws.ToString(g.GrantToken)
	for op, call := range ops {
		t.Run(op+" accepts ten well-formed tokens, its own or not", func(t *testing.T) { ok(t, call(ten)) })
		t.Run(op+" refuses eleven tokens", func(t *testing.T) {
			wantErr(t, call(append(ten, "x")), "ValidationException", "*")
		})
		t.Run(op+" refuses a token of 8193 characters", func(t *testing.T) {
			wantErr(t, call([]string{strings.Repeat("t", 8193)}), "ValidationException", "*")
		})
	}
}
