package envelope

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func sampleCiphertext(tenant string, edk, sealed []byte) []byte {
	b := appendHeader(nil, tenant, edk)
	b = append(b, bytes.Repeat([]byte{0xAA}, nonceSize)...)
	return append(b, sealed...)
}

func TestParseReadsEveryField(t *testing.T) {
	edk := bytes.Repeat([]byte{7}, 300)
	sealed := bytes.Repeat([]byte{9}, 5+tagSize)
	b := sampleCiphertext("org1", edk, sealed)
	c, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.Version != Version1 || c.Algorithm != AlgAES256GCM {
		t.Errorf("got version %d algorithm %d, want %d and %d", c.Version, c.Algorithm, Version1, AlgAES256GCM)
	}
	if c.Tenant != "org1" {
		t.Errorf("got tenant %q, want org1", c.Tenant)
	}
	if !bytes.Equal(c.EncryptedDataKey, edk) {
		t.Errorf("got encrypted data key of %d bytes, want the %d given", len(c.EncryptedDataKey), len(edk))
	}
	if !bytes.Equal(c.Nonce, bytes.Repeat([]byte{0xAA}, nonceSize)) {
		t.Errorf("got nonce %x", c.Nonce)
	}
	if !bytes.Equal(c.Sealed, sealed) {
		t.Errorf("got sealed %x, want %x", c.Sealed, sealed)
	}
	if want := 3 + 4 + 2 + 300; len(c.Header) != want || !bytes.Equal(c.Header, b[:want]) {
		t.Errorf("got header of %d bytes, want the first %d bytes", len(c.Header), want)
	}
}

func TestParseRejectsMalformedInput(t *testing.T) {
	good := sampleCiphertext("t", []byte{1, 2, 3}, make([]byte, tagSize))
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"an empty input is too short", nil, "shorter than"},
		{"an unknown version is refused", append([]byte{2}, good[1:]...), "unknown format version 2"},
		{"an unknown algorithm is refused", append([]byte{1, 9}, good[2:]...), "unknown algorithm 9"},
		{"an empty tenant is refused", []byte{1, 1, 0, 0, 1, 5}, "empty tenant"},
		{"a tenant longer than the input is truncated", []byte{1, 1, 200, 'a'}, "truncated"},
		{"an empty data key is refused", []byte{1, 1, 1, 't', 0, 0}, "empty encrypted data key"},
		{"a missing tag is truncated", good[:len(good)-1], "truncated"},
		{"a data key length past the end is truncated", []byte{1, 1, 1, 't', 0xff, 0xff, 1}, "truncated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want an error matching ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to say %q", err, tc.want)
			}
		})
	}
	if _, err := Parse(good); err != nil {
		t.Fatalf("the well-formed sample does not parse: %v", err)
	}
}

func TestTextFormRoundTrips(t *testing.T) {
	b := sampleCiphertext("org1", []byte{0xfb, 0xff, 0}, make([]byte, tagSize+3))
	s := EncodeText(b)
	if !strings.HasPrefix(s, TextPrefix) {
		t.Fatalf("got %q, want prefix %q", s, TextPrefix)
	}
	if strings.ContainsAny(s[len(TextPrefix):], "+/=") {
		t.Errorf("got %q, want unpadded URL-safe base64", s)
	}
	got, err := DecodeText("  " + s + "\n")
	if err != nil {
		t.Fatalf("DecodeText: %v", err)
	}
	if !bytes.Equal(got, b) {
		t.Errorf("got %x, want %x", got, b)
	}
}

func TestDecodeTextRejectsBadInput(t *testing.T) {
	cases := []struct{ name, in string }{
		{"a missing prefix is refused", "AQEB"},
		{"another prefix is refused", "vault:v1:AQEB"},
		{"standard base64 with padding is refused", TextPrefix + "AQ=="},
		{"characters outside base64 are refused", TextPrefix + "A*B"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeText(tc.in); !errors.Is(err, ErrCorrupt) {
				t.Errorf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

// FuzzParse: Parse never panics, and what it accepts re-encodes to the same
// bytes.
func FuzzParse(f *testing.F) {
	f.Add(sampleCiphertext("default", bytes.Repeat([]byte{1}, 180), make([]byte, tagSize+10)))
	f.Add(sampleCiphertext("org1", []byte{1}, make([]byte, tagSize)))
	f.Add([]byte{1, 1, 0})
	f.Add([]byte{})
	f.Add([]byte{1, 1, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			return
		}
		re := appendHeader(nil, c.Tenant, c.EncryptedDataKey)
		if !bytes.Equal(re, c.Header) {
			t.Fatalf("header %x does not re-encode to itself (%x)", c.Header, re)
		}
		re = append(re, c.Nonce...)
		re = append(re, c.Sealed...)
		if !bytes.Equal(re, b) {
			t.Fatalf("input %x re-encodes to %x", b, re)
		}
		if len(c.Sealed) < tagSize || len(c.Nonce) != nonceSize {
			t.Fatalf("accepted a %d-byte nonce and a %d-byte sealed part", len(c.Nonce), len(c.Sealed))
		}
		if _, err := DecodeText(EncodeText(b)); err != nil {
			t.Fatalf("text form of an accepted ciphertext does not decode: %v", err)
		}
	})
}
