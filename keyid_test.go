package kmsgate

import "testing"

func TestIsKeyID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"1234abcd-12ab-34cd-56ef-1234567890ab", true},
		{"1234ABCD-12AB-34CD-56EF-1234567890AB", true},
		{"mrk-1234abcd12ab34cd56ef1234567890ab", true},
		{"1234abcd12ab34cd56ef1234567890ab", false},
		{"1234abcd-12ab-34cd-56ef-1234567890a", false},
		{"1234abcd-12ab-34cd-56ef-1234567890abc", false},
		{"1234abcd_12ab-34cd-56ef-1234567890ab", false},
		{"1234abcg-12ab-34cd-56ef-1234567890ab", false},
		{"mrk-1234abcd12ab34cd56ef1234567890a", false},
		{"mrk-1234abcd12ab34cd56ef1234567890ag", false},
		{"MRK-1234abcd12ab34cd56ef1234567890ab", false},
		{"fake-key-id", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsKeyID(tt.in); got != tt.want {
			t.Errorf("IsKeyID(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
}
