package emulator

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestUpgradeImportMovesLegacyStateToTheMaterial: a record written before
// per-version import state keeps its meaning when read.
func TestUpgradeImportMovesLegacyStateToTheMaterial(t *testing.T) {
	validTo := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		name, raw  string
		wantAbsent bool
		wantModel  types.ExpirationModelType
		wantValid  time.Time
		wantDesc   string
	}{
		{"material in place, expiring", `{"keyId":"k","State":"Enabled","Origin":"EXTERNAL","Materials":[{"ID":"m"}],"Import":{"HasMaterial":true,"ExpirationModel":"KEY_MATERIAL_EXPIRES","ValidTo":"2026-03-04T05:06:07Z","Description":"d"}}`,
			false, types.ExpirationModelTypeKeyMaterialExpires, validTo, "d"},
		{"material deleted", `{"keyId":"k","State":"PendingImport","Origin":"EXTERNAL","Materials":[{"ID":"m"}],"Import":{}}`,
			true, "", time.Time{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var k keyRecord
			if err := json.Unmarshal([]byte(tc.raw), &k); err != nil {
				t.Fatal(err)
			}
			k.upgradeImport()
			m := k.Materials[0]
			if m.Absent != tc.wantAbsent || m.ExpirationModel != tc.wantModel || !m.ValidTo.Equal(tc.wantValid) || m.Description != tc.wantDesc {
				t.Fatalf("got %+v, want absent=%v %s %v %q", m, tc.wantAbsent, tc.wantModel, tc.wantValid, tc.wantDesc)
			}
			if !k.Import.PerVersion || k.Import.HasMaterial || k.Import.ValidTo != nil {
				t.Fatalf("import state after upgrade: got %+v, want per-version with no legacy fields", *k.Import)
			}
			if got := k.importedInPlace(); got == tc.wantAbsent {
				t.Errorf("importedInPlace: got %v, want %v", got, !tc.wantAbsent)
			}
			again := k
			again.upgradeImport() // idempotent
			if again.Materials[0] != m {
				t.Errorf("second upgrade changed the material: %+v", again.Materials[0])
			}
		})
	}
}
