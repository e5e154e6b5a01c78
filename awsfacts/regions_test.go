package awsfacts

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestKnownRegion(t *testing.T) {
	for _, tc := range []struct {
		region string
		want   bool
	}{
		{"us-east-1", true}, {"ap-southeast-7", true}, {"cn-northwest-1", true}, {"us-gov-west-1", true},
		{"us-invalid-1", false}, {"aws-global", false}, {"eusc-de-east-1", false}, {"", false},
	} {
		if got := KnownRegion(tc.region); got != tc.want {
			t.Errorf("KnownRegion(%q): got %v, want %v", tc.region, got, tc.want)
		}
	}
}

// TestKnownRegionsAreTheSDKs compares the list with the partition metadata
// of the aws-sdk-go-v2 this module builds with, so that an SDK upgrade that
// brings a new Region fails here until the list follows.
func TestKnownRegionsAreTheSDKs(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("go list the SDK module: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Fatalf("read the SDK's partition metadata: %v", err)
	}
	var meta struct {
		Partitions []struct {
			ID      string
			Regions map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatalf("parse partitions.json: %v", err)
	}
	n := 0
	for _, p := range meta.Partitions {
		if p.ID != "aws" && p.ID != "aws-cn" && p.ID != "aws-us-gov" {
			continue
		}
		for r := range p.Regions {
			if strings.HasSuffix(r, "-global") {
				continue
			}
			n++
			if !KnownRegion(r) {
				t.Errorf("KnownRegion(%q) (partition %s in the SDK): got false, want true", r, p.ID)
			}
			if got := Partition(r); got != p.ID {
				t.Errorf("Partition(%q): got %s, want %s", r, got, p.ID)
			}
		}
	}
	if n != 40 {
		t.Errorf("got %d Regions in the SDK's aws, aws-cn and aws-us-gov partitions, want the 40 KnownRegion lists (add the new ones)", n)
	}
}
