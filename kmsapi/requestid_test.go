package kmsapi

import (
	"bytes"
	"regexp"
	"testing"
)

func TestRequestIDsAreTheRandomPrefixThenACounter(t *testing.T) {
	g := newRequestIDs(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	tests := []struct {
		n    int // the nth id made
		want string
	}{
		{1, "ffffffff-ffff-4fff-bf00-000000000001"},
		{255, "ffffffff-ffff-4fff-bf00-0000000000ff"},
		{256, "ffffffff-ffff-4fff-bf00-000000000100"},
	}
	made := 0
	for _, tc := range tests {
		var got string
		for made < tc.n {
			got = g.next()
			made++
		}
		if got != tc.want {
			t.Errorf("id %d: got %q, want %q", tc.n, got, tc.want)
		}
	}
	g.n.Store(1<<56 - 2) // the counter's last value
	if got, want := g.next(), "ffffffff-ffff-4fff-bfff-ffffffffffff"; got != want {
		t.Errorf("last id: got %q, want %q", got, want)
	}
}

func TestRequestIDsAreDistinctVersion4UUIDs(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	g := newRequestIDs(bytes.NewReader(bytes.Repeat([]byte{0x00}, 16)))
	seen := map[string]bool{}
	for range 70000 { // past two bytes of counter
		id := g.next()
		if !shape.MatchString(id) {
			t.Fatalf("got %q, want a version 4 UUID shape", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}
