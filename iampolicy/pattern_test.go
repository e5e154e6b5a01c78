package iampolicy

import "testing"

// TestOneStarPatternsMatchAsTheLoopDoes: a pattern whose only wildcard is
// a '*' (prefix only, or prefix and suffix) is matched without the
// backtracking loop; it must answer what the loop answers, folded or not
// (but for a folded prefix-only pattern, which has always been compared
// with strings.EqualFold, Unicode folding included).
func TestOneStarPatternsMatchAsTheLoopDoes(t *testing.T) {
	patterns := []string{"kms:*Alias", "*Alias", "kms:*", "*", "ab*ba", "a*a", "s3:*Object", "kms:Get*", "K*ß", "alias/jumpwire/*", "*/x"}
	subjects := []string{"", "a", "aa", "aba", "abba", "abxba", "kms:CreateAlias", "KMS:createalias", "kms:GenerateDataKey", "kms:Alias",
		"kms:", "Alias", "s3:GetObject", "s3:GetObjects", "kms:GetKeyPolicy", "Kß", "kß", "K\u212aß", "alias/jumpwire/org1", "alias/JUMPWIRE/x",
		"a/x", "/x", "x", "\xffAlias", "kms:\xff"}
	for _, ps := range patterns {
		fast := globPattern(ps)
		if fast.star < 0 {
			t.Fatalf("%q: got no one-star form, want one", ps)
		}
		loop := fast
		loop.star = -1
		for _, s := range subjects {
			for _, fold := range []bool{false, true} {
				if got, want := fast.match(s, fold), loop.match(s, fold); got != want && !(fold && fast.star == len(ps)-1) {
					t.Errorf("%q on %q (fold %v): got %v, want %v as the loop answers", ps, s, fold, got, want)
				}
			}
		}
	}
	for _, ps := range []string{"a*b*c", "a?b", "*?", "abc"} {
		if p := globPattern(ps); p.star >= 0 {
			t.Errorf("%q: got a one-star form at %d, want none", ps, p.star)
		}
	}
}
