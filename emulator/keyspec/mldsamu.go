package keyspec

import (
	"crypto/sha3"
	"crypto/subtle"
	"encoding/binary"
	"math/bits"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// ML-DSA verification from an external μ (Verify with MessageType
// EXTERNAL_MU). filippo.io/mldsa signs from μ but verifies only full
// messages, so this is FIPS 204 Algorithm 8 (ML-DSA.Verify_internal) from
// step 7 on, written from the standard. It runs only for EXTERNAL_MU and is
// checked against the library's signatures in the tests; it favours
// plainness over speed and needs no secret data (verification is public).

const (
	dsaQ    = 8380417
	dsaD    = 13
	dsaInvN = 8347681 // 256⁻¹ mod q
)

// dsaParams are FIPS 204's Table 1 values for one parameter set.
type dsaParams struct {
	k, l, tau, beta, omega int
	gamma1Bits             int   // log2(γ1): 17 or 19
	gamma2                 int64 // (q-1)/88 or (q-1)/32
	ctildeLen              int   // λ/4 bytes
}

func dsaParamsFor(s types.KeySpec) dsaParams {
	switch s {
	case types.KeySpecMlDsa44:
		return dsaParams{k: 4, l: 4, tau: 39, beta: 78, omega: 80, gamma1Bits: 17, gamma2: (dsaQ - 1) / 88, ctildeLen: 32}
	case types.KeySpecMlDsa65:
		return dsaParams{k: 6, l: 5, tau: 49, beta: 196, omega: 55, gamma1Bits: 19, gamma2: (dsaQ - 1) / 32, ctildeLen: 48}
	default:
		return dsaParams{k: 8, l: 7, tau: 60, beta: 120, omega: 75, gamma1Bits: 19, gamma2: (dsaQ - 1) / 32, ctildeLen: 64}
	}
}

type dsaPoly [256]int64

func modQ(a int64) int64 {
	a %= dsaQ
	if a < 0 {
		a += dsaQ
	}
	return a
}

// dsaZetas returns ζ^brv8(m) mod q for m < 256, ζ = 1753.
func dsaZetas() *[256]int64 {
	var z [256]int64
	for m := range z {
		e := int(bits.Reverse8(uint8(m)))
		acc := int64(1)
		for range e {
			acc = acc * 1753 % dsaQ
		}
		z[m] = acc
	}
	return &z
}

func (w *dsaPoly) ntt(z *[256]int64) {
	m := 0
	for length := 128; length >= 1; length /= 2 {
		for start := 0; start < 256; start += 2 * length {
			m++
			for j := start; j < start+length; j++ {
				t := z[m] * w[j+length] % dsaQ
				w[j+length] = modQ(w[j] - t)
				w[j] = (w[j] + t) % dsaQ
			}
		}
	}
}

func (w *dsaPoly) invNTT(z *[256]int64) {
	m := 256
	for length := 1; length < 256; length *= 2 {
		for start := 0; start < 256; start += 2 * length {
			m--
			zeta := dsaQ - z[m]
			for j := start; j < start+length; j++ {
				t := w[j]
				w[j] = (t + w[j+length]) % dsaQ
				w[j+length] = zeta * modQ(t-w[j+length]) % dsaQ
			}
		}
	}
	for j := range w {
		w[j] = w[j] * dsaInvN % dsaQ
	}
}

// unpackBits reads 256 little-endian fields of n bits each (FIPS 204
// SimpleBitUnpack's bit order).
func unpackBits(b []byte, n int) *dsaPoly {
	var out dsaPoly
	var acc uint64
	have, idx := 0, 0
	for i := range out {
		for have < n {
			acc |= uint64(b[idx]) << have
			idx++
			have += 8
		}
		out[i] = int64(acc & (1<<n - 1))
		acc >>= n
		have -= n
	}
	return &out
}

func packBits(dst []byte, p *dsaPoly, n int) []byte {
	var acc uint64
	have := 0
	for _, c := range p {
		acc |= uint64(c) << have
		have += n
		for have >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			have -= 8
		}
	}
	return dst
}

// expandA is Algorithm 32: Â[r][s] = RejNTTPoly(ρ || s || r).
func expandA(rho []byte, p dsaParams) [][]*dsaPoly {
	a := make([][]*dsaPoly, p.k)
	for r := range a {
		a[r] = make([]*dsaPoly, p.l)
		for s := range a[r] {
			h := sha3.NewSHAKE128()
			h.Write(rho)
			h.Write([]byte{byte(s), byte(r)})
			var poly dsaPoly
			var buf [3]byte
			for j := 0; j < 256; {
				h.Read(buf[:])
				c := int64(buf[0]) | int64(buf[1])<<8 | int64(buf[2]&0x7F)<<16
				if c < dsaQ {
					poly[j] = c
					j++
				}
			}
			a[r][s] = &poly
		}
	}
	return a
}

// sampleInBall is Algorithm 29.
func sampleInBall(ctilde []byte, tau int) *dsaPoly {
	h := sha3.NewSHAKE256()
	h.Write(ctilde)
	var s [8]byte
	h.Read(s[:])
	signs := binary.LittleEndian.Uint64(s[:])
	var c dsaPoly
	var j [1]byte
	for i := 256 - tau; i < 256; i++ {
		for {
			h.Read(j[:])
			if int(j[0]) <= i {
				break
			}
		}
		c[i] = c[j[0]]
		if signs>>(i+tau-256)&1 == 1 {
			c[j[0]] = dsaQ - 1
		} else {
			c[j[0]] = 1
		}
	}
	return &c
}

// useHint is Algorithm 40 with Decompose (Algorithm 36) inlined.
func useHint(h bool, r, gamma2 int64) int64 {
	m := (dsaQ - 1) / (2 * gamma2)
	r0 := r % (2 * gamma2)
	if r0 > gamma2 {
		r0 -= 2 * gamma2
	}
	var r1 int64
	if r-r0 == dsaQ-1 {
		r1, r0 = 0, r0-1
	} else {
		r1 = (r - r0) / (2 * gamma2)
	}
	switch {
	case h && r0 > 0:
		return (r1 + 1) % m
	case h:
		return (r1 - 1 + m) % m
	}
	return r1
}

// unpackHint is Algorithm 21; ok is false for a malformed encoding.
func unpackHint(y []byte, p dsaParams) (h [][256]bool, ok bool) {
	h = make([][256]bool, p.k)
	index := 0
	for i := range p.k {
		end := int(y[p.omega+i])
		if end < index || end > p.omega {
			return nil, false
		}
		first := index
		for ; index < end; index++ {
			if index > first && y[index-1] >= y[index] {
				return nil, false
			}
			h[i][y[index]] = true
		}
	}
	for _, b := range y[index:p.omega] {
		if b != 0 {
			return nil, false
		}
	}
	return h, true
}

// verifyExternalMu reports whether sig is an ML-DSA signature of the
// message representative μ under the encoded public key pk.
func verifyExternalMu(s types.KeySpec, pk, mu, sig []byte) bool {
	p := dsaParamsFor(s)
	zBytes := 32 * (p.gamma1Bits + 1)
	if len(pk) != 32+320*p.k || len(sig) != p.ctildeLen+p.l*zBytes+p.omega+p.k || len(mu) != MuSize {
		return false
	}
	zetas := dsaZetas()
	ctilde := sig[:p.ctildeLen]
	gamma1 := int64(1) << p.gamma1Bits
	z := make([]*dsaPoly, p.l)
	for j := range z {
		z[j] = unpackBits(sig[p.ctildeLen+j*zBytes:], p.gamma1Bits+1)
		for i, v := range z[j] {
			c := gamma1 - v
			if c >= gamma1-int64(p.beta) || -c >= gamma1-int64(p.beta) {
				return false
			}
			z[j][i] = modQ(c)
		}
		z[j].ntt(zetas)
	}
	h, ok := unpackHint(sig[p.ctildeLen+p.l*zBytes:], p)
	if !ok {
		return false
	}
	a := expandA(pk[:32], p)
	c := sampleInBall(ctilde, p.tau)
	c.ntt(zetas)
	w1Bits := 4
	if p.gamma2 == (dsaQ-1)/88 {
		w1Bits = 6
	}
	hash := sha3.NewSHAKE256()
	hash.Write(mu)
	for i := range p.k {
		t1 := unpackBits(pk[32+320*i:], 10)
		for n := range t1 {
			t1[n] = t1[n] << dsaD % dsaQ
		}
		t1.ntt(zetas)
		var w dsaPoly
		for n := range w {
			acc := int64(0)
			for j := range p.l {
				acc = (acc + a[i][j][n]*z[j][n]) % dsaQ
			}
			w[n] = modQ(acc - c[n]*t1[n]%dsaQ)
		}
		w.invNTT(zetas)
		for n := range w {
			w[n] = useHint(h[i][n], w[n], p.gamma2)
		}
		hash.Write(packBits(nil, &w, w1Bits))
	}
	got := make([]byte, p.ctildeLen)
	hash.Read(got)
	return subtle.ConstantTimeCompare(got, ctilde) == 1
}
