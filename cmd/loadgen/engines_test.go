package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kmsgate/kmsgate/loadgen"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// TestEnginesMeasuresBboltAgainstEtcd runs `loadgen engines` for real: a
// real etcd member and two kmsgate processes, one on each engine.
func TestEnginesMeasuresBboltAgainstEtcd(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"engines", "--kmsgate", kmsgateBinary, "--etcd", storagetest.EtcdBinary, "--duration", "300ms",
		"--warmup", "50ms", "--rounds", "2", "--clients", "4", "--blobs", "2", "--json"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs.String())
	}
	var rep loadgen.EnginesReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, out.String())
	}
	want := []string{"GenerateDataKey", "Decrypt", "CreateKey"}
	if len(rep.Operations) != len(want) {
		t.Fatalf("got %d operations, want %d", len(rep.Operations), len(want))
	}
	for i, o := range rep.Operations {
		if o.Operation != want[i] {
			t.Errorf("operation %d: got %s, want %s", i, o.Operation, want[i])
		}
		for name, s := range map[string]loadgen.Stats{"bbolt": o.Bbolt, "etcd": o.EtcdStats} {
			if s.Requests == 0 || s.Errors != 0 || s.ReqPerSec <= 0 || s.P99Ms < s.P50Ms {
				t.Errorf("%s on %s: got %+v, want requests, no errors", o.Operation, name, s)
			}
		}
	}
}
