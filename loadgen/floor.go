package loadgen

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"time"
)

// floorRequest holds the fields of the measured operations' requests, so
// that the floor decodes (and base64-decodes) what kmsgate decodes.
type floorRequest struct {
	KeyId             string
	KeySpec           string
	NumberOfBytes     int32
	Plaintext         []byte
	CiphertextBlob    []byte
	EncryptionContext map[string]string
}

type floorResponse struct {
	CiphertextBlob []byte
	KeyId          string
	Plaintext      []byte
}

// Floor is the least a KMS-like HTTP service can do per request on
// kmsgate's stack: net/http, a JSON decode of the body, AES-256-GCM sealing
// of 32 random bytes, a JSON answer. Its throughput is the bar kmsgate is
// measured against.
type Floor struct {
	aead cipher.AEAD
	rand io.Reader
}

// NewFloor makes a floor whose key, data and nonces come from rnd (which
// must be safe for concurrent use, as crypto/rand.Reader is).
func NewFloor(rnd io.Reader) (*Floor, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Floor{aead: aead, rand: rnd}, nil
}

func (f *Floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in floorRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", "bad JSON: "+err.Error())
		return
	}
	buf := make([]byte, f.aead.NonceSize()+32)
	if _, err := io.ReadFull(f.rand, buf); err != nil {
		writeJSONError(w, http.StatusInternalServerError, "KMSInternalException", "no randomness")
		return
	}
	nonce, data := buf[:f.aead.NonceSize()], buf[f.aead.NonceSize():]
	out := floorResponse{
		CiphertextBlob: f.aead.Seal(nonce[:len(nonce):len(nonce)], nonce, data, nil),
		KeyId:          in.KeyId,
		Plaintext:      data,
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		return // the client went away; nothing to tell it
	}
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// Serve serves h on ln until the listener is closed.
func Serve(ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
