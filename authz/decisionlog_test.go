package authz

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/iampolicy"
)

// TestLogContextSpellsExtraKeysAsWritten: the decision log writes Extra's
// condition keys as ExtraNames spells them (a principal tag's key as the
// principal has it), and a key ExtraNames does not name as stored.
func TestLogContextSpellsExtraKeysAsWritten(t *testing.T) {
	extra := iampolicy.Context{}
	extra.Set("aws:PrincipalTag/Team", iampolicy.String("payments"))
	extra.Set("aws:PrincipalTag/CostCenter", iampolicy.String("42"))
	for _, tc := range []struct {
		name  string
		names map[string]string
		want  map[string]any
	}{
		{"with the names as written", map[string]string{"aws:principaltag/team": "aws:PrincipalTag/Team", "aws:principaltag/costcenter": "aws:PrincipalTag/CostCenter"},
			map[string]any{"aws:PrincipalTag/Team": "payments", "aws:PrincipalTag/CostCenter": "42"}},
		{"a key without a name is logged as stored", map[string]string{"aws:principaltag/team": "aws:PrincipalTag/Team"},
			map[string]any{"aws:PrincipalTag/Team": "payments", "aws:principaltag/costcenter": "42"}},
		{"no names", nil, map[string]any{"aws:principaltag/team": "payments", "aws:principaltag/costcenter": "42"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := LogContext(&Request{Operation: "CreateKey", Principal: "arn:aws:iam::111122223333:user/app", Extra: extra, ExtraNames: tc.names})
			got := map[string]any{}
			for k, v := range ctx {
				if strings.HasPrefix(strings.ToLower(k), "aws:principaltag/") {
					got[k] = v
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
