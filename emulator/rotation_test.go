package emulator_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func (e *env) rotationStatus(id string) *kms.GetKeyRotationStatusOutput {
	e.t.Helper()
	out, err := e.svc.GetKeyRotationStatus(e.ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("GetKeyRotationStatus: %v", err)
	}
	return out
}

func (e *env) rotations(id string, include types.IncludeKeyMaterial) []types.RotationsListEntry {
	e.t.Helper()
	out, err := e.svc.ListKeyRotations(e.ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(id), IncludeKeyMaterial: include})
	if err != nil {
		e.t.Fatalf("ListKeyRotations: %v", err)
	}
	return out.Rotations
}

func TestRotationSettings(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	st := e.rotationStatus(id)
	if st.KeyRotationEnabled || st.NextRotationDate != nil || aws.ToString(st.KeyId) != arnPrefix+"key/"+id { // the ARN (captured)
		t.Errorf("status of a new key: got enabled=%v next=%v id=%s", st.KeyRotationEnabled, st.NextRotationDate, aws.ToString(st.KeyId))
	}
	_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id)})
	ok(t, err)
	st = e.rotationStatus(id)
	if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 365 || !st.NextRotationDate.Equal(start.Add(365*24*time.Hour)) {
		t.Errorf("after EnableKeyRotation: got enabled=%v period=%d next=%v; want true 365 %v", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays), st.NextRotationDate, start.Add(365*24*time.Hour))
	}
	_, err = e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(90)})
	ok(t, err)
	if st = e.rotationStatus(id); aws.ToInt32(st.RotationPeriodInDays) != 90 || !st.NextRotationDate.Equal(start.Add(90*24*time.Hour)) {
		t.Errorf("after changing the period: got %d next %v", aws.ToInt32(st.RotationPeriodInDays), st.NextRotationDate)
	}
	_, err = e.svc.DisableKeyRotation(e.ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(id)})
	ok(t, err)
	if st = e.rotationStatus(id); st.KeyRotationEnabled || st.NextRotationDate != nil {
		t.Errorf("after DisableKeyRotation: got enabled=%v next=%v", st.KeyRotationEnabled, st.NextRotationDate)
	}
	arn := arnPrefix + "key/" + id
	for _, tc := range []struct {
		name      string
		period    int32
		code, msg string
	}{
		{"a period of 89 days is refused", 89, "ValidationException", "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90"},
		{"a period of 2561 days is refused", 2561, "ValidationException", "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(tc.period)})
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	_, err = e.svc.DisableKey(e.ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
	ok(t, err)
	_, err = e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id)})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, err = e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
}

func TestOnDemandRotationKeepsOldBlobsDecrypting(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	first := aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId)
	old := e.encrypt(id, "before", nil)
	out, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
	ok(t, err)
	if want := arnPrefix + "key/" + id; aws.ToString(out.KeyId) != want {
		t.Errorf("RotateKeyOnDemand KeyId: got %s, want the key ARN %s", aws.ToString(out.KeyId), want)
	}
	second := aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId)
	if second == first || !reMaterialID.MatchString(second) {
		t.Fatalf("CurrentKeyMaterialId after rotation: got %s (was %s)", second, first)
	}
	fresh := e.encrypt(id, "after", nil)
	for blob, want := range map[*[]byte]string{&old: "before", &fresh: "after"} {
		dec, err := e.svc.Decrypt(e.ctx, &kms.DecryptInput{CiphertextBlob: *blob})
		ok(t, err)
		if string(dec.Plaintext) != want {
			t.Errorf("decrypt: got %q, want %q", dec.Plaintext, want)
		}
		wantMID := first
		if want == "after" {
			wantMID = second
		}
		if aws.ToString(dec.KeyMaterialId) != wantMID {
			t.Errorf("blob %q names material %s, want %s", want, aws.ToString(dec.KeyMaterialId), wantMID)
		}
	}
	rots := e.rotations(id, "")
	if len(rots) != 1 || aws.ToString(rots[0].KeyMaterialId) != second || rots[0].RotationType != types.RotationTypeOnDemand ||
		rots[0].KeyMaterialState != types.KeyMaterialStateCurrent || !rots[0].RotationDate.Equal(start) {
		t.Errorf("ListKeyRotations: got %+v", rots)
	}
	all := e.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)
	if len(all) != 2 || aws.ToString(all[0].KeyMaterialId) != first || all[0].KeyMaterialState != types.KeyMaterialStateNonCurrent || all[0].RotationDate != nil {
		t.Errorf("ListKeyRotations ALL_KEY_MATERIAL: got %+v", all)
	}
}

func TestOnDemandRotationLimitIs25(t *testing.T) {
	e := newEnv(t)
	id := e.createKey(nil)
	for i := range 25 {
		if _, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)}); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
	}
	_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
	wantErr(t, err, "LimitExceededException", "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: "+arnPrefix+"key/"+id)
	// Pages of rotations cover all 25.
	seen := 0
	var marker *string
	for {
		out, err := e.svc.ListKeyRotations(e.ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(id), Limit: aws.Int32(10), Marker: marker})
		ok(t, err)
		seen += len(out.Rotations)
		if !out.Truncated {
			break
		}
		marker = out.NextMarker
	}
	if seen != 25 {
		t.Errorf("rotations listed over pages: got %d, want 25", seen)
	}
}

func TestAutomaticRotationHappensOnItsPeriod(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sweep bool
	}{
		{"lazily, on the next access", false},
		{"through Sweep", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.createKey(nil)
			_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id), RotationPeriodInDays: aws.Int32(90)})
			ok(t, err)
			first := aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId)
			old := e.encrypt(id, "old", nil)
			e.clock.Advance(90*24*time.Hour - time.Second)
			if got := aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId); got != first {
				t.Fatalf("rotated a second early")
			}
			e.clock.Advance(time.Second)
			if tc.sweep {
				res, err := e.svc.Sweep(e.ctx)
				ok(t, err)
				if res.Rotated != 1 {
					t.Errorf("Sweep rotated %d keys, want 1", res.Rotated)
				}
			}
			second := aws.ToString(e.describe(id).KeyMetadata.CurrentKeyMaterialId)
			if second == first {
				t.Fatalf("no rotation after the 90-day period")
			}
			rots := e.rotations(id, "")
			if len(rots) != 1 || rots[0].RotationType != types.RotationTypeAutomatic || !rots[0].RotationDate.Equal(start.Add(90*24*time.Hour)) {
				t.Errorf("rotations: got %+v", rots)
			}
			if st := e.rotationStatus(id); !st.NextRotationDate.Equal(start.Add(180 * 24 * time.Hour)) {
				t.Errorf("next rotation: got %v, want %v", st.NextRotationDate, start.Add(180*24*time.Hour))
			}
			// Two more periods pass at once: both rotations happen, old blobs still open.
			e.clock.Advance(180 * 24 * time.Hour)
			if n := len(e.rotations(id, "")); n != 3 {
				t.Errorf("rotations after two more periods: got %d, want 3", n)
			}
			if got, err := e.decrypt(old, nil); err != nil || got != "old" {
				t.Errorf("blob from before three rotations: got %q, %v", got, err)
			}
		})
	}
}

func TestRotationOperationsOnMissingKeys(t *testing.T) {
	e := newEnv(t)
	missing := "0b7fe8a1-7d3c-4f0e-9b52-111111111111"
	want := "Key '" + arnPrefix + "key/" + missing + "' does not exist"
	for name, call := range map[string]func() error{
		"EnableKeyRotation": func() error {
			_, err := e.svc.EnableKeyRotation(e.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(missing)})
			return err
		},
		"GetKeyRotationStatus": func() error {
			_, err := e.svc.GetKeyRotationStatus(e.ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(missing)})
			return err
		},
		"RotateKeyOnDemand": func() error {
			_, err := e.svc.RotateKeyOnDemand(e.ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(missing)})
			return err
		},
		"ListKeyRotations": func() error {
			_, err := e.svc.ListKeyRotations(e.ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(missing)})
			return err
		},
	} {
		t.Run(name+" of a missing key is not found", func(t *testing.T) {
			wantErr(t, call(), "NotFoundException", want)
		})
	}
}
