package kmsapi

import (
	"encoding/hex"
	"io"
	"sync/atomic"
)

// requestIDs makes the default x-amzn-RequestId values: UUID-shaped
// (version 4 layout, 36 characters), made of 66 random bits drawn once per
// server and a 56-bit counter, so that ids never repeat within a server and
// making one costs no system call.
type requestIDs struct {
	template [36]byte // the random part, formatted; the counter fills the rest
	n        atomic.Uint64
}

func newRequestIDs(rnd io.Reader) *requestIDs {
	var b [16]byte
	_, _ = io.ReadFull(rnd, b[:9]) // a failed read leaves zeros: still unique per server
	b[6] = b[6]&0x0f | 0x40        // version 4
	b[8] = b[8]&0x3f | 0x80        // RFC 4122 variant
	g := &requestIDs{}
	formatUUID(&g.template, &b)
	return g
}

// next returns a new id: the template with the counter in its last 7 bytes.
func (g *requestIDs) next() string {
	n := g.n.Add(1)
	out := g.template
	var c [7]byte
	for i := 6; i >= 0; i-- {
		c[i] = byte(n)
		n >>= 8
	}
	hex.Encode(out[21:23], c[:1])
	hex.Encode(out[24:], c[1:])
	return string(out[:])
}

// formatUUID writes b as 8-4-4-4-12 lowercase hex.
func formatUUID(out *[36]byte, b *[16]byte) {
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
}
