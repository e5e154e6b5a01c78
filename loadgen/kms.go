package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// The operations a run measures, in order.
const (
	OpGenerateDataKey = "GenerateDataKey"
	OpEncrypt         = "Encrypt"
	OpDecrypt         = "Decrypt"
)

// Ops lists the measured operations in the order they run.
var Ops = [...]string{OpGenerateDataKey, OpEncrypt, OpDecrypt}

// Fixture is what a run creates before the load: a key and ciphertexts
// under it.
type Fixture struct {
	KeyID string
	// Alias, when set, names the key in GenerateDataKey calls (as the
	// seed's engine does).
	Alias string
	Blobs [][]byte
}

// call sends one setup call and decodes a 200 answer into out.
func call(ctx context.Context, t Target, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	status, resp, err := t.Do(ctx, op, body)
	if err != nil {
		return fmt.Errorf("%s: %v", op, err)
	}
	if status != 200 {
		return fmt.Errorf("%s: HTTP %d: %s", op, status, resp)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%s: bad answer %q: %v", op, resp, err)
	}
	return nil
}

// Setup creates a symmetric key (CreateKey) and n ciphertexts under it
// (Encrypt of n random 64-byte plaintexts read from rnd).
func Setup(ctx context.Context, t Target, n int, rnd io.Reader) (Fixture, error) {
	return SetupWithAlias(ctx, t, n, rnd, "")
}

// SetupWithAlias is Setup that also points alias (when not empty) at the
// key before the Encrypts, and names the key by it in GenerateDataKey.
func SetupWithAlias(ctx context.Context, t Target, n int, rnd io.Reader, alias string) (Fixture, error) {
	var created struct{ KeyMetadata struct{ KeyId string } }
	if err := call(ctx, t, "CreateKey", map[string]string{"Description": "kmsgate loadgen"}, &created); err != nil {
		return Fixture{}, err
	}
	f := Fixture{KeyID: created.KeyMetadata.KeyId, Alias: alias}
	if f.KeyID == "" {
		return Fixture{}, fmt.Errorf("CreateKey: no KeyMetadata.KeyId in the answer")
	}
	if alias != "" {
		var none struct{}
		if err := call(ctx, t, "CreateAlias", map[string]string{"AliasName": alias, "TargetKeyId": f.KeyID}, &none); err != nil {
			return Fixture{}, err
		}
	}
	for range n {
		pt := make([]byte, 64)
		if _, err := io.ReadFull(rnd, pt); err != nil {
			return Fixture{}, err
		}
		var enc struct{ CiphertextBlob []byte }
		if err := call(ctx, t, OpEncrypt, map[string]any{"KeyId": f.KeyID, "Plaintext": pt}, &enc); err != nil {
			return Fixture{}, err
		}
		if len(enc.CiphertextBlob) == 0 {
			return Fixture{}, fmt.Errorf("Encrypt: no CiphertextBlob in the answer")
		}
		f.Blobs = append(f.Blobs, enc.CiphertextBlob)
	}
	return f, nil
}

// Calls returns the request bodies of each measured operation, keyed by
// operation: GenerateDataKey for AES_256, Encrypt of a 64-byte plaintext
// (from rnd) and Decrypt of each fixture blob.
func (f Fixture) Calls(rnd io.Reader) (map[string]Call, error) {
	enc := func(v any) []byte {
		b, _ := json.Marshal(v) // maps of strings and bytes always encode
		return b
	}
	pt := make([]byte, 64)
	if _, err := io.ReadFull(rnd, pt); err != nil {
		return nil, err
	}
	gdkKey := f.KeyID
	if f.Alias != "" {
		gdkKey = f.Alias
	}
	calls := map[string]Call{
		OpGenerateDataKey: {OpGenerateDataKey, [][]byte{enc(map[string]string{"KeyId": gdkKey, "KeySpec": "AES_256"})}},
		OpEncrypt:         {OpEncrypt, [][]byte{enc(map[string]any{"KeyId": f.KeyID, "Plaintext": pt})}},
	}
	dec := Call{Op: OpDecrypt}
	for _, b := range f.Blobs {
		dec.Bodies = append(dec.Bodies, enc(map[string]any{"KeyId": f.KeyID, "CiphertextBlob": b}))
	}
	if len(dec.Bodies) == 0 {
		return nil, fmt.Errorf("no ciphertexts to decrypt")
	}
	calls[OpDecrypt] = dec
	return calls, nil
}
