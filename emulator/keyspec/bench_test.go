package keyspec

import (
	"crypto/rand"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// benchCases is one signing algorithm per spec (the first DescribeKey
// lists), over a 1 KiB RAW message.
func benchCases() []signCase {
	var out []signCase
	for _, row := range All() {
		if row.Supported && len(row.SigningAlgorithms) > 0 {
			out = append(out, signCase{row.KeySpec, row.SigningAlgorithms[0], types.MessageTypeRaw})
		}
	}
	return out
}

func BenchmarkSign(b *testing.B) {
	msg := make([]byte, 1024)
	for _, c := range benchCases() {
		b.Run(string(c.spec)+"/"+string(c.alg), func(b *testing.B) {
			k := load(b, c.spec)
			for b.Loop() {
				if _, err := k.Sign(c.alg, c.mt, msg, rand.Reader); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	msg := make([]byte, 1024)
	for _, c := range benchCases() {
		b.Run(string(c.spec)+"/"+string(c.alg), func(b *testing.B) {
			k := load(b, c.spec)
			sig, err := k.Sign(c.alg, c.mt, msg, rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := k.Verify(c.alg, c.mt, msg, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad is the cost of parsing stored material per call, which the
// package-level Sign / Verify pay and a cached *Key does not.
func BenchmarkLoad(b *testing.B) {
	for _, row := range All() {
		if !row.Supported || !row.Asymmetric {
			continue
		}
		b.Run(string(row.KeySpec), func(b *testing.B) {
			m := material(b, row.KeySpec)
			for b.Loop() {
				if _, err := Load(row.KeySpec, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
