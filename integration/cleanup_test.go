package integration

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestEphemeralServerLeavesNothingBehind runs `serve --ephemeral` as the
// helpers here do and stops it as they do: the temporary directory it was
// given is empty afterwards (the store and its root key are gone).
func TestEphemeralServerLeavesNothingBehind(t *testing.T) {
	p := startBinary(t, "--ephemeral")
	var tmp string
	for _, kv := range p.cmd.Env {
		if v, ok := strings.CutPrefix(kv, "TMPDIR="); ok {
			tmp = v
		}
	}
	if tmp == "" {
		t.Fatal("the helper gives the server no TMPDIR of the test's own")
	}
	ents, _ := os.ReadDir(tmp)
	if len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "kmsgate-") {
		t.Fatalf("got %v in TMPDIR while serving, want the ephemeral store's directory", ents)
	}
	p.stop(t)
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("got %d entries left in TMPDIR after stop, want none", len(ents))
	}
	_ = exec.ErrNotFound
}
