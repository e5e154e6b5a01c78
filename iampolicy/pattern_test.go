package iampolicy

import "testing"

// TestOneStarPatternsMatchAsTheLoopDoes: a pattern whose only wildcard is
// a '*' (prefix only, or prefix and suffix) is matched without the
// backtracking loop; it must answer what the loop answers, folded or not.
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
				if got, want := fast.match(s, fold), loop.match(s, fold); got != want {
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

// TestARNPatternsCutOnceMatchAsBefore: a policy's ARN pattern is cut into
// its segments when compiled; arnMatch must answer what it answers when it
// finds the segments on every call.
func TestARNPatternsCutOnceMatchAsBefore(t *testing.T) {
	patterns := []string{"arn:aws:kms:*:*:key/*", "arn:aws:kms:us-east-1:111122223333:alias/jumpwire/*", "arn:aws:s3:::b/*/x",
		"arn:aws:kms:*:111122223333:key/a?c", "arn:${*}:kms:*:*:*", "arn:aws:kms:*:*:key/${?}", "arn:*:*:*:*:*", "arn:aws:kms:*:*",
		"arn:*", "arn:aws:iam::111122223333:role/*", "arn:aws:kms:*:*:key/x:y"}
	subjects := []string{"arn:aws:kms:us-east-1:111122223333:key/1234", "arn:aws:kms:us-east-1:111122223333:alias/jumpwire/org1",
		"arn:aws:s3:::b/one/two/x", "arn:aws:kms:eu-west-1:111122223333:key/abc", "arn:*:kms:a:b:c", "arn:aws:kms:r:a:key/?",
		"arn:aws:kms:us-east-1:x:111122223333:key/1", "arn:aws:iam::111122223333:role/r", "arn:aws:kms:r:a:key/x:y", "arn:aws:kms",
		"arn:aws:kms:r:a", "not-an-arn", ""}
	for _, ps := range patterns {
		cut := compileTemplate(ps, true, true).pat
		if cut.segs == nil && ps != "arn:aws:kms:*:*" && ps != "arn:*" {
			t.Fatalf("%q: got no segments, want six", ps)
		}
		whole := cut
		whole.segs = nil
		for _, s := range subjects {
			if got, want := arnMatch(cut, s), arnMatch(whole, s); got != want {
				t.Errorf("%q on %q: got %v, want %v as before", ps, s, got, want)
			}
		}
	}
}
