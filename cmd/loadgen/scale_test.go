package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/loadgen"
)

// fill makes a store that kmsgate serve --data opens, and scale measures
// every operation of the scale table on it against the real binary.
func TestFillThenScale(t *testing.T) {
	data := filepath.Join(t.TempDir(), "scale.db")
	var out, errs bytes.Buffer
	if code := run([]string{"fill", "--data", data, "--keys", "300", "--batch", "128", "--quiet"}, &out, &errs); code != 0 {
		t.Fatalf("fill: exit %d, stderr:\n%s", code, errs.String())
	}
	if want := "300 keys in 3 transactions"; !strings.Contains(out.String(), want) {
		t.Fatalf("fill said %q, want %q in it", out.String(), want)
	}
	out.Reset()
	errs.Reset()
	code := run([]string{"scale", "--kmsgate", kmsgateBinary, "--data", data, "--keys", "300", "--duration", "150ms", "--warmup", "0s", "--clients", "2", "--starts", "2", "--json"}, &out, &errs)
	if code != 0 {
		t.Fatalf("scale: exit %d, stderr:\n%s", code, errs.String())
	}
	var rep loadgen.ScaleReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, out.String())
	}
	want := []string{loadgen.ScaleDuringCheck, loadgen.ScaleListKeysFirst, loadgen.ScaleListKeysDeep, loadgen.ScaleListAliases, loadgen.ScaleDescribeKey, loadgen.ScaleGenerate, loadgen.ScaleCreateKey}
	if len(rep.Ops) != len(want) {
		t.Fatalf("got %d operations, want %d", len(rep.Ops), len(want))
	}
	for i, op := range rep.Ops {
		if op.Name != want[i] || op.Stats.Requests == 0 || op.Stats.Errors != 0 {
			t.Errorf("operation %d: got %s with %+v, want %s answered without errors", i, op.Name, op.Stats, want[i])
		}
	}
	if rep.Check != "quick" || rep.CheckSeconds <= 0 || rep.RSSAfterCheckBytes <= 0 {
		t.Errorf("got check %q taking %v s, RSS after it %d; want quick, > 0, > 0", rep.Check, rep.CheckSeconds, rep.RSSAfterCheckBytes)
	}
	if rep.Keys != 300 || rep.DeepPageAfter != 150 || rep.StoreBytes <= 0 || len(rep.StartRunsMs) != 2 || rep.RSSIdleBytes <= 0 || rep.RSSPeakBytes < rep.RSSIdleBytes {
		t.Errorf("got keys %d, deep page after %d, store %d bytes, %d starts, RSS %d then %d; want 300, 150, >0, 2, >0, not less",
			rep.Keys, rep.DeepPageAfter, rep.StoreBytes, len(rep.StartRunsMs), rep.RSSIdleBytes, rep.RSSPeakBytes)
	}
}

func TestScaleKeyIDsAreDistinctUUIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := range 1000 {
		id := loadgen.ScaleKeyID(i)
		if len(id) != 36 || id[14] != '4' || seen[id] {
			t.Fatalf("ScaleKeyID(%d) = %q: want a new version-4 UUID", i, id)
		}
		seen[id] = true
	}
}

func TestFillAndScaleUsage(t *testing.T) {
	for _, args := range [][]string{{"fill"}, {"fill", "--data", "x", "--keys", "0"}, {"scale", "--data", "x"}} {
		var out, errs bytes.Buffer
		if code := run(args, &out, &errs); code != 2 || !strings.Contains(errs.String(), "usage: loadgen "+args[0]) {
			t.Errorf("%v: got exit %d, stderr %q; want 2 and the usage", args, code, errs.String())
		}
	}
}
