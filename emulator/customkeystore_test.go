package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestCustomKeyStoreOperationsAnswerAsForAnAccountWithoutStores(t *testing.T) {
	e := newEnv(t)
	const notFound = "The request was rejected because KMS cannot find a custom key store with the specified key store name or ID. kmsgate emulates no custom key stores (CloudHSM or external)."
	store := aws.String("cks-1234567890abcdef0")
	cases := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"DescribeCustomKeyStores of one id is not found", func() error {
			_, err := e.svc.DescribeCustomKeyStores(e.ctx, &kms.DescribeCustomKeyStoresInput{CustomKeyStoreId: store})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"DescribeCustomKeyStores of one name is not found", func() error {
			_, err := e.svc.DescribeCustomKeyStores(e.ctx, &kms.DescribeCustomKeyStoresInput{CustomKeyStoreName: aws.String("hsm")})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"ConnectCustomKeyStore is not found", func() error {
			_, err := e.svc.ConnectCustomKeyStore(e.ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: store})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"DisconnectCustomKeyStore is not found", func() error {
			_, err := e.svc.DisconnectCustomKeyStore(e.ctx, &kms.DisconnectCustomKeyStoreInput{CustomKeyStoreId: store})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"DeleteCustomKeyStore is not found", func() error {
			_, err := e.svc.DeleteCustomKeyStore(e.ctx, &kms.DeleteCustomKeyStoreInput{CustomKeyStoreId: store})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"UpdateCustomKeyStore is not found", func() error {
			_, err := e.svc.UpdateCustomKeyStore(e.ctx, &kms.UpdateCustomKeyStoreInput{CustomKeyStoreId: store, NewCustomKeyStoreName: aws.String("x")})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"ConnectCustomKeyStore without an id is a null member", func() error {
			_, err := e.svc.ConnectCustomKeyStore(e.ctx, &kms.ConnectCustomKeyStoreInput{})
			return err
		}, "ValidationException", "1 validation error detected: Value null at 'customKeyStoreId' failed to satisfy constraint: Member must not be null"},
		{"CreateKey in a custom key store is not found", func() error {
			_, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{CustomKeyStoreId: store, Origin: types.OriginTypeAwsCloudhsm})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"CreateKey with origin AWS_CLOUDHSM needs a store", func() error {
			_, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{Origin: types.OriginTypeAwsCloudhsm})
			return err
		}, "ValidationException", "You must specify a CustomKeyStoreId when the Origin is AWS_CLOUDHSM."},
		{"CreateKey with origin EXTERNAL_KEY_STORE needs a store", func() error {
			_, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternalKeyStore})
			return err
		}, "ValidationException", "You must specify a CustomKeyStoreId when the Origin is EXTERNAL_KEY_STORE."},
		{"GenerateRandom from a custom key store is not found", func() error {
			_, err := e.svc.GenerateRandom(e.ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(8), CustomKeyStoreId: store})
			return err
		}, "CustomKeyStoreNotFoundException", notFound},
		{"CreateCustomKeyStore for CloudHSM finds no cluster", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{
				CustomKeyStoreName: aws.String("hsm"), CloudHsmClusterId: aws.String("cluster-1a23b4cdefg"),
				KeyStorePassword: aws.String("kmsPswd1"), TrustAnchorCertificate: aws.String("-----BEGIN CERTIFICATE-----"),
			})
			return err
		}, "CloudHsmClusterNotFoundException", "*"},
		{"CreateCustomKeyStore for an external proxy cannot reach it", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{
				CustomKeyStoreName: aws.String("xks"), CustomKeyStoreType: types.CustomKeyStoreTypeExternalKeyStore,
				XksProxyConnectivity: types.XksProxyConnectivityTypePublicEndpoint, XksProxyUriEndpoint: aws.String("https://xks.example.com"),
			})
			return err
		}, "XksProxyUriUnreachableException", "*"},
		{"CreateCustomKeyStore for a VPC endpoint service finds none", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{
				CustomKeyStoreName: aws.String("xks"), CustomKeyStoreType: types.CustomKeyStoreTypeExternalKeyStore,
				XksProxyConnectivity: types.XksProxyConnectivityTypeVpcEndpointService,
			})
			return err
		}, "XksProxyVpcEndpointServiceNotFoundException", "*"},
		{"CreateCustomKeyStore without a name is a null member", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{})
			return err
		}, "ValidationException", "1 validation error detected: Value null at 'customKeyStoreName' failed to satisfy constraint: Member must not be null"},
		{"CreateCustomKeyStore with an unknown type fails the enum", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("x"), CustomKeyStoreType: "FLOPPY"})
			return err
		}, "ValidationException", "1 validation error detected: Value 'FLOPPY' at 'customKeyStoreType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_CLOUDHSM, EXTERNAL_KEY_STORE]"},
		// The API model's lengths and patterns of the external key store
		// members (botocore's kms service-2.json), before any look-up.
		{"CreateCustomKeyStore with an http proxy endpoint fails the pattern", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("x"),
				CustomKeyStoreType: types.CustomKeyStoreTypeExternalKeyStore, XksProxyUriEndpoint: aws.String("http://proxy.example")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'http://proxy.example' at 'xksProxyUriEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern: ^https://[a-zA-Z0-9.-]+$"},
		{"CreateCustomKeyStore with a proxy path not ending in /kms/xks/vN fails the pattern", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("x"),
				CustomKeyStoreType: types.CustomKeyStoreTypeExternalKeyStore, XksProxyUriPath: aws.String("/example/kms")})
			return err
		}, "ValidationException", "1 validation error detected: Value '/example/kms' at 'xksProxyUriPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$"},
		{"CreateCustomKeyStore with an empty trust anchor certificate", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("x"), TrustAnchorCertificate: aws.String("")})
			return err
		}, "ValidationException", "1 validation error detected: Value '' at 'trustAnchorCertificate' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"UpdateCustomKeyStore with a short VPC endpoint service name", func() error {
			_, err := e.svc.UpdateCustomKeyStore(e.ctx, &kms.UpdateCustomKeyStoreInput{CustomKeyStoreId: store, XksProxyVpcEndpointServiceName: aws.String("com.amazonaws.vpce")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'com.amazonaws.vpce' at 'xksProxyVpcEndpointServiceName' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"UpdateCustomKeyStore with an empty new name", func() error {
			_, err := e.svc.UpdateCustomKeyStore(e.ctx, &kms.UpdateCustomKeyStoreInput{CustomKeyStoreId: store, NewCustomKeyStoreName: aws.String("")})
			return err
		}, "ValidationException", "1 validation error detected: Value '' at 'newCustomKeyStoreName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"UpdateCustomKeyStore with a short password is refused without echoing it", func() error {
			_, err := e.svc.UpdateCustomKeyStore(e.ctx, &kms.UpdateCustomKeyStoreInput{CustomKeyStoreId: store, KeyStorePassword: aws.String("abc")})
			return err
		}, "ValidationException", "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7"},
		{"UpdateCustomKeyStore with an unknown connectivity fails the enum", func() error {
			_, err := e.svc.UpdateCustomKeyStore(e.ctx, &kms.UpdateCustomKeyStoreInput{CustomKeyStoreId: store, XksProxyConnectivity: "CARRIER_PIGEON"})
			return err
		}, "ValidationException", "1 validation error detected: Value 'CARRIER_PIGEON' at 'xksProxyConnectivity' failed to satisfy constraint: Member must satisfy enum value set: [PUBLIC_ENDPOINT, VPC_ENDPOINT_SERVICE]"},
		{"CreateKey in a store with an XksKeyId outside the pattern", func() error {
			_, err := e.svc.CreateKey(e.ctx, &kms.CreateKeyInput{CustomKeyStoreId: store, Origin: types.OriginTypeExternalKeyStore, XksKeyId: aws.String("a,b")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'a,b' at 'xksKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_.]+$"},
		{"a short key store password is refused without echoing it", func() error {
			_, err := e.svc.CreateCustomKeyStore(e.ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("x"), KeyStorePassword: aws.String("abc")})
			return err
		}, "ValidationException", "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.call(), c.code, c.msg) })
	}
	t.Run("DescribeCustomKeyStores without a filter answers an empty list", func(t *testing.T) {
		out, err := e.svc.DescribeCustomKeyStores(e.ctx, &kms.DescribeCustomKeyStoresInput{})
		ok(t, err)
		if out.CustomKeyStores == nil || len(out.CustomKeyStores) != 0 || out.Truncated || out.NextMarker != nil {
			t.Errorf("got %+v, want an empty, complete list", out)
		}
	})
	keys, err := e.svc.ListKeys(e.ctx, &kms.ListKeysInput{})
	ok(t, err)
	if len(keys.Keys) != 0 {
		t.Errorf("keys after the refused CreateKey calls: got %d, want 0", len(keys.Keys))
	}
}
