package gate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/authz"
	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/storage"
)

// The operation table of authz and the Backend interface name the same
// operations: a Backend method the table lacks would always be denied, a
// table entry without a method is dead.
func TestAuthzOperationsAreTheBackendMethods(t *testing.T) {
	bt := reflect.TypeFor[kmsgate.Backend]()
	var methods []string
	for i := range bt.NumMethod() {
		methods = append(methods, bt.Method(i).Name)
	}
	ops := authz.Operations()
	slices.Sort(ops)
	if !slices.Equal(methods, ops) {
		for _, m := range methods {
			if !slices.Contains(ops, m) {
				t.Errorf("kmsgate.Backend has %s, authz's operation table does not", m)
			}
		}
		for _, o := range ops {
			if !slices.Contains(methods, o) {
				t.Errorf("authz's operation table has %s, kmsgate.Backend does not", o)
			}
		}
	}
	if got := len(methods); got != 56 {
		t.Errorf("got %d Backend methods, want 56", got)
	}
}

func newEmulator(t testing.TB) *emulator.Service {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "kmsgate.db"), storage.Options{RootKey: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	emu, err := emulator.New(emulator.Config{DB: db, Logger: zerolog.New(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	return emu
}

// Every one of the 56 methods is judged: a caller with no policy at all is
// denied each of them, with AWS's message, before the emulator is called
// (but for a dry run of a refused call, which looks for a
// ValidationException to answer first).
func TestEveryMethodIsJudged(t *testing.T) {
	ctx := context.Background()
	emu := newEmulator(t)
	k, err := emu.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID := aws.ToString(k.KeyMetadata.KeyId)
	if _, err := emu.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/a"), TargetKeyId: &keyID}); err != nil {
		t.Fatal(err)
	}
	enc, err := emu.Encrypt(ctx, &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("p")})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := NewRecorder(zerolog.New(io.Discard), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{Next: emu, Facts: emu, Mode: Enforce, Account: emulator.DefaultAccount, Region: emulator.DefaultRegion, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	caller := kmsgate.WithCaller(ctx, kmsgate.Caller{Account: emulator.DefaultAccount, Region: emulator.DefaultRegion, RequestID: "r"})
	gv := reflect.ValueOf(g)
	bt := reflect.TypeFor[kmsgate.Backend]()
	for i := range bt.NumMethod() {
		name := bt.Method(i).Name
		t.Run(name, func(t *testing.T) {
			m := gv.MethodByName(name)
			in := reflect.New(m.Type().In(1).Elem())
			fill(in.Elem(), keyID, enc.CiphertextBlob)
			res := m.Call([]reflect.Value{reflect.ValueOf(caller), in})
			err, _ := res[1].Interface().(error)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
				t.Fatalf("got %v, want AccessDeniedException", err)
			}
			want := "User: arn:aws:iam::111122223333:user/kmsgate is not authorized to perform: kms:"
			if !strings.HasPrefix(ae.ErrorMessage(), want) || !strings.Contains(ae.ErrorMessage(), " because no ") {
				t.Fatalf("got message %q, want AWS's denial of the default principal", ae.ErrorMessage())
			}
		})
	}
	if n := len(rec.Recent(0)); n != 56 {
		t.Fatalf("got %d denials recorded, want 56", n)
	}
}

// fill sets the members a judged call needs: every key id member names
// the key, alias names are alias/a, blobs are a real ciphertext, and the
// other required members hold valid values (an invalid request answers
// its ValidationException before any denial, as KMS does).
func fill(v reflect.Value, keyID string, blob []byte) {
	set := func(name string, val any) {
		if f := v.FieldByName(name); f.IsValid() && f.CanSet() {
			f.Set(reflect.ValueOf(val).Convert(f.Type()))
		}
	}
	for _, n := range []string{"Message", "Plaintext", "Signature", "Mac", "PublicKey", "SharedSecretCiphertextBlob"} {
		set(n, []byte("m"))
	}
	set("SigningAlgorithm", "RSASSA_PSS_SHA_256")
	set("MacAlgorithm", "HMAC_SHA_256")
	set("KeyAgreementAlgorithm", "ECDH")
	set("KeyPairSpec", "RSA_2048")
	set("KeySpec", "AES_256")
	set("EncapsulationAlgorithm", "ML_KEM")
	set("GranteePrincipal", aws.String("arn:aws:iam::111122223333:role/g"))
	set("Operations", []types.GrantOperation{types.GrantOperationDecrypt})
	for _, n := range []string{"KeyId", "TargetKeyId", "DestinationKeyId", "SourceKeyId"} {
		set(n, aws.String(keyID))
	}
	set("AliasName", aws.String("alias/a"))
	set("CiphertextBlob", blob)
	set("GrantId", aws.String(strings.Repeat("0", 64)))
}

func zerologDiscard() zerolog.Logger { return zerolog.New(io.Discard) }

func recordWithID(id string) authz.LogRecord { return authz.LogRecord{RequestID: id} }
