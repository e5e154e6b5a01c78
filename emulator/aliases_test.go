package emulator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

const aliasPrefixMsg = `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`

func TestCreateAliasValidation(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	e.alias("alias/taken", id)
	pending := e.createKey(nil)
	_, err := e.svc.ScheduleKeyDeletion(e.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(pending)})
	ok(t, err)
	long := "alias/" + strings.Repeat("a", 251)
	for _, tc := range []struct {
		name, alias, target string
		code, msg           string
	}{
		{"a name without alias/ is refused", "my-alias", id, "ValidationException", aliasPrefixMsg},
		{"a name with ! fails the pattern", "alias/my-alias!", id, "ValidationException",
			"1 validation error detected: Value 'alias/my-alias!' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"},
		{"a name over 256 characters is refused", long, id, "ValidationException",
			"1 validation error detected: Value '" + long + "' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"alias/aws/ is reserved", "alias/aws/s3", id, "InvalidAliasNameException", "Alias names that begin with alias/aws/ are reserved."},
		{"a duplicate is refused", "alias/taken", id, "AlreadyExistsException", "An alias with the name " + arnPrefix + "alias/taken already exists"},
		{"a target pending deletion is refused", "alias/new", pending, "KMSInvalidStateException", arnPrefix + "key/" + pending + " is pending deletion."},
		{"an alias as target is refused", "alias/new", "alias/taken", "InvalidArnException", "Key Aliases are not supported for this operation."},
		{"an unknown target is not found", "alias/new", "0b7fe8a1-7d3c-4f0e-9b52-111111111111", "NotFoundException",
			"Key '" + arnPrefix + "key/0b7fe8a1-7d3c-4f0e-9b52-111111111111' does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String(tc.alias), TargetKeyId: aws.String(tc.target)})
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	t.Run("a key ARN target is accepted", func(t *testing.T) {
		e.alias("alias/by-arn", arnPrefix+"key/"+id)
	})
}

func TestUpdateAndDeleteAlias(t *testing.T) {
	e := newEnv(t)
	a := e.createKey(nil)
	b := e.createKey(nil)
	e.alias("alias/svc", a)
	e.clock.Advance(time.Hour)
	_, err := e.svc.UpdateAlias(e.ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/svc"), TargetKeyId: aws.String(b)})
	ok(t, err)
	if got := aws.ToString(e.describe("alias/svc").KeyMetadata.KeyId); got != b {
		t.Errorf("alias target after UpdateAlias: got %s, want %s", got, b)
	}
	list, err := e.svc.ListAliases(e.ctx, &kms.ListAliasesInput{})
	ok(t, err)
	if len(list.Aliases) != 1 {
		t.Fatalf("aliases: got %d, want 1", len(list.Aliases))
	}
	al := list.Aliases[0]
	if !al.CreationDate.Equal(start) || !al.LastUpdatedDate.Equal(start.Add(time.Hour)) || aws.ToString(al.AliasArn) != arnPrefix+"alias/svc" {
		t.Errorf("alias entry: got created %v updated %v arn %s", al.CreationDate, al.LastUpdatedDate, aws.ToString(al.AliasArn))
	}
	_, err = e.svc.UpdateAlias(e.ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: aws.String(b)})
	wantErr(t, err, "NotFoundException", "Alias "+arnPrefix+"alias/none is not found.")
	_, err = e.svc.DeleteAlias(e.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/svc")})
	ok(t, err)
	_, err = e.svc.DeleteAlias(e.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/svc")})
	wantErr(t, err, "NotFoundException", "Alias "+arnPrefix+"alias/svc is not found.")
	_, err = e.svc.DeleteAlias(e.ctx, &kms.DeleteAliasInput{AliasName: aws.String("svc")})
	wantErr(t, err, "ValidationException", aliasPrefixMsg)
	e.describe(b) // the key stays
}

func TestListAliasesFiltersByKeyAndPaginates(t *testing.T) {
	e := newEnv(t)
	a := e.createKey(nil)
	b := e.createKey(nil)
	for _, n := range []string{"alias/a1", "alias/a2", "alias/a3"} {
		e.alias(n, a)
	}
	e.alias("alias/b1", b)
	for _, tc := range []struct {
		name  string
		keyID *string
		want  []string
	}{
		{"without KeyId every alias is listed", nil, []string{"alias/a1", "alias/a2", "alias/a3", "alias/b1"}},
		{"a key id lists only that key's aliases", aws.String(a), []string{"alias/a1", "alias/a2", "alias/a3"}},
		{"a key ARN lists only that key's aliases", aws.String(arnPrefix + "key/" + b), []string{"alias/b1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var marker *string
			for {
				out, err := e.svc.ListAliases(e.ctx, &kms.ListAliasesInput{KeyId: tc.keyID, Limit: aws.Int32(2), Marker: marker})
				ok(t, err)
				for _, al := range out.Aliases {
					got = append(got, aws.ToString(al.AliasName))
				}
				if !out.Truncated {
					break
				}
				marker = out.NextMarker
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	_, err := e.svc.ListAliases(e.ctx, &kms.ListAliasesInput{KeyId: aws.String("alias/a1")})
	wantErr(t, err, "InvalidArnException", "Key Aliases are not supported for this operation.")
	_, err = e.svc.ListAliases(e.ctx, &kms.ListAliasesInput{Marker: aws.String("bad")})
	wantErr(t, err, "InvalidMarkerException", "*")
}
