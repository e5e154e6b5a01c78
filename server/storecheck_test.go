package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/rs/zerolog"

	"github.com/kmsgate/kmsgate/internal/syncbuf"
	"github.com/kmsgate/kmsgate/storage"
	"github.com/kmsgate/kmsgate/storage/storagetest"
)

// storeWithKeys makes a store of n keys (with long descriptions, so that
// their records span many pages), closed, and returns its config and the
// key ids.
func storeWithKeys(t *testing.T, n int) (Config, []string) {
	t.Helper()
	cfg := config(t)
	s := startT(t, cfg)
	var ids []string
	for range n {
		out, err := s.Emulator().CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String(strings.Repeat("d", 2000))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *out.KeyMetadata.KeyId)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg, ids
}

type health struct {
	status int
	Status string
	Store  struct{ Check, Error string }
}

func getHealth(t *testing.T, s *Server) health {
	t.Helper()
	res, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	h := health{status: res.StatusCode}
	body, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("/healthz: %v: %s", err, body)
	}
	return h
}

// waitCheck asks /healthz until the store check is no longer running (for
// at most a failsafe far beyond the walk of a store this small).
func waitCheck(t *testing.T, s *Server) health {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		h := getHealth(t, s)
		if h.Store.Check != checkRunning {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatal("the background store check still runs after a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// metricValue is the value of an unlabelled series in GET /metrics.
func metricValue(t *testing.T, s *Server, name string) string {
	t.Helper()
	res, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return ""
}

// TestStoreCheckModesOnADamagedDataPage starts kmsgate on a store with a
// damaged data page in each --check mode: full refuses it; quick serves
// it, and its background walk finds the damage (log line, /healthz 503,
// kmsgate_store_damaged 1); off serves it and says nothing. In every mode
// that serves, a call reading the damaged page answers
// KMSInternalException, the others answer, and the server lives on.
func TestStoreCheckModesOnADamagedDataPage(t *testing.T) {
	pristine, ids := storeWithKeys(t, 40)
	raw, err := os.ReadFile(pristine.DataPath)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(pristine.DataPath + ".rootkey")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode        storage.CheckMode
		wantCheck   string
		wantStatus  int
		wantDamaged string
		wantLog     bool
	}{
		{storage.CheckFull, "", 0, "", false},
		{storage.CheckQuick, checkDamaged, http.StatusServiceUnavailable, "1", true},
		{storage.CheckOff, checkOff, http.StatusOK, "0", false},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			cfg := config(t)
			if err := os.WriteFile(cfg.DataPath, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfg.DataPath+".rootkey", key, 0o600); err != nil {
				t.Fatal(err)
			}
			storagetest.DamageFirstLeaf(t, cfg.DataPath, "emulator.keys")
			var logs syncbuf.Buffer
			cfg.Logger = zerolog.New(&logs)
			cfg.Check = tc.mode
			if tc.mode == storage.CheckFull {
				_, err := Start(context.Background(), cfg)
				var de *storage.DamagedError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), "neither branch nor leaf") {
					t.Fatalf("got %v, want the store refused as damaged", err)
				}
				return
			}
			s := startT(t, cfg)
			h := waitCheck(t, s)
			if h.status != tc.wantStatus || h.Store.Check != tc.wantCheck {
				t.Errorf("/healthz: got %d check %q, want %d check %q", h.status, h.Store.Check, tc.wantStatus, tc.wantCheck)
			}
			if tc.wantLog && (!strings.Contains(h.Store.Error, "is damaged: ") || !strings.Contains(h.Store.Error, "neither branch nor leaf")) {
				t.Errorf("/healthz: got error %q, want the damage named", h.Store.Error)
			}
			if got := metricValue(t, s, "kmsgate_store_damaged"); got != tc.wantDamaged {
				t.Errorf("kmsgate_store_damaged: got %s, want %s", got, tc.wantDamaged)
			}
			if got := metricValue(t, s, "kmsgate_store_check_running"); got != "0" {
				t.Errorf("kmsgate_store_check_running: got %s, want 0", got)
			}
			logged := false
			for line := range strings.Lines(logs.String()) {
				var e struct{ Level, Message, Cause string }
				if json.Unmarshal([]byte(line), &e) == nil && e.Level == "error" && strings.HasPrefix(e.Message, "STORE DAMAGED: store "+cfg.DataPath+" is damaged: ") && strings.Contains(e.Cause, "neither branch nor leaf") {
					logged = true
				}
			}
			if logged != tc.wantLog {
				t.Errorf("got the damage logged %v, want %v; log:\n%s", logged, tc.wantLog, logs.String())
			}
			client := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}})
			internal, ok := 0, 0
			for _, id := range ids {
				_, err := client.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(id)})
				var ae interface{ ErrorCode() string }
				switch {
				case err == nil:
					ok++
				case errors.As(err, &ae) && ae.ErrorCode() == "KMSInternalException":
					internal++
				default:
					t.Errorf("DescribeKey %s: got %v, want success or KMSInternalException", id, err)
				}
			}
			if internal == 0 || ok == 0 {
				t.Errorf("got %d keys described and %d KMSInternalException, want both (the keys on the damaged page fail, the others answer)", ok, internal)
			}
			if got := getHealth(t, s); got.status != tc.wantStatus {
				t.Errorf("/healthz after the calls: got %d, want %d", got.status, tc.wantStatus)
			}
		})
	}
}

// TestStoreCheckPassesOnASoundStore: the default check of a sound store ends
// "passed", /healthz stays 200 and nothing is counted as damage.
func TestStoreCheckPassesOnASoundStore(t *testing.T) {
	cfg, _ := storeWithKeys(t, 20)
	var logs syncbuf.Buffer
	cfg.Logger = zerolog.New(&logs)
	s := startT(t, cfg)
	h := waitCheck(t, s)
	if h.status != http.StatusOK || h.Store.Check != checkPassed || h.Store.Error != "" {
		t.Errorf("/healthz: got %d %+v, want 200 check %q", h.status, h.Store, checkPassed)
	}
	if got := metricValue(t, s, "kmsgate_store_damaged"); got != "0" {
		t.Errorf("kmsgate_store_damaged: got %s, want 0", got)
	}
	if !strings.Contains(logs.String(), "store checked in the background: every page is sound") {
		t.Errorf("got log:\n%s\nwant the check's end logged", logs.String())
	}
}
