package kmsapi

import (
	"context"
	"fmt"
	"reflect"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/kmsgate/kmsgate"
	"github.com/kmsgate/kmsgate/kmsapi/internal/awsjson"
	"github.com/kmsgate/kmsgate/metrics"
)

// route is one KMS operation of the table: its name (the part of
// X-Amz-Target after "TrentService."), its handler, and its body limit.
type route struct {
	name string
	// maxBody is the largest body accepted, in bytes; 0 means
	// Config.MaxBodyBytes.
	maxBody int64
	serve   opFunc
	// inType is the operation's *kms.XxxInput element type.
	inType reflect.Type
	// metric is the operation's series (set by newServer).
	metric *metrics.Op
}

// opFunc decodes body into the operation's input, calls the backend and
// returns the encoded output appended to dst. It records the key it
// concerns in st. Nothing it returns or keeps refers to body.
type opFunc func(ctx context.Context, b kmsgate.Backend, body []byte, st *reqState, dst []byte) ([]byte, error)

// backendMethod is the shape of every Backend method taken as a method
// expression, e.g. kmsgate.Backend.Encrypt.
type backendMethod[In, Out any] func(kmsgate.Backend, context.Context, *In, ...func(*kms.Options)) (*Out, error)

// errNilOutput is a backend breaking its contract: no output and no error.
type errNilOutput string

func (e errNilOutput) Error() string {
	return fmt.Sprintf("backend returned neither an output nor an error for %s", string(e))
}

// op builds the route of one operation: the plans of In and Out are made
// here, once, so the request path does no type inspection.
func op[In, Out any](c *awsjson.Codec, name string, call backendMethod[In, Out]) route {
	inPlan := mustPlan(c, reflect.TypeFor[In]())
	outPlan := mustPlan(c, reflect.TypeFor[Out]())
	metaIdx, resultIdx := -1, -1
	if f, ok := reflect.TypeFor[Out]().FieldByName("KeyMetadata"); ok && f.Type == reflect.TypeFor[*types.KeyMetadata]() {
		metaIdx = f.Index[0]
	}
	if f, ok := reflect.TypeFor[Out]().FieldByName("ResultMetadata"); ok && f.Type == reflect.TypeFor[middleware.Metadata]() {
		resultIdx = f.Index[0]
	}
	return route{name: name, inType: reflect.TypeFor[In](), serve: func(ctx context.Context, b kmsgate.Backend, body []byte, st *reqState, dst []byte) ([]byte, error) {
		in := new(In)
		inV := reflect.ValueOf(in).Elem()
		if err := inPlan.Decode(body, inV); err != nil {
			return nil, kmsgate.NewSerializationException("%s", err.Error())
		}
		st.keyARN = inPlan.KeyID(inV)
		out, err := call(b, ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, errNilOutput(name)
		}
		outV := reflect.ValueOf(out).Elem()
		if resultIdx >= 0 {
			// An upstream's answer (the SDK's output) carries its request id.
			if md, _ := outV.Field(resultIdx).Addr().Interface().(*middleware.Metadata); md != nil {
				st.upstreamID, _ = awsmiddleware.GetRequestIDMetadata(*md)
			}
		}
		if k := outPlan.KeyID(outV); k != "" {
			st.keyARN = k
		} else if metaIdx >= 0 {
			if md, _ := outV.Field(metaIdx).Interface().(*types.KeyMetadata); md != nil && md.Arn != nil {
				st.keyARN = *md.Arn
			}
		}
		return outPlan.AppendValue(dst, outV), nil
	}}
}

// mustPlan is PlanFor for the SDK's own types, which always have a wire
// form; a failure is a programming error found when the table is built.
func mustPlan(c *awsjson.Codec, t reflect.Type) awsjson.Plan {
	p, err := c.PlanFor(t)
	if err != nil {
		panic(err)
	}
	return p
}

// routeTable is every operation of kmsgate.Backend, in the interface's order.
func routeTable(c *awsjson.Codec) []route {
	return []route{
		op(c, "CancelKeyDeletion", kmsgate.Backend.CancelKeyDeletion),
		op(c, "ConnectCustomKeyStore", kmsgate.Backend.ConnectCustomKeyStore),
		op(c, "CreateAlias", kmsgate.Backend.CreateAlias),
		op(c, "CreateCustomKeyStore", kmsgate.Backend.CreateCustomKeyStore),
		op(c, "CreateGrant", kmsgate.Backend.CreateGrant),
		op(c, "CreateKey", kmsgate.Backend.CreateKey),
		op(c, "Decapsulate", kmsgate.Backend.Decapsulate),
		op(c, "Decrypt", kmsgate.Backend.Decrypt),
		op(c, "DeleteAlias", kmsgate.Backend.DeleteAlias),
		op(c, "DeleteCustomKeyStore", kmsgate.Backend.DeleteCustomKeyStore),
		op(c, "DeleteImportedKeyMaterial", kmsgate.Backend.DeleteImportedKeyMaterial),
		op(c, "DeriveSharedSecret", kmsgate.Backend.DeriveSharedSecret),
		op(c, "DescribeCustomKeyStores", kmsgate.Backend.DescribeCustomKeyStores),
		op(c, "DescribeKey", kmsgate.Backend.DescribeKey),
		op(c, "DisableKey", kmsgate.Backend.DisableKey),
		op(c, "DisableKeyRotation", kmsgate.Backend.DisableKeyRotation),
		op(c, "DisconnectCustomKeyStore", kmsgate.Backend.DisconnectCustomKeyStore),
		op(c, "EnableKey", kmsgate.Backend.EnableKey),
		op(c, "EnableKeyRotation", kmsgate.Backend.EnableKeyRotation),
		op(c, "Encapsulate", kmsgate.Backend.Encapsulate),
		op(c, "Encrypt", kmsgate.Backend.Encrypt),
		op(c, "GenerateDataKey", kmsgate.Backend.GenerateDataKey),
		op(c, "GenerateDataKeyPair", kmsgate.Backend.GenerateDataKeyPair),
		op(c, "GenerateDataKeyPairWithoutPlaintext", kmsgate.Backend.GenerateDataKeyPairWithoutPlaintext),
		op(c, "GenerateDataKeyWithoutPlaintext", kmsgate.Backend.GenerateDataKeyWithoutPlaintext),
		op(c, "GenerateMac", kmsgate.Backend.GenerateMac),
		op(c, "GenerateRandom", kmsgate.Backend.GenerateRandom),
		op(c, "GetKeyLastUsage", kmsgate.Backend.GetKeyLastUsage),
		op(c, "GetKeyPolicy", kmsgate.Backend.GetKeyPolicy),
		op(c, "GetKeyRotationStatus", kmsgate.Backend.GetKeyRotationStatus),
		op(c, "GetParametersForImport", kmsgate.Backend.GetParametersForImport),
		op(c, "GetPublicKey", kmsgate.Backend.GetPublicKey),
		op(c, "ImportKeyMaterial", kmsgate.Backend.ImportKeyMaterial),
		op(c, "ListAliases", kmsgate.Backend.ListAliases),
		op(c, "ListGrants", kmsgate.Backend.ListGrants),
		op(c, "ListKeyPolicies", kmsgate.Backend.ListKeyPolicies),
		op(c, "ListKeyRotations", kmsgate.Backend.ListKeyRotations),
		op(c, "ListKeys", kmsgate.Backend.ListKeys),
		op(c, "ListResourceTags", kmsgate.Backend.ListResourceTags),
		op(c, "ListRetirableGrants", kmsgate.Backend.ListRetirableGrants),
		op(c, "PutKeyPolicy", kmsgate.Backend.PutKeyPolicy),
		op(c, "ReEncrypt", kmsgate.Backend.ReEncrypt),
		op(c, "ReplicateKey", kmsgate.Backend.ReplicateKey),
		op(c, "RetireGrant", kmsgate.Backend.RetireGrant),
		op(c, "RevokeGrant", kmsgate.Backend.RevokeGrant),
		op(c, "RotateKeyOnDemand", kmsgate.Backend.RotateKeyOnDemand),
		op(c, "ScheduleKeyDeletion", kmsgate.Backend.ScheduleKeyDeletion),
		op(c, "Sign", kmsgate.Backend.Sign),
		op(c, "TagResource", kmsgate.Backend.TagResource),
		op(c, "UntagResource", kmsgate.Backend.UntagResource),
		op(c, "UpdateAlias", kmsgate.Backend.UpdateAlias),
		op(c, "UpdateCustomKeyStore", kmsgate.Backend.UpdateCustomKeyStore),
		op(c, "UpdateKeyDescription", kmsgate.Backend.UpdateKeyDescription),
		op(c, "UpdatePrimaryRegion", kmsgate.Backend.UpdatePrimaryRegion),
		op(c, "Verify", kmsgate.Backend.Verify),
		op(c, "VerifyMac", kmsgate.Backend.VerifyMac),
	}
}
