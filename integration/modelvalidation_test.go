package integration

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsgate/kmsgate/emulator"
	"github.com/kmsgate/kmsgate/gate"
)

// botocoreKMSModel reads AWS's API model of KMS as botocore carries it:
// the botocore that /usr/bin/python3 imports (Debian's python3-botocore,
// which python3-boto3 brings: make test-deps and CI install it for the
// boto3 tests), else the one the AWS CLI v2 package bundles.
func botocoreKMSModel(t *testing.T) []byte {
	t.Helper()
	const model = "data/kms/2014-11-01/service-2.json"
	var tried []string
	if out, err := exec.Command("/usr/bin/python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output(); err == nil {
		tried = append(tried, filepath.Join(strings.TrimSpace(string(out)), model))
	}
	tried = append(tried, filepath.Join("/usr/lib/python3/dist-packages/awscli/botocore", model))
	for _, p := range tried {
		if raw, err := os.ReadFile(p); err == nil {
			return raw
		}
	}
	t.Fatalf("AWS's KMS model (botocore, installed with python3-boto3 or awscli by make test-deps) is not at %v", tried)
	return nil
}

type apiModel struct {
	Operations map[string]struct {
		Input struct{ Shape string }
	}
	Shapes map[string]apiShape
}

type apiShape struct {
	Type     string
	Required []string
	Members  map[string]struct{ Shape string }
	Member   struct{ Shape string }
	Min, Max *int64
	Pattern  string
	Enum     []string
}

// modelViolation is one request that breaks one constraint of AWS's model.
type modelViolation struct {
	op, member, what string
	in               any
}

// TestGateAnswersEveryModelConstraintFirst derives, from AWS's API model,
// one request per constraint of every member (a value under the minimum
// length, over the maximum, outside the pattern or the enum, a number out
// of range, a list too long) on an otherwise valid request, and sends each
// through the real server as an allowed caller (admin) and as a refused one
// (grantee, no policy): the allowed caller must get a ValidationException
// naming the member (the emulator's step 1 covers the model), and the
// refused caller exactly the same answer (the gate validates before it
// refuses). Operations newer than the model botocore carries are not in it
// (their step 1 is tested in valfirst_test.go and emulator/validate_test.go).
func TestGateAnswersEveryModelConstraintFirst(t *testing.T) {
	var model apiModel
	if err := json.Unmarshal(botocoreKMSModel(t), &model); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in := start(t, withGate(gate.Enforce, gateFiles(t), ""))
	admin, refused := in.clientAs("AKIAADMIN", "admin-secret"), in.clientAs("AKIAGRANTEE", "grantee-secret")
	keyARN := *must(admin.CreateKey(ctx, &kms.CreateKeyInput{}))(t).KeyMetadata.Arn

	violations := modelViolations(t, model, keyARN)
	if len(violations) < 100 {
		t.Fatalf("got %d violations from the model, want over 100 (is the model read right?)", len(violations))
	}
	call := func(c *kms.Client, op string, req any) error {
		out := reflect.ValueOf(c).MethodByName(op).Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(req)})
		err, _ := out[1].Interface().(error)
		return err
	}
	for _, v := range violations {
		t.Run(v.op+"/"+v.member+"/"+v.what, func(t *testing.T) {
			var want, got smithy.APIError
			if err := call(admin, v.op, v.in); !errors.As(err, &want) || want.ErrorCode() != "ValidationException" ||
				!strings.Contains(want.ErrorMessage(), "'"+lowerFirst(v.member)) {
				t.Fatalf("the allowed caller: got %v, want a ValidationException naming %s", err, lowerFirst(v.member))
			}
			if err := call(refused, v.op, v.in); !errors.As(err, &got) || got.ErrorCode() != want.ErrorCode() || got.ErrorMessage() != want.ErrorMessage() {
				t.Fatalf("the refused caller: got %v, want %s %q (the allowed caller's answer)", err, want.ErrorCode(), want.ErrorMessage())
			}
		})
	}
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// modelViolations builds the requests of TestGateAnswersEveryModelConstraintFirst.
func modelViolations(t *testing.T, model apiModel, keyARN string) []modelViolation {
	t.Helper()
	ops := make([]string, 0, len(model.Operations))
	for op := range model.Operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var out []modelViolation
	for _, op := range ops {
		m, ok := reflect.TypeOf((*kms.Client)(nil)).MethodByName(op)
		if !ok {
			t.Fatalf("the model's %s is not a method of *kms.Client", op)
		}
		inType := m.Type.In(2).Elem()
		shape := model.Shapes[model.Operations[op].Input.Shape]
		base := func() reflect.Value {
			req := reflect.New(inType)
			for _, name := range shape.Required {
				setValid(t, req.Elem().FieldByName(name), model, shape.Members[name].Shape, keyARN)
			}
			switch op { // rules between members that need one of them
			case "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateRandom":
				req.Elem().FieldByName("NumberOfBytes").Set(reflect.ValueOf(ptr(int32(32))))
			case "RetireGrant":
				req.Elem().FieldByName("GrantToken").Set(reflect.ValueOf(ptr("token")))
			}
			return req
		}
		if err := (emulator.InputValidator{}).Validate(context.Background(), base().Interface()); err != nil {
			t.Fatalf("the valid %s request the test builds fails step 1: %v", op, err)
		}
		members := make([]string, 0, len(shape.Members))
		for name := range shape.Members {
			members = append(members, name)
		}
		sort.Strings(members)
		for _, name := range members {
			ms := model.Shapes[shape.Members[name].Shape]
			for what, bad := range badValues(ms, model) {
				req := base()
				f := req.Elem().FieldByName(name)
				if !f.IsValid() {
					t.Fatalf("%s has no member %s in aws-sdk-go-v2", op, name)
				}
				if !setValue(f, bad) {
					continue // a value this member's Go type cannot hold
				}
				out = append(out, modelViolation{op: op, member: name, what: what, in: req.Interface()})
			}
		}
	}
	return out
}

// badValues are the values that break one constraint of s each, by name.
func badValues(s apiShape, model apiModel) map[string]any {
	out := map[string]any{}
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			out["enum"] = "NOT_IN_THE_ENUM"
			return out
		}
		if s.Min != nil && *s.Min > 0 {
			out["under the minimum length"] = strings.Repeat("a", int(*s.Min)-1)
		}
		if s.Max != nil {
			out["over the maximum length"] = strings.Repeat("a", int(*s.Max)+1)
		}
		if s.Pattern != "" {
			if v, ok := outsidePattern(s); ok {
				out["outside the pattern"] = v
			}
		}
	case "blob":
		if s.Min != nil && *s.Min > 0 {
			out["under the minimum length"] = make([]byte, int(*s.Min)-1)
		}
		if s.Max != nil {
			out["over the maximum length"] = make([]byte, int(*s.Max)+1)
		}
	case "integer":
		if s.Min != nil {
			out["under the minimum"] = int32(*s.Min - 1)
		}
		if s.Max != nil {
			out["over the maximum"] = int32(*s.Max + 1)
		}
	case "list":
		if s.Max != nil && model.Shapes[s.Member.Shape].Type == "string" {
			items := make([]string, *s.Max+1)
			for i := range items {
				items[i] = "t"
			}
			out["a list over the maximum length"] = items
		}
	}
	return out
}

// outsidePattern is a value of an allowed length that the model's pattern
// (matched whole, as AWS matches it) refuses.
func outsidePattern(s apiShape) (string, bool) {
	p := regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`).ReplaceAllString(s.Pattern, `\x{$1}`)
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return "", false
	}
	for _, c := range []string{"!", " ", "é", "\u0100", "a,b"} {
		v := c
		for s.Min != nil && int64(len([]rune(v))) < *s.Min {
			v += c
		}
		if (s.Max == nil || int64(len([]rune(v))) <= *s.Max) && !re.MatchString(v) {
			return v, true
		}
	}
	return "", false
}

// setValid gives a required member a value its constraints accept.
func setValid(t *testing.T, f reflect.Value, model apiModel, shapeName, keyARN string) {
	t.Helper()
	s := model.Shapes[shapeName]
	known := map[string]any{
		"KeyIdType":              keyARN,
		"AliasNameType":          "alias/model-check",
		"PrincipalIdType":        granteeARN,
		"RegionType":             "eu-west-1",
		"PolicyNameType":         "default",
		"PolicyType":             `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}`,
		"GrantIdType":            strings.Repeat("ab", 32),
		"CustomKeyStoreIdType":   "cks-1234567890abcdef0",
		"CustomKeyStoreNameType": "store",
		"DescriptionType":        "d",
		"TagKeyList":             []string{"team"},
		"TagList":                []types.Tag{{TagKey: ptr("team"), TagValue: ptr("a")}},
	}
	var v any
	switch {
	case known[shapeName] != nil:
		v = known[shapeName]
	case s.Type == "string" && len(s.Enum) > 0:
		v = s.Enum[0]
	case s.Type == "blob":
		n := int64(1)
		if s.Min != nil && *s.Min > n {
			n = *s.Min
		}
		v = make([]byte, n)
	case s.Type == "list" && len(model.Shapes[s.Member.Shape].Enum) > 0:
		v = []string{model.Shapes[s.Member.Shape].Enum[0]}
	}
	if v == nil || !setValue(f, v) {
		t.Fatalf("no valid value for a required member of shape %s (%s): add it to setValid", shapeName, s.Type)
	}
}

// setValue sets f (a member of an aws-sdk-go-v2 input) to v: a string, a
// []byte, an int32, a []string or a value of f's own type. It answers false
// when f cannot hold v.
func setValue(f reflect.Value, v any) bool {
	rv := reflect.ValueOf(v)
	switch {
	case rv.Type().AssignableTo(f.Type()):
		f.Set(rv)
	case f.Kind() == reflect.Ptr && rv.Type().ConvertibleTo(f.Type().Elem()):
		p := reflect.New(f.Type().Elem())
		p.Elem().Set(rv.Convert(f.Type().Elem()))
		f.Set(p)
	case f.Kind() == reflect.String && rv.Kind() == reflect.String:
		f.SetString(rv.String())
	case f.Kind() == reflect.Slice && rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.String && f.Type().Elem().Kind() == reflect.String:
		s := reflect.MakeSlice(f.Type(), rv.Len(), rv.Len())
		for i := range rv.Len() {
			s.Index(i).SetString(rv.Index(i).String())
		}
		f.Set(s)
	default:
		return false
	}
	return true
}

func ptr[T any](v T) *T { return &v }
