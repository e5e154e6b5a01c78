package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate/internal/testbin"
	"github.com/kmsgate/kmsgate/loadgen"
)

// kmsgateBinary is the real kmsgate, built once by TestMain.
var kmsgateBinary string

// TestMain builds kmsgate and lets the test binary act as loadgen's floor
// sub-mode, so the bench below spawns real processes of both.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	testbin.Main(m, "../kmsgate", &kmsgateBinary)
}

func TestBenchAgainstKmsgate(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"--kmsgate", kmsgateBinary, "--duration", "300ms", "--warmup", "50ms", "--rounds", "2", "--clients", "4", "--blobs", "2", "--starts", "2", "--json"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs.String())
	}
	var rep loadgen.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, out.String())
	}
	if len(rep.Operations) != 3 {
		t.Fatalf("got %d operations, want 3", len(rep.Operations))
	}
	for i, want := range []string{"GenerateDataKey", "Encrypt", "Decrypt"} {
		o := rep.Operations[i]
		t.Run(want+" was measured on both sides without errors", func(t *testing.T) {
			if o.Operation != want {
				t.Fatalf("got %s, want %s", o.Operation, want)
			}
			for name, s := range map[string]loadgen.Stats{"kmsgate": o.Kmsgate, "floor": o.Floor} {
				if s.Requests == 0 || s.Errors != 0 || s.ReqPerSec <= 0 || s.P99Ms < s.P50Ms {
					t.Errorf("%s: got %+v", name, s)
				}
			}
			if o.Ratio <= 0 {
				t.Errorf("got ratio %v", o.Ratio)
			}
		})
	}
	if len(rep.StartRunsMs) != 2 {
		t.Errorf("got %d start measurements, want 2", len(rep.StartRunsMs))
	}
	if rep.StartMs <= 0 || rep.RSSBytes <= 0 || rep.FloorRSSBytes <= 0 || rep.Clients != 4 {
		t.Errorf("got start %v ms, RSS %d, floor RSS %d, clients %d", rep.StartMs, rep.RSSBytes, rep.FloorRSSBytes, rep.Clients)
	}
}

func TestBenchErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a missing kmsgate binary", []string{"--kmsgate", "/nonexistent/kmsgate"}, 1, "build it, or pass --kmsgate PATH"},
		{"a binary that does not serve", []string{"--kmsgate", "/bin/false", "--duration", "100ms"}, 1, "exited before answering"},
		{"zero clients", []string{"--clients", "0"}, 2, "must be positive"},
		{"a stray argument", []string{"extra"}, 2, `unexpected argument "extra"`},
		{"a floor on a non-loopback address", []string{"floor", "--listen", "10.1.2.3:80"}, 2, "not a loopback address"},
	}
	for _, c := range cases {
		t.Run(c.name+" fails clearly", func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(c.args, &out, &errs); code != c.code || !strings.Contains(errs.String(), c.want) {
				t.Errorf("got exit %d, stderr %q; want %d and %q", code, errs.String(), c.code, c.want)
			}
		})
	}
}

// --gate runs kmsgate with --auth verify --policy-mode enforce and the
// seed's policy: every signed call of the load must be allowed (no errors).
func TestBenchAgainstTheGate(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"--kmsgate", kmsgateBinary, "--gate", "--duration", "200ms", "--warmup", "20ms", "--rounds", "2", "--clients", "2", "--blobs", "2", "--starts", "1", "--json"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs.String())
	}
	var rep loadgen.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, out.String())
	}
	if len(rep.Operations) != 3 || !strings.Contains(rep.Kmsgate, "--gate: --auth verify --policy-mode enforce") {
		t.Fatalf("got %d operations for %q, want 3 under --gate", len(rep.Operations), rep.Kmsgate)
	}
	for _, o := range rep.Operations {
		if o.Kmsgate.Requests == 0 || o.Kmsgate.Errors != 0 || o.Floor.Requests == 0 || o.Floor.Errors != 0 {
			t.Errorf("%s: got kmsgate %+v floor %+v, want requests and no errors (signed, allowed by the seed's policy)", o.Operation, o.Kmsgate, o.Floor)
		}
		wantTarget := o.Operation == loadgen.OpGenerateDataKey
		if (o.RatioTarget != nil) != wantTarget || (wantTarget && *o.RatioTarget != loadgen.TargetGateRatio) {
			t.Errorf("%s: got ratio target %v, want the gate's %v on GenerateDataKey only", o.Operation, o.RatioTarget, loadgen.TargetGateRatio)
		}
	}
}

// --gate-checks picks what kmsgate checks of the signed load, so that the
// cost of verify and of enforce shows apart; an unknown check is refused.
func TestGateChecksPickWhatKmsgateChecks(t *testing.T) {
	for _, tc := range []struct {
		checks, wantServer string
		wantCode           int
	}{
		{"verify", "--auth verify --policy-mode off", 0},
		{"enforce", "--auth off --policy-mode enforce", 0},
		{"none", "--auth off --policy-mode off", 0},
		{"verify,sign", "", 2},
	} {
		t.Run(tc.checks, func(t *testing.T) {
			var out, errs bytes.Buffer
			code := run([]string{"--kmsgate", kmsgateBinary, "--gate", "--gate-checks", tc.checks, "--duration", "100ms", "--warmup", "0s", "--rounds", "1", "--clients", "2", "--blobs", "1", "--starts", "1", "--json"}, &out, &errs)
			if code != tc.wantCode {
				t.Fatalf("got exit %d, want %d; stderr:\n%s", code, tc.wantCode, errs.String())
			}
			if code != 0 {
				return
			}
			var rep loadgen.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rep.Kmsgate, tc.wantServer) {
				t.Errorf("got %q, want it to name %q", rep.Kmsgate, tc.wantServer)
			}
			for _, o := range rep.Operations {
				if o.Kmsgate.Errors != 0 || o.RatioTarget != nil {
					t.Errorf("%s: got %d errors and target %v, want no errors and no target", o.Operation, o.Kmsgate.Errors, o.RatioTarget)
				}
			}
		})
	}
}
