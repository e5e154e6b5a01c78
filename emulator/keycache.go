package emulator

import (
	"crypto/sha256"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kmsgate/kmsgate/emulator/keyspec"
)

// keyCacheSize bounds the parsed keys kept in memory.
const keyCacheSize = 512

// keyCache keeps parsed key material (an RSA or ML-DSA key costs more to
// parse than to use), indexed by a digest of the spec and the material
// bytes themselves: an entry can only ever answer for exactly the material
// just read from the store, so nothing needs invalidating when keys are
// deleted, re-imported or seeded again. Least recently used out first. A
// key that leaves is not zeroed: a call that got it may still be using it.
type keyCache struct {
	keys *lru.Cache[[32]byte, *keyspec.Key]
}

func newKeyCache() (keyCache, error) {
	keys, err := lru.New[[32]byte, *keyspec.Key](keyCacheSize)
	return keyCache{keys}, err
}

func cacheDigest(spec types.KeySpec, material []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("kmsgate-keycache-v1\x00"))
	h.Write([]byte(spec))
	h.Write([]byte{0})
	h.Write(material)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// load returns the parsed material, parsing it on a miss.
func (c keyCache) load(spec types.KeySpec, material []byte) (*keyspec.Key, error) {
	d := cacheDigest(spec, material)
	if k, ok := c.keys.Get(d); ok {
		return k, nil
	}
	k, err := keyspec.Load(spec, material)
	if err != nil {
		return nil, err
	}
	c.keys.Add(d, k)
	return k, nil
}
