package gate

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/kmsgate/kmsgate/authz"
)

// Keep may run while Close does (a call judged during shutdown): under
// -race, Keep must not read the file field Close clears.
func TestKeepDuringClose(t *testing.T) {
	r, err := NewRecorder(zerologDiscard(), filepath.Join(t.TempDir(), "decisions.jsonl"), 10)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 100 {
			r.Keep(authz.LogRecord{RequestID: "r"})
		}
	}()
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	wg.Wait()
	if n := len(r.Recent(0)); n != 10 {
		t.Fatalf("got %d records kept, want the ring's 10", n)
	}
}
