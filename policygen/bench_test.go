package policygen

import (
	"fmt"
	"testing"

	"github.com/kmsgate/kmsgate/authz"
)

// bigLog is n records of the seed flow's shape over 50 tenants (each call
// its own request id and time, as a long test run writes them).
func bigLog(n int) []authz.LogRecord {
	base := seedFlowLog()
	out := make([]authz.LogRecord, 0, n)
	for i := 0; len(out) < n; i++ {
		r := base[i%len(base)]
		r.RequestID = fmt.Sprintf("req-%d", i)
		r.Time = fmt.Sprintf("2026-12-01T21:00:%02dZ", i%60)
		if r.Context != nil && r.Operation != "CreateGrant" {
			ctx := map[string]any{}
			for k, v := range r.Context {
				ctx[k] = v
			}
			ctx["kms:EncryptionContext:tenant"] = fmt.Sprintf("org%d", i%50)
			ctx["aws:CurrentTime"] = r.Time
			r.Context = ctx
		}
		out = append(out, r)
	}
	return out
}

func BenchmarkGenerate10k(b *testing.B) {
	recs := bigLog(10000)
	b.ResetTimer()
	for b.Loop() {
		Generate(recs, Options{})
	}
}

func BenchmarkCheck10k(b *testing.B) {
	res := Generate(bigLog(10000), Options{})
	b.ResetTimer()
	for b.Loop() {
		if _, err := Check(res.Document, res.Calls); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReport10k(b *testing.B) {
	recs := bigLog(10000)
	b.ResetTimer()
	for b.Loop() {
		BuildReport(recs, Options{})
	}
}
